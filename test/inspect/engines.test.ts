// Matching an engine's stats (one entry per filtered port) to the kernel's listeners: by port,
// the address deciding between several; listeners of one port share one channel's counters.
import {describe, expect, it} from 'vitest'

import type {EngineStats} from '../../src/engine/index.js'
import {matchEngineStats} from '../../src/inspect/engines.js'
import type {HostListener} from '../../src/inspect/types.js'

const held = (inode: number, address: string, port: number, pids: number[]): HostListener => ({
  inode, family: address.includes(':') ? 'ipv6' : 'ipv4', address, port, uid: 0, acceptQueue: 0, backlog: 511,
  processes: pids.map((pid) => ({pid, fd: 3, comm: 'x', command: 'x'})), reusePort: false, deferral: {state: 'kernel', seconds: 1}, engine: null,
})

const entry = (address: string): EngineStats['listeners'][number] => ({
  address, chain: 'httpready', timeout_ms: 30000, on_timeout: 'drop', accepted: 4, ready: 3, passed: 1,
  passed_on: {verdict: 1, timeout: 0, oversize: 0, no_engine: 0}, dropped: {timeout: 0, eof: 0, reset: 0, filter: 0, park_full: 0, shed: 0, no_server: 0, engine: 0},
  parked: 0, in_flight: 0, server_closed: false, engine_starts: 1, park_ms: {p50: 1, p90: 2, p99: 3, max: 3},
})

describe('matchEngineStats', () => {
  const listeners = [held(1, '127.0.0.1', 80, [9, 10]), held(2, '::1', 80, [9]), held(3, '127.0.0.1', 81, [10]), held(4, '127.0.0.1', 82, [11])]

  it('picks by address among the listeners of one port, by port alone when it is the only one', () => {
    const views = matchEngineStats({pid: 9, listeners: [entry('[::1]:80'), entry('127.0.0.1:80')]}, '/c.sock', listeners)
    expect([...views.keys()].sort()).toEqual([1, 2])
    expect(views.get(2)).toMatchObject({pid: 9, chain: 'httpready', controlSocket: '/c.sock', counters: {ready: 3, passedOn: {verdict: 1}}})
    expect([...matchEngineStats({pid: 10, listeners: [entry('localhost:81')]}, '/c.sock', listeners).keys()]).toEqual([3])
  })

  it('gives a channel whose address matches none of its port\'s listeners to all of them (0.0.0.0 and ::)', () => {
    expect([...matchEngineStats({pid: 9, listeners: [entry('0.0.0.0:80')]}, '/c.sock', listeners).keys()].sort()).toEqual([1, 2])
  })

  it('matches nothing for a port no listener has', () => {
    expect(matchEngineStats({pid: 9, listeners: [entry('127.0.0.1:83')]}, '/c.sock', listeners).size).toBe(0)
  })
})
