// Where each listener's filter runs: in the kernel when it has that filter with the asked-for
// semantics, else in the engine (Linux), else nowhere: an error that names the missing piece,
// never a silent fallback to something weaker.
import {checkChain, listEngineFilters} from '../engine/index.js'
import {DeferAcceptError} from '../errors.js'
import {chainText, type FilterOption} from '../filters/spec.js'
import type {FilterSpec, PlatformAdapter} from '../platform/types.js'
import type {Listener} from './listeners.js'

export type OnTimeout = 'drop' | 'pass'

export type Placement =
  | {listener: Listener; where: 'kernel'; filter: FilterSpec}
  | {listener: Listener; where: 'engine'; chain: string}
  | {listener: Listener; where: 'none'}

export interface Plan {
  placements: Placement[]
  /** Bind mode: ports the server binds itself, and their chains. */
  bindRules: Array<{port: number; chain: string}>
}

function kernelCan(adapter: PlatformAdapter, chain: FilterSpec[], onTimeout: OnTimeout | undefined): boolean {
  if (chain.length !== 1 || onTimeout === 'drop') return false
  const [only] = chain
  const kernel = adapter.kernelFilters().find((filter) => filter.name === only.name)
  if (kernel?.where !== 'kernel') return false
  // TCP_DEFER_ACCEPT waits for one byte and no more.
  return adapter.os !== 'linux' || only.arg === undefined || only.arg === '1' || only.arg === 'bytes=1'
}

function validateForEngine(adapter: PlatformAdapter, chain: FilterSpec[]): string {
  const text = chainText(chain)
  if (adapter.os !== 'linux') {
    const missing = chain.find((link) => adapter.kernelFilters().find((filter) => filter.name === link.name)?.where !== 'kernel') ?? chain[0]
    throw new DeferAcceptError('FILTER_UNAVAILABLE', `${adapter.os} has no kernel filter ${missing.name} and the engine runs on Linux only`, 'see defer-accept filters for what this host offers')
  }
  const known = listEngineFilters().map((filter) => filter.name)
  const unknown = chain.find((link) => !link.name.includes('/') && !known.includes(link.name))
  if (unknown) {
    throw new DeferAcceptError('UNKNOWN_FILTER', `unknown filter ${unknown.name}`, `use one of ${known.join(', ')}, or a plugin by its path (./myfilter.so)`)
  }
  const problem = checkChain(text)
  if (problem) {
    const plugin = chain.some((link) => link.name.includes('/'))
    throw new DeferAcceptError(plugin ? 'BAD_PLUGIN' : 'BAD_FILTER_ARGUMENT', problem, 'see defer-accept filters for the valid forms')
  }
  return text
}

export function planFilters(adapter: PlatformAdapter, listeners: Listener[], options: FilterOption[], onTimeout?: OnTimeout): Plan {
  const general = options.filter((option) => option.port === undefined)
  if (general.length > 1) {
    throw new DeferAcceptError('USAGE', 'more than one --filter without a port', 'chain filters in one --filter (proxy,httpready), or give each a port (8080=httpready)')
  }
  if (listeners.length === 0) {
    if (general.length > 0) {
      throw new DeferAcceptError('USAGE', `--filter ${general[0].text} names no port and there is no --listen`, `say which port the server binds itself: --filter 8080=${general[0].text}, or add --listen`)
    }
    return {placements: [], bindRules: options.map((option) => ({port: option.port!, chain: validateForEngine(adapter, option.chain)}))}
  }
  for (const option of options) {
    if (option.port !== undefined && !listeners.some((listener) => listener.port === option.port)) {
      throw new DeferAcceptError('USAGE', `--filter ${option.port}=${option.text} matches no listening port (${listeners.map((l) => l.port).join(', ')})`, 'use the port of a --listen address')
    }
  }
  const placements = listeners.map((listener): Placement => {
    const option = options.find((candidate) => candidate.port === listener.port) ?? general[0]
    if (!option) return {listener, where: 'none'}
    if (kernelCan(adapter, option.chain, onTimeout)) return {listener, where: 'kernel', filter: option.chain[0]}
    return {listener, where: 'engine', chain: validateForEngine(adapter, option.chain)}
  })
  return {placements, bindRules: []}
}
