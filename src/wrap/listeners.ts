// Creating the listening sockets of `wrap --listen`: all of them or none (a failure closes the
// ones already made, so nothing is left open and no server starts with half its sockets).
import {DeferAcceptError, isSysError} from '../errors.js'
import type {PlatformAdapter, SocketCalls} from '../platform/types.js'
import {formatAddress, type ListenAddress} from './address.js'

export interface Listener {
  fd: number
  /** The bound address as text, with the port the OS picked for port 0. */
  address: string
  port: number
}

function int32(value: number): Buffer {
  const bytes = Buffer.alloc(4)
  bytes.writeInt32LE(value)
  return bytes
}

function bindError(error: unknown, text: string, port: number): unknown {
  if (isSysError(error, 'EADDRINUSE')) {
    return new DeferAcceptError('ADDRESS_IN_USE', `${text} is already in use`, `stop what listens there (ss -ltnp 'sport = :${port}') or pick another port`, {cause: error})
  }
  if (isSysError(error, 'EACCES')) {
    return new DeferAcceptError('PERMISSION_DENIED', `binding ${text} needs privilege (ports below 1024 need root or CAP_NET_BIND_SERVICE)`, 'use a port of 1024 or more, or run as root', {cause: error})
  }
  if (isSysError(error, 'EADDRNOTAVAIL')) {
    return new DeferAcceptError('BAD_ADDRESS', `${text} is not an address of this host`, 'listen on an address this host has (ip -brief address), or on :PORT for all', {cause: error})
  }
  return error
}

function createOne(calls: SocketCalls, adapter: PlatformAdapter, address: ListenAddress, backlog: number): Listener {
  const k = adapter.constants
  const family = address.ipv6 ? k.AF_INET6 : k.AF_INET
  const text = formatAddress(address.host, address.port)
  const fd = calls.socket(family, k.SOCK_STREAM | (k.SOCK_CLOEXEC ?? 0), 0)
  try {
    calls.setsockopt(fd, k.SOL_SOCKET, k.SO_REUSEADDR, int32(1))
    if (address.ipv6) calls.setsockopt(fd, k.IPPROTO_IPV6, k.IPV6_V6ONLY, int32(address.dualStack ? 0 : 1))
    try {
      calls.bind(fd, adapter.encodeAddress(family, address.host, address.port))
    } catch (error) {
      throw bindError(error, text, address.port)
    }
    calls.listen(fd, backlog)
    const bound = adapter.decodeAddress(calls.getsockname(fd))
    return {fd, address: formatAddress(bound.host, bound.port), port: bound.port}
  } catch (error) {
    calls.close(fd)
    throw error
  }
}

export function createListeners(calls: SocketCalls, adapter: PlatformAdapter, addresses: ListenAddress[], backlog: number): Listener[] {
  const made: Listener[] = []
  try {
    for (const address of addresses) made.push(createOne(calls, adapter, address, backlog))
    return made
  } catch (error) {
    for (const listener of made) calls.close(listener.fd)
    throw error
  }
}

/** Listeners that came from our own socket activation: their addresses, as the kernel says. */
export function describeInherited(calls: SocketCalls, adapter: PlatformAdapter, fds: number[]): Listener[] {
  return fds.map((fd) => {
    const bound = adapter.decodeAddress(calls.getsockname(fd))
    return {fd, address: formatAddress(bound.host, bound.port), port: bound.port}
  })
}
