// Parked connections: deadlines with either outcome, EOF, RST, the park table's bound (the
// oldest goes, never the newest) and its clamp to the descriptor limit.
import {afterEach, describe, expect, it} from 'vitest'

import {parked, startChannel, state, stopAll, type Ready} from './helpers.js'

const PARTIAL = 'GET /slow HTTP/1.1\r\nHost: x\r\n'

describe('parked connections', () => {
  afterEach(stopAll)

  it('1. drops a request that misses its deadline (on-timeout=drop)', async () => {
    const channel = await startChannel({timeout: 400})
    const c = await parked(channel, PARTIAL)
    expect((await c.closed).reply).toBe('')
    const counters = await channel.settle((x) => x.dropped.timeout === 1)
    expect(counters.parked).toBe(0)
    expect(counters.park_ms_max).toBeGreaterThanOrEqual(350)
    expect(await channel.ask<Ready>({op: 'ready', timeout: 200})).toEqual({none: true})
  })

  it('2. gives back a request that misses its deadline (on-timeout=pass)', async () => {
    const channel = await startChannel({timeout: 400, pass: true})
    const c = await parked(channel, PARTIAL)
    const ready = await channel.ask<Ready>({op: 'ready'})
    expect(ready).toMatchObject({port: c.port, bytes: PARTIAL, token: true})
    const counters = await channel.counters()
    expect(counters.passed_on.timeout).toBe(1)
    expect(counters.passed).toBe(1)
  })

  it('3. drops and counts a connection that ends before its first byte', async () => {
    const channel = await startChannel()
    const c = await parked(channel)
    await channel.settle((x) => x.parked === 1)
    c.socket.end()
    await channel.settle((x) => x.dropped.eof === 1 && x.parked === 0)
    expect(await channel.ask<Ready>({op: 'ready', timeout: 200})).toEqual({none: true})
  })

  it('4. counts a reset while parked', async () => {
    const channel = await startChannel()
    const c = await parked(channel, 'GET / HTTP/1.1\r\n')
    await channel.settle((x) => x.parked === 1)
    c.socket.resetAndDestroy()
    await channel.settle((x) => x.dropped.reset === 1 && x.parked === 0)
  })

  it('5. evicts the oldest parked connection when the table is full, never the newest', async () => {
    const channel = await startChannel({maxParked: 2})
    const oldest = await parked(channel, PARTIAL)
    await channel.settle((x) => x.parked === 1)
    const middle = await parked(channel, PARTIAL)
    await channel.settle((x) => x.parked === 2)
    const newest = await parked(channel, PARTIAL)
    const counters = await channel.settle((x) => x.dropped.park_full === 1)
    expect(counters.parked).toBe(2)
    expect((await oldest.closed).reply).toBe('')
    expect(await state(middle.closed)).toBe('pending')
    expect(await state(newest.closed)).toBe('pending')
    newest.socket.write('\r\n')
    expect(await channel.ask<Ready>({op: 'ready', read: false})).toMatchObject({port: newest.port, token: true})
  })

  it.each([
    ['the default, quietly', undefined],
    ['one asked for, saying so', 65536],
  ])('6. clamps --max-parked to the descriptor limit less its reserve: %s', async (_, maxParked) => {
    // DA_FD_RESERVE in native/engine/engine.h is 120: a limit of 140 leaves 20 to park.
    const channel = await startChannel({nofile: 140, maxParked})
    const clients = []
    for (let i = 0; i < 21; i++) clients.push(await parked(channel, PARTIAL))
    const counters = await channel.settle((x) => x.dropped.park_full === 1)
    expect(counters.parked).toBe(20)
    if (maxParked) expect(channel.stderr()).toMatch(/--max-parked 65536 lowered to 20: the descriptor limit is 140/)
    else expect(channel.stderr()).not.toMatch(/lowered/)
    expect((await clients[0].closed).reply).toBe('')
    expect(await state(clients[20].closed)).toBe('pending')
  })
})
