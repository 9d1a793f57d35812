// The one shape both sources of metrics give: a wrapper's own pages (wrap --metrics) and the
// engines' `stats` answers (inspect --format prometheus). registry.ts turns it into metrics.
import type {EngineStats} from '../engine/query.js'
import type {DropReason, PageCounters, PassReason} from '../wrap/page.js'

export interface ListenerMetrics {
  /** The page's address, or `:PORT` while a server that binds its own has not listened yet. */
  listener: string
  chain: string
  accepted: number
  ready: number
  passedOn: Record<PassReason, number>
  dropped: Record<DropReason, number>
  parked: number
  held: number
  engineStarts: number
  /** The page's log2 histogram of park times in ms; the stats answer has only percentiles. */
  parkMs?: number[]
  parkMsMax?: number
  /** Listeners the preload adopted; the stats answer does not say. */
  adopted?: number
}

export function fromPage(listener: string, chain: string, counters: PageCounters): ListenerMetrics {
  const {accepted, ready, passedOn, dropped, parked, held, engineStarts, parkMs, parkMsMax, adopted} = counters
  return {listener, chain, accepted, ready, passedOn, dropped, parked, held, engineStarts, parkMs, parkMsMax, adopted}
}

export function fromStats(entry: EngineStats['listeners'][number]): ListenerMetrics {
  return {
    listener: entry.address,
    chain: entry.chain,
    accepted: entry.accepted,
    ready: entry.ready,
    passedOn: {...entry.passed_on},
    dropped: {...entry.dropped},
    parked: entry.parked,
    held: entry.in_flight,
    engineStarts: entry.engine_starts,
  }
}
