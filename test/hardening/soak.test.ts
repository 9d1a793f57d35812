// Soak: a mix of good, slow, idle, resetting and garbage clients against wrap --filter httpready
// and the python fixture server, for SOAK_SECONDS (20 in CI). Afterwards the engine has the
// descriptors it started with and its memory is back within SLACK_KB; every good request was
// answered with the SHA-256 of exactly the body sent; the engine never died.
//   Longer: SOAK_SECONDS=300 npx vitest run test/hardening/soak.test.ts
import {randomBytes} from 'node:crypto'
import {afterEach, describe, expect, it} from 'vitest'

import {readStats} from '../../src/engine/index.js'
import {controlSocketPath} from '../../src/inspect/control.js'
import {ending, enginePid, open, post, procStatus, restingFdKinds, sleep, stopAll, until, wrapped, type Outcome} from './helpers.js'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 20)
// glibc keeps some freed heap for reuse; a leak of one slot per connection would be far above.
const SLACK_KB = 512
// Connections still parked when a client stops wait at most this long (wrap --timeout).
const TIMEOUT_S = 2

afterEach(stopAll)

async function repeat(deadline: number, body: () => Promise<void>): Promise<void> {
  while (Date.now() < deadline) await body()
}

describe('soak', () => {
  it(`serves good clients among bad ones for ${SECONDS} s, and returns to its base`, async () => {
    const {r, port} = await wrapped(['--filter', 'httpready', '--timeout', String(TIMEOUT_S)], {
      env: {FIXTURE_SECONDS: String(SECONDS + 60)},
      timeoutMs: (SECONDS + 90) * 1000,
    })
    const engine = await until(() => enginePid(r))
    for (let i = 0; i < 20; i++) expect((await post(port)).outcome).toBe('ok')
    const base = {rssKb: procStatus(engine).rssKb, fds: await restingFdKinds(engine)}
    const good: Record<Outcome, number> = {ok: 0, wrong: 0, refused: 0, error: 0, timeout: 0}
    const bad = {idle: 0, slow: 0, reset: 0, garbage: 0}
    const end = Date.now() + SECONDS * 1000
    await Promise.all([
      // Good: POST a random body on a new connection, again and again.
      ...Array.from({length: 4}, () => repeat(end, async () => void good[(await post(port, 1 + Math.floor(Math.random() * 20_000))).outcome]++)),
      // Slow: a good request in three pieces, 150 ms apart; answered like any other.
      repeat(end, async () => {
        const socket = await open(port)
        const answer = ending(socket, 10_000)
        for (const piece of ['GET /slow HTTP/1.1\r\n', 'Host: x\r\n', 'Connection: close\r\n\r\n']) {
          socket.write(piece)
          await sleep(150)
        }
        expect((await answer).text).toMatch(/^HTTP\/1\.0 200|^HTTP\/1\.1 200/)
        bad.slow++
      }),
      // Idle: connects, says nothing, leaves after up to a second.
      repeat(end, async () => {
        const sockets = await Promise.all(Array.from({length: 10}, () => open(port)))
        await sleep(Math.random() * 1000)
        sockets.forEach((socket) => socket.destroy())
        bad.idle += sockets.length
      }),
      // Resetting: half a head, then RST.
      repeat(end, async () => {
        const socket = await open(port)
        socket.write('POST /upload HTTP/1.1\r\nContent-Length: 10\r\n')
        await sleep(Math.random() * 200)
        socket.resetAndDestroy()
        bad.reset++
      }),
      // Garbage: random bytes, then gone after a moment (httpready passes or drops them).
      repeat(end, async () => {
        const socket = await open(port)
        socket.write(randomBytes(1 + Math.floor(Math.random() * 3000)))
        await sleep(Math.random() * 300)
        socket.destroy()
        bad.garbage++
      }),
    ])
    // Whatever is still parked leaves by its deadline.
    await until(async () => ((await readStats(controlSocketPath(r.child.pid!))).listeners[0].parked === 0 ? true : undefined), (TIMEOUT_S + 5) * 1000, 200)
    const after = {rssKb: procStatus(engine).rssKb, fds: await restingFdKinds(engine)}
    const stats = (await readStats(controlSocketPath(r.child.pid!))).listeners[0]
    console.log(`hardening: soak ${JSON.stringify({seconds: SECONDS, good, bad, base, after, accepted: stats.accepted, dropped: stats.dropped, passed: stats.passed})}`)
    expect(enginePid(r)).toBe(engine) // it never died
    expect(good.ok).toBeGreaterThan(0)
    expect(good).toEqual({ok: good.ok, wrong: 0, refused: 0, error: 0, timeout: 0})
    expect(after.fds).toEqual(base.fds)
    expect(after.rssKb - base.rssKb).toBeLessThan(SLACK_KB)
  }, (SECONDS + 120) * 1000)
})
