// Runs da-engine and keeps it running: the wrapper holds the engine's ends of the channels and
// the counters pages, so a restarted engine picks up where the dead one stopped (only the
// connections it had parked are lost, and counted; what servers sent meanwhile waits in the
// channel, and the servers' own accepts never notice).
import {spawn, type ChildProcess} from 'node:child_process'
import {EventEmitter} from 'node:events'
import {createInterface} from 'node:readline'

import {enginePath} from './paths.js'

// A pause, so that an engine that dies at once does not spin; the crash limit below stops it for good.
// Short: the restart goal is 200 ms (issue 6) and spawning the engine takes part of it.
const RESTART_DELAY_MS = 10
// An engine that dies this often this fast will not get better by restarting.
const CRASH_LIMIT = 5
const CRASH_WINDOW_MS = 10_000
// Exit status 2 is bad arguments (native/README.md): the same arguments fail again.
const EXIT_USAGE = 2

/** One filtered port: the engine's end of its channel, its counters page (which says the
 *  deadline and its outcome), and the chain parked connections are judged by. */
export interface EngineChannel {
  channelFd: number
  pageFd: number
  chain: string
  /** Ready connections the channel holds for servers that are not accepting. */
  backlog: number
}

export interface EngineOptions {
  channels: EngineChannel[]
  controlFd?: number
  maxParked?: number
  pluginDir?: string
  /** Who the engine becomes once its sockets are set up, when started as root (user.ts). */
  user?: string
  /** Deadline and outcome of the channels a server asks for itself (SO_ACCEPTFILTER). */
  channelDefaults?: {timeoutMs: number; onTimeout: 'drop' | 'pass'}
  /** Where the engine's stderr goes, line by line (default: this process's stderr, prefixed). */
  log?: (line: string) => void
}

/** How the last engine ended: code 0 is done; anything else is a failure it did not recover from. */
export interface EngineExit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** The descriptors to pass, in order, and the engine's arguments naming them as 3, 4, ... */
export function engineCommand(options: EngineOptions): {fds: number[]; args: string[]} {
  const fds: number[] = []
  const at = (fd: number) => {
    if (!fds.includes(fd)) fds.push(fd)
    return 3 + fds.indexOf(fd)
  }
  const args: string[] = []
  if (options.controlFd !== undefined) args.push('--control', String(at(options.controlFd)))
  if (options.channelDefaults) {
    const {timeoutMs, onTimeout} = options.channelDefaults
    args.push('--channel-defaults', `timeout=${timeoutMs} on-timeout=${onTimeout}`)
  }
  if (options.maxParked !== undefined) args.push('--max-parked', String(options.maxParked))
  if (options.pluginDir !== undefined) args.push('--plugin-dir', options.pluginDir)
  if (options.user !== undefined) args.push('--user', options.user)
  for (const channel of options.channels) {
    args.push('--channel', `channel=${at(channel.channelFd)} page=${at(channel.pageFd)} chain=${channel.chain} backlog=${channel.backlog}`)
  }
  return {fds, args}
}

/** Events: 'restart' (EngineExit of the engine that died, before the next starts), 'exit' (EngineExit, final). */
export class Engine extends EventEmitter {
  private child?: ChildProcess
  private stopping = false
  private ended = false
  private crashes: number[] = []
  private readonly done: Promise<EngineExit>
  private finish!: (exit: EngineExit) => void
  private readonly command: {fds: number[]; args: string[]}

  constructor(private readonly options: EngineOptions) {
    super()
    this.command = engineCommand(options)
    this.done = new Promise((resolve) => (this.finish = resolve))
    this.spawnOne()
  }

  /** The running engine's pid (undefined between a death and its restart). */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined
  }

  /** Resolves when the engine has exited for good. */
  finished(): Promise<EngineExit> {
    return this.done
  }

  /** Stops the engine (SIGTERM) and does not restart it. */
  async stop(): Promise<EngineExit> {
    this.stopping = true
    if (this.pid !== undefined) this.child!.kill('SIGTERM')
    else if (!this.ended) this.end({code: null, signal: 'SIGTERM'})
    return this.done
  }

  private end(exit: EngineExit): void {
    this.ended = true
    this.child = undefined
    this.finish(exit)
    this.emit('exit', exit)
  }

  private spawnOne(): void {
    // A process group of its own: a Ctrl-C on the terminal is for the wrapper, which forwards it
    // to the server; the engine must not die of it (the server may still be draining).
    const child = spawn(enginePath(), this.command.args, {stdio: ['ignore', 'ignore', 'pipe', ...this.command.fds], detached: true})
    this.child = child
    const log = this.options.log ?? ((line: string) => process.stderr.write(`defer-accept engine: ${line}\n`))
    createInterface({input: child.stderr!}).on('line', log)
    child.on('error', (error) => {
      log(`cannot start ${enginePath()}: ${error.message}`)
      this.end({code: null, signal: null})
    })
    child.on('exit', (code, signal) => this.exited({code, signal}))
  }

  private exited(exit: EngineExit): void {
    const now = Date.now()
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now]
    if (this.stopping || exit.code === 0 || exit.code === EXIT_USAGE || this.crashes.length >= CRASH_LIMIT) {
      this.end(exit)
      return
    }
    this.emit('restart', exit)
    setTimeout(() => this.stopping || this.spawnOne(), RESTART_DELAY_MS)
  }
}

/** Starts the engine under supervision. */
export function startEngine(options: EngineOptions): Engine {
  return new Engine(options)
}
