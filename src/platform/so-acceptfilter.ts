// The SO_ACCEPTFILTER adapter FreeBSD and NetBSD share (the same framework, uipc_accf.c, in
// both kernels); freebsd.ts and netbsd.ts only supply their constants and modules.
// Kernel behaviour relied on (sys/kern/uipc_accf.c): setting needs a listening socket (EINVAL
// otherwise), an unknown name is ENOENT, a second filter is EINVAL, NULL/0 removes the filter,
// getsockopt on a listener without one is EINVAL. There is no timeout of any kind (see
// withoutTimeout).
import {DeferAcceptError, SysError, isSysError} from '../errors.js'
import {bsdFamily, decodeBsdAddress, encodeBsdAddress} from './bsd-sockaddr.js'
import {BUILT_IN_FILTERS, checkKernelRequest, notInKernel, withoutTimeout} from './kernel-filters.js'
import {requireSocket} from './socket-checks.js'
import type {FilterSpec, FilterSupport, KernelFilterState, PlatformAdapter, SocketCalls, SocketConstants} from './types.js'

export type AcceptFilterConstants = SocketConstants & {SO_ACCEPTFILTER: number}

export interface AcceptFilterKernel {
  os: string
  label: string
  constants: AcceptFilterConstants
  /** defer-accept's filters this kernel ships, by name (the kernel uses the same names). */
  modules: Record<string, {module: string; since?: string}>
  /** The command that loads a module. */
  load(module: string): string
}

// struct accept_filter_arg (sys/sys/socket.h), 256 bytes:
//   0..15   af_name, NUL-padded; the kernel forces byte 15 to NUL, so 15 characters at most
//   16..255 af_arg, NUL-padded; byte 255 forced to NUL
const AF_NAME = 16
const ACCEPT_FILTER_ARG = 256

export function encodeAcceptFilterArg(name: string): Buffer {
  const bytes = Buffer.alloc(ACCEPT_FILTER_ARG)
  bytes.write(name, 0, AF_NAME - 1, 'latin1')
  return bytes
}

export function decodeAcceptFilterArg(bytes: Buffer): {name: string; arg: string} {
  const text = (field: Buffer) => field.toString('latin1', 0, field.includes(0) ? field.indexOf(0) : field.length)
  return {name: text(bytes.subarray(0, AF_NAME)), arg: text(bytes.subarray(AF_NAME, ACCEPT_FILTER_ARG))}
}

export class AcceptFilterAdapter implements PlatformAdapter {
  readonly os: string
  readonly constants: AcceptFilterConstants
  readonly attachPhase = 'after-listen' as const

  constructor(
    private readonly calls: SocketCalls,
    private readonly kernel: AcceptFilterKernel,
  ) {
    this.os = kernel.os
    this.constants = kernel.constants
  }

  /** Sets each filter on a throw-away listener: only the kernel knows which modules load. */
  kernelFilters(): FilterSupport[] {
    return BUILT_IN_FILTERS.map((name) => (this.kernel.modules[name] ? this.probe(name) : notInKernel(name, this.kernel.label)))
  }

  attach(fd: number, filter: FilterSpec, timeoutSeconds?: number): KernelFilterState {
    const {label, modules} = this.kernel
    checkKernelRequest(filter, label)
    if (!modules[filter.name]) {
      throw new DeferAcceptError('FILTER_UNAVAILABLE', `the ${label} kernel has no ${filter.name} accept filter`, `use one it has (${Object.keys(modules).join(', ')}), or the engine on Linux`)
    }
    if (!this.listening(fd)) {
      throw new DeferAcceptError('NOT_LISTENING', `descriptor ${fd} is not listening: ${label} sets an accept filter only on a listening socket`, 'call listen() first, then set the filter')
    }
    try {
      this.calls.setsockopt(fd, this.constants.SOL_SOCKET, this.constants.SO_ACCEPTFILTER, encodeAcceptFilterArg(filter.name))
    } catch (error) {
      if (isSysError(error, 'ENOENT')) {
        throw new DeferAcceptError('FILTER_UNAVAILABLE', `the ${label} kernel has no ${filter.name} accept filter: ${this.missing(filter.name)}`, this.loadFix(filter.name), {cause: error})
      }
      const current = isSysError(error, 'EINVAL') ? this.read(fd) : undefined
      if (current?.filter) {
        throw new DeferAcceptError('FILTER_ALREADY_SET', `descriptor ${fd} already has the accept filter ${current.kernelName}`, 'disable it first (defer-accept disable), then set the new one', {cause: error})
      }
      throw error
    }
    return withoutTimeout(this.read(fd), label, timeoutSeconds)
  }

  /** Held connections move to the accept queue; nothing to do on a socket that is not listening. */
  detach(fd: number): void {
    if (this.listening(fd)) this.calls.setsockopt(fd, this.constants.SOL_SOCKET, this.constants.SO_ACCEPTFILTER, null)
  }

  query(fd: number): KernelFilterState {
    return this.listening(fd) ? this.read(fd) : {filter: null}
  }

  encodeAddress(family: number, host: string, port: number): Buffer {
    return encodeBsdAddress(this.constants, family, host, port)
  }

  decodeAddress(bytes: Buffer) {
    return decodeBsdAddress(this.constants, bytes)
  }

  private listening(fd: number): boolean {
    return requireSocket(this.calls, this.constants, fd, bsdFamily).listening
  }

  private read(fd: number): KernelFilterState {
    let bytes: Buffer
    try {
      bytes = this.calls.getsockopt(fd, this.constants.SOL_SOCKET, this.constants.SO_ACCEPTFILTER, ACCEPT_FILTER_ARG)
    } catch (error) {
      if (isSysError(error, 'EINVAL')) return {filter: null}
      throw error
    }
    const {name, arg} = decodeAcceptFilterArg(bytes)
    // A filter with a create hook reads back its own name as af_arg (uipc_accf.c copies af_name).
    return arg === '' || arg === name ? {filter: name, kernelName: name} : {filter: name, kernelName: name, arg}
  }

  private probe(name: string): FilterSupport {
    const {calls, constants} = this
    let fd: number | undefined
    try {
      fd = calls.socket(constants.AF_INET, constants.SOCK_STREAM, 0)
      calls.bind(fd, this.encodeAddress(constants.AF_INET, '127.0.0.1', 0))
      calls.listen(fd, 1)
      calls.setsockopt(fd, constants.SOL_SOCKET, constants.SO_ACCEPTFILTER, encodeAcceptFilterArg(name))
      return {name, where: 'kernel', kernelName: name, why: `SO_ACCEPTFILTER ${name} (module ${this.kernel.modules[name].module})`}
    } catch (error) {
      if (isSysError(error, 'ENOENT')) return {name, where: 'unavailable', kernelName: name, why: `${this.missing(name)}: ${this.loadFix(name)}`}
      if (error instanceof SysError) return {name, where: 'unavailable', kernelName: name, why: `probing it failed (${error.message})`}
      throw error
    } finally {
      if (fd !== undefined) calls.close(fd)
    }
  }

  private missing(name: string): string {
    return `module ${this.kernel.modules[name].module} is not loaded`
  }

  private loadFix(name: string): string {
    const {module, since} = this.kernel.modules[name]
    return `load it: ${this.kernel.load(module)}${since ? ` (${name} needs ${since})` : ''}`
  }
}
