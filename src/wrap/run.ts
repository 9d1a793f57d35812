// `wrap` and `enable -- SERVER`: configure every listener, start the engine where one is needed,
// start the server with socket activation, forward signals, and report the server's status.
// The server keeps its real listening sockets; where a filter runs in the server's accept (the
// preload), each filtered port gets a channel and a counters page (native/README.md). The wrapper
// keeps the engine's ends of the channels and the pages for as long as it runs, so the engine can
// be restarted without the server noticing.
import type {ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import type {Readable} from 'node:stream'
import {setTimeout as delay} from 'node:timers/promises'

import {exitStatus, FORWARDED_SIGNALS, forwardSignals, inheritedAt, launch, resolveCommand} from '../activation/launch.js'
import {engineUser, launcherPath, preloadPath, readStats, startEngine, type Engine, type EngineChannel, type EngineExit} from '../engine/index.js'
import {DeferAcceptError} from '../errors.js'
import {socketCalls} from '../platform/libc.js'
import type {KernelFilterState, PlatformAdapter} from '../platform/types.js'
import {parseMetricsAddress} from '../metrics/address.js'
import type {MetricsServer} from '../metrics/server.js'
import {openChannel, openControlSocket} from './channels.js'
import {watchInForce, type WatchedPort} from './in-force.js'
import type {Listener} from './listeners.js'
import {launcherStatus, seccompUnavailable, serverMode, whySeccomp, type ServerMode} from './mode.js'
import {openPage, passEverything} from './page.js'
import type {OnTimeout, Plan} from './plan.js'

export interface RunOptions {
  command: string | undefined
  args: string[]
  plan: Plan
  /** LISTEN_FDNAMES for the server, one per placement (inherited names, or the address). */
  names: string[]
  timeoutSeconds: number
  onTimeout?: OnTimeout
  backlog: number
  maxParked?: number
  pluginDir?: string
  /** The engine's --user (who it becomes when started as root). */
  engineUser?: string
  /** An engine given up after repeated deaths: stop the server (default), or serve unfiltered. */
  onEngineFailure?: 'stop' | 'pass'
  /** Where each listener stands, one line each, for stderr. */
  report: (line: string) => void
  /** metrics: serve GET /metrics on this address (src/metrics/). */
  metrics?: string
  /** Where a filter the kernel lacks runs: the preload or the seccomp launcher (default: by the program). */
  mode?: ServerMode
}

// How long an engine gets to notice that the last channel's server end closed and exit (it takes
// one pass of its loop: well under this, even on a loaded machine).
const ENGINE_EXIT_GRACE_MS = 300

function describeKernel(listener: Listener, state: KernelFilterState, requested: number): string {
  const timeout = state.effectiveSeconds !== undefined ? ` ${requested} s, effective ${state.effectiveSeconds} s` : state.note ? `; ${state.note}` : ''
  return `${listener.address}: ${state.filter} in the kernel (${state.kernelName}${timeout})`
}

/** One filtered port: its channel's two ends, its page, and its chain. */
interface Channel extends EngineChannel, WatchedPort {
  serverEnd: number
}

/** What the server is given, and what the engine serves. */
interface DataPlane {
  /** The real listeners, as 3, 4, ... in the server. */
  serverSockets: Array<{fd: number; name: string}>
  channels: Channel[]
  /** The server's numbers of the listeners its accept filters (DEFER_ACCEPT_LISTENERS). */
  filtered: number[]
}

function channelFor(plane: DataPlane, port: number, chain: string, options: RunOptions, address?: string): void {
  const bindMode = address === undefined
  const known = plane.channels.find((channel) => channel.port === port)
  if (known) {
    if (known.chain === chain) return
    throw new DeferAcceptError('USAGE', `port ${port} is given two filters (${known.chain}, ${chain})`, 'listeners on one port share one filter: give them the same --filter')
  }
  const [channelFd, serverEnd] = openChannel()
  const pageFd = openPage({chain, timeoutMs: options.timeoutSeconds * 1000, passOnTimeout: options.onTimeout === 'pass', address})
  plane.channels.push({port, bindMode, chain, channelFd, serverEnd, pageFd, backlog: options.backlog})
}

function dataPlane(adapter: PlatformAdapter, options: RunOptions): DataPlane {
  const plane: DataPlane = {serverSockets: [], channels: [], filtered: []}
  const then = options.onTimeout ?? 'drop'
  options.plan.placements.forEach((placement, index) => {
    plane.serverSockets.push({fd: placement.listener.fd, name: options.names[index]})
    if (placement.where !== 'engine') return
    // The kernel holds a client that has not sent yet; the chain decides on what it sent.
    adapter.attach(placement.listener.fd, {name: 'dataready'}, options.timeoutSeconds)
    channelFor(plane, placement.listener.port, placement.chain, options, placement.listener.address)
    plane.filtered.push(3 + index)
    options.report(`${placement.listener.address}: ${placement.chain} in the server's accept (timeout ${options.timeoutSeconds} s, then ${then})`)
  })
  for (const rule of options.plan.bindRules) {
    channelFor(plane, rule.port, rule.chain, options)
    options.report(`port ${rule.port} (bound by the server): ${rule.chain} in the server's accept (timeout ${options.timeoutSeconds} s, then ${then})`)
  }
  return plane
}

/** The preload's environment (native/README.md) for the descriptors launch() places. */
function preloadEnv(plane: DataPlane, controlPath: string, pluginDir: string | undefined): Record<string, string> {
  const at = (index: number) => inheritedAt(plane.serverSockets.length, index)
  const env: Record<string, string> = {
    LD_PRELOAD: [preloadPath(), process.env.LD_PRELOAD].filter(Boolean).join(':'),
    DEFER_ACCEPT_CONTROL: controlPath,
    DEFER_ACCEPT_PORTS: plane.channels.map((channel, i) => `${channel.port}@${at(2 * i)},${at(2 * i + 1)}=${channel.chain}`).join(';'),
  }
  if (plane.filtered.length > 0) env.DEFER_ACCEPT_LISTENERS = plane.filtered.join(',')
  if (pluginDir !== undefined) env.DEFER_ACCEPT_PLUGIN_DIR = pluginDir
  return env
}

/** The launcher's command line (native/README.md, "The launcher") for the same descriptors. */
function launcherArgs(plane: DataPlane, statusFd: number, command: string, options: RunOptions): string[] {
  const at = (index: number) => inheritedAt(plane.serverSockets.length, index)
  const args = ['--ports', plane.channels.map((channel, i) => `${channel.port}@${at(2 * i)},${at(2 * i + 1)}=${channel.chain}`).join(';'), '--status-fd', String(statusFd)]
  if (plane.filtered.length > 0) args.push('--listeners', plane.filtered.join(','))
  if (options.pluginDir !== undefined) args.push('--plugin-dir', options.pluginDir)
  return [...args, '--', command, ...options.args]
}

function applyKernelFilters(adapter: PlatformAdapter, options: RunOptions): void {
  for (const placement of options.plan.placements) {
    if (placement.where === 'kernel') {
      const state = adapter.attach(placement.listener.fd, placement.filter, options.timeoutSeconds)
      options.report(describeKernel(placement.listener, state, options.timeoutSeconds))
    } else if (placement.where === 'none') {
      options.report(`${placement.listener.address}: no filter`)
    }
  }
}

/** Everything that can fail because of the user's input happens before the server starts. */
export async function run(adapter: PlatformAdapter, options: RunOptions): Promise<number> {
  const command = resolveCommand(options.command)
  const needsEngine = options.plan.placements.some((p) => p.where === 'engine') || options.plan.bindRules.length > 0
  const mode = needsEngine ? serverMode(command, options.mode) : 'preload'
  // metrics: a bad address fails here, before anything starts.
  const metricsAddress = options.metrics === undefined ? undefined : parseMetricsAddress(options.metrics)
  applyKernelFilters(adapter, options)
  let plane: DataPlane | undefined
  let control: ReturnType<typeof openControlSocket> | undefined
  let metrics: MetricsServer | undefined
  try {
    plane = dataPlane(adapter, options)
    // metrics: loaded only when asked for (start-up time); read from the pages, never the engine.
    if (metricsAddress) {
      metrics = await (await import('../metrics/server.js')).serveMetrics(metricsAddress, plane.channels)
      options.report(`metrics at ${metrics.url}`)
    }
    let env: Record<string, string> = {}
    let engine: Engine | undefined
    if (needsEngine) {
      control = openControlSocket()
      engine = startEngine({
        channels: plane.channels,
        controlFd: control.fd,
        channelDefaults: {timeoutMs: options.timeoutSeconds * 1000, onTimeout: options.onTimeout ?? 'drop'},
        maxParked: options.maxParked,
        pluginDir: options.pluginDir,
        user: engineUser(options.engineUser),
      })
      engine.on('restart', (exit: EngineExit) => options.report(`the engine died (${describeExit(exit)}); a new one takes its channels (what it had parked is lost, and counted)`))
      if (mode === 'preload') env = preloadEnv(plane, control.path, options.pluginDir)
    }
    const inherited = plane.channels.flatMap((channel) => [channel.serverEnd, channel.pageFd])
    const seccomp = mode === 'seccomp'
    const statusFd = inheritedAt(plane.serverSockets.length, inherited.length)
    if (seccomp) options.report(`${command} runs under the seccomp launcher, which answers its accept() calls (${whySeccomp(command, options.mode)})`)
    const server = seccomp
      ? launch({command: launcherPath(), args: launcherArgs(plane, statusFd, command, options), sockets: plane.serverSockets, inherited, env, statusPipe: true})
      : launch({command, args: options.args, sockets: plane.serverSockets, inherited, env})
    const status = seccomp ? launcherStatus(server.stdio[statusFd] as Readable | null) : Promise.resolve('')
    // The server holds its ends now; the engine sees a channel hang up only once no process has it.
    for (const channel of plane.channels) {
      socketCalls.close(channel.serverEnd)
      channel.serverEnd = -1
    }
    const stopForwarding = forwardSignals(server)
    const inForce = watchInForce(plane.channels)
    const exited = once(server, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
    const lost = engine ? engineGivenUp(engine) : new Promise<never>(() => {})
    const problem = await Promise.race([exited.then(() => undefined), inForce.missing.then((port) => notInForce(port, command, mode)), lost.then((exit) => engineLost(exit, options.onEngineFailure))])
    inForce.stop()
    if (problem === 'pass') {
      // First, so that what the line says is already true when it is read.
      for (const channel of plane.channels) unfiltered(channel)
      options.report('the engine was given up: every connection is now handed to the server unfiltered (--on-engine-failure pass)')
    } else if (problem) {
      options.report(`${problem.message}; stopping the server`)
      await stopServer(server, exited)
    }
    const [code, signal] = await exited
    stopForwarding()
    if (engine) await drain(engine, control!.path)
    if (problem instanceof DeferAcceptError) throw problem
    const unavailable = seccomp ? seccompUnavailable(code, await status, command) : undefined
    if (unavailable) throw unavailable
    return exitStatus(code, signal)
  } finally {
    await metrics?.close() // metrics: before the pages it reads are closed
    for (const channel of plane?.channels ?? []) {
      for (const fd of [channel.channelFd, channel.serverEnd, channel.pageFd]) if (fd >= 0) socketCalls.close(fd)
    }
    if (control) {
      // The path first: inspect takes a path with a live wrapper for an engine to ask.
      control.remove()
      socketCalls.close(control.fd)
    }
  }
}

// A server told to stop gets this long before it is killed.
const STOP_GRACE_MS = 5000

/** TERM to the server's process group (it is a group of its own), KILL after the grace. */
async function stopServer(server: ChildProcess, exited: Promise<unknown>): Promise<void> {
  const group = -server.pid!
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(group, name)
    } catch {
      // gone already
    }
  }
  signal('SIGTERM')
  const timer = setTimeout(() => signal('SIGKILL'), STOP_GRACE_MS)
  await exited
  clearTimeout(timer)
}

const describeExit = (exit: EngineExit) => (exit.signal ? `signal ${exit.signal}` : `status ${exit.code}`)

/** Resolves with the engine's last exit once the supervisor stops restarting it after failures;
 *  never for an engine that finished (exit 0: every server closed its channels). */
function engineGivenUp(engine: Engine): Promise<EngineExit> {
  return engine.finished().then((exit) => (exit.code === 0 ? new Promise<never>(() => {}) : exit))
}

function engineLost(exit: EngineExit, onFailure: RunOptions['onEngineFailure']): DeferAcceptError | 'pass' {
  if (onFailure === 'pass') return 'pass'
  return new DeferAcceptError('ENGINE_LOST', `the engine kept dying (last: ${describeExit(exit)}) and was given up, so connections not ready at accept could no longer be parked`, "see the engine's messages above; to serve unfiltered when that happens, --on-engine-failure pass")
}

/** No engine will read the channel again: the preload's sends fail at once and, with the page's
 *  outcome set to pass, it hands each connection to the server as it comes. */
function unfiltered(channel: Channel): void {
  passEverything(channel.pageFd)
  socketCalls.close(channel.channelFd)
  channel.channelFd = -1
}

function notInForce(port: WatchedPort, command: string, mode: ServerMode): DeferAcceptError {
  const how = port.bindMode ? `listens on port ${port.port}` : `was given the listener of port ${port.port}`
  if (mode === 'seccomp') {
    return new DeferAcceptError(
      'FILTER_NOT_IN_FORCE',
      `${command} ${how}, but its listen() and accept() never reached the seccomp launcher, so the filter was not in force; the server was stopped. It runs in another ABI than the launcher (32-bit), or the launcher could not take its listener (see its messages above)`,
      'use --filter dataready, which the kernel applies to any server (TCP_DEFER_ACCEPT), or put a proxy in front of this server',
    )
  }
  return new DeferAcceptError(
    'FILTER_NOT_IN_FORCE',
    `${command} ${how}, but its accept() never went through the preload library, so the filter was not in force; the server was stopped. It makes its own system calls (Go programs do) or does not load the preload`,
    'use --mode seccomp (the launcher answers its accept() calls: Go and static programs get it by default), --filter dataready, which the kernel applies to any server (TCP_DEFER_ACCEPT), or put a proxy in front of this server',
  )
}

/**
 * After the server exited. A daemonizing server (nginx `daemon on`) exits while its workers still
 * hold the channels: the engine parks for them until the last one closes (it then exits by
 * itself), and we wait for it. When no process holds one any more, the engine is stopped now; a
 * signal to us while we wait stops it too.
 */
async function drain(engine: Engine, controlPath: string): Promise<void> {
  // The server's exit usually closed the last channel, and the engine exits by itself at
  // once; only a silent engine is asked (we hold its control socket too, so a question to an engine
  // that is gone would wait for the answer's time limit).
  const settled = await Promise.race([engine.finished().then(() => true), delay(ENGINE_EXIT_GRACE_MS).then(() => false)])
  if (settled) return
  const stats = await readStats(controlPath).catch(() => undefined)
  if (!stats?.listeners.some((listener) => !listener.server_closed)) {
    await engine.stop()
    return
  }
  const stop = () => void engine.stop()
  for (const signal of FORWARDED_SIGNALS) process.once(signal, stop)
  await engine.finished()
  for (const signal of FORWARDED_SIGNALS) process.off(signal, stop)
}
