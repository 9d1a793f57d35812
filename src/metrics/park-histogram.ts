// The page's park-time histogram as a Prometheus histogram in seconds. prom-client's Histogram
// only counts observations one by one; this one reports buckets the engine already counted, in
// prom-client's own value format, so the Registry writes the exposition.
import type {Metric} from 'prom-client'

import {PARK_BUCKETS} from '../wrap/page.js'

/** Bucket b of the page holds [2^(b-1), 2^b) ms (b = 0: under 1 ms); the last one also holds
 *  everything longer, so it has no finite upper bound and counts only in +Inf. */
export const PARK_LE_SECONDS = Array.from({length: PARK_BUCKETS - 1}, (_, b) => 2 ** b / 1000)

/** Each bucket's middle in ms: the page counts no sum, so _sum is estimated from these. */
const middleMs = (b: number, maxMs: number | undefined) => (b === 0 ? 0.5 : b === PARK_BUCKETS - 1 ? Math.max(maxMs ?? 0, 2 ** (b - 1)) : 0.75 * 2 ** b)

export interface ParkSeries {
  labels: Record<string, string>
  buckets: number[]
  maxMs?: number
}

interface Value {
  metricName: string
  labels: Record<string, string | number>
  value: number
}

export class ParkHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  series: ParkSeries[] = []

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  async get(): Promise<{name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Value[]}> {
    const values = this.series.flatMap(({labels, buckets, maxMs}) => {
      let cumulative = 0
      const out: Value[] = PARK_LE_SECONDS.map((le, b) => ({metricName: `${this.name}_bucket`, labels: {...labels, le}, value: (cumulative += buckets[b])}))
      const count = cumulative + buckets[PARK_BUCKETS - 1]
      const sum = buckets.reduce((total, n, b) => total + n * middleMs(b, maxMs), 0) / 1000
      out.push({metricName: `${this.name}_bucket`, labels: {...labels, le: '+Inf'}, value: count}, {metricName: `${this.name}_sum`, labels, value: sum}, {metricName: `${this.name}_count`, labels, value: count})
      return out
    })
    return {name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values}
  }

  /** What Registry.registerMetric takes: it reads name, type and get() only. */
  asMetric(): Metric {
    return this as unknown as Metric
  }
}
