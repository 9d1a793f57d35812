// A descriptor of this process that inspect is asked about (--fd N, or one socket activation
// passed): it must be a listening TCP socket, checked as every command checks descriptors.
import {DeferAcceptError} from '../errors.js'
import type {Address} from '../platform/sockaddr.js'
import {requireSocket} from '../platform/socket-checks.js'
import type {PlatformAdapter, SocketCalls} from '../platform/types.js'

/** The address fd is bound to; throws a DeferAcceptError unless fd is a listening TCP socket. */
export function requireListener(adapter: PlatformAdapter, calls: SocketCalls, fd: number): Address {
  let bound: Address | undefined
  const {listening} = requireSocket(calls, adapter.constants, fd, (sockaddr) => (bound = adapter.decodeAddress(sockaddr)).family)
  if (!listening) {
    throw new DeferAcceptError('NOT_LISTENING', `descriptor ${fd} is a TCP socket but not listening`, 'inspect shows listening sockets: pass the descriptor of one')
  }
  return bound!
}
