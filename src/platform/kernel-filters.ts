// What the adapters of kernels without the engine (FreeBSD, NetBSD, illumos, macOS) share: the
// names of defer-accept's filters, and the checks every kernel filter needs before a call.
import {DeferAcceptError} from '../errors.js'
import type {FilterSpec, FilterSupport, KernelFilterState} from './types.js'

/** Every built-in filter, in the order `defer-accept filters` lists them. */
export const BUILT_IN_FILTERS = ['dataready', 'httpready', 'dnsready', 'tlsready', 'proxy'] as const

/** A filter this kernel lacks: the engine that would run it is Linux only for now. */
export function notInKernel(name: string, os: string): FilterSupport {
  return {name, where: 'unavailable', why: `the ${os} kernel has no ${name} filter, and the engine that runs it elsewhere is Linux only for now`}
}

/** Throws unless the filter is one defer-accept knows and the request fits a kernel filter. */
export function checkKernelRequest(filter: FilterSpec, os: string): void {
  if (filter.name.includes('/')) {
    throw new DeferAcceptError('FILTER_UNAVAILABLE', `the plugin ${filter.name} needs the engine, which is Linux only for now`, `use a filter the ${os} kernel has (defer-accept filters)`)
  }
  if (!(BUILT_IN_FILTERS as readonly string[]).includes(filter.name)) {
    throw new DeferAcceptError('UNKNOWN_FILTER', `there is no filter named ${filter.name}`, `pick one of ${BUILT_IN_FILTERS.join(', ')} (defer-accept filters)`)
  }
  // The kernel filters take no argument (FreeBSD's accf_* ignore af_arg): passing one on would
  // silently drop what the user asked for.
  if (filter.arg !== undefined && filter.arg !== '') {
    throw new DeferAcceptError('BAD_FILTER_ARGUMENT', `the ${os} kernel's ${filter.name} takes no argument (got ${filter.arg})`, `write --filter ${filter.name} without :${filter.arg}`)
  }
}

/** These kernels hold a connection until it is ready, the filter is removed or the listener
 *  closes. Decided: a timeout is not refused (the CLI always passes one, 30 s by default) but
 *  reported as not applied, so that nobody counts on a limit the kernel does not enforce. */
export function withoutTimeout(state: KernelFilterState, os: string, timeoutSeconds: number | undefined): KernelFilterState {
  if (timeoutSeconds === undefined || state.filter === null) return state
  return {...state, requestedSeconds: timeoutSeconds, note: `the ${os} kernel applies no timeout: a held connection waits until it is ready, the filter is removed or the listener closes`}
}
