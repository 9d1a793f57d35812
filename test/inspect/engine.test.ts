// A server wrapped with httpready: inspect finds its engine by the control-socket convention,
// shows the filter chain and timeout, and counters that move when a client connects; --watch
// redraws with per-second rates. The wrapper, its engine and server are stopped by the
// wrapper's pid.
import {mkdtempSync, rmSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Listener} from '../../src/inspect/types.js'
import {cli, FIXTURES, listeningPort, type Running} from '../helpers/cli.js'
import {reap, until} from '../helpers/wait.js'
import {inspectJson, onPort} from './helpers.js'

// The fixture server stops itself after 60 s by default; on a loaded machine each inspect
// takes seconds and the polls below can outlast that. afterAll stops it by the wrapper's pid.
const FIXTURE_SECONDS = 240

describe('inspect: a server wrapped with httpready', () => {
  let runtime: string
  let wrap: Running
  let port: number
  const started = new Set<number>()
  const clients: Socket[] = []
  const env = () => ({XDG_RUNTIME_DIR: runtime})
  const look = async (): Promise<Listener> => {
    const [listener] = onPort(await inspectJson(['--port', String(port)], [], env()), port)
    listener.processes?.forEach((holder) => started.add(holder.pid))
    return listener
  }
  const client = async (bytes: string) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    clients.push(socket)
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(bytes)
  }
  /** Polls inspect until the engine's counters satisfy ready (they move asynchronously); each
   *  inspect can take seconds on a loaded machine, hence the long bound. */
  const settled = (ready: (listener: Listener) => boolean, what: string) =>
    until(async () => {
      const listener = await look()
      return ready(listener) && listener
    }, what, 30_000, 200)

  beforeAll(async () => {
    runtime = mkdtempSync(join(tmpdir(), 'inspect-engine-'))
    wrap = cli(['wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--timeout', '20', '--', 'python3', FIXTURES + 'activated_server.py'], {env: {...env(), FIXTURE_SECONDS: String(FIXTURE_SECONDS)}})
    port = await listeningPort(wrap)
    await wrap.waitFor(/^ready$/m)
  })
  afterAll(async () => {
    clients.forEach((socket) => socket.destroy())
    await wrap?.stop('SIGTERM')
    // The wrapper stops its engine and server; any that outlived it is stopped by its pid.
    await reap([...started])
    rmSync(runtime, {recursive: true, force: true})
  })

  it('shows the chain, the timeout and the engine; the wrapper and the server hold the listener, the engine does not', async () => {
    const listener = await look()
    expect(listener.engine).toMatchObject({chain: 'httpready', timeoutMs: 20_000, onTimeout: 'drop', controlSocket: join(runtime, 'defer-accept', `${wrap.child.pid}.sock`)})
    expect(listener.deferral.state).toBe('engine')
    const holders = listener.processes!
    expect(holders.map((holder) => holder.pid)).toContain(wrap.child.pid)
    expect(holders.some((holder) => /activated_server\.py/.test(holder.command))).toBe(true)
    expect(holders.map((holder) => holder.pid)).not.toContain(listener.engine!.pid)
  })

  it('counts a parked client, then a ready one', async () => {
    const before = (await look()).engine!.counters
    await client('GET / HTTP/1.1\r\nHost: x\r\n')
    const parked = await settled((listener) => listener.engine!.counters.parked === before.parked + 1, 'the client parked')
    expect(parked.engine!.counters).toMatchObject({parked: before.parked + 1, accepted: before.accepted + 1, ready: before.ready})
    clients[clients.length - 1].write('\r\n')
    const ready = await settled((listener) => listener.engine!.counters.ready === before.ready + 1, 'the client ready')
    expect(ready.engine!.counters).toMatchObject({parked: before.parked, ready: before.ready + 1})
  })

  it('--watch redraws with rates per second', async () => {
    const watch = cli(['inspect', '--port', String(port), '--watch', '1'], {env: env()})
    try {
      await watch.waitFor(/every 1 s/)
      for (let i = 0; i < 3; i++) await client('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
      const match = await watch.waitFor(/ready \d+ \((?!0\.0\/)(\d+\.\d)\/s\)/, 10_000)
      expect(Number(match[1])).toBeGreaterThan(0)
      expect(watch.stdout().match(/every 1 s/g)!.length).toBeGreaterThanOrEqual(2)
    } finally {
      await watch.stop()
    }
  })
})
