// Running the real CLI as a child process, bounded in time, stopped by its pid.
import {spawn, type ChildProcess} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const CLI = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))

export interface Finished {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface Running {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Resolves once stderr has a line matching pattern; rejects on exit or after the timeout. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>
  finished: Promise<Finished>
  stop: (signal?: NodeJS.Signals) => Promise<Finished>
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** Descriptors the child gets as 3, 4, ... */
  fds?: number[]
}

export function start(command: string, args: string[], options: StartOptions = {}): Running {
  const child = spawn(command, args, {env: {...process.env, ...options.env}, stdio: ['ignore', 'pipe', 'pipe', ...(options.fds ?? [])]})
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const limit = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 25_000)
  // 'exit', not 'close': a server the wrapper started may hold our pipes after the wrapper is gone.
  const finished = new Promise<Finished>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(limit)
      setImmediate(() => resolve({code, signal, stdout, stderr}))
    }),
  )
  const waitFor = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = stderr.match(pattern) ?? stdout.match(pattern)
        if (match) {
          cleanup()
          resolve(match)
        }
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`timed out waiting for ${pattern}; stderr: ${stderr}; stdout: ${stdout}`))
      }, timeoutMs)
      const onExit = () => {
        check()
        cleanup()
        reject(new Error(`exited before ${pattern}; stderr: ${stderr}; stdout: ${stdout}`))
      }
      const cleanup = () => {
        clearTimeout(timer)
        child.stderr!.off('data', check)
        child.stdout!.off('data', check)
        child.off('exit', onExit)
      }
      child.stderr!.on('data', check)
      child.stdout!.on('data', check)
      child.once('exit', onExit)
      check()
    })
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    return finished
  }
  return {child, stdout: () => stdout, stderr: () => stderr, waitFor, finished, stop}
}

export function cli(args: string[], options: StartOptions = {}): Running {
  return start(process.execPath, [CLI, ...args], options)
}

export async function runCli(args: string[], options: StartOptions = {}): Promise<Finished> {
  return cli(args, options).finished
}

/** The port of the first `listening on` line of a wrapper. */
export async function listeningPort(running: Running): Promise<number> {
  const match = await running.waitFor(/listening on (?:\[[^\]]+\]|[\d.]+):(\d+)/)
  return Number(match[1])
}
