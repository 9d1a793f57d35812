// The demo's server, alone or under `defer-accept wrap --filter httpready`: started, waited for
// until its workers accept, and stopped by pid (the wrapper and the server it started).
import {spawn, type ChildProcess} from 'node:child_process'

import {DeferAcceptError} from '../errors.js'
import {packagePath} from '../package-root.js'

export type Variant = 'bare' | 'defer-accept'

export interface ServerOptions {
  variant: Variant
  workers: number
  /** The server exits by itself after this long, should the demo itself be killed. */
  lifetimeSeconds: number
  /** Seconds the engine parks an incomplete request before it drops it. */
  parkSeconds: number
  signal: AbortSignal
}

export interface RunningServer {
  port: number
  stop: () => Promise<void>
}

const SCRIPT = packagePath('src', 'demo', 'pool_server.py')
const CLI = packagePath('bin', 'run.js')
const START_MS = 15_000
const STOP_MS = 3000

function command(options: ServerOptions): [string, string[]] {
  const server = ['python3', SCRIPT, String(options.workers), String(options.lifetimeSeconds)]
  if (options.variant === 'bare') return [server[0], server.slice(1)]
  const wrap = ['wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--timeout', String(options.parkSeconds), '--on-timeout', 'drop']
  return [process.execPath, [CLI, ...wrap, '--', ...server]]
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const [file, args] = command(options)
  const child = spawn(file, args, {stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  let serverPid: number | undefined
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const stop = async () => {
    // The wrapper forwards SIGTERM to the server; the server's pid is signalled too in case the
    // wrapper is already gone, and both are killed outright if they outlive STOP_MS.
    if (serverPid) killPid(serverPid, 'SIGTERM')
    if (alive(child)) child.kill('SIGTERM')
    const limit = setTimeout(() => {
      if (serverPid) killPid(serverPid, 'SIGKILL')
      child.kill('SIGKILL')
    }, STOP_MS)
    await exited
    clearTimeout(limit)
  }
  const port = await new Promise<number>((resolve, reject) => {
    const fail = (why: string) => {
      cleanup()
      void stop()
      reject(new DeferAcceptError('INTERNAL', `the demo's ${options.variant} server did not start: ${why}`, 'run `npm run build` (the engine and its preload library are built by make -C native)'))
    }
    const onData = (chunk: Buffer) => {
      output += chunk
      const ready = output.match(/^ready (\d+) (\d+)$/m)
      if (!ready) return
      serverPid = Number(ready[2])
      cleanup()
      resolve(Number(ready[1]))
    }
    const onClose = () => fail(`it exited\n${output.trim()}`)
    const onAbort = () => fail('interrupted')
    const timer = setTimeout(() => fail(`no "ready" line within ${START_MS / 1000} s\n${output.trim()}`), START_MS)
    const cleanup = () => {
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      child.stderr!.off('data', onData)
      child.off('close', onClose)
      options.signal.removeEventListener('abort', onAbort)
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('close', onClose)
    options.signal.addEventListener('abort', onAbort, {once: true})
  })
  // Keep draining the pipes so a chatty server never blocks on a full one.
  child.stdout!.resume()
  child.stderr!.resume()
  return {port, stop}
}
