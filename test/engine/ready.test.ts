// Giving back: what the engine parks goes back on its channel once ready (the peer's address
// in the payload, the socket in SCM_RIGHTS, every byte unread), followed by a wake-up to the
// listener carrying the page's token; held while the channel is full; other messages ignored.
import {afterEach, describe, expect, it} from 'vitest'

import {parked, startChannel, stopAll, type Ready} from './helpers.js'

const HEAD = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'

describe('ready connections go back on the channel', () => {
  afterEach(stopAll)

  it('1. gives back a request that was whole when it arrived, then wakes the listener', async () => {
    const channel = await startChannel()
    const c = await parked(channel, HEAD)
    const ready = await channel.ask<Ready>({op: 'ready', reply: 'served\n'})
    expect(ready).toMatchObject({family: 2, host: '127.0.0.1', port: c.port, length: 16, fds: 1, bytes: HEAD})
    expect(ready.token).toBe(true)
    expect((await c.closed).reply).toBe('served\n')
    const counters = await channel.counters()
    expect(counters).toMatchObject({ready: 1, parked: 0, held: 0, engine_starts: 1})
  })

  it('2. parks a partial request until it is whole, and records how long it waited', async () => {
    const channel = await startChannel()
    const c = await parked(channel, 'GET /slow HTTP/1.1\r\n')
    await channel.settle((x) => x.parked === 1)
    expect(await channel.ask<Ready>({op: 'ready', timeout: 300})).toEqual({none: true})
    c.socket.write('Host: x\r\n\r\n')
    const ready = await channel.ask<Ready>({op: 'ready'})
    expect(ready).toMatchObject({port: c.port, bytes: 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n', token: true})
    const counters = await channel.counters()
    expect(counters).toMatchObject({ready: 1, parked: 0})
    expect(counters.park_ms_max).toBeGreaterThanOrEqual(250)
  })

  it('3. gives back what is not the protocol at once (pass), unchanged', async () => {
    const channel = await startChannel()
    const c = await parked(channel, '\x16\x03\x01')
    const ready = await channel.ask<Ready>({op: 'ready'})
    expect(ready).toMatchObject({port: c.port, bytes: '\x16\x03\x01', token: true})
    expect((await channel.counters()).passed_on.verdict).toBe(1)
  })

  it('4. holds ready connections while the channel is full, and sends them all once read', async () => {
    const channel = await startChannel({backlog: 1}) // the smallest send buffer: a few messages
    const clients = []
    for (let i = 0; i < 12; i++) clients.push(await parked(channel, 'GET / HTTP/1.1\r\n'))
    await channel.settle((x) => x.parked === 12)
    for (const c of clients) c.socket.write('Host: x\r\n\r\n')
    const full = await channel.settle((x) => x.ready === 12)
    expect(full.held).toBeGreaterThan(0)
    const ports = new Set<number>()
    for (let i = 0; i < 12; i++) {
      const ready = await channel.ask<Ready>({op: 'ready', read: false})
      expect(ready.token).toBe(true)
      ports.add(ready.port)
    }
    expect(ports).toEqual(new Set(clients.map((c) => c.port)))
    expect((await channel.counters()).held).toBe(0)
  })

  it('5. closes the descriptors of messages that are not the contract and goes on', async () => {
    const channel = await startChannel()
    expect(await channel.ask({op: 'junk'})).toEqual({reader_open: false})
    const c = await parked(channel, HEAD)
    expect(await channel.ask<Ready>({op: 'ready'})).toMatchObject({port: c.port, bytes: HEAD, token: true})
  })
})
