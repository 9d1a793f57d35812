// The hardening tests drive the real product: `wrap` with the engine in front of the python
// fixture server (test/fixtures/activated_server.py), real clients on loopback, and /proc to see
// the engine's user, memory and descriptors. Everything started here is stopped by pid in stopAll().
import {createHash, randomBytes} from 'node:crypto'
import {readdirSync, readFileSync, readlinkSync} from 'node:fs'
import {request} from 'node:http'
import type {Socket} from 'node:net'

import {CLI, FIXTURES, listeningPort, start, type Running} from '../helpers/cli.js'
import {openSocket} from '../helpers/net.js'

const running: Running[] = []
const sockets: Socket[] = []

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** wrap --listen 127.0.0.1:0 ARGS -- python3 activated_server.py, once the server is ready;
 *  prefix runs the wrapper under a command that execs it (prlimit ... --), so its pid stays. */
export async function wrapped(args: string[], options: {env?: NodeJS.ProcessEnv; timeoutMs?: number; prefix?: string[]} = {}): Promise<{r: Running; port: number}> {
  const wrap = [CLI, 'wrap', '--listen', '127.0.0.1:0', ...args, '--', 'python3', FIXTURES + 'activated_server.py']
  const [command, ...before] = [...(options.prefix ?? []), process.execPath]
  const r = start(command, [...before, ...wrap], {timeoutMs: options.timeoutMs ?? 60_000, env: options.env})
  running.push(r)
  const port = await listeningPort(r)
  await r.waitFor(/^ready$/m)
  return {r, port}
}

/** The wrapper's children: [pid, command name]. */
function children(pid: number): Array<[number, string]> {
  let text = ''
  try {
    text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
  } catch {
    return []
  }
  return text
    .split(' ')
    .filter(Boolean)
    .map(Number)
    .flatMap((child): Array<[number, string]> => {
      try {
        return [[child, readFileSync(`/proc/${child}/comm`, 'utf8').trim()]]
      } catch {
        return [] // gone meanwhile
      }
    })
}

/** The engine the wrapper runs now, if one is running. */
export function enginePid(r: Running): number | undefined {
  return children(r.child.pid!).find(([, name]) => name === 'da-engine')?.[0]
}

/** The server the wrapper started (python3 exec'd by the activation shim: the same pid). */
export function serverPid(r: Running): number {
  const found = children(r.child.pid!).find(([, name]) => name.startsWith('python'))
  if (!found) throw new Error('the wrapper has no python3 child')
  return found[0]
}

export interface ProcStatus {
  uid: number
  gid: number
  rssKb: number
  state: string
}

export function procStatus(pid: number): ProcStatus {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8')
  const field = (name: string) => text.match(new RegExp(`^${name}:\\s*(\\S+)`, 'm'))?.[1] ?? ''
  return {uid: Number(field('Uid')), gid: Number(field('Gid')), rssKb: Number(field('VmRSS')), state: field('State')}
}

export function fdNumbers(pid: number): number[] {
  return readdirSync(`/proc/${pid}/fd`).map(Number)
}

export function fdCount(pid: number): number {
  return fdNumbers(pid).length
}

/** What each descriptor is, by kind ("socket", "anon_inode:[eventpoll]", "/dev/null"), sorted:
 * a mismatch then names the descriptor that leaked. */
export function fdKinds(pid: number): string[] {
  return fdNumbers(pid)
    .flatMap((fd) => {
      try {
        return [readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/:\[\d+\]$/, '')]
      } catch {
        return [] // closed meanwhile
      }
    })
    .sort()
}

/** The engine's descriptors at rest: the fewest of several samples, since a stats client (an
 * `inspect` of another test, which asks every engine on the host) holds one for a moment. */
export async function restingFdKinds(pid: number, samples = 10): Promise<string[]> {
  let fewest = fdKinds(pid)
  for (let i = 1; i < samples; i++) {
    await sleep(50)
    const now = fdKinds(pid)
    if (now.length < fewest.length) fewest = now
  }
  return fewest
}

/** Polls until check() returns (or resolves to) a value other than undefined. */
export async function until<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(everyMs)
  }
}

export type Outcome = 'ok' | 'wrong' | 'refused' | 'error' | 'timeout'

/** POST a random body over a new connection; 'ok' only when the server's sha256 of it is right. */
export function post(port: number, size = 2000, timeoutMs = 10_000): Promise<{outcome: Outcome; code?: string}> {
  const body = randomBytes(size)
  const expected = createHash('sha256').update(body).digest('hex')
  return new Promise((resolve) => {
    const req = request(
      {host: '127.0.0.1', port, path: '/upload', method: 'POST', agent: false, timeout: timeoutMs, headers: {'content-length': body.length, connection: 'close'}},
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => (text += chunk))
        res.on('end', () => {
          try {
            resolve({outcome: JSON.parse(text).sha256 === expected ? 'ok' : 'wrong'})
          } catch {
            resolve({outcome: 'wrong'})
          }
        })
        res.on('error', (error: NodeJS.ErrnoException) => resolve({outcome: 'error', code: error.code}))
      },
    )
    req.on('timeout', () => {
      req.destroy()
      resolve({outcome: 'timeout'})
    })
    req.on('error', (error: NodeJS.ErrnoException) => resolve({outcome: error.code === 'ECONNREFUSED' ? 'refused' : 'error', code: error.code}))
    req.end(body)
  })
}

export interface Load {
  counts: Record<Outcome, number>
  codes: Record<string, number>
  /** Stops the clients and resolves once every request in flight has its outcome. */
  stop(): Promise<Record<Outcome, number>>
}

/** `workers` clients, each POSTing on a new connection again as soon as it has its answer. */
export function load(port: number, workers = 8): Load {
  const counts: Record<Outcome, number> = {ok: 0, wrong: 0, refused: 0, error: 0, timeout: 0}
  const codes: Record<string, number> = {}
  let going = true
  const loops = Array.from({length: workers}, async () => {
    while (going) {
      const {outcome, code} = await post(port)
      counts[outcome]++
      if (code) codes[code] = (codes[code] ?? 0) + 1
    }
  })
  return {
    counts,
    codes,
    async stop() {
      going = false
      await Promise.all(loops)
      return counts
    },
  }
}

/** A raw connection to the listener, destroyed in stopAll(). */
export const open = (port: number) => openSocket(port, '127.0.0.1', sockets)

/** Everything a raw connection receives until it is closed, and how it was closed. */
export function ending(socket: Socket, timeoutMs = 5000): Promise<{text: string; how: 'end' | 'reset' | 'open'}> {
  return new Promise((resolve) => {
    let text = ''
    let how: 'end' | 'reset' | 'open' = 'end'
    socket.on('data', (chunk) => (text += chunk))
    socket.on('error', () => (how = 'reset'))
    const timer = setTimeout(() => resolve({text, how: 'open'}), timeoutMs)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({text, how})
    })
  })
}

/** How many connections the fixture server has accepted so far (this GET is one more). */
export async function served(port: number): Promise<number> {
  const socket = await open(port)
  const answer = ending(socket)
  socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  const {text} = await answer
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).connections - 1
}

/** SIGTERM to the wrapper (it forwards it and waits for the engine); SIGKILL after 10 s; then
 * any of its children still alive (a stopped server, an engine) by their pids. */
async function stop(r: Running): Promise<void> {
  const left = children(r.child.pid!)
  for (const [pid] of left) signal(pid, 'SIGCONT')
  const limit = setTimeout(() => r.child.kill('SIGKILL'), 10_000)
  await r.stop('SIGTERM')
  clearTimeout(limit)
  for (const [pid, name] of left) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name) signal(pid, 'SIGKILL')
    } catch {
      // exited with the wrapper
    }
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // already gone
  }
}

export async function stopAll(): Promise<void> {
  sockets.splice(0).forEach((socket) => socket.destroy())
  await Promise.all(running.splice(0).map(stop))
}
