// The AF_UNIX sockets between the wrapper, the engine and the server: a SOCK_SEQPACKET channel
// per filtered port (one message, one connection, both ways: native/README.md), and the
// engine's control socket.
import {lstatSync, mkdirSync, rmSync} from 'node:fs'
import {dirname} from 'node:path'

import {DeferAcceptError} from '../errors.js'
import {controlSocketPath} from '../inspect/control.js'
import {socketCalls, socketpair} from '../platform/libc.js'

// Linux values (the engine is Linux-only): sys/socket.h, sys/un.h.
const AF_UNIX = 1
const SOCK_SEQPACKET = 5
const SOCK_CLOEXEC = 0o2000000
const SUN_PATH_MAX = 108

const SOL_SOCKET = 1
const SO_SNDBUF = 7
const SO_SNDBUFFORCE = 32
// What one "park" message (a byte and a descriptor) costs in the sender's buffer, as skb truesize
// (native/engine: 740 to 768 bytes, Linux 6.x), and how many a burst may queue for the engine:
// at the default buffer (208 KiB, about 270 messages) a burst of 10,000 connections arriving at
// once lost 201 to a full channel (bench/RESULTS.md, S4). The kernel doubles the value it is given.
const PARK_MESSAGE_BYTES = 768
const PARK_BURST = 16_384

/** [engine's end, server's end]. The server end's send buffer holds a burst of parked
 *  connections on their way to the engine (as root; else as much as net.core.wmem_max allows). */
export function openChannel(): [number, number] {
  const pair = socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC)
  const size = Buffer.alloc(4)
  size.writeInt32LE((PARK_BURST * PARK_MESSAGE_BYTES) / 2)
  try {
    socketCalls.setsockopt(pair[1], SOL_SOCKET, SO_SNDBUFFORCE, size)
  } catch {
    socketCalls.setsockopt(pair[1], SOL_SOCKET, SO_SNDBUF, size)
  }
  return pair
}

function unixAddress(path: string): Buffer {
  const address = Buffer.alloc(2 + SUN_PATH_MAX)
  address.writeUInt16LE(AF_UNIX, 0)
  const written = address.write(path, 2)
  if (written >= SUN_PATH_MAX) throw new Error(`control socket path too long: ${path}`)
  return address.subarray(0, 2 + written + 1)
}

/**
 * The control socket's directory, made by us or checked: a real directory (not a link), ours, that
 * no one else may enter. In a shared /tmp another user can make it first and swap our socket for
 * theirs; whoever answers there is asked for SO_ACCEPTFILTER channels and reads our counters.
 */
function privateDirectory(dir: string, uid = process.geteuid?.() ?? 0): void {
  try {
    mkdirSync(dir, {mode: 0o700})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const found = lstatSync(dir)
  const problem = found.isSymbolicLink() ? 'is a symbolic link' : !found.isDirectory() ? 'is not a directory' : found.uid !== uid ? `belongs to uid ${found.uid}, not ${uid}` : found.mode & 0o077 ? `has mode ${(found.mode & 0o777).toString(8)}: others may enter it` : ''
  if (problem) {
    throw new DeferAcceptError('UNSAFE_DIRECTORY', `${dir} ${problem}, so the engine's control socket cannot be kept private there`, `remove it if it is not yours (ls -ld ${dir}), or set XDG_RUNTIME_DIR to a directory of your own`)
  }
}

export function openControlSocket(path = controlSocketPath(process.pid)): {fd: number; path: string; remove: () => void} {
  privateDirectory(dirname(path))
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
