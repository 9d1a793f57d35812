// `wrap --metrics` end to end: a socket-activated server behind httpready, whole and half-sent
// requests, and /metrics scraped with fetch; `inspect --format prometheus` says the same.
import {readFileSync} from 'node:fs'
import type {Socket} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'

import {cli, FIXTURES, listeningPort, runCli, type Running} from '../helpers/cli.js'
import {get} from '../helpers/http.js'
import {sleep, until} from '../helpers/wait.js'
import {openSocket} from '../helpers/net.js'

/** The wrapper's child named da-engine, or 0. */
function enginePid(wrapperPid: number): number {
  const children = readFileSync(`/proc/${wrapperPid}/task/${wrapperPid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)
  return children.find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'da-engine'
    } catch {
      return false
    }
  }) ?? 0
}

const running: Running[] = []
const sockets: Socket[] = []
afterEach(async () => {
  sockets.splice(0).forEach((socket) => socket.destroy())
  await Promise.all(running.splice(0).map((r) => r.stop('SIGTERM')))
})

async function wrapped(): Promise<{r: Running; port: number; url: string}> {
  const r = cli(['wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--metrics', '127.0.0.1:0', '--', 'python3', FIXTURES + 'activated_server.py'])
  running.push(r)
  const port = await listeningPort(r)
  const [, url] = await r.waitFor(/metrics at (http:\S+)/)
  await r.waitFor(/^ready$/m)
  return {r, port, url}
}

const open = (port: number) => openSocket(port, '127.0.0.1', sockets)

function samples(text: string): Map<string, number> {
  const lines = text.split('\n').filter((line) => line && !line.startsWith('#'))
  return new Map(lines.map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]))
}

async function scrape(url: string): Promise<Map<string, number>> {
  const response = await fetch(url, {signal: AbortSignal.timeout(5000)})
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return samples(await response.text())
}

/** Scrapes until check() holds (the engine settles a closed client on its next pass). */
async function scrapeUntil(url: string, check: (got: Map<string, number>) => boolean, what: string, timeoutMs = 10_000): Promise<Map<string, number>> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const got = await scrape(url)
    if (check(got)) return got
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last scrape: ${JSON.stringify([...got])}`)
    await sleep(100)
  }
}

const N = 5
const M = 3
const HEAD = 'GET / HTTP/1.1\r\nHost: x\r\n'

describe('wrap --metrics', () => {
  it('1. counts N whole and M half-sent requests: ready, accepted, parked, then the park times, a half-close passed and a reset dropped', async () => {
    const {port, url} = await wrapped()
    const l = `listener="127.0.0.1:${port}"`
    for (let i = 0; i < N; i++) expect((await get(port)).status).toBe(200)
    const half = await Promise.all(Array.from({length: M}, () => open(port)))
    for (const socket of half) socket.write(HEAD)
    let got = await scrapeUntil(url, (g) => g.get(`defer_accept_parked_connections{${l}}`) === M, `${M} parked`)
    expect(got.get(`defer_accept_connections_total{${l},outcome="ready"}`)).toBe(N)
    expect(got.get(`defer_accept_accepted_connections_total{${l}}`)).toBe(N + M)
    expect(got.get(`defer_accept_filter_in_force{${l},chain="httpready"}`)).toBe(1)
    expect(got.get(`defer_accept_engine_restarts_total{${l}}`)).toBe(0)
    expect(got.get(`defer_accept_park_duration_seconds_count{${l}}`)).toBe(0)

    // One finishes its head after at least 300 ms parked; one half-closes (httpready's eof=pass
    // hands it over), one resets (dropped).
    await sleep(300)
    half[0].write('\r\n')
    got = await scrapeUntil(url, (g) => g.get(`defer_accept_connections_total{${l},outcome="ready"}`) === N + 1, 'the finished head ready')
    expect(got.get(`defer_accept_park_duration_seconds_count{${l}}`)).toBe(1)
    expect(got.get(`defer_accept_park_duration_seconds_bucket{${l},le="0.256"}`)).toBe(0)
    expect(got.get(`defer_accept_park_duration_seconds_bucket{${l},le="+Inf"}`)).toBe(1)
    half[1].end()
    half[2].resetAndDestroy()
    got = await scrapeUntil(url, (g) => g.get(`defer_accept_parked_connections{${l}}`) === 0, 'nothing parked')
    expect(got.get(`defer_accept_connections_total{${l},outcome="passed",reason="verdict"}`)).toBe(1)
    expect(got.get(`defer_accept_connections_total{${l},outcome="dropped",reason="reset"}`)).toBe(1)
    expect(got.get(`defer_accept_park_duration_seconds_count{${l}}`)).toBe(M)
    expect(got.get(`defer_accept_connections_total{${l},outcome="passed",reason="timeout"}`)).toBe(0)

    // The host's view, from the wrapper's pages through /proc: the same series.
    const host = await runCli(['inspect', '--format', 'prometheus', '--port', String(port)], {timeoutMs: 15_000})
    expect(host.code).toBe(0)
    const seen = samples(host.stdout)
    for (const key of [`defer_accept_connections_total{${l},outcome="ready"}`, `defer_accept_connections_total{${l},outcome="dropped",reason="reset"}`, `defer_accept_park_duration_seconds_count{${l}}`, `defer_accept_filter_in_force{${l},chain="httpready"}`]) {
      expect([key, seen.get(key)]).toEqual([key, got.get(key)])
    }
  })

  it('2. only GET /metrics is served', async () => {
    const {url} = await wrapped()
    expect((await fetch(url.replace('/metrics', '/other'), {signal: AbortSignal.timeout(5000)})).status).toBe(404)
    expect((await fetch(url, {method: 'POST', signal: AbortSignal.timeout(5000)})).status).toBe(405)
  })

  it('3. a bad address is BAD_ADDRESS (exit 19) before any listener or the server starts; a taken one ADDRESS_IN_USE', async () => {
    const bad = await runCli(['wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--metrics', 'localhost:9464', '--', 'python3', FIXTURES + 'activated_server.py'], {timeoutMs: 15_000})
    expect(bad.code).toBe(19)
    expect(bad.stderr).toMatch(/--metrics: localhost in localhost:9464 is not an IPv4 address/)
    expect(bad.stderr).not.toMatch(/listening on/)
    expect(bad.stdout).not.toMatch(/^ready$/m)
    const {url} = await wrapped()
    const taken = new URL(url).host
    const busy = await runCli(['wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--metrics', taken, '--', 'python3', FIXTURES + 'activated_server.py'], {timeoutMs: 15_000})
    expect(busy.code).toBe(17)
    expect(busy.stdout).not.toMatch(/^ready$/m)
  })

  it('4. answers from the pages while the engine is dead and restarted: what it had parked counts as dropped.engine', async () => {
    const {r, port, url} = await wrapped()
    const l = `listener="127.0.0.1:${port}"`
    const socket = await open(port)
    socket.write(HEAD)
    await scrapeUntil(url, (g) => g.get(`defer_accept_parked_connections{${l}}`) === 1, 'one parked')
    let engine = 0
    await until(() => (engine = enginePid(r.child.pid!)) > 0, 'the engine')
    process.kill(engine, 'SIGKILL')
    const got = await scrapeUntil(url, (g) => g.get(`defer_accept_engine_restarts_total{${l}}`) === 1, 'one restart')
    expect(got.get(`defer_accept_connections_total{${l},outcome="dropped",reason="engine"}`)).toBe(1)
    expect(got.get(`defer_accept_parked_connections{${l}}`)).toBe(0)
  })
})
