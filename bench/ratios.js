#!/usr/bin/env node
// S1 ratios, as data plane v2's goals are stated (issue 9): in each round, every variant's req/s
// and CPU per request (all processes of the variant) divided by the same round's bare and
// kernel-deferral figures; then the median of the rounds and the range. Prints Markdown tables.
// node bench/ratios.js [FILE.jsonl ...] (several runs: their rounds are pooled, each round's
// ratios taken within that round of that run)
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const files = process.argv.length > 2 ? process.argv.slice(2) : [fileURLToPath(new URL('./results/v2/S1.jsonl', import.meta.url))]
const rows = files.flatMap((file, i) =>
  readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).map((r) => ({...r, round: `${i}.${r.round}`})),
)
const median = (xs) => {
  const s = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b)
  if (!s.length) return null
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const f = (x, d = 2) => (x == null ? 'n/a' : x.toFixed(d))
const range = (xs, d = 2) => {
  const s = xs.filter((x) => x != null && Number.isFinite(x))
  return s.length ? `${f(Math.min(...s), d)}–${f(Math.max(...s), d)}` : 'n/a'
}
const s2 = rows.filter((r) => r.scenario === 'S2')
if (s2.length) {
  console.log('\n| run | variant | attackers open | req/s alone | req/s attacked | vs bare alone | vs bare alone just before | vs own alone | p99 ms attacked | attacker CPU s | variant CPU s |')
  console.log('|---|---|---|---|---|---|---|---|---|---|---|')
  for (const r of s2) {
    const run = r.round.split('.')[0]
    const bare = s2.find((b) => b.round.split('.')[0] === run && b.variant === 'bare' && b.attack === r.attack && b.connections === r.connections)
    console.log(`| ${run} | ${r.variant} | ${r.open_when_measured} | ${f(r.alone.rps, 0)} | ${f(r.attacked.rps, 0)} | ${bare ? f(r.attacked.rps / bare.alone.rps) : 'n/a'} | ${r.bare_alone_before?.rps ? `${f(r.attacked.rps / r.bare_alone_before.rps)} (of ${f(r.bare_alone_before.rps, 0)})` : 'n/a'} | ${f(r.share)} | ${r.attacked.p99_ms == null ? 'n/a' : f(r.attacked.p99_ms, 1)} | ${f(r.attacker_cpu_s)} | ${r.variant_cpu_s >= 0 ? f(r.variant_cpu_s) : 'n/a'} |`)
  }
  process.exit(0)
}
const cpuPerReq = (r) => (r.requests ? (r.cpu_s * 1e6) / r.requests : null) // µs

for (const mode of [...new Set(rows.map((r) => r.mode))]) {
  for (const backend of [...new Set(rows.map((r) => r.backend))]) {
    const mine = rows.filter((r) => r.backend === backend && r.mode === mode)
    const rounds = [...new Set(mine.map((r) => r.round))]
    const find = (round, variant) => mine.find((r) => r.round === round && r.variant === variant)
    console.log(`\n${backend}, ${mode === 'close' ? 'a new connection per request' : 'keep-alive'}, ${rounds.length} rounds\n`)
    console.log('| variant | req/s median (range) | CPU µs / request median (range) | req/s vs bare | CPU/req vs bare | CPU/req vs kernel | CPU split (ticks, median round) | context switches / request (median round) |')
    console.log('|---|---|---|---|---|---|---|---|')
    for (const variant of [...new Set(mine.map((r) => r.variant))]) {
      const vs = rounds.map((round) => find(round, variant)).filter(Boolean)
      const ratio = (base, pick) =>
        rounds.map((round) => {
          const v = find(round, variant), b = find(round, base)
          return v && b && pick(b) ? pick(v) / pick(b) : null
        })
      const rpsBare = ratio('bare', (r) => r.rps)
      const cpuBare = ratio('bare', cpuPerReq)
      const cpuKernel = ratio('kernel', cpuPerReq)
      const mid = vs.slice().sort((a, b) => cpuPerReq(a) - cpuPerReq(b))[(vs.length - 1) >> 1]
      const byComm = (figures, d) => (figures ? Object.entries(figures).filter(([, t]) => t).map(([c, t]) => `${c} ${d == null ? t : f(t, d)}`).join(', ') : '')
      const split = byComm(mid?.cpu_ticks_by_comm)
      const switches = byComm(mid?.switches_per_request_by_comm, 2) || 'n/a'
      console.log(`| ${variant} | ${f(median(vs.map((r) => r.rps)), 0)} (${range(vs.map((r) => r.rps), 0)}) | ${f(median(vs.map(cpuPerReq)), 1)} (${range(vs.map(cpuPerReq), 1)}) | ${f(median(rpsBare))} (${range(rpsBare)}) | ${f(median(cpuBare))} (${range(cpuBare)}) | ${f(median(cpuKernel))} (${range(cpuKernel)}) | ${split} | ${switches} |`)
    }
  }
}
