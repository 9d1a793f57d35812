// Real sockets, the real engine, and channel.py playing the server side of one channel (the
// wrapper's and the preload's part: listener, channel, page, "park" messages). Every process a
// test starts is stopped by pid in stopAll().
import {execFile, spawn, type ChildProcess} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {fileURLToPath} from 'node:url'
import {createInterface} from 'node:readline'

export const ENGINE = fileURLToPath(new URL('../../native/build/da-engine', import.meta.url))
const CHANNEL = fileURLToPath(new URL('channel.py', import.meta.url))

const pids = new Set<number>()
const children: ChildProcess[] = []

export interface ChannelOptions {
  chain?: string
  timeout?: number
  pass?: boolean
  backlog?: number
  maxParked?: number
  /** RLIMIT_NOFILE, soft and hard, of the engine. */
  nofile?: number
  /** --channel-defaults */
  defaults?: string
}

export interface Counters {
  ready: number
  passed: number
  passed_on: Record<'verdict' | 'timeout' | 'oversize' | 'no_engine', number>
  dropped: Record<'timeout' | 'eof' | 'reset' | 'filter' | 'park_full' | 'shed' | 'no_server' | 'engine', number>
  parked: number
  held: number
  park_ms_max: number
  engine_starts: number
  engine_pid: number
}

export interface Ready {
  none?: true
  family: number
  host: string
  port: number
  length: number
  fds: number
  bytes: string
  token?: boolean
}

export interface Channel {
  port: number
  control: string
  engine: number
  stderr(): string
  /** One request to channel.py (see OPS there), its answer. */
  ask<T = Record<string, unknown>>(request: Record<string, unknown>): Promise<T>
  counters(): Promise<Counters>
  /** Polls the page until check accepts the counters. */
  settle(check: (c: Counters) => boolean, timeoutMs?: number): Promise<Counters>
}

export async function startChannel(options: ChannelOptions = {}): Promise<Channel> {
  const {maxParked, ...rest} = options
  const child = spawn('python3', [CHANNEL, ENGINE, JSON.stringify({...rest, max_parked: maxParked})], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  children.push(child)
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const lines: string[] = []
  const waiting: ((line: string) => void)[] = []
  createInterface({input: child.stdout!}).on('line', (line) => {
    const next = waiting.shift()
    if (next) next(line)
    else lines.push(line)
  })
  const line = (timeoutMs = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const queued = lines.shift()
      if (queued !== undefined) return resolve(queued)
      const timer = setTimeout(() => reject(new Error(`channel.py did not answer: ${stderr}`)), timeoutMs)
      waiting.push((text) => {
        clearTimeout(timer)
        resolve(text)
      })
    })
  const first = JSON.parse(await line()) as {port: number; engine: number; control: string}
  pids.add(first.engine)
  let queue = Promise.resolve()
  const channel: Channel = {
    ...first,
    stderr: () => stderr,
    ask<T>(request: Record<string, unknown>) {
      const answer = queue.then(async () => {
        child.stdin!.write(JSON.stringify(request) + '\n')
        const value = JSON.parse(await line()) as T & {engine?: number}
        if (value.engine) pids.add((channel.engine = value.engine))
        return value as T
      })
      queue = answer.then(() => undefined, () => undefined)
      return answer
    },
    counters: () => channel.ask<Counters>({op: 'counters'}),
    settle: (check, timeoutMs = 5000) =>
      until(async () => {
        const c = await channel.counters()
        return check(c) ? c : undefined
      }, timeoutMs),
  }
  return channel
}

export interface Client {
  socket: Socket
  port: number
  /** Resolves once the connection has ended, with what the server wrote back. */
  closed: Promise<{reply: string; error?: string}>
}

export async function client(port: number): Promise<Client> {
  const socket = connect({port, host: '127.0.0.1'})
  let reply = ''
  socket.on('data', (chunk) => (reply += chunk))
  const closed = new Promise<{reply: string; error?: string}>((resolve) => {
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({reply, error: error.code}))
    socket.on('close', () => resolve({reply}))
  })
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  return {socket, port: socket.localPort!, closed}
}

/** A client the engine parks: connected, `sent` written, handed to the engine by channel.py. */
export async function parked(channel: Channel, sent = ''): Promise<Client> {
  const c = await client(channel.port)
  if (sent) c.socket.write(sent)
  const answer = await channel.ask<{peer?: number; error?: string}>({op: 'park'})
  if (answer.peer !== c.port) throw new Error(`parked ${JSON.stringify(answer)}, not port ${c.port}`)
  return c
}

/** `da-engine ARGS`: exit status, stdout and stderr. */
export function runEngine(args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile(ENGINE, args, {timeout: 10_000}, (error, stdout, stderr) =>
      resolve({code: error ? Number(error.code ?? 1) : 0, stdout, stderr}),
    )
  })
}

/** A settled promise's value, or 'pending'. */
export async function state<T>(promise: Promise<T>, waitMs = 50): Promise<T | 'pending'> {
  return Promise.race([promise, sleep(waitMs).then(() => 'pending' as const)])
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

/** channel.py stops its engine when its stdin ends; SIGKILL after 3 s, then its engines by pid. */
export async function stopAll(): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.stdin!.end()
    if ((await state(exited, 3000)) === 'pending') {
      child.kill('SIGKILL')
      await exited
    }
  }
  for (const pid of pids) {
    let command = ''
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    } catch {
      continue // gone
    }
    if (command.startsWith(ENGINE)) process.kill(pid, 'SIGKILL') // left behind by a killed channel.py
  }
  pids.clear()
}
