// Unmodified servers on a hand-over descriptor: python http.server by socket activation and node
// http with listen({fd: 3}), fed by feeder.py as the engine would feed them.
import {join} from 'node:path'
import {afterEach, beforeAll, describe, expect, it} from 'vitest'

import {buildPreload, curl, feed, HERE, type Fed} from './helpers.js'

describe('servers on a hand-over descriptor', () => {
  let fed: Fed | undefined

  beforeAll(buildPreload, 60_000)
  afterEach(async () => {
    await fed?.stop()
    fed = undefined
  })

  it('python http.server sees a TCP listener, the real address and each client', async () => {
    fed = await feed('4', ['python3', join(HERE, 'http_server.py')])
    const started = await fed.line((l) => 'sockname' in l)
    // socket.socket(fileno=3) asked SO_DOMAIN, SO_TYPE, SO_PROTOCOL; setsockopt and listen succeeded.
    expect(started).toEqual({
      family: 2,
      type: 1,
      proto: 6,
      sockname: ['127.0.0.1', fed.port],
      acceptconn: 1,
      defer_accept: 7,
      peername: 'ENOTCONN',
    })
    for (const path of ['/one', '/two']) {
      const {body, localPort} = await curl('127.0.0.1', fed.port, path)
      expect(JSON.parse(body)).toEqual({
        client: ['127.0.0.1', localPort],
        server: ['127.0.0.1', fed.port],
        peer_seen_by_socket: ['127.0.0.1', localPort],
        blocking: true,
      })
    }
    expect(fed.running.stderr()).toContain('GET /two HTTP/1.1')
    // Python accepts without SOCK_NONBLOCK: the engine's default mode, no preference sent.
    expect(fed.lines().filter((l) => 'pref' in l)).toEqual([])
  })

  it('node http on [::1] accepts with SOCK_NONBLOCK and tells the engine once', async () => {
    fed = await feed('6', [process.execPath, join(HERE, 'http_server.mjs')])
    expect(await fed.line((l) => 'listening' in l)).toEqual({listening: {address: '::1', family: 'IPv6', port: fed.port}})
    for (const path of ['/a', '/b', '/c']) {
      const {body, localPort} = await curl('::1', fed.port, path)
      expect(JSON.parse(body)).toEqual({client: ['::1', localPort], server: ['::1', fed.port]})
    }
    expect(fed.running.stderr()).toContain('GET /c')
    expect(fed.lines().filter((l) => 'pref' in l)).toEqual([{pref: 'N'}])
  })

  it('a descriptor whose engine is gone: EAGAIN when non-blocking, a wait when blocking', async () => {
    fed = await feed('gone', ['python3', join(HERE, 'engine_gone.py')])
    expect(await fed.line((l) => 'blocking' in l)).toEqual({nonblocking: 'EAGAIN', blocking: 'waited until the signal'})
    expect((await fed.running.finished).code).toBe(0)
  })
})
