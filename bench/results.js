// Reading the raw results (bench/results/NAME.jsonl), shared by plot.js and tables.js.
import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const dir = fileURLToPath(new URL('./results/', import.meta.url))

export function read(name) {
  const file = `${dir}${name}.jsonl`
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : []
}

const median = (values) => {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b)
  if (!sorted.length) return null
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** S1 rounds folded into one row per server, mode and variant: medians, and the req/s range. */
export function s1Medians() {
  const groups = new Map()
  for (const row of read('S1')) {
    const key = `${row.backend}/${row.mode}/${row.variant}`
    if (!groups.has(key)) groups.set(key, [])
    groups.get(key).push(row)
  }
  return [...groups.values()].map((rows) => ({
    backend: rows[0].backend,
    mode: rows[0].mode,
    variant: rows[0].variant,
    rounds: rows.length,
    rps: median(rows.map((r) => r.rps)),
    rps_min: Math.min(...rows.map((r) => r.rps)),
    rps_max: Math.max(...rows.map((r) => r.rps)),
    p50_ms: median(rows.map((r) => r.p50_ms)),
    p99_ms: median(rows.map((r) => r.p99_ms)),
    cpu_s_per_1000: median(rows.map((r) => r.cpu_s_per_1000)),
    errors: rows.reduce((sum, r) => sum + Object.values(r.errors ?? {}).reduce((a, b) => a + b, 0), 0),
  }))
}
