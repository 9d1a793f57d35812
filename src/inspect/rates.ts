// Per-second rates of the engine counters between two snapshots, for --watch.
import type {InspectResult} from './types.js'

const dropped = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0)

/** Adds rates to the engine views of next that were also in previous (same socket, same engine). */
export function withRates(previous: InspectResult, next: InspectResult, seconds: number): InspectResult {
  const before = new Map(previous.listeners.map((listener) => [listener.inode, listener.engine]))
  const per = (now: number, then: number) => Math.max(0, now - then) / seconds
  return {
    ...next,
    listeners: next.listeners.map((listener) => {
      const old = before.get(listener.inode)
      const now = listener.engine
      if (!now || !old || old.pid !== now.pid) return listener
      const rates = {
        accepted: per(now.counters.accepted, old.counters.accepted),
        ready: per(now.counters.ready, old.counters.ready),
        passed: per(now.counters.passed, old.counters.passed),
        dropped: per(dropped(now.counters.dropped), dropped(old.counters.dropped)),
      }
      return {...listener, engine: {...now, rates}}
    }),
  }
}
