// The table for people and the rates of --watch, from snapshots built by hand: exact text.
import {describe, expect, it} from 'vitest'

import {withRates} from '../../src/inspect/rates.js'
import {render} from '../../src/inspect/render.js'
import type {EngineView, InspectResult, Listener} from '../../src/inspect/types.js'

const engine = (ready: number, dropped: number): EngineView => ({
  pid: 9,
  controlSocket: '/run/defer-accept/8.sock',
  chain: 'httpready',
  timeoutMs: 30_000,
  onTimeout: 'drop',
  counters: {accepted: ready + dropped, ready, passed: 0, passedOn: {}, dropped: {timeout: dropped}, parked: 1, inFlight: 0},
  parkMs: {p50: 2, p90: 4, p99: 8, max: 9},
  serverClosed: false,
})

const listener = (overrides: Partial<Listener>): Listener => ({
  inode: 1,
  family: 'ipv4',
  address: '127.0.0.1',
  port: 8080,
  uid: 0,
  acceptQueue: 0,
  backlog: 511,
  processes: [{pid: 8, fd: 3, comm: 'nginx', command: 'nginx: master'}, {pid: 10, fd: 3, comm: 'nginx', command: 'nginx: worker'}],
  reusePort: false,
  deferral: {state: 'none', seconds: null},
  engine: null,
  ...overrides,
})

const snapshot = (listeners: Listener[], hints: string[] = []): InspectResult => ({schemaVersion: 1, os: 'linux', hints, listeners})

describe('render', () => {
  it('groups processes by name and cuts only the last column to the width', () => {
    const text = render(snapshot([listener({}), listener({inode: 2, family: 'ipv6', address: '::1', deferral: {state: 'kernel', seconds: 7}, processes: null, reusePort: null})]), 80)
    expect(text.split('\n')).toEqual([
      'ADDRESS         QUEUE/BACKLOG  REUSEPORT  DEFERRAL  ENGINE  PROCESSES',
      '127.0.0.1:8080  0/511          no         none      -       nginx 8,10',
      '[::1]:8080      0/511          ?          7 s       -       unknown',
    ])
    expect(render(snapshot([listener({})]), 68).split('\n')[1]).toBe('127.0.0.1:8080  0/511          no         none      -       nginx 8…')
  })

  it('shows the engine chain and counters, and the hints', () => {
    const text = render(snapshot([listener({deferral: {state: 'engine', seconds: 1}, engine: engine(5, 1)})], ['run as root']), 200)
    expect(text).toContain('httpready 30 s drop  parked 1 ready 5 passed 0 dropped 1 p50 2 ms p99 8 ms  nginx 8,10')
    expect(text.split('\n').at(-1)).toBe('note: run as root')
  })
})

describe('render without a socket table (all but Linux)', () => {
  it('shows unknown queues, the kernel filter by name, and the kernel filters of the host', () => {
    const owned = listener({
      inode: null,
      uid: null,
      acceptQueue: null,
      backlog: null,
      reusePort: null,
      processes: [{pid: 42, fd: 3, comm: 'node', command: 'node defer-accept inspect'}],
      deferral: {state: 'kernel', seconds: null, filter: 'httpready', kernelName: 'httpfilt'},
    })
    const result: InspectResult = {
      ...snapshot([owned, listener({...owned, port: 8081, deferral: {state: 'kernel', seconds: null, filter: 'dnsready', kernelName: 'dnsready', arg: 'x=1'}})], ['queues unknown']),
      os: 'illumos',
      kernelFilters: [
        {name: 'dataready', where: 'unavailable', kernelName: 'datafilt', why: 'not configured'},
        {name: 'httpready', where: 'kernel', kernelName: 'httpfilt', why: 'sockfs filter httpfilt'},
      ],
    }
    expect(render(result, 120).split('\n')).toEqual([
      'ADDRESS         QUEUE/BACKLOG  REUSEPORT  DEFERRAL              ENGINE  PROCESSES',
      '127.0.0.1:8080  ?/?            ?          httpready (httpfilt)  -       node 42',
      '127.0.0.1:8081  ?/?            ?          dnsready:x=1          -       node 42',
      '',
      'KERNEL FILTER  WHERE        KERNEL NAME  WHY',
      'dataready      unavailable  datafilt     not configured',
      'httpready      kernel       httpfilt     sockfs filter httpfilt',
      'note: queues unknown',
    ])
  })
})

describe('withRates', () => {
  it('gives per-second deltas of the same engine, none for a restarted one', () => {
    const before = snapshot([listener({engine: engine(10, 2)}), listener({inode: 2, engine: engine(0, 0)})])
    const after = snapshot([listener({engine: engine(30, 6)}), listener({inode: 2, engine: {...engine(5, 0), pid: 99}})])
    const rated = withRates(before, after, 2)
    expect(rated.listeners[0].engine!.rates).toEqual({accepted: 12, ready: 10, passed: 0, dropped: 2})
    expect(rated.listeners[1].engine!.rates).toBeUndefined()
    expect(render(rated, 200)).toContain('ready 30 (10.0/s) passed 0 (0.0/s) dropped 6 (2.0/s)')
  })
})
