// `wrap` with content filters in the engine, end to end: an unmodified socket-activated server
// behind it, real clients that are idle, slow, pipelined or posting, and the engine killed.
import {execFileSync} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import type {Socket} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'

import {cli, FIXTURES, listeningPort, type Running} from '../helpers/cli.js'
import {get} from '../helpers/http.js'
import {until} from '../helpers/wait.js'
import {freePort, openSocket, reply} from '../helpers/net.js'

const running: Running[] = []
const sockets: Socket[] = []
afterEach(async () => {
  sockets.splice(0).forEach((socket) => socket.destroy())
  await Promise.all(running.splice(0).map((r) => r.stop('SIGTERM')))
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function wrapped(...args: string[]): Promise<{r: Running; port: number}> {
  const r = cli(['wrap', '--listen', '127.0.0.1:0', ...args, '--', 'python3', FIXTURES + 'activated_server.py'])
  running.push(r)
  const port = await listeningPort(r)
  await r.waitFor(/^ready$/m)
  return {r, port}
}

const open = (port: number, host = '127.0.0.1') => openSocket(port, host, sockets)

/** The wrapper's engine now, or undefined between a death and the restart. */
function engineOf(r: Running): number | undefined {
  try {
    return Number(execFileSync('pgrep', ['-P', String(r.child.pid), '-f', 'da-engine']).toString().trim()) || undefined
  } catch {
    return undefined
  }
}


const bodyOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4))

describe('wrap with httpready in the engine', () => {
  it('1. idle and half-sent clients never reach the server; without the filter they do', async () => {
    for (const filter of [['--filter', 'httpready'], []]) {
      const {port} = await wrapped(...filter)
      for (let i = 0; i < 4; i++) await open(port)
      for (let i = 0; i < 3; i++) (await open(port)).write('GET / HTTP/1.1\r\nHost: x\r\n')
      await sleep(500)
      const {connections} = JSON.parse((await get(port)).body)
      if (filter.length > 0) expect(connections).toBe(1)
      else expect(connections).toBe(8)
      sockets.splice(0).forEach((socket) => socket.destroy())
      await running.splice(0)[0].stop()
    }
  })

  it('2. a request sent one byte every 50 ms reaches the server whole, in its first read', async () => {
    const {port} = await wrapped('--filter', 'httpready')
    const request = 'GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
    const socket = await open(port)
    const answer = reply(socket)
    for (const byte of request) {
      socket.write(byte)
      await sleep(50)
    }
    expect(bodyOf(await answer).first_read).toBe(request.length)
  })

  it('3. pipelined requests in one segment are all answered', async () => {
    const {port} = await wrapped('--filter', 'httpready')
    const socket = await open(port)
    const answer = reply(socket)
    socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    expect((await answer).match(/HTTP\/1\.[01] 200/g)).toHaveLength(2)
  })

  it('4. a POST body arrives unchanged (hashed at both ends), whole with httpready:body', async () => {
    const {port} = await wrapped('--filter', 'httpready:body')
    const body = randomBytes(20_000)
    const head = `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`
    const socket = await open(port)
    const answer = reply(socket)
    socket.write(head)
    await sleep(100)
    socket.write(body.subarray(0, 10_000))
    await sleep(100)
    socket.write(body.subarray(10_000))
    const result = bodyOf(await answer)
    expect(result.sha256).toBe(createHash('sha256').update(body).digest('hex'))
    expect(result.first_read).toBe(head.length + body.length)
  })

  it('5. the server sees the client address, IPv6 too', async () => {
    const r = cli(['wrap', '--listen', '[::1]:0', '--filter', 'httpready', '--', 'python3', FIXTURES + 'activated_server.py'])
    running.push(r)
    const port = await listeningPort(r)
    await r.waitFor(/^ready$/m)
    const socket = await open(port, '::1')
    const answer = reply(socket)
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    const result = bodyOf(await answer)
    expect(result.peer).toBe('::1')
    expect(result.local).toBe(port)
  })

  it.each([
    ['drop', 0],
    ['pass', 1],
  ])('6. on timeout %s: a client that stalls mid-head is closed or handed over', async (outcome, reached) => {
    const {port} = await wrapped('--filter', 'httpready', '--timeout', '1', '--on-timeout', outcome)
    const stalled = await open(port)
    const closed = new Promise((resolve) => stalled.on('close', resolve))
    stalled.write('GET / HTTP/1.1\r\nHost: x\r\n')
    if (outcome === 'drop') await closed
    else await sleep(2500)
    const {connections} = JSON.parse((await get(port)).body)
    expect(connections - 1).toBe(reached)
  })

  it('7. SIGKILL of the engine: the port stays open, the next clients are served, and a new engine parks again', async () => {
    const {r, port} = await wrapped('--filter', 'httpready')
    const enginePid = () => engineOf(r)
    const engine = enginePid()!
    process.kill(engine, 'SIGKILL')
    expect((await get(port)).status).toBe(200) // the fast path runs in the server: no engine needed
    await until(() => (enginePid() ?? engine) !== engine, 'a new engine')
    const half = await open(port)
    const answer = reply(half)
    half.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n')
    await sleep(300)
    half.write('\r\n')
    expect(await answer).toMatch(/^HTTP\/1\.[01] 200/)
  })

  it('8. bind mode: a server that binds its own port is filtered, and nothing is left running after it', async () => {
    const port = await freePort()
    const r = cli(['wrap', '--filter', `${port}=httpready`, '--', 'python3', '-u', '-m', 'http.server', String(port), '--bind', '127.0.0.1'])
    running.push(r)
    await r.waitFor(/Serving HTTP/)
    const engine = engineOf(r)!
    ;(await open(port)).write('GET /half-sent HTTP/1.1\r\n')
    expect((await get(port, '/?whole')).status).toBe(200)
    await sleep(300)
    expect(r.stderr()).toMatch(/GET \/\?whole/)
    expect(r.stderr()).not.toMatch(/half-sent/)
    const server = Number(execFileSync('pgrep', ['-P', String(r.child.pid), '-f', 'http.server']).toString().trim())
    process.kill(server, 'SIGTERM')
    expect((await r.finished).code).toBe(128 + 15)
    expect(() => process.kill(engine, 0)).toThrow() // the engine is gone too
  })
})

describe('wrap in bind mode', () => {
  it('9. applies --timeout and --on-timeout to the listener the server registers', async () => {
    const port = await freePort()
    const r = cli(['wrap', '--filter', `${port}=httpready`, '--timeout', '1', '--on-timeout', 'drop', '--', 'python3', '-u', '-m', 'http.server', String(port), '--bind', '127.0.0.1'])
    running.push(r)
    await r.waitFor(/Serving HTTP/)
    const stalled = await open(port)
    const closed = new Promise((resolve) => stalled.on('close', resolve))
    stalled.write('GET / HTTP/1.1\r\n')
    const started = Date.now()
    await closed
    expect(Date.now() - started).toBeLessThan(10_000) // the engine's own default would be 30 s
    expect(r.stderr()).not.toMatch(/"GET \/ HTTP/)
  })

  it('10. SIGKILL of the engine, twice: each new engine serves the listener the server registered', async () => {
    const port = await freePort()
    const r = cli(['wrap', '--filter', `${port}=httpready`, '--', 'python3', '-u', '-m', 'http.server', String(port), '--bind', '127.0.0.1'])
    running.push(r)
    await r.waitFor(/Serving HTTP/)
    const enginePid = () => engineOf(r)
    let engine = enginePid()!
    expect((await get(port, '/?first')).status).toBe(200)
    for (const round of [1, 2]) {
      process.kill(engine, 'SIGKILL')
      const end = Date.now() + 5000
      while ((enginePid() ?? engine) === engine && Date.now() < end) await sleep(20)
      expect(enginePid()).not.toBe(engine)
      engine = enginePid()!
      ;(await open(port)).write(`GET /half-sent-${round} HTTP/1.1\r\n`)
      expect((await get(port, `/?after-${round}`, 5000)).status).toBe(200)
    }
    await sleep(300)
    expect(r.stderr()).toMatch(/GET \/\?after-2/)
    expect(r.stderr()).not.toMatch(/half-sent|registered listener/) // still filtered; nothing lost
  })

  it('11. a listener the server closes is let go: its port refuses connections, none is kept for the next engine', async () => {
    const port = await freePort()
    const server = [
      'import socket, time',
      'listener = socket.create_server(("127.0.0.1", PORT))',
      'client, _ = listener.accept()',
      'client.recv(65536)',
      'client.sendall(b"HTTP/1.0 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n")',
      'client.close()',
      'listener.close()',
      'print("closed", flush=True)',
      'time.sleep(30)',
    ].join('\n').replace('PORT', String(port))
    const r = cli(['wrap', '--filter', `${port}=httpready`, '--', 'python3', '-c', server])
    running.push(r)
    let answered: {status: number} | undefined
    for (const end = Date.now() + 10_000; !answered && Date.now() < end; ) answered = await get(port, '/', 2000).catch(() => sleep(100).then(() => undefined))
    expect(answered?.status).toBe(200)
    await r.waitFor(/closed/)
    const refused = async () => {
      for (const end = Date.now() + 5000; Date.now() < end; await sleep(100)) {
        const outcome = await open(port).then((socket) => (socket.destroy(), 'connected'), (error: NodeJS.ErrnoException) => error.code)
        if (outcome !== 'connected') return outcome
      }
      return 'still connected after 5 s'
    }
    expect(await refused()).toBe('ECONNREFUSED')
  })
})
