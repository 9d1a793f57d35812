// The engine's side of the listeners it serves: each control socket found by the wrapper's
// naming convention (control.ts) answers `stats` with JSON (native/README.md); its listeners
// are matched to the kernel's by the engine's pid among the holders and by address.
import {existsSync} from 'node:fs'

import {findControlSockets} from './control.js'
import {parentPid} from './processes.js'
import type {EngineStats} from '../engine/index.js'
import type {EngineView, HostListener} from './types.js'

// The engine's process name (/proc/PID/comm) as native/Makefile builds it.
const ENGINE_COMM = 'da-engine'

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
    // By port among the engine's own sockets; the address decides only between several, since
    // the wrapper may have named it in its own words (address=TEXT).
    const candidates = listeners.filter((candidate) => candidate.port === port && candidate.processes?.some((holder) => holder.pid === stats.pid))
    const listener = candidates.length === 1 ? candidates[0] : candidates.find((candidate) => candidate.address === host)
    if (!listener) continue
    views.set(listener.inode, {
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
  // Only wrappers behind a listed socket are asked: each answer costs a process start.
  const wrappers = new Set<number>()
  for (const holder of listeners.flatMap((listener) => listener.processes ?? [])) {
    wrappers.add(holder.pid)
    if (holder.comm === ENGINE_COMM) wrappers.add(parentPid(holder.pid))
  }
  const live = findControlSockets().filter((control) => wrappers.has(control.wrapperPid) && existsSync(`/proc/${control.wrapperPid}`))
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
        hints.push(`the engine of wrapper ${control.wrapperPid} did not answer on ${control.path} (${(error as Error).message}): run as its user or as root`)
      }
    }),
  )
  return views
}
