// The checks every adapter makes before touching a descriptor, so each bad descriptor gets one
// clear error whatever the OS.
import {DeferAcceptError, isSysError} from '../errors.js'
import type {SocketCalls, SocketConstants} from './types.js'

/** Throws unless fd is an open stream socket; returns whether it is listening. */
export function requireSocket(
  calls: SocketCalls,
  constants: SocketConstants,
  fd: number,
  familyOf: (sockaddr: Buffer) => number,
): {listening: boolean} {
  let type: number
  try {
    type = calls.getsockopt(fd, constants.SOL_SOCKET, constants.SO_TYPE, 4).readInt32LE()
  } catch (error) {
    if (isSysError(error, 'EBADF')) {
      throw new DeferAcceptError('BAD_DESCRIPTOR', `descriptor ${fd} is not open`, 'pass a descriptor this process inherited (ls /proc/self/fd), or use --listen-fds under socket activation', {cause: error})
    }
    if (isSysError(error, 'ENOTSOCK')) {
      throw new DeferAcceptError('NOT_A_SOCKET', `descriptor ${fd} is not a socket`, 'pass the descriptor of a listening TCP socket', {cause: error})
    }
    throw error
  }
  if (type !== constants.SOCK_STREAM) {
    throw new DeferAcceptError('NOT_TCP', `descriptor ${fd} is not a TCP socket (SO_TYPE ${type})`, 'accept filters apply to TCP listening sockets only')
  }
  const family = familyOf(calls.getsockname(fd))
  if (family !== constants.AF_INET && family !== constants.AF_INET6) {
    throw new DeferAcceptError('NOT_TCP', `descriptor ${fd} is a stream socket but not IPv4 or IPv6 (family ${family})`, 'accept filters apply to TCP listening sockets only')
  }
  const listening = calls.getsockopt(fd, constants.SOL_SOCKET, constants.SO_ACCEPTCONN, 4).readInt32LE() !== 0
  return {listening}
}
