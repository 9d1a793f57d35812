// Linux: every TCP listener of the host from the kernel's table, the processes holding each
// socket, the options read through pidfd_getfd, and the engine's counters where an engine
// serves it. Whatever cannot be read is marked unknown; one hint line says how to read it.
import {fstatSync} from 'node:fs'

import {isSysError} from '../errors.js'
import {socketCalls} from '../platform/libc.js'
import type {PlatformAdapter} from '../platform/types.js'
import type {InspectOptions} from './collect.js'
import {requireListener} from './descriptors.js'
import {readEngineViews} from './engines.js'
import {readProcNet} from './proc-net.js'
import {scanHolders} from './processes.js'
import {diagListeners} from './sock-diag.js'
import {NO_PTRACE, SocketOptionReader, type SocketOptions} from './socket-options.js'
import type {Holder, HostListener, InspectResult, KernelListener} from './types.js'

function kernelListeners(hints: string[]): KernelListener[] {
  try {
    return diagListeners()
  } catch (error) {
    if (!isSysError(error)) throw error
    hints.push(`backlog unknown: sock_diag failed (${error.code}); load it with: modprobe tcp_diag`)
    return readProcNet()
  }
}

const UNREADABLE = 'its processes cannot be read'
const PERMISSION = new Set([UNREADABLE, NO_PTRACE])

function options(reader: SocketOptionReader, holders: Holder[] | null): SocketOptions {
  if (holders === null) return {unknown: UNREADABLE}
  let result: SocketOptions = {unknown: 'no process in this PID namespace holds it'}
  for (const holder of holders) {
    result = reader.read(holder.pid, holder.fd)
    if (!('unknown' in result)) return result
  }
  return result
}

/** The table's inodes of the descriptors given with --fd (fstat of a socket is its inode). */
function inodesOf(adapter: PlatformAdapter, fds: number[]): Set<number> {
  return new Set(
    fds.map((fd) => {
      requireListener(adapter, socketCalls, fd)
      return fstatSync(fd).ino
    }),
  )
}

export async function hostListeners(adapter: PlatformAdapter, filter: InspectOptions): Promise<InspectResult> {
  const hints: string[] = []
  const only = filter.fds && inodesOf(adapter, filter.fds)
  const kernel = kernelListeners(hints).filter((listener) => (filter.port === undefined || listener.port === filter.port) && (!only || only.has(listener.inode)))
  const scan = scanHolders(new Set(kernel.map((listener) => listener.inode)))
  const uid = process.getuid?.() ?? 0
  const listeners: HostListener[] = []
  const reader = new SocketOptionReader()
  try {
    for (const socket of kernel) {
      // Not found while some processes were unreadable: one of those holds it.
      const processes = scan.holders.get(socket.inode) ?? (scan.unreadable.length > 0 ? null : [])
      if (filter.pid !== undefined && !processes?.some((holder) => holder.pid === filter.pid)) continue
      const read = options(reader, processes)
      listeners.push({
        ...socket,
        processes,
        reusePort: 'unknown' in read ? null : read.reusePort,
        deferral:
          'unknown' in read
            ? {state: 'unknown', seconds: null, reason: read.unknown}
            : {state: read.deferSeconds > 0 ? 'kernel' : 'none', seconds: read.deferSeconds > 0 ? read.deferSeconds : null},
        engine: null,
      })
    }
  } finally {
    reader.close()
  }
  const engines = await readEngineViews(listeners, hints)
  for (const listener of listeners) {
    listener.engine = engines.get(listener.inode) ?? null
    if (listener.engine) listener.deferral = {...listener.deferral, state: 'engine'}
  }
  const denied = listeners.filter((listener) => PERMISSION.has(listener.deferral.reason ?? ''))
  if (denied.length > 0) {
    const owners = [...new Set(denied.map((listener) => listener.uid))].filter((owner) => owner !== uid)
    hints.push(
      `deferral, SO_REUSEPORT${denied.some((l) => l.processes === null) ? ' and processes' : ''} unknown for ${denied.length} socket(s)` +
        (owners.length > 0 ? ` of uid ${owners.join(', ')}` : '') +
        ': run as root (sudo defer-accept inspect) or as the user that runs the server',
    )
  }
  return {schemaVersion: 1, os: adapter.os, hints, listeners}
}
