// A real Prometheus (Debian's `prometheus`) scrapes `wrap --metrics` every second under a small
// bounded load; its query API must return the series with the counts the load made.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'

import {cli, FIXTURES, listeningPort, start, type Running} from '../helpers/cli.js'
import {get} from '../helpers/http.js'
import {freePort} from '../helpers/net.js'
import {sleep} from '../helpers/wait.js'

const PROMETHEUS = '/usr/bin/prometheus'
const missing = spawnSync(PROMETHEUS, ['--version']).error ? `${PROMETHEUS} is missing (Debian package prometheus; scripts/bootstrap.sh installs it)` : ''

const running: Running[] = []
const sockets: Socket[] = []
const dirs: string[] = []
afterEach(async () => {
  sockets.splice(0).forEach((socket) => socket.destroy())
  await Promise.all(running.splice(0).map((r) => r.stop('SIGTERM')))
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

interface Vector {
  metric: Record<string, string>
  value: [number, string]
}

async function query(port: number, expression: string): Promise<Vector[]> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expression)}`, {signal: AbortSignal.timeout(5000)})
  const body = (await response.json()) as {status: string; data: {result: Vector[]}}
  expect(body.status).toBe('success')
  return body.data.result
}

/** Queries until one series answers with this value; fails with the last answer. */
async function untilValue(port: number, expression: string, value: number, timeoutMs = 20_000): Promise<Vector> {
  const end = Date.now() + timeoutMs
  let last: Vector[] | string = []
  for (;;) {
    last = await query(port, expression).catch((error: Error) => error.message)
    if (Array.isArray(last) && last.length === 1 && Number(last[0].value[1]) === value) return last[0]
    if (Date.now() > end) throw new Error(`timed out waiting for ${expression} == ${value}; last answer: ${JSON.stringify(last)}`)
    await sleep(250)
  }
}

describe.skipIf(missing)(`a real Prometheus scraping wrap --metrics${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('1. its query API returns the series with the counts of the load', async () => {
    const wrapper = cli(['wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--metrics', '127.0.0.1:0', '--', 'python3', FIXTURES + 'activated_server.py'], {timeoutMs: 50_000})
    running.push(wrapper)
    const port = await listeningPort(wrapper)
    const [, url] = await wrapper.waitFor(/metrics at (http:\S+)/)
    await wrapper.waitFor(/^ready$/m)
    const target = new URL(url).host

    const dir = mkdtempSync(join(tmpdir(), 'da-prometheus-'))
    dirs.push(dir)
    writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: defer-accept\n    static_configs:\n      - targets: ['${target}']\n`)
    const webPort = await freePort()
    const prometheus = start(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${webPort}`, '--log.level=warn'], {timeoutMs: 50_000})
    running.push(prometheus)

    // The load: 20 whole requests, 4 at a time, and 2 clients that send half a head and wait.
    const WHOLE = 20
    const HALF = 2
    for (let i = 0; i < WHOLE; i += 4) await Promise.all(Array.from({length: 4}, () => get(port)))
    for (let i = 0; i < HALF; i++) {
      const socket = connect({host: '127.0.0.1', port})
      socket.on('error', () => {})
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n')
      sockets.push(socket)
    }

    const listener = `127.0.0.1:${port}`
    const ready = await untilValue(webPort, `defer_accept_connections_total{outcome="ready",listener="${listener}"}`, WHOLE)
    expect(ready.metric).toMatchObject({__name__: 'defer_accept_connections_total', job: 'defer-accept', instance: target, listener, outcome: 'ready'})
    await untilValue(webPort, `defer_accept_parked_connections{listener="${listener}"}`, HALF)
    await untilValue(webPort, `defer_accept_accepted_connections_total{listener="${listener}"}`, WHOLE + HALF)
    await untilValue(webPort, `sum(defer_accept_connections_total{listener="${listener}",outcome="dropped"})`, 0)
    await untilValue(webPort, `defer_accept_filter_in_force{listener="${listener}",chain="httpready"}`, 1)
    const buckets = await query(webPort, `defer_accept_park_duration_seconds_bucket{listener="${listener}"}`)
    expect(buckets).toHaveLength(32) // 31 finite bounds and +Inf
    expect(prometheus.stderr()).not.toMatch(/level=error/)
  }, 55_000)
})
