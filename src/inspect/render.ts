// The people's view of a snapshot: one row per listening socket, the processes last so that
// the table cuts them, not the numbers, on a narrow terminal; then the kernel's loadable
// filters where the snapshot has them (systems other than Linux).
import chalk from 'chalk'

import {table, type Row} from '../cli/table.js'
import type {FilterSupport} from '../platform/types.js'
import type {EngineView, InspectResult, Listener} from './types.js'

const COLUMNS = [
  {key: 'address', header: 'ADDRESS'},
  {key: 'queue', header: 'QUEUE/BACKLOG'},
  {key: 'reusePort', header: 'REUSEPORT'},
  {key: 'deferral', header: 'DEFERRAL'},
  {key: 'engine', header: 'ENGINE'},
  {key: 'processes', header: 'PROCESSES'},
]

function deferral(listener: Listener): string {
  const {state, seconds} = listener.deferral
  if (state === 'unknown') return chalk.yellow('unknown')
  if (state === 'none') return chalk.dim('none')
  if (state === 'kernel') return chalk.green(seconds === null ? kernelFilter(listener.deferral) : `${seconds} s`)
  const engine = listener.engine!
  return chalk.cyan(`${engine.chain} ${engine.timeoutMs / 1000} s ${engine.onTimeout}`)
}

/** `httpready`, `dataready (datafilt)`, `dataready:ARG` */
function kernelFilter({filter, kernelName, arg}: Listener['deferral']): string {
  return `${filter ?? '?'}${arg ? `:${arg}` : ''}${kernelName && kernelName !== filter ? ` (${kernelName})` : ''}`
}

const rate = (value: number, perSecond?: number) => (perSecond === undefined ? `${value}` : `${value} (${perSecond.toFixed(1)}/s)`)

function engine(view: EngineView | null): string {
  if (!view) return '-'
  const {counters, rates, parkMs} = view
  const closed = view.serverClosed ? chalk.red('server closed ') : ''
  const dropped = Object.values(counters.dropped).reduce((sum, count) => sum + count, 0)
  return (
    `${closed}parked ${counters.parked} ready ${rate(counters.ready, rates?.ready)} passed ${rate(counters.passed, rates?.passed)} ` +
    `dropped ${rate(dropped, rates?.dropped)} p50 ${parkMs.p50} ms p99 ${parkMs.p99} ms`
  )
}

/** `nginx 100,101,102 python3 7` */
function processes(holders: Listener['processes']): string {
  if (holders === null) return 'unknown'
  const byName = new Map<string, number[]>()
  for (const holder of holders) byName.set(holder.comm, [...(byName.get(holder.comm) ?? []), holder.pid])
  return [...byName].map(([name, pids]) => `${name} ${pids.join(',')}`).join(' ') || '-'
}

function row(listener: Listener): Row {
  const host = listener.family === 'ipv6' ? `[${listener.address}]` : listener.address
  return {
    address: `${host}:${listener.port}`,
    queue: `${listener.acceptQueue ?? '?'}/${listener.backlog ?? '?'}`,
    reusePort: listener.reusePort === null ? chalk.yellow('?') : listener.reusePort ? 'yes' : 'no',
    deferral: deferral(listener),
    engine: engine(listener.engine),
    processes: processes(listener.processes),
  }
}

const FILTER_COLUMNS = [
  {key: 'name', header: 'KERNEL FILTER'},
  {key: 'where', header: 'WHERE'},
  {key: 'kernelName', header: 'KERNEL NAME'},
  {key: 'why', header: 'WHY'},
]

function filterRow(filter: FilterSupport): Row {
  return {name: filter.name, where: filter.where === 'kernel' ? chalk.green(filter.where) : chalk.yellow(filter.where), kernelName: filter.kernelName ?? '-', why: filter.why}
}

export function render(result: InspectResult, width?: number): string {
  const hints = result.hints.map((hint) => chalk.yellow(`note: ${hint}`))
  const filters = result.kernelFilters ? ['', table(FILTER_COLUMNS, result.kernelFilters.map(filterRow), width)] : []
  return [table(COLUMNS, result.listeners.map(row), width), ...filters, ...hints].join('\n')
}
