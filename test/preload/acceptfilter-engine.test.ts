// SO_ACCEPTFILTER with the real engine: a C server written for FreeBSD (acceptfilter_probe.c)
// sets httpready on its own listener; the preload asks the engine's control socket for a channel,
// and a request that arrives in two halves is parked by the engine and returned by the server's
// one blocking accept() once whole, through the wake-up.
import {mkdtempSync, rmSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {start} from '../helpers/cli.js'
import {sleep} from '../helpers/wait.js'
import {buildEngine, compile, ENGINE, PRELOAD, startEngine} from './helpers.js'

const stats = async (control: string) => JSON.parse((await start(ENGINE, ['--stats', control]).finished).stdout)

describe('SO_ACCEPTFILTER with the engine', () => {
  let probe: {binary: string; remove: () => void}
  let dir = ''

  beforeAll(async () => {
    await buildEngine()
    probe = await compile('acceptfilter_probe.c')
    dir = mkdtempSync(join(tmpdir(), 'da-acceptfilter-'))
  }, 120_000)
  afterAll(() => {
    probe?.remove()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('gets a channel, parks a half-sent request, and the server\'s blocking accept returns it once whole', async () => {
    const engine = await startEngine(dir)
    const server = start(probe.binary, ['httpready', 'hold'], {env: {LD_PRELOAD: PRELOAD, DEFER_ACCEPT_CONTROL: engine.control}})
    try {
      const port = Number((await server.waitFor(/^\{"port":(\d+)\}$/m))[1])
      const client = connect({host: '127.0.0.1', port})
      let answer = ''
      client.on('data', (chunk) => (answer += chunk))
      const closed = new Promise((resolve) => client.on('close', resolve))
      client.write('GET / HTTP/1.0\r\n')
      let entry: Record<string, number> = {}
      for (let tries = 0; tries < 100 && entry.parked !== 1; tries++) {
        await sleep(50)
        entry = (await stats(engine.control)).listeners.find((l: {chain: string}) => l.chain === 'httpready') ?? {}
      }
      expect(entry).toMatchObject({parked: 1, ready: 0})
      client.write('\r\n')
      await closed
      expect(answer).toMatch(/^HTTP\/1\.0 200 OK/)
      const done = await server.finished
      expect(JSON.parse(done.stdout.split('\n')[1])).toMatchObject({set: '0', get: '0', name: 'httpready', again: 'EINVAL', removed: '0', served: 'yes', port})
    } finally {
      await server.stop('SIGKILL')
      await engine.running.stop()
    }
  })
})
