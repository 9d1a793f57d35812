// What a measurement window comes to: good requests per second, latency percentiles of the
// requests that succeeded, and the ones that failed, by kind.
import type {Sample} from './good-clients.js'

export interface Window {
  seconds: number
  requests: number
  perSecond: number
  /** Latency of successful requests in milliseconds; null when none succeeded. */
  p50Ms: number | null
  p99Ms: number | null
  timeouts: number
  errors: number
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: number[], fraction: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]
}

export function summarize(samples: Sample[], seconds: number): Window {
  const latencies = samples.filter((sample) => sample.outcome === 'ok').map((sample) => sample.ms).sort((a, b) => a - b)
  const round = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10)
  return {
    seconds,
    requests: latencies.length,
    perSecond: Math.round((latencies.length / seconds) * 10) / 10,
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
    timeouts: samples.filter((sample) => sample.outcome === 'timeout').length,
    errors: samples.filter((sample) => sample.outcome === 'error').length,
  }
}

/** Attacked requests/s as a share of unattacked (0 when there was nothing to keep). */
export function share(attacked: Window, unattacked: Window): number {
  return unattacked.perSecond > 0 ? Math.round((attacked.perSecond / unattacked.perSecond) * 1000) / 1000 : 0
}
