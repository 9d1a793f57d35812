// The exposition from a synthetic snapshot: names, labels, the histogram's cumulative buckets,
// and what a stats-shaped source (no histogram, no adoption count) leaves out.
import {describe, expect, it} from 'vitest'

import {PARK_LE_SECONDS} from '../../src/metrics/park-histogram.js'
import {createMetrics} from '../../src/metrics/registry.js'
import {fromStats, type ListenerMetrics} from '../../src/metrics/shape.js'
import {DROP_REASONS, PARK_BUCKETS, PASS_REASONS} from '../../src/wrap/page.js'

const zeros = <K extends string>(names: readonly K[]) => Object.fromEntries(names.map((name) => [name, 0])) as Record<K, number>

function synthetic(over: Partial<ListenerMetrics> = {}): ListenerMetrics {
  const parkMs = Array<number>(PARK_BUCKETS).fill(0)
  parkMs[0] = 1 // under 1 ms
  parkMs[1] = 2 // [1, 2) ms
  parkMs[9] = 4 // [256, 512) ms
  parkMs[PARK_BUCKETS - 1] = 1 // 2^30 ms and longer
  return {
    listener: '127.0.0.1:8080',
    chain: 'httpready',
    accepted: 40,
    ready: 20,
    passedOn: {...zeros(PASS_REASONS), timeout: 3, oversize: 1},
    dropped: {...zeros(DROP_REASONS), eof: 5, timeout: 2},
    parked: 6,
    held: 1,
    engineStarts: 3,
    parkMs,
    parkMsMax: 2 ** 30 + 5,
    adopted: 2,
    ...over,
  }
}

/** name{labels} -> value, with the labels in their written order. */
function samples(text: string): Map<string, number> {
  const lines = text.split('\n').filter((line) => line && !line.startsWith('#'))
  return new Map(lines.map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]))
}

describe('the exposition', () => {
  it('1. connections by outcome and reason, every reason present (zero too), ready without one', async () => {
    const text = await createMetrics(() => [synthetic()]).scrape()
    const got = samples(text)
    const l = 'listener="127.0.0.1:8080"'
    expect(got.get(`defer_accept_connections_total{${l},outcome="ready"}`)).toBe(20)
    expect(got.get(`defer_accept_connections_total{${l},outcome="passed",reason="timeout"}`)).toBe(3)
    expect(got.get(`defer_accept_connections_total{${l},outcome="passed",reason="oversize"}`)).toBe(1)
    expect(got.get(`defer_accept_connections_total{${l},outcome="passed",reason="no_engine"}`)).toBe(0)
    expect(got.get(`defer_accept_connections_total{${l},outcome="dropped",reason="eof"}`)).toBe(5)
    expect(got.get(`defer_accept_connections_total{${l},outcome="dropped",reason="engine"}`)).toBe(0)
    expect([...got.keys()].filter((key) => key.startsWith('defer_accept_connections_total{'))).toHaveLength(1 + PASS_REASONS.length + DROP_REASONS.length)
    expect(text).toContain('# TYPE defer_accept_connections_total counter')
  })

  it('2. accepted, parked, held, restarts (engine starts less the first) and the filter in force', async () => {
    const got = samples(await createMetrics(() => [synthetic(), synthetic({listener: ':9090', chain: 'tlsready', adopted: 0, engineStarts: 0})]).scrape())
    const l = 'listener="127.0.0.1:8080"'
    expect(got.get(`defer_accept_accepted_connections_total{${l}}`)).toBe(40)
    expect(got.get(`defer_accept_parked_connections{${l}}`)).toBe(6)
    expect(got.get(`defer_accept_held_connections{${l}}`)).toBe(1)
    expect(got.get(`defer_accept_engine_restarts_total{${l}}`)).toBe(2)
    expect(got.get(`defer_accept_filter_in_force{${l},chain="httpready"}`)).toBe(1)
    expect(got.get('defer_accept_filter_in_force{listener=":9090",chain="tlsready"}')).toBe(0)
    expect(got.get('defer_accept_engine_restarts_total{listener=":9090"}')).toBe(0)
  })

  it('3. the park histogram: le = 2^b ms in seconds, counts cumulative, +Inf and _count the total', async () => {
    const text = await createMetrics(() => [synthetic()]).scrape()
    expect(text).toContain('# TYPE defer_accept_park_duration_seconds histogram')
    const got = samples(text)
    const bucket = (le: string) => got.get(`defer_accept_park_duration_seconds_bucket{listener="127.0.0.1:8080",le="${le}"}`)
    expect(PARK_LE_SECONDS).toHaveLength(PARK_BUCKETS - 1)
    expect(PARK_LE_SECONDS.slice(0, 4)).toEqual([0.001, 0.002, 0.004, 0.008])
    expect(bucket('0.001')).toBe(1)
    expect(bucket('0.002')).toBe(3)
    expect(bucket('0.256')).toBe(3)
    expect(bucket('0.512')).toBe(7)
    expect(bucket(String(2 ** 30 / 1000))).toBe(7) // the last bucket has no finite bound
    expect(bucket('+Inf')).toBe(8)
    expect(got.get('defer_accept_park_duration_seconds_count{listener="127.0.0.1:8080"}')).toBe(8)
    const values = PARK_LE_SECONDS.map((le) => bucket(String(le))!)
    expect(values.every((value, i) => i === 0 || value >= values[i - 1])).toBe(true)
    const sum = got.get('defer_accept_park_duration_seconds_sum{listener="127.0.0.1:8080"}')!
    expect(sum).toBeGreaterThan((4 * 256 + 2 ** 30) / 1000) // at least the lower edges
  })

  it('4. from a stats answer: the same counters, and no histogram or filter_in_force it cannot know', async () => {
    const entry = {
      address: '[::1]:443',
      chain: 'tlsready',
      timeout_ms: 30_000,
      on_timeout: 'drop' as const,
      accepted: 9,
      ready: 7,
      passed: 1,
      passed_on: {verdict: 1, timeout: 0, oversize: 0, no_engine: 0},
      dropped: {timeout: 0, eof: 1, reset: 0, filter: 0, park_full: 0, shed: 0, no_server: 0, engine: 0},
      parked: 2,
      in_flight: 1,
      server_closed: false,
      engine_starts: 1,
      park_ms: {p50: 1, p90: 3, p99: 3, max: 3},
    }
    const text = await createMetrics(() => [fromStats(entry)]).scrape()
    const got = samples(text)
    expect(got.get('defer_accept_connections_total{listener="[::1]:443",outcome="passed",reason="verdict"}')).toBe(1)
    expect(got.get('defer_accept_held_connections{listener="[::1]:443"}')).toBe(1)
    expect([...got.keys()].some((key) => key.startsWith('defer_accept_park_duration_seconds') || key.startsWith('defer_accept_filter_in_force'))).toBe(false)
  })

  it('5. each scrape reads the source again; a listener gone is gone from the next one', async () => {
    let snapshot = [synthetic(), synthetic({listener: ':9090'})]
    const metrics = createMetrics(() => snapshot)
    expect(await metrics.scrape()).toContain(':9090')
    snapshot = [synthetic({ready: 21})]
    const text = await metrics.scrape()
    expect(text).not.toContain(':9090')
    expect(samples(text).get('defer_accept_connections_total{listener="127.0.0.1:8080",outcome="ready"}')).toBe(21)
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/)
  })
})
