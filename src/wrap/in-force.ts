// A filter the user asked for is in force, or loudly not: the preload counts each listener it
// takes in the channel's page (count.adopted). A server that never loads the preload, or makes
// its own system calls (Go programs do, dynamically linked or not), listens and accepts with no
// filter at all; this notices it and names the port.
import {readSync} from 'node:fs'

import {diagListeners} from '../inspect/sock-diag.js'

// native/common/page.h: offsetof(struct da_page, count.adopted), asserted there.
const ADOPTED_OFFSET = 760
// How often the kernel's listeners and the pages are looked at until every port is confirmed.
const POLL_MS = 200
// Socket activation: the preload takes the listeners when the server's program loads, before its
// main(); seconds mean it never will.
const LOAD_GRACE_MS = 3000
// Bind mode: the preload takes the listener inside the server's listen() call, so once the kernel
// shows the port listening the count follows at once; this covers a loaded machine.
const LISTEN_GRACE_MS = 1000

export interface WatchedPort {
  port: number
  pageFd: number
  /** The server binds it itself (else it was given the listener at start). */
  bindMode: boolean
}

export function adopted(pageFd: number): number {
  const value = Buffer.alloc(4)
  readSync(pageFd, value, 0, 4, ADOPTED_OFFSET)
  return value.readUInt32LE(0)
}

/** Resolves with the first port whose listener the server holds unfiltered; never resolves while
 *  all are in force. stop() ends the watch. */
export function watchInForce(ports: WatchedPort[]): {missing: Promise<WatchedPort>; stop: () => void} {
  const started = Date.now()
  const listeningSince = new Map<number, number>()
  let pending = [...ports]
  let timer: NodeJS.Timeout | undefined
  const missing = new Promise<WatchedPort>((resolve) => {
    const look = () => {
      pending = pending.filter((port) => adopted(port.pageFd) === 0)
      const now = Date.now()
      const listening = pending.some((port) => port.bindMode) ? new Set(diagListeners().map((listener) => listener.port)) : new Set<number>()
      for (const port of pending) {
        if (port.bindMode && listening.has(port.port) && !listeningSince.has(port.port)) listeningSince.set(port.port, now)
        const since = port.bindMode ? listeningSince.get(port.port) : started
        const grace = port.bindMode ? LISTEN_GRACE_MS : LOAD_GRACE_MS
        if (since !== undefined && now - since > grace && adopted(port.pageFd) === 0) {
          resolve(port)
          return
        }
      }
      if (pending.length > 0) timer = setTimeout(look, POLL_MS)
    }
    timer = setTimeout(look, POLL_MS)
  })
  return {missing, stop: () => clearTimeout(timer)}
}
