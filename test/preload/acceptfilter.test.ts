// SO_ACCEPTFILTER as FreeBSD defines it, from a C server built against defer_accept.h
// (acceptfilter_probe.c), without an engine: the errors FreeBSD gives when the module is absent.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {start} from '../helpers/cli.js'
import {buildPreload, compile, PRELOAD} from './helpers.js'

async function probeRun(binary: string, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const done = await start(binary, ['httpready'], {env, timeoutMs: 10_000}).finished
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
