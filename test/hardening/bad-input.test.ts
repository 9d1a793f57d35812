// The bad-input matrix, end to end through the real engine: `wrap` with a filter chain in front
// of a socket-activated server that reports what it received (test/fixtures/received_server.py).
// Every case sends its bytes from a real client and observes the outcome from outside, twice:
// the client sees whether it was handed over (the server greets it), closed or left waiting,
// and the engine's counters say which verdict it was (ready, passed or dropped).
//   READY  the chain said READY: the server got the connection and every byte, in its first read
//   PASS   the chain gave up on it: handed over at once, unchanged
//   DROP   closed; the server never saw it (its accept count skips it)
//   MORE   still parked after a short wait
// The same table is docs/bad-input.md ("Byte-level cases"): one line per case, outcome and why.
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {connect, createServer, type Socket} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {readStats, type EngineStats} from '../../src/engine/index.js'
import {controlSocketPath} from '../../src/inspect/control.js'
import {cli, FIXTURES, type Running} from '../helpers/cli.js'

type Outcome = 'READY' | 'PASS' | 'DROP' | 'MORE'
type Bytes = string | Buffer

interface Case {
  chain: string
  name: string
  /** The bytes, in the pieces the client writes them (80 ms apart); each piece but the last leaves the connection parked. */
  pieces: Bytes[]
  outcome: Outcome
  why: string
  /** Half-close after the last piece (the filter then decides at EOF). */
  end?: boolean
}

// Chains, one listener each.
const HTTP = 'httpready'
const STRICT = 'httpready:body=1024:max-head=1024:non-http=drop:oversize=drop:eof=drop'
const TLS = 'tlsready'
const DNS = 'dnsready'
const DNS_DROP = 'dnsready:not-dns=drop'
const PROXY = 'proxy,httpready'
const PROXY_PASS = 'proxy:missing=pass,httpready'
const PROXY_NEXT = 'proxy:missing=next,httpready'
const DATA = 'dataready:8'

const GET = 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n'
const post = (fields: string, body = '') => `POST /p HTTP/1.1\r\nHost: a\r\n${fields}\r\n${body}`

/** A TLS record (RFC 8446 5.1): type, version, length, fragment. */
const record = (fragment: Buffer, type = 0x16, length = fragment.length) =>
  Buffer.concat([Buffer.from([type, 0x03, 0x01, length >> 8, length & 0xff]), fragment])
/** A ClientHello handshake message: type 1, 3-byte length, a body (the filter reads only the framing). */
const HELLO_BODY = Buffer.concat([Buffer.from([0x03, 0x03]), Buffer.alloc(32, 7), Buffer.from([0, 0, 2, 0x13, 0x01, 1, 0, 0, 0])])
const HELLO = Buffer.concat([Buffer.from([0x01, 0, 0, HELLO_BODY.length]), HELLO_BODY])
const HELLO_RECORD = record(HELLO)

/** DNS over TCP: 2-byte length, then a query for example.com A (RFC 1035 4.1). */
const QUERY = Buffer.from('123401000001000000000000076578616d706c6503636f6d0000010001', 'hex')
const DNS_QUERY = Buffer.concat([Buffer.from([0, QUERY.length]), QUERY])

const PROXY_V1 = 'PROXY TCP4 192.0.2.1 192.0.2.2 40000 80\r\n'
const PROXY_V2 = (command: number, body: Buffer) =>
  Buffer.concat([Buffer.from('\r\n\r\n\0\r\nQUIT\n', 'latin1'), Buffer.from([command, command === 0x21 ? 0x11 : 0x00, 0, body.length]), body])
const V2_TCP4 = PROXY_V2(0x21, Buffer.from([192, 0, 2, 1, 192, 0, 2, 2, 0x9c, 0x40, 0, 80]))

const at = (bytes: Bytes, ...points: number[]): Bytes[] =>
  [0, ...points].map((start, i) => bytes.slice(start, points[i] ?? bytes.length))
const one = (bytes: Bytes) => [bytes]

const CASES: Case[] = [
  // httpready with its defaults: body off, max-head=16384, non-http, oversize and eof pass.
  {chain: HTTP, name: 'a whole GET', pieces: one(GET), outcome: 'READY', why: 'the head ended'},
  {chain: HTTP, name: 'split after the method', pieces: at(GET, 3), outcome: 'READY', why: 'the verdict depends on the bytes, not on how they arrive'},
  {chain: HTTP, name: 'split between CR and LF of the last line', pieces: at(GET, GET.length - 1), outcome: 'READY', why: 'a CR alone does not end the head'},
  {chain: HTTP, name: 'split in three: request line, field, empty line', pieces: at(GET, 17, 26), outcome: 'READY', why: 'only the empty line ends the head'},
  {chain: HTTP, name: 'empty lines before the request line', pieces: one('\r\n\r\n' + GET), outcome: 'READY', why: 'RFC 9112 2.2: leading empty lines are ignored'},
  {chain: HTTP, name: 'any method token', pieces: one('BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n'), outcome: 'READY', why: 'the method is the server\'s to judge (accf_http passes all but GET/HEAD)'},
  {chain: HTTP, name: 'bare LF line ends', pieces: one('GET / HTTP/1.1\nHost: a\n\n'), outcome: 'READY', why: 'RFC 9112 2.2 lets a recipient accept LF alone'},
  {chain: HTTP, name: 'NUL byte in a field value', pieces: one('GET / HTTP/1.1\r\nX: a\0b\r\n\r\n'), outcome: 'READY', why: 'framing only: field values are the server\'s to reject'},
  {chain: HTTP, name: 'NUL byte in the request target', pieces: one('GET /a\0b HTTP/1.1\r\n\r\n'), outcome: 'PASS', why: 'not a request line: not HTTP/1.x, non-http=pass'},
  {chain: HTTP, name: 'obsolete line folding', pieces: one('GET / HTTP/1.1\r\nX: a\r\n  b\r\n\r\n'), outcome: 'READY', why: 'a fold is skipped; the server rejects or unfolds it (RFC 9112 5.2)'},
  {chain: HTTP, name: 'request line over max-head', pieces: one(`GET /${'a'.repeat(17_000)} HTTP/1.1\r\n\r\n`), outcome: 'PASS', why: 'no end of head within max-head: oversize=pass, the server answers 414'},
  {chain: HTTP, name: 'field line over max-head', pieces: one(`GET / HTTP/1.1\r\nX: ${'b'.repeat(17_000)}\r\n\r\n`), outcome: 'PASS', why: 'oversize=pass, the server answers 431'},
  {chain: HTTP, name: 'HTTP/0.9 request', pieces: one('GET /\r\n'), outcome: 'PASS', why: 'no version: not ours to frame, handed over at once'},
  {chain: HTTP, name: 'HTTP/1.2', pieces: one('GET / HTTP/1.2\r\n\r\n'), outcome: 'PASS', why: 'only HTTP/1.0 and 1.1 are framed; non-http=pass'},
  {chain: HTTP, name: 'HTTP/2 preface', pieces: one('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), outcome: 'PASS', why: 'h2 prior knowledge: the server speaks it or not'},
  {chain: HTTP, name: 'a TLS ClientHello', pieces: one(HELLO_RECORD), outcome: 'PASS', why: 'garbage to httpready: non-http=pass'},
  {chain: HTTP, name: 'half a head, then half-close', pieces: one('GET / HTTP/1.1\r\nHo'), end: true, outcome: 'PASS', why: 'EOF before the head ends: eof=pass, the server sees the EOF'},
  {chain: HTTP, name: 'half a head, waiting', pieces: one('GET / HTTP/1.1\r\nHo'), outcome: 'MORE', why: 'parked until the head ends or the timeout'},

  // httpready with a body limit and every option on drop.
  {chain: STRICT, name: 'POST with its whole body', pieces: one(post('Content-Length: 5\r\n', 'hello')), outcome: 'READY', why: 'Content-Length bytes arrived'},
  {chain: STRICT, name: 'POST, body short', pieces: one(post('Content-Length: 5\r\n', 'he')), outcome: 'MORE', why: 'body= waits for Content-Length bytes'},
  {chain: STRICT, name: 'duplicate equal Content-Length, body split', pieces: at(post('Content-Length: 5\r\nContent-Length: 5\r\n', 'hello'), 60), outcome: 'READY', why: 'equal values frame one body (RFC 9112 6.3)'},
  {chain: STRICT, name: 'conflicting Content-Length', pieces: one(post('Content-Length: 5\r\nContent-Length: 6\r\n')), outcome: 'READY', why: 'bad framing: READY at the end of the head, the server must answer 400'},
  {chain: STRICT, name: 'non-numeric Content-Length', pieces: one(post('Content-Length: 5x\r\n')), outcome: 'READY', why: 'bad framing: READY at the end of the head, for the server to reject'},
  {chain: STRICT, name: 'Content-Length over body=', pieces: one(post('Content-Length: 5000\r\n')), outcome: 'READY', why: 'a body larger than body=N is the server\'s to read'},
  {chain: STRICT, name: 'Transfer-Encoding with Content-Length', pieces: one(post('Transfer-Encoding: chunked\r\nContent-Length: 5\r\n')), outcome: 'READY', why: 'a smuggling shape: READY at the end of the head, the server must reject it'},
  {chain: STRICT, name: 'Transfer-Encoding: chunked, gzip', pieces: one(post('Transfer-Encoding: chunked, gzip\r\n')), outcome: 'READY', why: 'the last coding is not chunked: the server answers 400 or reads to close'},
  {chain: STRICT, name: 'Transfer-Encoding: gzip, chunked, last chunk later', pieces: at(post('Transfer-Encoding: gzip, chunked\r\n', '5\r\nhello\r\n0\r\n\r\n'), 70), outcome: 'READY', why: 'chunked last: waits for the last chunk and trailers'},
  {chain: STRICT, name: 'chunked, last chunk missing', pieces: one(post('Transfer-Encoding: chunked\r\n', '5\r\nhello\r\n')), outcome: 'MORE', why: 'waits for the zero chunk within body='},
  {chain: STRICT, name: 'bad chunk size', pieces: one(post('Transfer-Encoding: chunked\r\n', 'zz\r\nhello\r\n')), outcome: 'READY', why: 'malformed size: READY at the end of the head, the server rejects it'},
  {chain: STRICT, name: 'NUL byte in the method', pieces: one('G\0T / HTTP/1.1\r\n\r\n'), outcome: 'DROP', why: 'not HTTP: non-http=drop'},
  {chain: STRICT, name: 'a TLS ClientHello', pieces: one(HELLO_RECORD), outcome: 'DROP', why: 'garbage: non-http=drop'},
  {chain: STRICT, name: 'head over max-head=1024', pieces: one(`GET / HTTP/1.1\r\nX: ${'b'.repeat(1100)}\r\n\r\n`), outcome: 'DROP', why: 'oversize=drop'},
  {chain: STRICT, name: 'half a head, then half-close', pieces: one('GET / HTTP/1.1\r\nHo'), end: true, outcome: 'DROP', why: 'eof=drop'},
  {chain: STRICT, name: 'HTTP/2 preface', pieces: one('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), outcome: 'PASS', why: 'HTTP/2 is HTTP, not garbage: handed over even with non-http=drop'},
  {chain: STRICT, name: 'HTTP/0.9 request', pieces: one('GET /\r\n'), outcome: 'PASS', why: 'HTTP/0.9 is HTTP: handed over even with non-http=drop'},

  // tlsready (no options: anything not a ClientHello is handed over).
  {chain: TLS, name: 'a ClientHello in one record', pieces: one(HELLO_RECORD), outcome: 'READY', why: 'the whole handshake message arrived'},
  {chain: TLS, name: 'split inside the record header', pieces: at(HELLO_RECORD, 3), outcome: 'READY', why: 'the length is read once all 5 header bytes are in'},
  {chain: TLS, name: 'a ClientHello over two records', pieces: [record(HELLO.subarray(0, 2)), record(HELLO.subarray(2))], outcome: 'READY', why: 'fragments are joined, even the handshake header split between records'},
  {chain: TLS, name: 'record length 0', pieces: one(record(Buffer.alloc(0))), outcome: 'PASS', why: 'illegal for a handshake record (RFC 8446 5.1): not ours to judge, the TLS stack alerts'},
  {chain: TLS, name: 'record length 16385', pieces: one(record(HELLO, 0x16, 16_385)), outcome: 'PASS', why: 'over 2^14: handed over at once, not waited for'},
  {chain: TLS, name: 'a change_cipher_spec record first', pieces: one(record(Buffer.from([1]), 0x14)), outcome: 'PASS', why: 'not a handshake record'},
  {chain: TLS, name: 'an HTTP request', pieces: one(GET), outcome: 'PASS', why: 'garbage to tlsready: plain HTTP on a TLS port, the server answers it'},
  {chain: TLS, name: 'half a ClientHello, then half-close', pieces: one(HELLO_RECORD.subarray(0, 20)), end: true, outcome: 'PASS', why: 'EOF: fail open, the server sees the short hello'},
  {chain: TLS, name: 'half a ClientHello, waiting', pieces: one(HELLO_RECORD.subarray(0, 20)), outcome: 'MORE', why: 'parked until the hello is whole or the timeout'},

  // dnsready, not-dns=pass (default) and drop.
  {chain: DNS, name: 'a whole query', pieces: one(DNS_QUERY), outcome: 'READY', why: 'length prefix and message arrived'},
  {chain: DNS, name: 'split inside the length prefix', pieces: at(DNS_QUERY, 1), outcome: 'READY', why: 'the length is read once both bytes are in'},
  {chain: DNS, name: 'split after the length prefix', pieces: at(DNS_QUERY, 2, 14), outcome: 'READY', why: 'waits for all of the message'},
  {chain: DNS, name: 'length 0', pieces: one(Buffer.from([0, 0])), outcome: 'PASS', why: 'cannot hold a DNS header: not-dns=pass'},
  {chain: DNS, name: 'an HTTP request', pieces: one(GET), outcome: 'MORE', why: '"GE" reads as a length of 18245: it waits for that, the timeout ends it'},
  {chain: DNS, name: 'half a query, then half-close', pieces: one(DNS_QUERY.subarray(0, 10)), end: true, outcome: 'DROP', why: 'a server cannot answer half a query'},
  {chain: DNS_DROP, name: 'length 0', pieces: one(Buffer.from([0, 0])), outcome: 'DROP', why: 'not-dns=drop'},
  {chain: DNS_DROP, name: 'length 11', pieces: one(Buffer.concat([Buffer.from([0, 11]), Buffer.alloc(11)])), outcome: 'DROP', why: 'shorter than a DNS header: not-dns=drop'},
  {chain: DNS_DROP, name: 'a whole query', pieces: one(DNS_QUERY), outcome: 'READY', why: 'a real query is unaffected by not-dns=drop'},

  // proxy in front of httpready, missing=drop (default) and pass.
  {chain: PROXY, name: 'PROXY v1, then GET', pieces: one(PROXY_V1 + GET), outcome: 'READY', why: 'header consumed, httpready sees the GET'},
  {chain: PROXY, name: 'PROXY v1 split mid-line, then GET', pieces: at(PROXY_V1 + GET, 20), outcome: 'READY', why: 'the header ends at its CRLF, however split'},
  {chain: PROXY, name: 'PROXY v2 TCP4, then GET', pieces: [V2_TCP4, GET], outcome: 'READY', why: 'binary header consumed, then the GET'},
  {chain: PROXY, name: 'PROXY v2 LOCAL, then GET', pieces: one(Buffer.concat([PROXY_V2(0x20, Buffer.alloc(0)), Buffer.from(GET)])), outcome: 'READY', why: 'a health check from the proxy carries no addresses'},
  {chain: PROXY, name: 'PROXY v1, GET still half', pieces: one(PROXY_V1 + 'GET / HTTP/1.1\r\n'), outcome: 'MORE', why: 'the header alone is not enough: httpready waits'},
  {chain: PROXY, name: 'PROXY v1, then garbage', pieces: one(Buffer.concat([Buffer.from(PROXY_V1), HELLO_RECORD])), outcome: 'PASS', why: 'httpready after the header: non-http=pass'},
  {chain: PROXY, name: 'malformed PROXY v1', pieces: one('PROXY TCP4 192.0.2.1 x\r\n' + GET), outcome: 'DROP', why: 'a header that is wrong is never passed on'},
  {chain: PROXY, name: 'GET without a header', pieces: one(GET), outcome: 'DROP', why: 'missing=drop: a proxy-only port takes no direct client'},
  {chain: PROXY_PASS, name: 'half a GET without a header', pieces: one('GET / HTTP/1.1\r\n'), outcome: 'PASS', why: 'missing=pass ends the chain at once: httpready does not run'},
  {chain: PROXY_PASS, name: 'PROXY v1, then GET', pieces: one(PROXY_V1 + GET), outcome: 'READY', why: 'with a header the chain runs as usual'},
  {chain: PROXY_NEXT, name: 'half a GET without a header', pieces: one('GET / HTTP/1.1\r\n'), outcome: 'MORE', why: 'missing=next: httpready judges the direct client and waits for the rest of the head'},
  {chain: PROXY_NEXT, name: 'a whole GET without a header', pieces: one(GET), outcome: 'READY', why: 'missing=next: httpready finds the head complete'},

  // dataready:8 (bytes, not a protocol).
  {chain: DATA, name: '3 bytes', pieces: one('abc'), outcome: 'MORE', why: 'fewer than 8 bytes'},
  {chain: DATA, name: '8 binary bytes with NULs', pieces: one(Buffer.from([0, 0xff, 0, 1, 0, 2, 0, 3])), outcome: 'READY', why: 'any 8 bytes'},
  {chain: DATA, name: '3 bytes, then half-close', pieces: one('abc'), end: true, outcome: 'READY', why: 'EOF: fail open, the server reads what there is'},
]

/** What a client sees of each outcome (READY and PASS differ only in the engine's counters). */
const SEEN: Record<Outcome, string> = {READY: 'handed over', PASS: 'handed over', DROP: 'closed', MORE: 'parked'}
const CHAINS = [...new Set(CASES.map((c) => c.chain))]
const WAIT_MS = 400
const GAP_MS = 80
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Listener {
  port: number
  /** Connections the server accepted on it so far, as the cases expect it. */
  handed: number
}

let wrapper: Running
const listeners = new Map<string, Listener>()

/** Ports for the listeners, picked by the OS (bound to port 0 and closed). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

// One wrapper, one server, one listener per chain: python3 and the CLI take seconds to start.
beforeAll(async () => {
  for (const chain of CHAINS) listeners.set(chain, {port: await freePort(), handed: 0})
  const args = [...listeners].flatMap(([chain, {port}]) => ['--listen', `127.0.0.1:${port}`, '--filter', `${port}=${chain}`])
  wrapper = cli(['wrap', ...args, '--', 'python3', FIXTURES + 'received_server.py'], {timeoutMs: 120_000})
  await wrapper.waitFor(/^ready$/m, 30_000)
}, 40_000)

afterAll(async () => {
  await wrapper?.stop('SIGTERM')
})

/** A client that records what it receives and whether the connection closed. */
class Client {
  readonly socket: Socket
  text = ''
  closed = false
  private waiters: Array<() => void> = []

  constructor(port: number) {
    this.socket = connect({host: '127.0.0.1', port})
    this.socket.setNoDelay(true)
    this.socket.on('error', () => {})
    this.socket.on('data', (chunk) => {
      this.text += chunk.toString('latin1')
      this.notify()
    })
    this.socket.on('close', () => {
      this.closed = true
      this.notify()
    })
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => this.socket.once('connect', resolve).once('error', reject))
  }

  /** Resolves when the received text matches, or the connection closed, or the time is up. */
  until(pattern: RegExp, ms: number): Promise<RegExpMatchArray | null> {
    return new Promise((resolve) => {
      const check = () => {
        const match = this.text.match(pattern)
        if (match || this.closed) {
          clearTimeout(timer)
          this.waiters = this.waiters.filter((w) => w !== check)
          resolve(match)
        }
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check)
        resolve(this.text.match(pattern))
      }, ms)
      this.waiters.push(check)
      check()
    })
  }

  private notify() {
    for (const waiter of [...this.waiters]) waiter()
  }
}

type Counters = EngineStats['listeners'][number]

async function counters(port: number): Promise<Counters> {
  const stats = await readStats(controlSocketPath(wrapper.child.pid!))
  return stats.listeners.find((listener) => listener.address.endsWith(`:${port}`))!
}

const dropped = (c: Counters) => Object.values(c.dropped).reduce((a, b) => a + b, 0)

/** Which verdict the engine reached between two snapshots, by its counters. */
function verdict(before: Counters, after: Counters): Outcome | string {
  const ready = after.ready - before.ready
  const passed = after.passed - before.passed
  const drops = dropped(after) - dropped(before)
  if (ready + passed + drops === 0) return after.parked > before.parked ? 'MORE' : 'nothing'
  if (ready + passed + drops > 1) return `several: ready ${ready} passed ${passed} dropped ${drops}`
  return ready ? 'READY' : passed ? 'PASS' : 'DROP'
}

describe('bad input through the real engine', () => {
  it('docs/bad-input.md states exactly these cases, outcomes and reasons', () => {
    const docs = readFileSync(new URL('../../docs/bad-input.md', import.meta.url), 'utf8')
    const section = docs.slice(docs.indexOf('## Byte-level cases'), docs.indexOf('## Connection-level cases'))
    const rows = section.split('\n').filter((line) => line.startsWith('| ') && !/^\| (input|---)/.test(line))
    expect(rows).toEqual(CASES.map((c) => `| ${c.name} | \`${c.chain}\` | ${c.outcome} | ${c.why} |`))
  })


  it.each(CASES.map((c) => [`${c.chain}: ${c.name} -> ${c.outcome}`, c] as const))('%s', async (_, c) => {
    const w = listeners.get(c.chain)!
    const before = await counters(w.port)
    const client = new Client(w.port)
    try {
      await client.ready()
      const pieces = c.pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p))
      for (const [i, piece] of pieces.entries()) {
        client.socket.write(piece)
        if (i < pieces.length - 1) {
          await sleep(GAP_MS)
          expect(client.text, `handed over after piece ${i + 1} of ${pieces.length}`).toBe('')
          expect(client.closed, `closed after piece ${i + 1} of ${pieces.length}`).toBe(false)
        }
      }
      if (c.end) client.socket.end()
      const greeting = await client.until(/^accepted (\d+)\n/, c.outcome === 'MORE' ? WAIT_MS : 5000)
      const seen = greeting ? 'handed over' : client.closed ? 'closed' : 'parked'
      let after = await counters(w.port)
      // A parked client is invisible to itself: wait (bounded) for the engine to have taken it.
      for (let i = 0; i < 100 && seen === 'parked' && after.parked === before.parked; i++) {
        await sleep(50)
        after = await counters(w.port)
      }

      if (greeting) {
        // The server's count proves that no dropped or parked client reached it before.
        expect(Number(greeting[1]), 'connections the server accepted').toBe(w.handed + 1)
        if (!c.end) client.socket.end()
        const report = await client.until(/received (\d+) (\d+) (\w+)\n/, 5000)
        const sent = Buffer.concat(pieces)
        expect(report, 'the server reports what it received').not.toBeNull()
        expect(Number(report![1]), 'bytes received').toBe(sent.length)
        expect(report![3], 'SHA-256 of the bytes received').toBe(createHash('sha256').update(sent).digest('hex'))
        if (c.outcome === 'READY') expect(Number(report![2]), 'bytes in the server\'s first read').toBe(sent.length)
      }
      expect(seen, 'what the client saw').toBe(SEEN[c.outcome])
      expect(verdict(before, after), 'the engine\'s counters').toBe(c.outcome)
    } finally {
      // Counted from the greeting, so that one failing case does not fail the ones after it.
      w.handed = Number(client.text.match(/^accepted (\d+)\n/)?.[1] ?? w.handed)
      if (!client.closed) {
        // A reset, not a FIN: an EOF would make the filter decide (and maybe hand it over).
        client.socket.resetAndDestroy()
        for (let i = 0; i < 100 && (await counters(w.port)).parked > before.parked; i++) await sleep(20)
      }
    }
  })
})
