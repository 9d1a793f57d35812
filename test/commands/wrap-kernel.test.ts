// `wrap` with the kernel's own deferral, end to end: a real socket-activated server behind it,
// real HTTP clients, signals and exit statuses as a shell sees them.
import {afterEach, describe, expect, it} from 'vitest'

import {cli, FIXTURES, listeningPort, type Running} from '../helpers/cli.js'
import {get} from '../helpers/http.js'

const running: Running[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop('SIGTERM'))) // forwarded: the server stops too
})

function wrap(...args: string[]): Running {
  const r = cli(['wrap', ...args, '--', 'python3', FIXTURES + 'activated_server.py'])
  running.push(r)
  return r
}

describe('wrap with dataready in the kernel', () => {
  it('1. serves HTTP through a socket-activated server, with LISTEN_PID its own pid', async () => {
    const r = wrap('--listen', '127.0.0.1:0', '--filter', 'dataready', '--timeout', '5')
    const port = await listeningPort(r)
    await r.waitFor(/^ready$/m)
    const reply = await get(port)
    const body = JSON.parse(reply.body)
    expect(reply.status).toBe(200)
    expect(body.listen_pid).toBe(String(body.pid))
    expect(body.names).toBe(`127.0.0.1:${port}`)
    expect(body.peer).toBe('127.0.0.1')
    expect(r.stderr()).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}: dataready in the kernel \\(TCP_DEFER_ACCEPT 5 s, effective 7 s\\)`))
  })

  it('2. listens on IPv4 and IPv6 at once and serves both', async () => {
    const r = wrap('--listen', '127.0.0.1:0', '--listen', '[::1]:0', '--filter', 'dataready')
    await r.waitFor(/^ready$/m)
    const ports = [...r.stderr().matchAll(/listening on (?:\[::1\]|127\.0\.0\.1):(\d+)/g)].map((m) => Number(m[1]))
    expect(ports).toHaveLength(2)
    expect((await get(ports[0])).status).toBe(200)
  })

  it('3. exits with the server exit status', async () => {
    const r = wrap('--listen', '127.0.0.1:0')
    const port = await listeningPort(r)
    await r.waitFor(/^ready$/m)
    await get(port, '/?exit=7')
    expect((await r.finished).code).toBe(7)
  })

  it.each([
    ['SIGUSR1', 42],
    ['SIGTERM', 0],
  ] as const)('4. forwards %s to the server and passes on its status %i', async (signal, status) => {
    const r = wrap('--listen', '127.0.0.1:0')
    await listeningPort(r)
    await r.waitFor(/^ready$/m)
    r.child.kill(signal)
    expect((await r.finished).code).toBe(status)
  })

  it('5. reports 128+9 when the server is killed by SIGKILL', async () => {
    const r = wrap('--listen', '127.0.0.1:0')
    const port = await listeningPort(r)
    await r.waitFor(/^ready$/m)
    const {pid} = JSON.parse((await get(port)).body)
    process.kill(pid, 'SIGKILL')
    expect((await r.finished).code).toBe(137)
  })
})
