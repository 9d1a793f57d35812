// The counters of the engine a `wrap` started, read the way inspect reads them: from the control
// socket at the wrapper's conventional path.
import {readStats, type EngineStats} from '../../src/engine/index.js'
import {controlSocketPath} from '../../src/inspect/control.js'
import {sleep} from './wait.js'

export type ChannelStats = EngineStats['listeners'][number]

/** The entry of the channel for this port. */
export async function channelStats(wrapperPid: number, port: number): Promise<ChannelStats> {
  const stats = await readStats(controlSocketPath(wrapperPid))
  const entry = stats.listeners.find((listener) => listener.address.endsWith(`:${port}`))
  if (!entry) throw new Error(`no channel for port ${port} in ${JSON.stringify(stats)}`)
  return entry
}

/** Polls the channel's counters until check() holds; fails with the last counters seen. */
export async function untilStats(wrapperPid: number, port: number, check: (s: ChannelStats) => boolean, what: string, timeoutMs = 10_000): Promise<ChannelStats> {
  const end = Date.now() + timeoutMs
  let last: ChannelStats | undefined
  for (;;) {
    last = await channelStats(wrapperPid, port).catch(() => last)
    if (last && check(last)) return last
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; counters: ${JSON.stringify(last)}`)
    await sleep(50)
  }
}
