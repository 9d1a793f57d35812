// macOS: xnu defines SO_ACCEPTFILTER only when not building for Apple (bsd/sys/socket.h, under
// #ifndef __APPLE__) and has no TCP_DEFER_ACCEPT, so the kernel filters nothing; the engine
// that would is Linux only for now. This adapter says so and still checks descriptors.
import {DeferAcceptError} from '../errors.js'
import {bsdFamily, decodeBsdAddress, encodeBsdAddress} from './bsd-sockaddr.js'
import {BUILT_IN_FILTERS, checkKernelRequest} from './kernel-filters.js'
import {requireSocket} from './socket-checks.js'
import type {FilterSpec, FilterSupport, KernelFilterState, PlatformAdapter, SocketCalls, SocketConstants} from './types.js'

// apple-oss-distributions/xnu: bsd/sys/socket.h (SOCK_STREAM, SO_*, SOL_SOCKET, AF_*),
// bsd/netinet/in.h (IPPROTO_*), bsd/netinet6/in6.h (IPV6_V6ONLY)
export const DARWIN: SocketConstants = {
  AF_INET: 2,
  AF_INET6: 30,
  SOCK_STREAM: 1,
  SOL_SOCKET: 0xffff,
  SO_REUSEADDR: 0x0004,
  SO_TYPE: 0x1008,
  SO_ACCEPTCONN: 0x0002,
  IPPROTO_TCP: 6,
  IPPROTO_IPV6: 41,
  IPV6_V6ONLY: 27,
}

const WHY = 'macOS has no accept filter in the kernel (no SO_ACCEPTFILTER, no TCP_DEFER_ACCEPT), and the engine that runs filters elsewhere is Linux only for now'

export class DarwinAdapter implements PlatformAdapter {
  readonly os = 'darwin'
  readonly constants = DARWIN
  readonly attachPhase = 'any' as const

  constructor(private readonly calls: SocketCalls) {}

  kernelFilters(): FilterSupport[] {
    return BUILT_IN_FILTERS.map((name) => ({name, where: 'unavailable', why: WHY}))
  }

  attach(_fd: number, filter: FilterSpec): KernelFilterState {
    checkKernelRequest(filter, 'macOS')
    throw new DeferAcceptError('FILTER_UNAVAILABLE', `cannot run ${filter.name} on macOS: ${WHY}`, 'run the server on Linux (engine), FreeBSD or NetBSD (SO_ACCEPTFILTER), or illumos (socket filters)')
  }

  /** Nothing can be set, so nothing to remove; the descriptor is still checked. */
  detach(fd: number): void {
    requireSocket(this.calls, DARWIN, fd, bsdFamily)
  }

  query(fd: number): KernelFilterState {
    requireSocket(this.calls, DARWIN, fd, bsdFamily)
    return {filter: null}
  }

  encodeAddress(family: number, host: string, port: number): Buffer {
    return encodeBsdAddress(DARWIN, family, host, port)
  }

  decodeAddress(bytes: Buffer) {
    return decodeBsdAddress(DARWIN, bytes)
  }
}
