// Options of a socket another process holds: pidfd_open + pidfd_getfd (Linux 5.6+) give us our
// own descriptor of the very same socket, then plain getsockopt. pidfd_getfd needs ptrace
// rights over the holder (same user and not dumpable-protected, or CAP_SYS_PTRACE).
import {isSysError} from '../errors.js'
import {socketCalls, syscall} from '../platform/libc.js'
import {LINUX} from '../platform/linux.js'

// Same numbers on x86_64 and arm64 (the generic syscall table).
const SYS_PIDFD_OPEN = 434
const SYS_PIDFD_GETFD = 438
const SO_REUSEPORT = 15 // asm-generic/socket.h

/** Unknown because of privilege: running as root or as the holder's user would tell. */
export const NO_PTRACE = 'no ptrace rights over the holder'

export type SocketOptions = {reusePort: boolean; deferSeconds: number} | {unknown: string}

const int = (fd: number, level: number, name: number) => socketCalls.getsockopt(fd, level, name, 4).readInt32LE()

function unknown(error: unknown): SocketOptions {
  if (isSysError(error, 'EPERM', 'EACCES')) return {unknown: NO_PTRACE}
  if (isSysError(error, 'ENOSYS')) return {unknown: 'the kernel has no pidfd_getfd (Linux 5.6+)'}
  if (isSysError(error, 'ESRCH', 'EBADF')) return {unknown: 'the holder exited or closed it'}
  throw error
}

/** Reads SO_REUSEPORT and the effective TCP_DEFER_ACCEPT seconds (the kernel reads back its
 *  rounding) of sockets other processes hold; one pidfd per process, closed by close(). */
export class SocketOptionReader {
  private readonly pidfds = new Map<number, number | SocketOptions>()

  read(pid: number, fd: number): SocketOptions {
    let pidfd = this.pidfds.get(pid)
    if (pidfd === undefined) {
      try {
        pidfd = syscall(SYS_PIDFD_OPEN, pid, 0, 0, 'pidfd_open')
      } catch (error) {
        pidfd = unknown(error)
      }
      this.pidfds.set(pid, pidfd)
    }
    if (typeof pidfd !== 'number') return pidfd
    let copy: number
    try {
      copy = syscall(SYS_PIDFD_GETFD, pidfd, fd, 0, 'pidfd_getfd')
    } catch (error) {
      return unknown(error)
    }
    try {
      return {reusePort: int(copy, LINUX.SOL_SOCKET, SO_REUSEPORT) !== 0, deferSeconds: Math.max(0, int(copy, LINUX.IPPROTO_TCP, LINUX.TCP_DEFER_ACCEPT))}
    } finally {
      socketCalls.close(copy)
    }
  }

  close(): void {
    for (const pidfd of this.pidfds.values()) if (typeof pidfd === 'number') socketCalls.close(pidfd)
    this.pidfds.clear()
  }
}
