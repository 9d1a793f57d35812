// The control socket's `channel CHAIN` (SO_ACCEPTFILTER), and the one-shot commands. That it
// answers only its own user (SO_PEERCRED) needs a second uid and is tested in test/hardening.
import {afterEach, describe, expect, it} from 'vitest'

import {runEngine, startChannel, stopAll} from './helpers.js'

describe('control socket and one-shot commands', () => {
  afterEach(stopAll)

  it('1. `channel httpready` answers ok with a channel\'s server end and its filled page', async () => {
    const channel = await startChannel({defaults: 'timeout=1500 on-timeout=pass'})
    const answer = await channel.ask({op: 'control', request: 'channel httpready'})
    expect(answer).toEqual({
      answer: 'ok', fds: 2, server_end_type: 5 /* SOCK_SEQPACKET */, magic: true, version: 1,
      token: true, timeout_ms: 1500, pass_on_timeout: 1, chain: 'httpready', engine_starts: 1,
    })
  })

  it('2. `channel` refuses a path, and an unknown filter, with no descriptors', async () => {
    const channel = await startChannel()
    const path = await channel.ask<{answer: string; fds: number}>({op: 'control', request: 'channel /tmp/x.so'})
    expect(path.fds).toBe(0)
    expect(path.answer).toMatch(/^error .*no '\/'/)
    const unknown = await channel.ask<{answer: string; fds: number}>({op: 'control', request: 'channel nosuch'})
    expect(unknown.fds).toBe(0)
    expect(unknown.answer).toMatch(/^error unknown filter 'nosuch'/)
    const other = await channel.ask<{answer: string}>({op: 'control', request: 'register httpready'})
    expect(other.answer).toMatch(/^error unknown request/)
  })

  it('3. --list, --check and bad arguments', async () => {
    const list = await runEngine(['--list'])
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout).map((f: {name: string}) => f.name)).toEqual([
      'dataready', 'httpready', 'dnsready', 'tlsready', 'proxy',
    ])
    expect((await runEngine(['--check', 'proxy,httpready'])).code).toBe(0)
    const bad = await runEngine(['--check', 'nosuch'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/unknown filter 'nosuch'/)
    expect((await runEngine(['--listener', 'listen=3'])).code).toBe(2)
    expect((await runEngine(['--channel', 'channel=3'])).code).toBe(2)
    expect((await runEngine([])).code).toBe(2)
  })
})
