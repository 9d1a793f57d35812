// The metric definitions, once for `wrap --metrics` and `inspect --format prometheus`: a Registry
// of our own (never prom-client's global one) filled from a snapshot of ListenerMetrics at each
// scrape. Names by Prometheus conventions: prefix defer_accept_, base units, _total on counters.
import {Counter, Gauge, Registry} from 'prom-client'

import {DROP_REASONS, PASS_REASONS} from '../wrap/page.js'
import {ParkHistogram} from './park-histogram.js'
import type {ListenerMetrics} from './shape.js'

export interface Metrics {
  registry: Registry
  /** prom-client's content type of the text format, for the HTTP answer. */
  contentType: string
  /** Reads the source and returns the exposition. */
  scrape: () => Promise<string>
}

export function createMetrics(source: () => ListenerMetrics[] | Promise<ListenerMetrics[]>): Metrics {
  const registry = new Registry()
  const registers = [registry]
  const connections = new Counter({
    name: 'defer_accept_connections_total',
    help: 'Connections by how they ended: ready or passed (handed to the server) or dropped (closed), and why (ready has no reason)',
    labelNames: ['listener', 'outcome', 'reason'] as const,
    registers,
  })
  const accepted = new Counter({name: 'defer_accept_accepted_connections_total', help: 'Client connections the server accepted from the kernel (wake-ups not counted)', labelNames: ['listener'] as const, registers})
  const parked = new Gauge({name: 'defer_accept_parked_connections', help: 'Connections parked in the engine now, waiting to be ready', labelNames: ['listener'] as const, registers})
  const held = new Gauge({name: 'defer_accept_held_connections', help: 'Ready connections the engine holds until the server has room to accept them', labelNames: ['listener'] as const, registers})
  const restarts = new Counter({name: 'defer_accept_engine_restarts_total', help: 'Engines that took over the listener after the first', labelNames: ['listener'] as const, registers})
  const inForce = new Gauge({name: 'defer_accept_filter_in_force', help: "1 when the server's accept runs the filter chain (the preload adopted a listener), else 0", labelNames: ['listener', 'chain'] as const, registers})
  const parkTime = new ParkHistogram('defer_accept_park_duration_seconds', 'Time connections spent parked in the engine (log2 buckets; _sum is estimated from bucket middles)')
  registry.registerMetric(parkTime.asMetric())

  const fill = (snapshot: ListenerMetrics[]) => {
    for (const metric of [connections, accepted, parked, held, restarts, inForce]) metric.reset()
    parkTime.series = []
    for (const entry of snapshot) {
      const listener = entry.listener
      connections.inc({listener, outcome: 'ready'}, entry.ready)
      for (const reason of PASS_REASONS) connections.inc({listener, outcome: 'passed', reason}, entry.passedOn[reason])
      for (const reason of DROP_REASONS) connections.inc({listener, outcome: 'dropped', reason}, entry.dropped[reason])
      accepted.inc({listener}, entry.accepted)
      parked.set({listener}, entry.parked)
      held.set({listener}, entry.held)
      restarts.inc({listener}, Math.max(entry.engineStarts - 1, 0))
      if (entry.adopted !== undefined) inForce.set({listener, chain: entry.chain}, entry.adopted > 0 ? 1 : 0)
      if (entry.parkMs) parkTime.series.push({labels: {listener}, buckets: entry.parkMs, maxMs: entry.parkMsMax})
    }
  }
  return {
    registry,
    contentType: registry.contentType,
    scrape: async () => {
      fill(await source())
      // Every get() reads its values before the first await: this scrape cannot mix with another.
      return registry.metrics()
    },
  }
}
