// Which processes hold which sockets: every /proc/PID/fd link reads `socket:[INODE]`, so one
// pass over the host's descriptors maps each listener to all of its holders (a master and its
// workers share one socket). Other users' fd directories are unreadable without privilege.
import {readdirSync, readFileSync, readlinkSync} from 'node:fs'

import type {Holder} from './types.js'

export interface HolderScan {
  holders: Map<number, Holder[]>
  /** Processes whose descriptors could not be read (EACCES: another user's). */
  unreadable: number[]
}

const SOCKET_LINK = /^socket:\[(\d+)\]$/

function processNames(pid: number): {comm: string; command: string} {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trimEnd()
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')
    return {comm, command: command || `[${comm}]`}
  } catch {
    return {comm: '?', command: '?'} // exited while we looked
  }
}

/** Holders of the given inodes only (names are read for those processes alone, for speed). */
export function scanHolders(inodes: Set<number>): HolderScan {
  const holders = new Map<number, Holder[]>()
  const unreadable: number[] = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number)) {
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES') unreadable.push(pid)
      continue // ENOENT: it exited
    }
    let names: {comm: string; command: string} | undefined
    for (const fd of fds) {
      let link: string
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`)
      } catch {
        continue // closed while we looked
      }
      const match = SOCKET_LINK.exec(link)
      if (!match || !inodes.has(Number(match[1]))) continue
      names ??= processNames(pid)
      const inode = Number(match[1])
      const list = holders.get(inode) ?? []
      if (list.some((holder) => holder.pid === pid)) continue // a dup of the same socket
      list.push({pid, fd: Number(fd), ...names})
      holders.set(inode, list)
    }
  }
  return {holders, unreadable}
}
