// `inspect --format prometheus`: the listeners of every live engine of the host. Each engine's
// `stats` answer (over its control socket) names its channels; where the wrapper's page of a
// channel can be read (/proc/PID/fd, same user or root) it is used instead, as `wrap --metrics`
// does: it also has the park-time histogram and whether the filter is in force.
import {closeSync, existsSync, openSync, readdirSync, readlinkSync} from 'node:fs'

import {readStats} from '../engine/query.js'
import {findControlSockets} from '../inspect/control.js'
import {readChain, readCounters, readPageHeader} from '../wrap/page.js'
import {fromPage, fromStats, type ListenerMetrics} from './shape.js'

/** The pages a wrapper holds (its memfds, named by page.ts), read through /proc. */
function wrapperPages(pid: number): ListenerMetrics[] {
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    return [] // gone, or another user's without the rights
  }
  return fds.flatMap((n) => {
    try {
      if (!readlinkSync(`/proc/${pid}/fd/${n}`).startsWith('/memfd:defer-accept-page')) return []
      const fd = openSync(`/proc/${pid}/fd/${n}`, 'r')
      try {
        const {address} = readPageHeader(fd)
        // A port whose server has not listened yet (bind mode) has no listener to describe.
        return address === undefined ? [] : [fromPage(address, readChain(fd), readCounters(fd))]
      } finally {
        closeSync(fd)
      }
    } catch {
      return [] // closed meanwhile
    }
  })
}

const portOf = (listener: string) => Number(/:(\d+)$/.exec(listener)?.[1] ?? -1)

/** Every listener of every live engine (only those on this port when one is given); an engine
 *  that cannot be read adds a hint and nothing else. */
export async function hostMetrics(port?: number): Promise<{listeners: ListenerMetrics[]; hints: string[]}> {
  const hints: string[] = []
  const live = findControlSockets().filter((control) => existsSync(`/proc/${control.wrapperPid}`))
  const perWrapper = await Promise.all(
    live.map(async (control) => {
      const pages = wrapperPages(control.wrapperPid)
      const stats = await readStats(control.path).catch((error: Error) => {
        hints.push(`the engine of wrapper ${control.wrapperPid} did not answer on ${control.path} (${error.message})${pages.length > 0 ? ": its wrapper's pages are shown" : ': run as its user or as root'}`)
        return undefined
      })
      // Channels the engine made itself (SO_ACCEPTFILTER) have no page in the wrapper.
      const fromEngine = (stats?.listeners ?? []).filter((entry) => entry.address !== '' && !pages.some((page) => page.listener === entry.address)).map(fromStats)
      return [...pages, ...fromEngine]
    }),
  )
  const listeners = perWrapper.flat().filter((entry) => port === undefined || portOf(entry.listener) === port)
  return {listeners, hints}
}
