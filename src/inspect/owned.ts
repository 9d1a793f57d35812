// Systems other than Linux have no socket table inspect can read, so it shows what this process
// knows of its own sockets: those it was given with --fd or inherited through socket activation,
// each with its address and the filter its kernel applies (adapter.query), and which filters
// the kernel can load (adapter.kernelFilters). The OS's facts stay in its adapter.
import {basename} from 'node:path'

import {inheritedSockets} from '../activation/listen-fds.js'
import {DeferAcceptError, SysError} from '../errors.js'
import {socketCalls} from '../platform/libc.js'
import type {KernelFilterState, PlatformAdapter, SocketCalls} from '../platform/types.js'
import type {InspectOptions} from './collect.js'
import {requireListener} from './descriptors.js'
import type {Deferral, InspectResult, Listener} from './types.js'

/** This process, the one holder of every socket listed (what /proc/PID tells on Linux). */
export interface Self {
  pid: number
  comm: string
  command: string
}

export interface OwnView {
  adapter: PlatformAdapter
  calls: SocketCalls
  self: Self
  env: NodeJS.ProcessEnv
}

// Where the OS has a command that shows the accept queues inspect cannot read.
const QUEUES: Record<string, string> = {freebsd: 'netstat -Lan', darwin: 'netstat -Lan'}

function deferral(state: KernelFilterState): Deferral {
  if (state.filter === null) return {state: 'none', seconds: null}
  return {
    state: 'kernel',
    seconds: state.effectiveSeconds ?? null,
    filter: state.filter,
    ...(state.kernelName !== undefined && {kernelName: state.kernelName}),
    ...(state.arg !== undefined && {arg: state.arg}),
  }
}

function listener({adapter, calls, self}: OwnView, fd: number): Listener {
  const bound = requireListener(adapter, calls, fd)
  return {
    inode: null,
    family: bound.family === adapter.constants.AF_INET6 ? 'ipv6' : 'ipv4',
    address: bound.host,
    port: bound.port,
    uid: null,
    acceptQueue: null,
    backlog: null,
    processes: [{pid: self.pid, fd, comm: self.comm, command: self.command}],
    reusePort: null,
    deferral: deferral(adapter.query(fd)),
    engine: null,
  }
}

/** The snapshot of the sockets view.self holds; a bad --fd throws, a bad inherited one is a hint. */
export function ownedSnapshot(view: OwnView, options: InspectOptions): InspectResult {
  const {adapter, self} = view
  const hints: string[] = []
  const listeners = (options.fds ?? []).map((fd) => listener(view, fd))
  const inherited = options.fds ? [] : inheritedSockets(view.env, self.pid)
  for (const socket of inherited) {
    try {
      listeners.push(listener(view, socket.fd))
    } catch (error) {
      // Socket activation may pass any socket (UDP, UNIX): it is not this listing's to refuse.
      if (!(error instanceof DeferAcceptError || error instanceof SysError)) throw error
      hints.push(`inherited descriptor ${socket.fd} (${socket.name}) is not listed: ${error.message}`)
    }
  }
  if (!options.fds && inherited.length === 0) {
    hints.push(`on ${adapter.os} inspect sees only the sockets it is given: pass --fd N, or start it with the sockets passed by socket activation (LISTEN_FDS)`)
  }
  const shown = listeners.filter((entry) => (options.port === undefined || entry.port === options.port) && (options.pid === undefined || options.pid === self.pid))
  if (shown.length > 0) {
    const tool = QUEUES[adapter.os]
    hints.push(`inode, owner, accept queue, backlog and SO_REUSEPORT unknown: ${adapter.os} has no socket table inspect reads (Linux's only)${tool ? `; ${tool} shows the accept queues` : ''}`)
  }
  return {schemaVersion: 1, os: adapter.os, hints, listeners: shown, kernelFilters: adapter.kernelFilters()}
}

export async function ownedListeners(adapter: PlatformAdapter, options: InspectOptions): Promise<InspectResult> {
  const self = {pid: process.pid, comm: basename(process.execPath), command: [process.argv0, ...process.argv.slice(1)].join(' ')}
  return ownedSnapshot({adapter, calls: socketCalls, self, env: process.env}, options)
}
