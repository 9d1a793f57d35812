// The engine, from the control plane's side. API for the wrapper:
//   enginePath(), preloadPath(), launcherPath()  native/build/ paths; DeferAcceptError ENGINE_FAILED if not built
//   listEngineFilters()              the engine's built-in filters [{name, summary, usage, abi}] (native/build/filters.json)
//   checkChain(chain, pluginDir?)    null, or the engine's one-line reason the chain is wrong
//   startEngine({channels, controlFd, channelDefaults, maxParked, pluginDir, user, log}) -> Engine:
//     passes the descriptors (as 3, 4, ... in the child), restarts the engine 10 ms after it dies
//     by a signal or a non-zero status (not after exit 2, bad arguments, nor after 5 deaths in
//     10 s), stops restarting once it exits 0 (every server closed its end of every channel).
//     as root the engine becomes `user` and filters its system calls (seccomp).
//   engineUser(requested)            that user: the one asked for, else `defer-accept` (made on first use)
//     engine.pid, engine.stop(), engine.finished() -> {code, signal}, events 'restart', 'exit'.
//     Keep the engine's channel ends and the pages open while it runs: a restarted engine gets
//     the same ones. Channels made by `channel` requests (SO_ACCEPTFILTER) die with an engine.
//   readStats(controlPath)           the engine's counters (EngineStats, native/README.md)
export {enginePath, launcherPath, preloadPath} from './paths.js'
export {checkChain, listEngineFilters, readStats, type EngineFilter, type EngineStats} from './query.js'
export {Engine, engineCommand, startEngine, type EngineExit, type EngineChannel, type EngineOptions} from './supervisor.js'
export {ENGINE_USER, engineUser} from './user.js'
