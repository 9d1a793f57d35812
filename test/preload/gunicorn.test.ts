// Bind mode: gunicorn binds its own port; the preload gives the listener to the real engine on
// listen() (DEFER_ACCEPT_PORTS) and its workers accept ready connections from the hand-over.
import {mkdtempSync, rmSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeAll, describe, expect, it} from 'vitest'

import {start, type Running} from '../helpers/cli.js'
import {buildEngine, curl, freePort, HERE, PRELOAD, startEngine} from './helpers.js'

function gunicorn(port: number, workers: number, env: NodeJS.ProcessEnv): Running {
  return start('gunicorn', ['--chdir', HERE, '-w', String(workers), '-b', `127.0.0.1:${port}`, 'wsgi_app:app'], {
    env: {LD_PRELOAD: PRELOAD, DEFER_ACCEPT_PORTS: `${port}=httpready`, ...env},
  })
}

describe('gunicorn binding its own port', () => {
  const stops: (() => Promise<unknown>)[] = []
  let dir = ''

  beforeAll(buildEngine, 120_000)
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('serves through the engine, and a half-sent request never reaches its one worker', async () => {
    dir = mkdtempSync(join(tmpdir(), 'da-gunicorn-'))
    const engine = await startEngine(dir)
    stops.push(() => engine.running.stop())
    const port = await freePort()
    const server = gunicorn(port, 1, {DEFER_ACCEPT_CONTROL: engine.control})
    stops.push(() => server.stop())
    await server.waitFor(/Booting worker/)

    // A sync worker that accepted this client would sit in read() for 30 s and curl would time out.
    const partial: Socket = connect(port, '127.0.0.1', () => partial.write('GET / HTTP/1.1\r\nHost: x\r\n'))
    stops.push(async () => partial.destroy())
    for (let i = 0; i < 3; i++) {
      const {body, localPort} = await curl('127.0.0.1', port)
      expect(JSON.parse(body)).toMatchObject({client: ['127.0.0.1', localPort], server_port: port})
    }
    expect(server.stderr()).not.toContain('stays unfiltered')
  })

  it('runs unfiltered, and says so, when the engine cannot be reached', async () => {
    dir = mkdtempSync(join(tmpdir(), 'da-gunicorn-'))
    const port = await freePort()
    const server = gunicorn(port, 2, {DEFER_ACCEPT_CONTROL: join(dir, 'no-engine-here')})
    stops.push(() => server.stop())
    await server.waitFor(/Booting worker/)
    expect(server.stderr()).toMatch(`defer-accept: port ${port} stays unfiltered: cannot reach the engine`)
    const {body, localPort} = await curl('127.0.0.1', port)
    expect(JSON.parse(body)).toMatchObject({client: ['127.0.0.1', localPort], server_port: port})
  })
})
