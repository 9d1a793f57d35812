// Running real servers under the preload behind the test feeder (feeder.py), and curl.
import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {createServer, type AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {start, type Running} from '../helpers/cli.js'
import {alive} from '../helpers/wait.js'

export {alive}

const run = promisify(execFile)

export const HERE = fileURLToPath(new URL('.', import.meta.url))
export const NATIVE = fileURLToPath(new URL('../../native/', import.meta.url))
export const PRELOAD = join(NATIVE, 'build/libdefer_accept_preload.so')

/** Build the library once; the lock keeps test files that run in parallel from loading it half-written. */
export async function buildPreload(): Promise<void> {
  const lock = join(tmpdir(), 'defer-accept-preload-build.lock')
  await run('flock', [lock, 'make', '-s', '-C', NATIVE, 'build/libdefer_accept_preload.so'], {timeout: 60_000})
}

/** Compile one C file of this folder against native/include; returns the binary and a cleanup. */
export async function compile(source: string): Promise<{binary: string; remove: () => void}> {
  const dir = mkdtempSync(join(tmpdir(), 'da-preload-'))
  const binary = join(dir, source.replace(/\.c$/, ''))
  await run('cc', ['-std=c11', '-Wall', '-Werror', '-I', join(NATIVE, 'include'), '-o', binary, join(HERE, source)], {
    timeout: 30_000,
  })
  return {binary, remove: () => rmSync(dir, {recursive: true, force: true})}
}

export interface Fed {
  running: Running
  port: number
  serverPid: number
  /** Every JSON line the server and the feeder printed on stdout so far. */
  lines: () => Record<string, unknown>[]
  /** Resolves with the first stdout line for which match is true. */
  line: (match: (l: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<Record<string, unknown>>
  stop: () => Promise<void>
}


/** Start argv as a server on a hand-over descriptor fed by feeder.py (`gone`: no engine). */
export async function feed(family: '4' | '6' | 'gone', argv: string[]): Promise<Fed> {
  const running = start('python3', [join(HERE, 'feeder.py'), family, '--', ...argv], {env: {DA_PRELOAD: PRELOAD}})
  const first = await running.waitFor(/^\{"port": (\d+), "pid": (\d+)\}$/m)
  const serverPid = Number(first[2])
  const lines = () =>
    running
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  const line = async (match: (l: Record<string, unknown>) => boolean, timeoutMs = 10_000) => {
    const until = Date.now() + timeoutMs
    for (;;) {
      const found = lines().find(match)
      if (found) return found
      if (Date.now() > until || running.child.exitCode !== null)
        throw new Error(`no such line; stdout: ${running.stdout()}; stderr: ${running.stderr()}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  const stop = async () => {
    await running.stop()
    if (alive(serverPid)) process.kill(serverPid, 'SIGKILL')
  }
  return {running, port: Number(first[1]), serverPid, lines, line, stop}
}

/** One GET with curl; returns the body and curl's local port (the server's view of the peer). */
export async function curl(host: string, port: number, path = '/'): Promise<{body: string; localPort: number}> {
  const url = host.includes(':') ? `http://[${host}]:${port}${path}` : `http://${host}:${port}${path}`
  const {stdout} = await run('curl', ['-sS', '-g', '--max-time', '5', '-w', '\n%{local_port}', url], {timeout: 10_000})
  const cut = stdout.lastIndexOf('\n')
  return {body: stdout.slice(0, cut), localPort: Number(stdout.slice(cut + 1))}
}

export const ENGINE = join(NATIVE, 'build/da-engine')

export async function buildEngine(): Promise<void> {
  const lock = join(tmpdir(), 'defer-accept-preload-build.lock')
  await run('flock', [lock, 'make', '-s', '-C', NATIVE, 'build/da-engine', 'build/libdefer_accept_preload.so'], {
    timeout: 120_000,
  })
}

/** The real engine waiting for `register` on a control socket at dir/control. */
export async function startEngine(dir: string): Promise<{running: Running; control: string}> {
  const control = join(dir, 'control')
  const running = start('python3', [join(HERE, 'engine.py'), ENGINE, control], {timeoutMs: 60_000})
  const until = Date.now() + 10_000
  while (!existsSync(control)) {
    if (Date.now() > until || running.child.exitCode !== null) throw new Error(`no engine: ${running.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return {running, control}
}

/** A port the OS just gave out and took back: bind mode needs the number before the server binds. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
