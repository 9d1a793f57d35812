// The one shape both sources of metrics give: a wrapper's own pages (wrap --metrics) and the
// engines' `stats` answers (inspect --format prometheus). registry.ts turns it into metrics.
import type {EngineStats} from '../engine/query.js'
import type {PageCounters} from '../wrap/page.js'

/** What a page's counters give, less what the stats answer lacks (the histogram and adopted are
 *  optional: only a page has them; the stats answer has percentiles instead). */
export type ListenerMetrics = {
  /** The page's address, or `:PORT` while a server that binds its own has not listened yet. */
  listener: string
  chain: string
} & Pick<PageCounters, 'accepted' | 'ready' | 'passedOn' | 'dropped' | 'parked' | 'held' | 'engineStarts'> &
  Partial<Pick<PageCounters, 'parkMs' | 'parkMsMax' | 'adopted'>>

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
