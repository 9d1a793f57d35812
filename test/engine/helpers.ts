// Real sockets, the real engine and a python3 server side for the engine's tests. Everything a
// test starts is stopped by pid in stopAll(); descriptors are closed there too.
import {spawn, type ChildProcess} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'

import {enginePath} from '../../src/engine/index.js'
import {LINUX} from '../../src/platform/linux.js'
import {socketCalls} from '../../src/platform/libc.js'
import {decodeLinuxAddress, encodeLinuxAddress} from '../../src/platform/sockaddr.js'
import {openControlSocket, openHandoverPair} from '../../src/wrap/handover.js'

const SERVER = fileURLToPath(new URL('server.py', import.meta.url))
const SOCK_CLOEXEC = 0o2000000

const fds: number[] = []
const children: ChildProcess[] = []
const dirs: string[] = []

/** A listening TCP socket on loopback, port chosen by the kernel. */
export function tcpListener(host = '127.0.0.1'): {fd: number; port: number} {
  const family = host.includes(':') ? LINUX.AF_INET6 : LINUX.AF_INET
  const fd = socketCalls.socket(family, LINUX.SOCK_STREAM | SOCK_CLOEXEC, 0)
  fds.push(fd)
  socketCalls.bind(fd, encodeLinuxAddress(LINUX, family, host, 0))
  socketCalls.listen(fd, 128)
  return {fd, port: decodeLinuxAddress(LINUX, socketCalls.getsockname(fd)).port}
}

/** [engine's end, server's end] of a hand-over pair; the server's end is closed by startServer. */
export function handoverPair(): [number, number] {
  const pair = openHandoverPair()
  fds.push(pair[0])
  return pair
}

export function controlSocket(): {fd: number; path: string} {
  const dir = mkdtempSync(join(tmpdir(), 'da-engine-'))
  dirs.push(dir)
  const control = openControlSocket(join(dir, 'control.sock'))
  fds.push(control.fd)
  return control
}

export interface Handed {
  host: string
  port: number
  length: number
  blocking: boolean
  bytes: number
  sha256: string
}

export interface Server {
  child: ChildProcess
  handed: Handed[]
  /** Resolves once `count` connections have been handed over; rejects after timeoutMs. */
  waitFor(count: number, timeoutMs?: number): Promise<Handed[]>
  /** Lets a server started with `wait` begin receiving. */
  release(): void
}

/** The server side: python3 receiving on serverEnd (closed here: the child holds it now). */
export async function startServer(serverEnd: number, mode: 'B' | 'N' = 'B', wait = false): Promise<Server> {
  const child = spawn('python3', [SERVER, mode, wait ? 'wait' : 'go'], {stdio: ['pipe', 'pipe', 'inherit', serverEnd]})
  children.push(child)
  socketCalls.close(serverEnd)
  const handed: Handed[] = []
  let ready!: () => void
  const started = new Promise<void>((resolve) => (ready = resolve))
  createInterface({input: child.stdout!}).on('line', (line) => {
    const message = JSON.parse(line) as Handed & {ready?: boolean}
    if (message.ready) ready()
    else handed.push(message)
  })
  const waitFor = async (count: number, timeoutMs = 5000) => {
    const until = Date.now() + timeoutMs
    while (handed.length < count) {
      if (Date.now() > until) throw new Error(`${handed.length} of ${count} connections handed over`)
      await sleep(20)
    }
    return handed
  }
  if (!wait) await started
  return {child, handed, waitFor, release: () => child.stdin!.write('go\n')}
}

/** da-engine with these arguments and descriptors (numbered 3, 4 ... in the order given). */
export function startEngine(args: string[], passed: number[]): {child: ChildProcess; exit: Promise<number | null>; stderr: () => string} {
  const child = spawn(enginePath(), args, {stdio: ['ignore', 'ignore', 'pipe', ...passed]})
  children.push(child)
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {child, exit, stderr: () => stderr}
}

/** A listener spec for descriptors 3 (listener) and 4 (hand-over). */
export function spec(chain: string, extra = ''): string {
  return `listen=3 handover=4 chain=${chain} timeout=5000 backlog=64 ${extra}`.trim()
}

export interface Client {
  socket: Socket
  /** The client's own port, as the server should see it. */
  port: number
  sent: Buffer[]
  /** Bytes the server wrote back, once the connection has ended. */
  closed: Promise<{reply: string; error?: string}>
  send(text: string | Buffer): void
}

export async function client(port: number, host = '127.0.0.1'): Promise<Client> {
  const socket = connect({port, host})
  const sent: Buffer[] = []
  let reply = ''
  socket.on('data', (chunk) => (reply += chunk))
  const closed = new Promise<{reply: string; error?: string}>((resolve) => {
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({reply, error: error.code}))
    socket.on('close', () => resolve({reply}))
  })
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  return {
    socket,
    port: socket.localPort!,
    sent,
    closed,
    send(text) {
      const bytes = Buffer.from(text)
      sent.push(bytes)
      socket.write(bytes)
    },
  }
}

export function sha256(parts: Buffer[]): string {
  return createHash('sha256').update(Buffer.concat(parts)).digest('hex')
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls until check() returns a value other than undefined. */
export async function until<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(25)
  }
}

export async function stopAll(): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    }
  }
  for (const fd of fds.splice(0)) {
    try {
      socketCalls.close(fd)
    } catch {
      // closed by the test already
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
}
