// The AF_UNIX sockets between the wrapper, the engine and the server: a SOCK_SEQPACKET pair per
// engine-served listener (one message, one connection), the engine's control socket, and the
// queue that keeps registered listeners across engine restarts.
import {mkdirSync, rmSync} from 'node:fs'
import {dirname} from 'node:path'

import {controlSocketPath} from '../inspect/control.js'
import {socketCalls, socketpair} from '../platform/libc.js'

// Linux values (the engine is Linux-only): sys/socket.h, sys/un.h.
const AF_UNIX = 1
const SOCK_SEQPACKET = 5
const SOCK_CLOEXEC = 0o2000000
const SUN_PATH_MAX = 108

const seqpacketPair = (): [number, number] => socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC)

/** [engine's end, server's end]. */
export const openHandoverPair = seqpacketPair

/** The queue where the engine keeps the listeners servers registered, for the engine after it:
 * [post end, take end], both held by the wrapper, which never reads it. */
export const openKeepQueue = seqpacketPair

function unixAddress(path: string): Buffer {
  const address = Buffer.alloc(2 + SUN_PATH_MAX)
  address.writeUInt16LE(AF_UNIX, 0)
  const written = address.write(path, 2)
  if (written >= SUN_PATH_MAX) throw new Error(`control socket path too long: ${path}`)
  return address.subarray(0, 2 + written + 1)
}

export function openControlSocket(path = controlSocketPath(process.pid)): {fd: number; path: string; remove: () => void} {
  mkdirSync(dirname(path), {recursive: true, mode: 0o700})
  rmSync(path, {force: true})
  const fd = socketCalls.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)
  try {
    socketCalls.bind(fd, unixAddress(path))
    socketCalls.listen(fd, 64)
  } catch (error) {
    socketCalls.close(fd)
    throw error
  }
  return {fd, path, remove: () => rmSync(path, {force: true})}
}
