// Connection-level bad input through wrap --filter httpready (docs/bad-input.md, "Connection-level
// cases"): each case states its outcome, checked against the engine's counters and the number
// of connections the fixture server accepted.
import {afterEach, describe, expect, it} from 'vitest'

import {readStats} from '../../src/engine/index.js'
import {controlSocketPath} from '../../src/inspect/control.js'
import type {Running} from '../helpers/cli.js'
import {ending, enginePid, fdCount, open, procStatus, served, sleep, stopAll, until, wrapped} from './helpers.js'

afterEach(stopAll)

const HALF_HEAD = 'GET / HTTP/1.1\r\nHost: x\r\n'
const listener = async (r: Running) => (await readStats(controlSocketPath(r.child.pid!))).listeners[0]

describe('connection-level bad input', () => {
  it('1. sends half a head, then resets: DROP (reset), the server never hears of it', async () => {
    const {r, port} = await wrapped(['--filter', 'httpready'])
    for (let i = 0; i < 5; i++) {
      const socket = await open(port)
      socket.write(HALF_HEAD)
      await sleep(50)
      socket.resetAndDestroy()
    }
    const stats = await until(async () => {
      const now = await listener(r)
      return now.dropped.reset >= 5 ? now : undefined
    })
    expect(stats.parked).toBe(0)
    expect(await served(port)).toBe(0)
  })

  it('2. sends a whole request, then resets at once: handed over or dropped, never both, nothing stuck', async () => {
    const {r, port} = await wrapped(['--filter', 'httpready'])
    for (let i = 0; i < 20; i++) {
      const socket = await open(port)
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
      socket.resetAndDestroy()
    }
    await sleep(500)
    const stats = await listener(r)
    // The race is the client's: READY before the RST arrived means the server got it (and reads
    // a reset); after it, the engine counts a reset. Either way each is counted once.
    expect(stats.accepted).toBe(20)
    expect(stats.ready + stats.dropped.reset).toBe(20)
    expect(stats.parked + stats.in_flight).toBe(0)
    expect(await served(port)).toBe(stats.ready)
  })

  it.each([
    ['httpready', 'PASS: handed over on EOF, the server answers what it got', 1],
    ['httpready:eof=drop', 'DROP (eof): closed, the server never hears of it', 0],
  ])('3. half a head, then a half-close (FIN), with %s: %s', async (chain, _outcome, reached) => {
    const {r, port} = await wrapped(['--filter', chain])
    const socket = await open(port)
    const closed = ending(socket)
    socket.end(HALF_HEAD)
    const {how} = await closed
    expect(how).not.toBe('open')
    const stats = await listener(r)
    if (reached) expect(stats.passed_on.verdict).toBe(1)
    else expect(stats.dropped.eof).toBe(1)
    expect(await served(port)).toBe(reached)
  })

  it('4. a flood of connections that send nothing: none reaches the server, the engine stays flat', async () => {
    const {r, port} = await wrapped(['--filter', 'httpready'])
    const engine = await until(() => enginePid(r))
    const base = {rssKb: procStatus(engine).rssKb, fds: fdCount(engine)}
    const FLOOD = 400
    const silent = await Promise.all(Array.from({length: FLOOD}, () => open(port)))
    let peak = {rssKb: 0, fds: 0}
    for (let i = 0; i < 10; i++) {
      await sleep(100)
      peak = {rssKb: Math.max(peak.rssKb, procStatus(engine).rssKb), fds: Math.max(peak.fds, fdCount(engine))}
    }
    expect(await served(port)).toBe(0)
    silent.forEach((socket) => socket.destroy())
    const after = await until(() => (fdCount(engine) <= base.fds ? fdCount(engine) : undefined))
    console.log(`hardening: silent-flood ${JSON.stringify({connections: FLOOD, base, peak, fdsAfter: after})}`)
    // TCP_DEFER_ACCEPT keeps them in the kernel; any the kernel lets through (syncookies do not
    // defer) are parked, a slot and a descriptor each, and leave with their client.
    expect(peak.rssKb - base.rssKb).toBeLessThan(1024)
    expect((await listener(r)).ready).toBe(1) // the GET of served()
  })
})
