// The engine's side of the listeners it serves: each control socket found by the wrapper's
// naming convention (control.ts) answers `stats` with JSON (native/README.md), one entry per
// filtered port; the entries are matched to the kernel's listeners by port, and by address only
// between several. The servers hold the listeners, not the engine.
import {existsSync} from 'node:fs'

import {findControlSockets} from './control.js'
import type {EngineStats} from '../engine/index.js'
import type {EngineView, HostListener} from './types.js'

/** host and port of `127.0.0.1:80` or `[::1]:80`. */
function splitAddress(text: string): {host: string; port: number} {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text)
  return match ? {host: match[1], port: Number(match[2])} : {host: text, port: -1}
}

/** Views by listener inode, for the listeners one engine's stats describe. */
export function matchEngineStats(stats: EngineStats, controlSocket: string, listeners: HostListener[]): Map<number, EngineView> {
  const views = new Map<number, EngineView>()
  for (const entry of stats.listeners) {
    const {host, port} = splitAddress(entry.address)
    // Listeners of one port share a channel (0.0.0.0 and ::, a reuseport group): each shows it.
    const onPort = listeners.filter((candidate) => candidate.port === port)
    const exact = onPort.filter((candidate) => candidate.address === host)
    for (const listener of exact.length > 0 && exact.length < onPort.length ? exact : onPort) views.set(listener.inode, {
      pid: stats.pid,
      controlSocket,
      chain: entry.chain,
      timeoutMs: entry.timeout_ms,
      onTimeout: entry.on_timeout,
      counters: {
        accepted: entry.accepted,
        ready: entry.ready,
        passed: entry.passed,
        passedOn: entry.passed_on,
        dropped: entry.dropped,
        parked: entry.parked,
        inFlight: entry.in_flight,
      },
      serverClosed: entry.server_closed,
      parkMs: entry.park_ms,
    })
  }
  return views
}

/** Reads every live engine; an engine that does not answer adds a hint and nothing else. */
export async function readEngineViews(listeners: HostListener[], hints: string[]): Promise<Map<number, EngineView>> {
  // Every live wrapper is asked (a host runs few): in bind mode and after a daemonizing server
  // forked, no holder of the listener need be the wrapper or its child.
  const live = findControlSockets().filter((control) => existsSync(`/proc/${control.wrapperPid}`))
  const views = new Map<number, EngineView>()
  if (live.length === 0) return views
  // Loaded only when an engine runs: most hosts have none, and start-up stays short.
  const {readStats} = await import('../engine/index.js')
  // All at once: each answer waits for a process start, and they do not depend on each other.
  await Promise.all(
    live.map(async (control) => {
      try {
        for (const [inode, view] of matchEngineStats(await readStats(control.path), control.path, listeners)) views.set(inode, view)
      } catch (error) {
        // A wrapper that is exiting has closed its socket a moment before its process ends.
        if (/Connection refused|No such file/.test((error as Error).message)) return
        hints.push(`the engine of wrapper ${control.wrapperPid} did not answer on ${control.path} (${(error as Error).message}): run as its user or as root`)
      }
    }),
  )
  return views
}
