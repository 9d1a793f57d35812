// The shapes inspect produces; schema.json is their published contract (version 1).
import type {FilterSupport} from '../platform/types.js'

/** A TCP listening socket as the kernel's socket table reports it, before any process is known. */
export interface KernelListener {
  inode: number
  family: 'ipv4' | 'ipv6'
  address: string
  port: number
  uid: number
  /** Connections completed and waiting for accept(). */
  acceptQueue: number
  /** The accept queue's limit (listen()'s backlog as clamped by somaxconn); null when the source does not tell. */
  backlog: number | null
}

/** A process holding the socket, and the descriptor number it holds it under. */
export interface Holder {
  pid: number
  fd: number
  comm: string
  command: string
}

export type DeferralState = 'none' | 'kernel' | 'engine' | 'unknown'

export interface Deferral {
  state: DeferralState
  /** Effective TCP_DEFER_ACCEPT seconds as the kernel applies them (kernel), or null. */
  seconds: number | null
  /** Why the state is unknown, when it is. */
  reason?: string
  /** The kernel filter as the adapter reads it back (systems other than Linux): defer-accept's
   *  name, the kernel's own name (accf module, sockfs filter) and its argument if any. */
  filter?: string
  kernelName?: string
  arg?: string
}

export interface EngineCounters {
  accepted: number
  ready: number
  passed: number
  /** Why connections were passed without READY: verdict, timeout, oversize. */
  passedOn: Record<string, number>
  dropped: Record<string, number>
  parked: number
  inFlight: number
}

/** The engine's view of a listener it serves, from its control socket. */
export interface EngineView {
  pid: number
  controlSocket: string
  chain: string
  timeoutMs: number
  onTimeout: string
  counters: EngineCounters
  parkMs: {p50: number; p90: number; p99: number; max: number}
  /** Every server closed its end of the channel: parked connections have nowhere to go. */
  serverClosed: boolean
  /** Per-second rates of the counters between two samples (--watch only). */
  rates?: {accepted: number; ready: number; passed: number; dropped: number}
}

/** A listener in the output. Where the OS has no socket table inspect reads (all but Linux),
 *  inode, uid, acceptQueue and backlog are null and a hint says so. */
export interface Listener extends Omit<KernelListener, 'inode' | 'uid' | 'acceptQueue'> {
  inode: number | null
  uid: number | null
  acceptQueue: number | null
  /** null when /proc/PID/fd of its owners cannot be read. */
  processes: Holder[] | null
  reusePort: boolean | null
  deferral: Deferral
  engine: EngineView | null
}

/** Linux's listeners: every field of the kernel's table is known. */
export type HostListener = Listener & KernelListener

export interface InspectResult {
  schemaVersion: 1
  os: string
  /** One line each: what could not be read and how to get it. */
  hints: string[]
  listeners: Listener[]
  /** Where the kernel's filters are loadable modules (not Linux): which this host has, and why not. */
  kernelFilters?: FilterSupport[]
}
