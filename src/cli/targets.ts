// The descriptors enable, disable and query act on: --fd N (repeatable), or --listen-fds for
// every socket passed by socket activation.
import * as Flags from '@oclif/core/flags'

import {inheritedSockets} from '../activation/listen-fds.js'
import {DeferAcceptError} from '../errors.js'
import type {KernelFilterState, PlatformAdapter} from '../platform/types.js'
import {formatAddress} from '../wrap/address.js'
import {socketCalls} from '../platform/libc.js'

export const targetFlags = {
  fd: Flags.integer({description: 'an inherited descriptor of a listening TCP socket (repeatable)', multiple: true, min: 0, exclusive: ['listen-fds']}),
  'listen-fds': Flags.boolean({description: 'every socket passed by socket activation (LISTEN_FDS)', exclusive: ['fd']}),
}

export interface Target {
  fd: number
  name: string
}

export function resolveTargets(flags: {fd?: number[]; 'listen-fds'?: boolean}): Target[] {
  if (flags['listen-fds']) {
    const sockets = inheritedSockets()
    if (sockets.length === 0) {
      throw new DeferAcceptError('NO_LISTEN_FDS', 'no sockets were passed by socket activation (LISTEN_FDS is unset, or LISTEN_PID names another process)', 'start it from a systemd .socket unit, or: systemd-socket-activate -l 8080 defer-accept ...')
    }
    return sockets
  }
  if (!flags.fd || flags.fd.length === 0) {
    throw new DeferAcceptError('USAGE', 'no descriptor given', 'pass --fd N (an inherited listening socket) or --listen-fds')
  }
  return flags.fd.map((fd) => ({fd, name: `fd ${fd}`}))
}

export interface SocketState extends KernelFilterState {
  fd: number
  name: string
  address: string
}

export function socketState(adapter: PlatformAdapter, target: Target, state: KernelFilterState): SocketState {
  const bound = adapter.decodeAddress(socketCalls.getsockname(target.fd))
  return {fd: target.fd, name: target.name, address: formatAddress(bound.host, bound.port), ...state}
}

export const STATE_COLUMNS = [
  {key: 'fd', header: 'FD'},
  {key: 'address', header: 'ADDRESS'},
  {key: 'filter', header: 'FILTER'},
  {key: 'kernelName', header: 'KERNEL'},
  {key: 'timeout', header: 'TIMEOUT'},
]

export function stateRow(state: SocketState): Record<string, string> {
  const timeout =
    state.effectiveSeconds === undefined ? '-' : state.requestedSeconds !== undefined && state.requestedSeconds !== state.effectiveSeconds ? `${state.requestedSeconds} s (effective ${state.effectiveSeconds} s)` : `${state.effectiveSeconds} s`
  return {fd: String(state.fd), address: state.address, filter: state.filter ?? 'none', kernelName: state.kernelName ?? '-', timeout}
}
