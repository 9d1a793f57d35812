// Linux: the kernel's only accept filter is TCP_DEFER_ACCEPT (dataready with one byte). Every
// content filter is the engine's job; this adapter says so and configures the kernel part.
import {DeferAcceptError} from '../errors.js'
import {BUILT_IN_FILTERS} from './kernel-filters.js'
import {decodeLinuxAddress, encodeLinuxAddress} from './sockaddr.js'
import {requireSocket} from './socket-checks.js'
import type {FilterSpec, FilterSupport, KernelFilterState, PlatformAdapter, SocketCalls, SocketConstants} from './types.js'

// include/uapi/linux/tcp.h, asm-generic/socket.h, linux/in6.h
export const LINUX: SocketConstants & {TCP_DEFER_ACCEPT: number; SO_PROTOCOL: number; SO_DOMAIN: number} = {
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_STREAM: 1,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_REUSEADDR: 2,
  SO_TYPE: 3,
  SO_ACCEPTCONN: 30,
  SO_PROTOCOL: 38,
  SO_DOMAIN: 39,
  IPPROTO_TCP: 6,
  IPPROTO_IPV6: 41,
  IPV6_V6ONLY: 26,
  TCP_DEFER_ACCEPT: 9,
}

const linuxFamily = (sockaddr: Buffer) => sockaddr.readUInt16LE(0)

// Every built-in filter but dataready needs the engine here.
const ENGINE_ONLY = BUILT_IN_FILTERS.filter((name) => name !== 'dataready')

/** What the kernel applies for a requested TCP_DEFER_ACCEPT: it counts SYN-ACK retransmissions,
 *  1 s doubling up to 120 s, and reads back their sum (net/ipv4/tcp.c, secs_to_retrans). */
export function effectiveDeferSeconds(requested: number): number {
  if (requested <= 0) return 0
  let timeout = 1
  let period = 1
  let retransmits = 1
  while (requested > period && retransmits < 255) {
    retransmits++
    timeout = Math.min(timeout * 2, 120)
    period += timeout
  }
  return period
}

function int32(value: number): Buffer {
  const bytes = Buffer.alloc(4)
  bytes.writeInt32LE(value)
  return bytes
}

export class LinuxAdapter implements PlatformAdapter {
  readonly os = 'linux'
  readonly constants = LINUX
  readonly attachPhase = 'any' as const

  constructor(private readonly calls: SocketCalls) {}

  kernelFilters(): FilterSupport[] {
    return [
      {name: 'dataready', where: 'kernel', kernelName: 'TCP_DEFER_ACCEPT', why: 'the kernel waits for the first byte (TCP_DEFER_ACCEPT)'},
      ...ENGINE_ONLY.map((name): FilterSupport => ({
        name,
        where: 'unavailable',
        why: 'Linux has no content accept filter in the kernel: the engine runs it (defer-accept wrap --filter ' + name + ')',
      })),
    ]
  }

  attach(fd: number, filter: FilterSpec, timeoutSeconds = 30): KernelFilterState {
    requireSocket(this.calls, LINUX, fd, linuxFamily)
    if (filter.name !== 'dataready' || (filter.arg && filter.arg !== '1' && filter.arg !== 'bytes=1')) {
      throw new DeferAcceptError(
        'FILTER_UNAVAILABLE',
        `the Linux kernel cannot run ${filter.name}${filter.arg ? ':' + filter.arg : ''} (it only defers until the first byte)`,
        `run it in the engine: defer-accept wrap --filter ${filter.name}${filter.arg ? ':' + filter.arg : ''} -- SERVER`,
      )
    }
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
      throw new DeferAcceptError('USAGE', `timeout ${timeoutSeconds} is not a whole number of seconds >= 1`, 'pass --timeout 30')
    }
    this.calls.setsockopt(fd, LINUX.IPPROTO_TCP, LINUX.TCP_DEFER_ACCEPT, int32(timeoutSeconds))
    return {...this.query(fd), requestedSeconds: timeoutSeconds}
  }

  detach(fd: number): void {
    requireSocket(this.calls, LINUX, fd, linuxFamily)
    this.calls.setsockopt(fd, LINUX.IPPROTO_TCP, LINUX.TCP_DEFER_ACCEPT, int32(0))
  }

  query(fd: number): KernelFilterState {
    requireSocket(this.calls, LINUX, fd, linuxFamily)
    const seconds = this.calls.getsockopt(fd, LINUX.IPPROTO_TCP, LINUX.TCP_DEFER_ACCEPT, 4).readInt32LE()
    if (seconds <= 0) return {filter: null}
    return {filter: 'dataready', kernelName: 'TCP_DEFER_ACCEPT', effectiveSeconds: seconds}
  }

  encodeAddress(family: number, host: string, port: number): Buffer {
    return encodeLinuxAddress(LINUX, family, host, port)
  }

  decodeAddress(bytes: Buffer) {
    return decodeLinuxAddress(LINUX, bytes)
  }
}
