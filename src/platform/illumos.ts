// illumos: sockfs socket filters (usr/src/uts/common/fs/sockfs/sockfilter.c). The admin
// configures a filter per family:type:protocol with soconfig; a program attaches it with
// setsockopt(SOL_FILTER, FIL_ATTACH, name). The window is short: every socket call other than
// SOL_FILTER ones (bind, listen, even getsockopt and getsockname) clears SS_FILOP_OK
// (SO_BLOCK_FALLBACK in sockcommon_sops.c), after which FIL_ATTACH and FIL_DETACH are EINVAL.
// So this adapter never checks a descriptor before attaching, and callers must attach first
// thing after socket(). There is no timeout: a deferred connection waits until ready, and under
// backlog pressure only one deferred for over 30 s is dropped.
import {DeferAcceptError, SysError, isSysError} from '../errors.js'
import {BUILT_IN_FILTERS, checkKernelRequest, notInKernel, withoutTimeout} from './kernel-filters.js'
import {decodeLinuxAddress, encodeLinuxAddress} from './sockaddr.js'
import {requireSocket} from './socket-checks.js'
import type {FilterSpec, FilterSupport, KernelFilterState, PlatformAdapter, SocketCalls, SocketConstants} from './types.js'

// illumos/illumos-gate: usr/src/uts/common/sys/socket.h (SOCK_STREAM is NC_TPI_COTS = 2,
// SO_*, SOL_SOCKET, SOL_FILTER, FIL_*, AF_*), usr/src/uts/common/netinet/in.h (IPPROTO_*,
// IPV6_V6ONLY)
export const ILLUMOS: SocketConstants & {SOL_FILTER: number; FIL_ATTACH: number; FIL_DETACH: number; FIL_LIST: number} = {
  AF_INET: 2,
  AF_INET6: 26,
  SOCK_STREAM: 2,
  SOL_SOCKET: 0xffff,
  SO_REUSEADDR: 0x0004,
  SO_TYPE: 0x1008,
  SO_ACCEPTCONN: 0x0002,
  IPPROTO_TCP: 6,
  IPPROTO_IPV6: 41,
  IPV6_V6ONLY: 0x27,
  SOL_FILTER: 0xfffc,
  FIL_ATTACH: 1,
  FIL_DETACH: 2,
  FIL_LIST: 3,
}

// The illumos modules (usr/src/uts/common/inet/sockmods/datafilt.c, httpfilt.c), under the
// names the soconfig line below gives them; the strictest first, as query reports one.
const FILTERS: Record<string, string> = {httpready: 'httpfilt', dataready: 'datafilt'}
const TCP_TUPLES = '2:2:0,2:2:6,26:2:0,26:2:6'

// struct fil_info (sys/socket.h), 40 bytes, an array of them from FIL_LIST, top of the stack
// first; int in host order (every illumos port, x86_64 and aarch64, is little-endian):
//   0..3 fi_flags (FILF_PROG 1, FILF_AUTO 2, FILF_BYPASS 4)  4..7 fi_pos (0 is the bottom)
//   8..39 fi_name, NUL-padded
const FIL_INFO = 40
const FILNAME_MAX = 32
const FIL_LIST_ROOM = 16
const FILF = {PROG: 1, AUTO: 2, BYPASS: 4}

export interface FilInfo {
  flags: number
  pos: number
  name: string
}

export function decodeFilList(bytes: Buffer): FilInfo[] {
  return Array.from({length: Math.floor(bytes.length / FIL_INFO)}, (_, i) => {
    const entry = bytes.subarray(i * FIL_INFO, (i + 1) * FIL_INFO)
    const name = entry.subarray(8, 8 + FILNAME_MAX)
    return {flags: entry.readInt32LE(0), pos: entry.readInt32LE(4), name: name.toString('latin1', 0, name.includes(0) ? name.indexOf(0) : FILNAME_MAX)}
  })
}

/** FIL_ATTACH and FIL_DETACH take the name as a C string (the kernel strncmp()s it). */
const filterName = (name: string): Buffer => Buffer.from(name + '\0', 'latin1')

const soconfig = (kernelName: string) => `soconfig -F ${kernelName} ${kernelName} prog ${TCP_TUPLES}`

export class IllumosAdapter implements PlatformAdapter {
  readonly os = 'illumos'
  readonly constants = ILLUMOS
  readonly attachPhase = 'before-bind' as const

  constructor(private readonly calls: SocketCalls) {}

  /** Attaches each filter to a fresh socket: only sockfs knows what soconfig set up. */
  kernelFilters(): FilterSupport[] {
    return BUILT_IN_FILTERS.map((name) => (FILTERS[name] ? this.probe(name, FILTERS[name]) : notInKernel(name, 'illumos')))
  }

  attach(fd: number, filter: FilterSpec, timeoutSeconds?: number): KernelFilterState {
    checkKernelRequest(filter, 'illumos')
    const kernelName = FILTERS[filter.name]
    if (!kernelName) {
      throw new DeferAcceptError('FILTER_UNAVAILABLE', `the illumos kernel has no ${filter.name} socket filter`, `use one it has (${Object.keys(FILTERS).join(', ')}), or the engine on Linux`)
    }
    try {
      this.calls.setsockopt(fd, ILLUMOS.SOL_FILTER, ILLUMOS.FIL_ATTACH, filterName(kernelName))
    } catch (error) {
      if (isSysError(error, 'EEXIST')) {
        throw new DeferAcceptError('FILTER_ALREADY_SET', `descriptor ${fd} already has the socket filter ${kernelName}`, 'nothing to do; to start over, close the socket and create it again', {cause: error})
      }
      if (isSysError(error, 'ENOENT')) {
        throw new DeferAcceptError('FILTER_UNAVAILABLE', `no socket filter ${kernelName} is configured for TCP on this system`, `configure it (as root): ${soconfig(kernelName)}`, {cause: error})
      }
      if (isSysError(error, 'EINVAL')) {
        throw new DeferAcceptError('FILTER_UNAVAILABLE', `descriptor ${fd} was already used (bound, listening, or asked about): illumos attaches a filter only right after socket()`, 'attach the filter before any other call on the socket, before bind() and listen()', {cause: error})
      }
      throw this.explain(fd, error)
    }
    return withoutTimeout(this.query(fd), 'illumos', timeoutSeconds)
  }

  /** Detaching is bound by the same window as attaching: only before the socket is used. */
  detach(fd: number): void {
    const ours = this.list(fd).filter((fil) => Object.values(FILTERS).includes(fil.name))
    const automatic = ours.find((fil) => fil.flags & FILF.AUTO)
    if (automatic) {
      throw new DeferAcceptError('FILTER_UNAVAILABLE', `${automatic.name} is attached to every TCP socket by the system (soconfig auto)`, `remove it system-wide (as root): soconfig -F ${automatic.name}`)
    }
    for (const fil of ours) {
      try {
        this.calls.setsockopt(fd, ILLUMOS.SOL_FILTER, ILLUMOS.FIL_DETACH, filterName(fil.name))
      } catch (error) {
        if (!isSysError(error, 'EINVAL')) throw error
        throw new DeferAcceptError('FILTER_UNAVAILABLE', `descriptor ${fd} is in use: illumos detaches a filter only before bind() and listen()`, 'close the socket and create it again without the filter', {cause: error})
      }
    }
  }

  query(fd: number): KernelFilterState {
    const active = this.list(fd).filter((fil) => !(fil.flags & FILF.BYPASS))
    for (const [name, kernelName] of Object.entries(FILTERS)) {
      if (active.some((fil) => fil.name === kernelName)) return {filter: name, kernelName}
    }
    return {filter: null}
  }

  /** sockaddr_in is Linux's with AF_INET6 = 26; sockaddr_in6 has 4 more bytes (__sin6_src_id). */
  encodeAddress(family: number, host: string, port: number): Buffer {
    const linux = encodeLinuxAddress(ILLUMOS, family, host, port)
    return family === ILLUMOS.AF_INET6 ? Buffer.concat([linux, Buffer.alloc(4)]) : linux
  }

  decodeAddress(bytes: Buffer) {
    return decodeLinuxAddress(ILLUMOS, bytes)
  }

  private list(fd: number): FilInfo[] {
    try {
      return decodeFilList(this.calls.getsockopt(fd, ILLUMOS.SOL_FILTER, ILLUMOS.FIL_LIST, FIL_LIST_ROOM * FIL_INFO))
    } catch (error) {
      throw this.explain(fd, error)
    }
  }

  /** A failed SOL_FILTER call on a bad descriptor: the usual checks say what is wrong with it. */
  private explain(fd: number, error: unknown): unknown {
    if (isSysError(error, 'EBADF', 'ENOTSOCK')) requireSocket(this.calls, ILLUMOS, fd, (sockaddr) => sockaddr.readUInt16LE(0))
    return error
  }

  private probe(name: string, kernelName: string): FilterSupport {
    let fd: number | undefined
    try {
      fd = this.calls.socket(ILLUMOS.AF_INET, ILLUMOS.SOCK_STREAM, 0)
      this.calls.setsockopt(fd, ILLUMOS.SOL_FILTER, ILLUMOS.FIL_ATTACH, filterName(kernelName))
      return {name, where: 'kernel', kernelName, why: `sockfs filter ${kernelName} (attached before bind)`}
    } catch (error) {
      if (isSysError(error, 'ENOENT')) return {name, where: 'unavailable', kernelName, why: `not configured: ${soconfig(kernelName)}`}
      if (error instanceof SysError) return {name, where: 'unavailable', kernelName, why: `probing it failed (${error.message})`}
      throw error
    } finally {
      if (fd !== undefined) this.calls.close(fd)
    }
  }
}
