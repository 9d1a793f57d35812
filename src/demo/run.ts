// The demo: the same fixed-pool server, first alone and then under `defer-accept wrap --filter
// httpready`; in each, good clients measured alone and then during a slow-client attack.
import {setTimeout as sleep} from 'node:timers/promises'

import {startAttack} from './attack.js'
import {runGoodClients, type Sample} from './good-clients.js'
import type {Progress} from './progress.js'
import {startServer, type Variant} from './server.js'
import {share, summarize, type Window} from './stats.js'

export interface DemoOptions {
  workers: number
  attackers: number
  durationSeconds: number
  progress: Progress
  signal: AbortSignal
}

export interface Setup {
  workers: number
  slowClients: number
  idleClients: number
  byteIntervalMs: number
  goodConcurrency: number
  goodTimeoutMs: number
  windowSeconds: number
  parkSeconds: number
}

export interface Row {
  variant: Variant
  unattacked: Window
  attacked: Window
  /** Attacked good requests/s as a share of unattacked. */
  kept: number
}

export interface DemoResult {
  setup: Setup
  rows: Row[]
}

const VARIANTS: Variant[] = ['bare', 'defer-accept']
const GOOD_CONCURRENCY = 4
const GOOD_TIMEOUT_MS = 2000
const BYTE_INTERVAL_MS = 1000
// Long enough that no slow client is dropped during a window: the demo shows parking, not timeouts.
const PARK_SECONDS = 30
const TICK_MS = 250

export function setupFor(options: Pick<DemoOptions, 'workers' | 'attackers' | 'durationSeconds'>): Setup {
  // Three in four attackers drip bytes, the rest sit idle: both kinds hold a worker of a bare pool.
  const idle = Math.floor(options.attackers / 4)
  return {
    workers: options.workers,
    slowClients: options.attackers - idle,
    idleClients: idle,
    byteIntervalMs: BYTE_INTERVAL_MS,
    goodConcurrency: GOOD_CONCURRENCY,
    goodTimeoutMs: GOOD_TIMEOUT_MS,
    windowSeconds: options.durationSeconds,
    parkSeconds: PARK_SECONDS,
  }
}

async function measure(label: string, port: number, setup: Setup, options: DemoOptions, attackers: () => number): Promise<Window> {
  let ok = 0
  let failed = 0
  const started = performance.now()
  const show = () => {
    const seconds = (performance.now() - started) / 1000
    options.progress.update(`${label}: ${seconds.toFixed(1)}/${setup.windowSeconds} s · good ${ok} ok, ${failed} failed · attackers connected ${attackers()}`)
  }
  const ticker = setInterval(show, TICK_MS)
  try {
    const samples = await runGoodClients({
      port,
      concurrency: setup.goodConcurrency,
      durationMs: setup.windowSeconds * 1000,
      timeoutMs: setup.goodTimeoutMs,
      signal: options.signal,
      onSample: (sample: Sample) => (sample.outcome === 'ok' ? ok++ : failed++),
    })
    const window = summarize(samples, setup.windowSeconds)
    options.progress.line(`${label}: ${window.perSecond} good req/s, ${window.timeouts} timeouts, ${window.errors} errors`)
    return window
  } finally {
    clearInterval(ticker)
  }
}

async function runVariant(variant: Variant, setup: Setup, options: DemoOptions): Promise<Row> {
  // Bounded even if the demo is killed: the server exits by itself after its lifetime.
  const lifetimeSeconds = 2 * setup.windowSeconds + 30
  options.progress.update(`${variant}: starting the server (${setup.workers} workers)`)
  const server = await startServer({variant, workers: setup.workers, lifetimeSeconds, parkSeconds: setup.parkSeconds, signal: options.signal})
  try {
    const unattacked = await measure(`${variant}, no attack`, server.port, setup, options, () => 0)
    const attack = startAttack({port: server.port, slow: setup.slowClients, idle: setup.idleClients, byteIntervalMs: setup.byteIntervalMs})
    try {
      // Let the attackers connect (and, on the bare server, take every worker) before measuring.
      const settleMs = Math.min(2000, (setup.windowSeconds * 1000) / 2)
      const settle = setInterval(() => options.progress.update(`${variant}: attack starting · attackers connected ${attack.open()}`), TICK_MS)
      await sleep(settleMs, undefined, {signal: options.signal}).finally(() => clearInterval(settle))
      const attacked = await measure(`${variant}, under attack`, server.port, setup, options, attack.open)
      return {variant, unattacked, attacked, kept: share(attacked, unattacked)}
    } finally {
      attack.stop()
    }
  } finally {
    await server.stop()
  }
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const setup = setupFor(options)
  const rows: Row[] = []
  try {
    for (const variant of VARIANTS) rows.push(await runVariant(variant, setup, options))
  } finally {
    options.progress.done()
  }
  return {setup, rows}
}
