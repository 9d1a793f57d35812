// SO_ACCEPTFILTER as FreeBSD defines it, from a C server built against defer_accept.h
// (acceptfilter_probe.c): the errors FreeBSD gives when the module is absent, and the life of a
// filter against a stand-in control socket. (With the real engine: the wrapper's tests.)
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {start} from '../helpers/cli.js'
import {buildPreload, compile, HERE, PRELOAD} from './helpers.js'

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

describe('SO_ACCEPTFILTER with a stand-in control socket (control.py)', () => {
  let probe: {binary: string; remove: () => void}
  let dir = ''

  beforeAll(async () => {
    await buildPreload()
    probe = await compile('acceptfilter_probe.c')
    dir = mkdtempSync(join(tmpdir(), 'da-acceptfilter-'))
  }, 60_000)
  afterAll(() => {
    probe?.remove()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  async function withControl(filter: string): Promise<{requests: string[]; probe: Record<string, unknown>}> {
    const done = await start('python3', [join(HERE, 'control.py'), join(dir, `control-${filter}`), probe.binary, filter], {timeoutMs: 20_000}).finished
    expect(done.code).toBe(0)
    const seen = JSON.parse(done.stdout) as {requests: string[]; stdout: string}
    return {requests: seen.requests, probe: JSON.parse(seen.stdout) as Record<string, unknown>}
  }

  it('asks for a channel, reads the filter back, refuses a second one, removes it', async () => {
    const seen = await withControl('httpready')
    expect(seen.requests).toEqual(['channel httpready'])
    expect(seen.probe).toMatchObject({early: 'EINVAL', set: '0', get: '0', name: 'httpready', again: 'EINVAL', removed: '0', removed_again: 'EINVAL'})
  })

  it('is ENOENT for a filter the engine does not know', async () => {
    const seen = await withControl('nosuchfilter')
    expect(seen.requests).toEqual(['channel nosuchfilter', 'channel nosuchfilter']) // set, and set again
    expect(seen.probe).toMatchObject({set: 'ENOENT', get: 'EINVAL', removed: 'EINVAL'})
  })
})
