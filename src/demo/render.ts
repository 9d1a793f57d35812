// The demo's verdict for people: what was run, then bare and defer-accept side by side.
import {table} from '../cli/table.js'
import type {DemoResult} from './run.js'
import type {Window} from './stats.js'

const ms = (value: number | null) => (value === null ? '-' : `${value} ms`)
const failures = (window: Window) => `${window.timeouts} / ${window.errors}`

export function render(result: DemoResult): string {
  const {setup} = result
  const lines = [
    `Server: ${setup.workers} worker threads, blocking accept, reading each request head with no time limit.`,
    `Attack: ${setup.slowClients} clients sending a request head one byte every ~${setup.byteIntervalMs / 1000} s, ${setup.idleClients} clients sending nothing.`,
    `Good clients: ${setup.goodConcurrency} at a time, a new connection per request, ${setup.goodTimeoutMs / 1000} s timeout, ${setup.windowSeconds} s per measurement.`,
    '',
    table(
      [
        {key: 'variant', header: 'SERVER'},
        {key: 'unattacked', header: 'GOOD REQ/S ALONE'},
        {key: 'attacked', header: 'UNDER ATTACK'},
        {key: 'kept', header: 'KEPT'},
        {key: 'p99', header: 'P99 ALONE / ATTACKED'},
        {key: 'failures', header: 'TIMEOUTS / ERRORS UNDER ATTACK'},
      ],
      result.rows.map((row) => ({
        variant: row.variant === 'bare' ? 'bare' : 'defer-accept httpready',
        unattacked: String(row.unattacked.perSecond),
        attacked: String(row.attacked.perSecond),
        kept: `${Math.round(row.kept * 100)}%`,
        p99: `${ms(row.unattacked.p99Ms)} / ${ms(row.attacked.p99Ms)}`,
        failures: failures(row.attacked),
      })),
    ),
  ]
  return lines.join('\n')
}
