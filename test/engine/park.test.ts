// Parked connections: deadlines with either outcome, EOF, RST, the park table's bound, the
// counters that show all of it, backpressure from a slow server, and the engine's own exit.
import {afterEach, describe, expect, it} from 'vitest'

import {readStats, type EngineStats} from '../../src/engine/index.js'
import {client, controlSocket, handoverPair, sha256, sleep, startEngine, startServer, stopAll, tcpListener, until} from './helpers.js'

type Counters = EngineStats['listeners'][number]

async function setUp(listener: string, options: {engineArgs?: string[]; wait?: boolean} = {}) {
  const tcp = tcpListener()
  const [engineEnd, serverEnd] = handoverPair()
  const control = controlSocket()
  const server = await startServer(serverEnd, 'B', options.wait)
  const engine = startEngine(
    ['--control', '5', ...(options.engineArgs ?? []), '--listener', `listen=3 handover=4 ${listener}`],
    [tcp.fd, engineEnd, control.fd],
  )
  const counters = async () => (await readStats(control.path)).listeners[0]
  /** Polls the counters until check accepts them. */
  const settle = (check: (c: Counters) => boolean) => until(async () => {
    const c = await counters()
    return check(c) ? c : undefined
  })
  await until(() => counters().catch(() => undefined)) // the engine answers: it is set up
  return {port: tcp.port, server, engine, counters, settle}
}

const PARTIAL = 'GET /slow HTTP/1.1\r\nHost: x\r\n'

describe('parked connections', () => {
  afterEach(stopAll)

  it('drops a request that misses its deadline (on-timeout=drop)', async () => {
    const {port, server, settle} = await setUp('chain=httpready timeout=400 on-timeout=drop')
    const c = await client(port)
    c.send(PARTIAL)
    const closed = await c.closed
    expect(closed.reply).toBe('')
    const counters = await settle((x) => x.dropped.timeout === 1)
    expect(counters).toMatchObject({accepted: 1, ready: 0, passed: 0, parked: 0, on_timeout: 'drop', timeout_ms: 400})
    expect(counters.park_ms.max).toBeGreaterThanOrEqual(400)
    expect(server.handed).toHaveLength(0)
  })

  it('passes a request that misses its deadline (on-timeout=pass), bytes unread', async () => {
    const {port, server, settle} = await setUp('chain=httpready timeout=400 on-timeout=pass')
    const c = await client(port)
    c.send(PARTIAL)
    const [handed] = await server.waitFor(1)
    expect(handed.sha256).toBe(sha256(c.sent))
    const counters = await settle((x) => x.passed === 1)
    expect(counters.passed_on).toEqual({verdict: 0, timeout: 1, oversize: 0})
  })

  it('asks the chain once more on EOF: httpready passes by default, drops with eof=drop', async () => {
    const passing = await setUp('chain=httpready')
    const a = await client(passing.port)
    a.send(PARTIAL)
    await sleep(200)
    a.socket.end()
    const [handed] = await passing.server.waitFor(1)
    expect(handed.sha256).toBe(sha256(a.sent))
    await passing.settle((x) => x.passed_on.verdict === 1)

    const dropping = await setUp('chain=httpready:eof=drop')
    const b = await client(dropping.port)
    b.send(PARTIAL)
    await sleep(200)
    b.socket.end()
    expect((await b.closed).reply).toBe('')
    await dropping.settle((x) => x.dropped.eof === 1 && x.parked === 0)
    expect(dropping.server.handed).toHaveLength(0)
  })

  it('counts a reset while parked', async () => {
    const {port, server, settle} = await setUp('chain=httpready')
    const c = await client(port)
    c.send(PARTIAL)
    await settle((x) => x.parked === 1)
    c.socket.resetAndDestroy()
    await settle((x) => x.dropped.reset === 1 && x.parked === 0)
    expect(server.handed).toHaveLength(0)
  })

  it('drops the oldest parked connection when the table is full', async () => {
    const {port, settle} = await setUp('chain=httpready', {engineArgs: ['--max-parked', '2']})
    const clients = []
    for (let i = 0; i < 3; i++) {
      const c = await client(port)
      c.send(PARTIAL)
      await settle((x) => x.accepted === i + 1)
      clients.push(c)
    }
    expect((await clients[0].closed).reply).toBe('')
    const counters = await settle((x) => x.dropped.park_full === 1)
    expect(counters.parked).toBe(2)
    expect(clients[1].socket.destroyed || clients[2].socket.destroyed).toBe(false)
  })

  it('moves its counters', async () => {
    const {port, server, counters, settle} = await setUp('chain=httpready')
    expect(await counters()).toMatchObject({accepted: 0, ready: 0, parked: 0, in_flight: 0, server_closed: false, chain: 'httpready'})
    for (let i = 0; i < 3; i++) (await client(port)).send('GET / HTTP/1.0\r\n\r\n')
    await server.waitFor(3)
    expect(await settle((x) => x.ready === 3)).toMatchObject({accepted: 3, passed: 0, parked: 0})
  })

  it('stops accepting while the server is behind, and loses nothing', async () => {
    const {port, server, counters} = await setUp('chain=httpready backlog=1', {wait: true})
    const clients = await Promise.all(Array.from({length: 40}, () => client(port)))
    for (const c of clients) c.send(`GET /${c.port} HTTP/1.1\r\nHost: x\r\n\r\n`)
    await sleep(500)
    const behind = await counters()
    // The pair holds a handful (the kernel's smallest send buffer), the engine one, the
    // kernel's accept queue the rest.
    expect(behind.in_flight).toBeGreaterThan(0)
    expect(behind.accepted).toBeLessThan(40)
    expect(server.handed).toHaveLength(0)
    server.release()
    await server.waitFor(40, 15_000)
    expect(new Set(server.handed.map((h) => h.port))).toEqual(new Set(clients.map((c) => c.port)))
    const after = await counters()
    expect(after).toMatchObject({accepted: 40, ready: 40, in_flight: 0})
    expect(Object.values(after.dropped).every((n) => n === 0)).toBe(true)
  })

  it('exits 0 once the server has closed its end', async () => {
    const {engine, server, counters} = await setUp('chain=httpready')
    server.child.kill('SIGKILL')
    expect(await engine.exit).toBe(0)
    await expect(counters()).rejects.toThrow()
  })
})
