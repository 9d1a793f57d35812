// A whole request reaches the server once, with every byte still unread and the client's own
// address; a silent client never does; a request in pieces only when it is complete. The engine
// keeps only the descriptors it was given.
import {readdirSync, readlinkSync} from 'node:fs'

import {afterEach, describe, expect, it} from 'vitest'

import {client, handoverPair, sha256, sleep, spec, startEngine, startServer, stopAll, tcpListener} from './helpers.js'

const REQUEST = 'GET /index.html HTTP/1.1\r\nHost: example\r\nUser-Agent: test\r\n\r\n'

async function setUp(chain: string, extra = '', host = '127.0.0.1', mode: 'B' | 'N' = 'B') {
  const listener = tcpListener(host)
  const [engineEnd, serverEnd] = handoverPair()
  const server = await startServer(serverEnd, mode)
  const engine = startEngine(['--listener', spec(chain, extra)], [listener.fd, engineEnd])
  return {listener, server, engine}
}

describe('hand-over', () => {
  afterEach(stopAll)

  it('hands a complete request over once, bytes unread, with the peer address', async () => {
    const {listener, server} = await setUp('httpready')
    const c = await client(listener.port)
    c.send(REQUEST)
    const [handed] = await server.waitFor(1)
    expect(handed).toMatchObject({host: '127.0.0.1', port: c.port, length: 16, blocking: true})
    expect(handed.sha256).toBe(sha256(c.sent))
    expect((await c.closed).reply).toBe('served\n')
    await sleep(300)
    expect(server.handed).toHaveLength(1)
  })

  it('gives the IPv6 peer address, and a non-blocking socket when the server asks', async () => {
    const {listener, server} = await setUp('dataready', '', '::1', 'N')
    await sleep(100) // the 'N' message travels before the first connection
    const c = await client(listener.port, '::1')
    c.send('hello')
    const [handed] = await server.waitFor(1)
    expect(handed).toMatchObject({host: '::1', port: c.port, length: 28, blocking: false})
    expect(handed.sha256).toBe(sha256(c.sent))
  })

  it('never hands over a client that sends nothing', async () => {
    const {listener, server} = await setUp('dataready', 'timeout=1000')
    const c = await client(listener.port)
    // TCP_DEFER_ACCEPT holds it in the kernel, then the engine's deadline drops it.
    await sleep(3500)
    expect(server.handed).toHaveLength(0)
    c.socket.destroy()
  })

  it('hands a request sent in pieces over only when it is complete', async () => {
    const {listener, server} = await setUp('httpready')
    const c = await client(listener.port)
    for (const piece of ['GET /index.html HT', 'TP/1.1\r\nHost: exa', 'mple\r\n']) {
      c.send(piece)
      await sleep(250)
      expect(server.handed).toHaveLength(0)
    }
    c.send('\r\n')
    const [handed] = await server.waitFor(1)
    expect(handed.sha256).toBe(sha256(c.sent))
    expect(handed.bytes).toBe(REQUEST.length - 'User-Agent: test\r\n'.length)
  })

  it('serves many clients, each exactly once', async () => {
    const {listener, server} = await setUp('httpready')
    const clients = await Promise.all(Array.from({length: 50}, () => client(listener.port)))
    for (const [i, c] of clients.entries()) c.send(`GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`)
    await server.waitFor(50, 15_000)
    const ports = new Set(server.handed.map((h) => h.port))
    expect(ports).toEqual(new Set(clients.map((c) => c.port)))
    for (const c of clients) expect(server.handed.find((h) => h.port === c.port)!.sha256).toBe(sha256(c.sent))
  })

  it('keeps no descriptor it inherited but was not given', async () => {
    const listener = tcpListener()
    const stray = tcpListener() // passed as descriptor 5, named by no argument
    const [engineEnd, serverEnd] = handoverPair()
    const server = await startServer(serverEnd)
    const engine = startEngine(['--listener', spec('httpready')], [listener.fd, engineEnd, stray.fd])
    const c = await client(listener.port)
    c.send(REQUEST)
    await server.waitFor(1)
    const engineFiles = readdirSync(`/proc/${engine.child.pid}/fd`).map((fd) => readlinkSync(`/proc/${engine.child.pid}/fd/${fd}`))
    expect(engineFiles).not.toContain(readlinkSync(`/proc/self/fd/${stray.fd}`))
    expect(engineFiles).toContain(readlinkSync(`/proc/self/fd/${listener.fd}`))
  })
})
