#!/usr/bin/env node
// Prints the Markdown tables of bench/RESULTS.md from the raw results in bench/results/, so the
// tables there are the recorded figures, not retyped ones: node bench/tables.js S1 S2 S3 S5 S6
import {read, s1Medians} from './results.js'

const table = (header, rows) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n')
const num = (value, digits = 0) => (value === null || value === undefined ? 'n/a' : Number(value).toFixed(digits))
const pct = (value) => (value === null || value === undefined ? 'n/a' : `${Math.round(value * 100)}%`)
const errors = (w) => (w.failed ? `wrk: ${w.failed}` : Object.entries(w.errors ?? {}).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') || '0')

const render = {
  S1: () => {
    const rows = s1Medians()
    const bare = (row) => rows.find((r) => r.backend === row.backend && r.mode === row.mode && r.variant === 'bare')
    return table(
      ['server', 'connections', 'variant', 'req/s (median)', 'range', 'of bare', 'p50 ms', 'p99 ms', 'CPU s / 1,000 req', 'req per CPU s', 'errors'],
      rows.map((r) => [r.backend, r.mode === 'close' ? 'new per request' : 'keep-alive', r.variant, num(r.rps), `${num(r.rps_min)}–${num(r.rps_max)} (${r.rounds})`, pct(r.rps / bare(r).rps), num(r.p50_ms, 2), num(r.p99_ms, 2), num(r.cpu_s_per_1000, 3), num(1000 / r.cpu_s_per_1000), r.errors]),
    )
  },
  S2: (rows) =>
    table(
      ['attack', 'variant', 'open when measured', 'req/s alone', 'req/s attacked', 'kept', 'p99 ms attacked', 'errors attacked'],
      rows.map((r) => [`slow ${r.attack} × ${r.connections}`, r.variant, r.open_when_measured, num(r.alone.rps), num(r.attacked.rps), pct(r.share), num(r.attacked.p99_ms, 1), errors(r.attacked)]),
    ),
  S3: (rows) =>
    table(
      ['idle clients', 'variant', 'connected when measured', 'req/s alone', 'req/s attacked', 'kept', 'p99 ms attacked', 'errors attacked'],
      rows.map((r) => [r.idle, r.variant, r.open_when_measured, num(r.alone.rps), num(r.attacked.rps), pct(r.share), num(r.attacked.p99_ms, 1), errors(r.attacked)]),
    ),
  S5: (rows) =>
    table(
      ['server', 'variant', 'answered', 'system calls per request (failed ones in brackets)'],
      rows.map((r) => [
        r.server,
        r.variant,
        `${r.answered}/${r.requests}`,
        Object.entries(r.syscalls)
          .sort(([, a], [, b]) => b.per_request - a.per_request)
          .map(([name, c]) => `${name} ${c.per_request}${c.errors_per_request ? ` (${c.errors_per_request})` : ''}`)
          .join(', '),
      ]),
    ),
  S6: (rows) =>
    table(
      ['variant', 'client speaks after', 'connections', 'answered', 'packets', 'per connection', 'retransmissions + dup ACKs'],
      rows.map((r) => [r.variant, `${r.delay_s} s`, r.connections, r.answered, r.packets, r.packets_per_connection, r.retransmissions_and_dup_acks]),
    ),
}

// A variant of a scenario's method (S2-attacker-own-core) is drawn as the scenario is.
for (const name of process.argv.slice(2)) {
  const rows = read(name)
  const draw = render[name.split('-')[0]]
  console.log(rows.length && draw ? draw(rows) : `(no ${name} results)`)
  console.log()
}
