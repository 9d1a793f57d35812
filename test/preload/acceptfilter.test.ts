// SO_ACCEPTFILTER as FreeBSD defines it, from a C server built against defer_accept.h
// (acceptfilter_probe.c): the errors FreeBSD gives when the module is absent, and with the real
// engine the whole life of a filter: set, read back, serve through it, remove.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {start} from '../helpers/cli.js'
import {buildEngine, buildPreload, compile, curl, ENGINE, PRELOAD, startEngine} from './helpers.js'

async function probeRun(binary: string, env: NodeJS.ProcessEnv, filter = 'httpready'): Promise<Record<string, unknown>> {
  const done = await start(binary, [filter], {env, timeoutMs: 10_000}).finished
  expect(done.code).toBe(0)
  return JSON.parse(done.stdout) as Record<string, unknown>
}

describe('SO_ACCEPTFILTER without an engine', () => {
  let probe: {binary: string; remove: () => void}

  beforeAll(async () => {
    await buildPreload()
    probe = await compile('acceptfilter_probe.c')
  }, 60_000)
  afterAll(() => probe?.remove())

  it('is ENOENT under the preload, as FreeBSD without the accf module', async () => {
    const result = await probeRun(probe.binary, {LD_PRELOAD: PRELOAD, DEFER_ACCEPT_CONTROL: ''})
    expect(result).toMatchObject({
      early: 'EINVAL', // not listening yet
      set: 'ENOENT',
      get: 'EINVAL', // none set
      again: 'ENOENT',
      removed: 'EINVAL',
      removed_again: 'EINVAL',
      served: 'no',
    })
  })

  it('is unknown to the Linux kernel without the preload', async () => {
    const result = await probeRun(probe.binary, {LD_PRELOAD: ''})
    expect(result).toMatchObject({early: 'ENOPROTOOPT', set: 'ENOPROTOOPT', get: 'ENOPROTOOPT'})
  })
})

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

  it('registers the listener, reads the filter back, serves through it and removes it', async () => {
    const engine = await startEngine(dir)
    const server = start(probe.binary, ['httpready', 'hold'], {env: {LD_PRELOAD: PRELOAD, DEFER_ACCEPT_CONTROL: engine.control}})
    try {
      const port = Number((await server.waitFor(/^\{"port":(\d+)\}$/m))[1])
      const stats = JSON.parse((await start(ENGINE, ['--stats', engine.control]).finished).stdout)
      expect(stats.listeners).toMatchObject([{address: `127.0.0.1:${port}`, chain: 'httpready', ready: 0}])
      expect((await curl('127.0.0.1', port)).body).toBe('ok')
      const done = await server.finished
      expect(JSON.parse(done.stdout.split('\n')[1])).toEqual({
        early: 'EINVAL',
        set: '0',
        get: '0',
        name: 'httpready',
        again: 'EINVAL', // a filter is already set
        removed: '0',
        removed_again: 'EINVAL',
        served: 'yes',
        port,
      })
      // Its only hand-over closed, the engine exits as the contract says.
      expect((await engine.running.finished).code).toBe(0)
    } finally {
      await server.stop('SIGKILL')
      await engine.running.stop()
    }
  })

  it('is ENOENT for a filter the engine does not know', async () => {
    const engine = await startEngine(dir)
    try {
      const result = await probeRun(probe.binary, {LD_PRELOAD: PRELOAD, DEFER_ACCEPT_CONTROL: engine.control}, 'nosuchfilter')
      expect(result).toMatchObject({set: 'ENOENT', get: 'EINVAL', removed: 'EINVAL'})
    } finally {
      await engine.running.stop()
    }
  })
})
