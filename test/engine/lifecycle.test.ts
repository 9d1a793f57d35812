// The engine's life on a channel: a restarted engine counts what the dead one had parked, the
// servers' hang-up ends it with status 0, and the stats answer shows one entry per channel.
import {afterEach, describe, expect, it} from 'vitest'

import {parked, runEngine, startChannel, stopAll, type Ready} from './helpers.js'

const PARTIAL = 'GET /slow HTTP/1.1\r\nHost: x\r\n'

describe('engine life', () => {
  afterEach(stopAll)

  it('1. a restarted engine counts the dead one\'s parked as dropped.engine and serves on', async () => {
    const channel = await startChannel()
    const first = channel.engine
    const lost = [await parked(channel, PARTIAL), await parked(channel, PARTIAL)]
    await channel.settle((x) => x.parked === 2)
    await channel.ask({op: 'restart'})
    expect(channel.engine).not.toBe(first)
    const counters = await channel.settle((x) => x.engine_starts === 2)
    expect(counters).toMatchObject({parked: 0, held: 0, engine_pid: channel.engine})
    expect(counters.dropped.engine).toBe(2)
    for (const c of lost) expect((await c.closed).reply).toBe('')
    const c = await parked(channel, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(await channel.ask<Ready>({op: 'ready', read: false})).toMatchObject({port: c.port, token: true})
  })

  it('2. exits 0 when every server end has hung up, dropping what it parked as no_server', async () => {
    const channel = await startChannel()
    const c = await parked(channel, PARTIAL)
    await channel.settle((x) => x.parked === 1)
    expect(await channel.ask({op: 'hangup'})).toEqual({exit: 0})
    expect((await c.closed).reply).toBe('')
    const counters = await channel.counters()
    expect(counters).toMatchObject({parked: 0})
    expect(counters.dropped.no_server).toBe(1)
  })

  it('3. answers stats with one entry per channel, read from its page', async () => {
    const channel = await startChannel({chain: 'httpready', timeout: 2500})
    await parked(channel, PARTIAL)
    await channel.settle((x) => x.parked === 1)
    const {code, stdout} = await runEngine(['--stats', channel.control])
    expect(code).toBe(0)
    const stats = JSON.parse(stdout)
    expect(stats.pid).toBe(channel.engine)
    expect(stats.listeners).toHaveLength(1)
    const entry = stats.listeners[0]
    expect(Object.keys(entry)).toEqual([
      'address', 'chain', 'timeout_ms', 'on_timeout', 'accepted', 'ready', 'passed', 'passed_on', 'dropped',
      'parked', 'in_flight', 'server_closed', 'engine_starts', 'park_ms',
    ])
    expect(entry).toMatchObject({
      address: '127.0.0.1:0', chain: 'httpready', timeout_ms: 2500, on_timeout: 'drop', parked: 1,
      in_flight: 0, server_closed: false, engine_starts: 1,
    })
    expect(Object.keys(entry.passed_on)).toEqual(['verdict', 'timeout', 'oversize', 'no_engine'])
    expect(Object.keys(entry.dropped)).toEqual([
      'timeout', 'eof', 'reset', 'filter', 'park_full', 'shed', 'no_server', 'engine',
    ])
    expect(Object.keys(entry.park_ms)).toEqual(['p50', 'p90', 'p99', 'max'])
  })
})
