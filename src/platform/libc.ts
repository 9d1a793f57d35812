// The only file that speaks to native code: libc through koffi. Each binding is written as its
// C prototype. errno is read right after a failing call, before any other native call, and
// turned into a SysError. koffi is loaded on the first call, not at start-up: commands that
// never touch a socket (--help, filters) do not pay for it (bench/RESULTS.md, start-up).
import {createRequire} from 'node:module'
import {getSystemErrorName} from 'node:util'

import {SysError} from '../errors.js'
import type {SocketCalls} from './types.js'

const LIBC: Partial<Record<NodeJS.Platform, string>> = {linux: 'libc.so.6', darwin: 'libSystem.B.dylib', freebsd: 'libc.so.7', netbsd: 'libc.so.12', sunos: 'libc.so.1'}

function bindLibc() {
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi')
  const libc = koffi.load(LIBC[process.platform] ?? 'libc.so')
  return {
    errno: () => koffi.errno(),
    socket: libc.func('int socket(int domain, int type, int protocol)'),
    socketpair: libc.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)'),
    bind: libc.func('int bind(int fd, const void *addr, uint32_t len)'),
    listen: libc.func('int listen(int fd, int backlog)'),
    close: libc.func('int close(int fd)'),
    setsockopt: libc.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    getsockopt: libc.func('int getsockopt(int fd, int level, int name, _Out_ void *value, _Inout_ uint32_t *len)'),
    getsockname: libc.func('int getsockname(int fd, _Out_ void *addr, _Inout_ uint32_t *len)'),
    syscall3: libc.func('long syscall(long number, long a, long b, long c)'),
    send: libc.func('long send(int fd, const void *buf, size_t len, int flags)'),
    recv: libc.func('long recv(int fd, _Out_ void *buf, size_t len, int flags)'),
    memfd_create: libc.func('int memfd_create(const char *name, unsigned int flags)'),
    ftruncate: libc.func('int ftruncate(int fd, int64_t length)'),
  }
}

let bound: ReturnType<typeof bindLibc> | undefined
const c = () => (bound ??= bindLibc())

function check(result: number, syscall: string, detail?: string): number {
  if (result >= 0) return result
  const errno = c().errno()
  throw new SysError(syscall, errno, getSystemErrorName(-errno), detail)
}

// Large enough for any sockaddr (sockaddr_storage is 128 bytes everywhere).
const SOCKADDR_MAX = 128

export const socketCalls: SocketCalls = {
  socket: (domain, type, protocol) => check(c().socket(domain, type, protocol), 'socket'),
  bind: (fd, address) => void check(c().bind(fd, address, address.length), 'bind'),
  listen: (fd, backlog) => void check(c().listen(fd, backlog), 'listen'),
  close: (fd) => void check(c().close(fd), 'close'),
  setsockopt: (fd, level, name, value) =>
    void check(c().setsockopt(fd, level, name, value, value ? value.length : 0), 'setsockopt'),
  getsockopt(fd, level, name, size) {
    const value = Buffer.alloc(size)
    const length = [size]
    check(c().getsockopt(fd, level, name, value, length), 'getsockopt')
    return value.subarray(0, length[0])
  },
  getsockname(fd) {
    const address = Buffer.alloc(SOCKADDR_MAX)
    const length = [SOCKADDR_MAX]
    check(c().getsockname(fd, address, length), 'getsockname')
    return address.subarray(0, length[0])
  },
}

/** Two connected descriptors, [ours, theirs]. */
export function socketpair(domain: number, type: number): [number, number] {
  const pair = [-1, -1]
  check(c().socketpair(domain, type, 0, pair), 'socketpair')
  return [pair[0], pair[1]]
}

/** A raw system call for the ones libc has no wrapper for (pidfd_open, pidfd_getfd). */
export function syscall(number: number, a: number, b: number, c3: number, name: string): number {
  return check(Number(c().syscall3(number, a, b, c3)), name)
}

/** Sends one message (a netlink request, a control-socket command); returns bytes sent. */
export function send(fd: number, message: Buffer): number {
  return check(Number(c().send(fd, message, message.length, 0)), 'send')
}

/** Receives one message into buffer; returns its length. */
export function recv(fd: number, buffer: Buffer): number {
  return check(Number(c().recv(fd, buffer, buffer.length, 0)), 'recv')
}

/** An anonymous shared-memory file of `size` bytes (Linux memfd), close-on-exec. */
export function memfd(name: string, size: number): number {
  const MFD_CLOEXEC = 1
  const fd = check(c().memfd_create(name, MFD_CLOEXEC), 'memfd_create')
  try {
    check(c().ftruncate(fd, size), 'ftruncate')
  } catch (error) {
    c().close(fd)
    throw error
  }
  return fd
}
