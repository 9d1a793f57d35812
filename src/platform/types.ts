// The one interface every operating system's adapter implements. Adapters only speak to the
// kernel through SocketCalls, so the ones that cannot run here are tested against a recording
// implementation of it (test/platform/).

/** The socket system calls an adapter needs; libc.ts implements them with koffi. Each throws
 *  a SysError (code, errno, syscall) when the call fails. */
export interface SocketCalls {
  socket(domain: number, type: number, protocol: number): number
  bind(fd: number, address: Buffer): void
  listen(fd: number, backlog: number): void
  close(fd: number): void
  setsockopt(fd: number, level: number, name: number, value: Buffer | null): void
  getsockopt(fd: number, level: number, name: number, size: number): Buffer
  getsockname(fd: number): Buffer
}

/** One link of a filter chain as the user wrote it: `httpready:body=65536`. */
export interface FilterSpec {
  name: string
  arg?: string
}

/** The system constants an adapter uses; they differ between operating systems. */
export interface SocketConstants {
  AF_INET: number
  AF_INET6: number
  SOCK_STREAM: number
  /** OR'ed into socket()'s type where the OS has it, so no descriptor leaks into children. */
  SOCK_CLOEXEC?: number
  SOL_SOCKET: number
  SO_REUSEADDR: number
  SO_TYPE: number
  SO_ACCEPTCONN: number
  IPPROTO_TCP: number
  IPPROTO_IPV6: number
  IPV6_V6ONLY: number
}

export type Where = 'kernel' | 'engine' | 'unavailable'

/** How this host can provide one filter. */
export interface FilterSupport {
  name: string
  where: Where
  /** The kernel's own name for it: TCP_DEFER_ACCEPT, httpready, datafilt ... */
  kernelName?: string
  /** Why it is provided this way or not at all, and what to do about it. */
  why: string
}

/** What a kernel filter on one socket is set to. */
export interface KernelFilterState {
  /** defer-accept's name of the filter, or null when the socket has none. */
  filter: string | null
  kernelName?: string
  arg?: string
  requestedSeconds?: number
  /** What the kernel really applies: Linux rounds up to its SYN-ACK retransmit schedule. */
  effectiveSeconds?: number
  /** Where the kernel does less than was asked: the BSDs and illumos apply no timeout at all. */
  note?: string
}

/** When, in a socket's life, the kernel accepts a filter. */
export type AttachPhase = 'before-bind' | 'after-listen' | 'any'

export interface PlatformAdapter {
  readonly os: string
  readonly constants: SocketConstants
  readonly attachPhase: AttachPhase
  /** Filters this kernel provides (probing a throw-away socket where the OS needs it). */
  kernelFilters(): FilterSupport[]
  /** Set a kernel filter on fd; throws a DeferAcceptError (unavailable, bad state ...). */
  attach(fd: number, filter: FilterSpec, timeoutSeconds?: number): KernelFilterState
  detach(fd: number): void
  query(fd: number): KernelFilterState
  /** The sockaddr bytes of this OS for an address (BSDs carry a length byte). */
  encodeAddress(family: number, host: string, port: number): Buffer
  decodeAddress(bytes: Buffer): {family: number; host: string; port: number}
}
