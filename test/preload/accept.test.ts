// accept4 and the listener calls on a hand-over descriptor, checked one by one from a C server
// (handover_probe.c) fed by feeder.py.
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {buildPreload, compile, curl, feed, HERE, type Fed} from './helpers.js'

describe('accept on a hand-over descriptor', () => {
  let probe: {binary: string; remove: () => void}
  let fed: Fed | undefined

  beforeAll(async () => {
    await buildPreload()
    probe = await compile('handover_probe.c')
  }, 60_000)
  afterEach(async () => {
    await fed?.stop()
    fed = undefined
  })
  afterAll(() => probe?.remove())

  it('answers as the listener, honours flags, truncates the address, follows copies', async () => {
    fed = await feed('4', [probe.binary])
    const waiting = (n: number) => fed!.line(() => fed!.lines().filter((l) => 'waiting' in l).length >= n)

    expect(await fed.line((l) => 'getsockname' in l)).toEqual({
      getsockname: 0,
      address: `127.0.0.1:${fed.port}`,
      len: 16,
      type: 1, // SOCK_STREAM
      domain: 2, // AF_INET
      protocol: 6, // IPPROTO_TCP
      acceptconn: 1,
    })
    // Options meant for the TCP listener are absorbed; TCP_DEFER_ACCEPT reads back as set.
    expect(await fed.line((l) => 'set_defer' in l)).toEqual({set_defer: 0, set_rcvbuf: 0, listen: 0, defer: 5})
    expect(await fed.line((l) => 'empty' in l)).toEqual({empty: 'EAGAIN'})
    expect(await fed.line((l) => 'bad_flags' in l)).toEqual({bad_flags: 'EINVAL'})

    await waiting(1)
    expect((await curl('127.0.0.1', fed.port)).body).toBe('ok')
    // A 4-byte buffer gets the family and the full length back; errno untouched on success.
    expect(await fed.line((l) => l.accept === 1)).toEqual({
      accept: 1,
      ok: 1,
      errno_kept: 1,
      len: 16,
      family: 2,
      nonblock: 1,
      cloexec: 1,
    })

    await waiting(2)
    const second = await curl('127.0.0.1', fed.port)
    expect(second.body).toBe('ok')
    expect(await fed.line((l) => l.accept === 2)).toEqual({
      accept: 2,
      ok: 1,
      peer: `127.0.0.1:${second.localPort}`,
      nonblock: 0,
      cloexec: 0,
    })

    await waiting(3)
    expect((await curl('127.0.0.1', fed.port)).body).toBe('ok')
    expect(await fed.line((l) => l.accept === 3)).toEqual({accept: 3, ok: 1, nonblock: 0})
    expect((await fed.running.finished).code).toBe(0)
    // The first accept asked for O_NONBLOCK, the second for blocking again: one message each.
    expect(fed.lines().filter((l) => 'pref' in l)).toEqual([{pref: 'N'}, {pref: 'B'}])
  })

  it('is EMFILE when the descriptor cannot be installed, and leaves nothing half-open', async () => {
    fed = await feed('4', ['python3', join(HERE, 'emfile_server.py')])
    await fed.line((l) => 'waiting' in l)
    // Differs from a real listener: the kernel drops the connection it could not install.
    const lost = curl('127.0.0.1', fed.port).then(
      () => 'answered',
      () => 'lost',
    )
    // 0, 1, 2, the hand-over descriptor, and the one listing /proc/self/fd.
    expect(await fed.line((l) => 'first' in l)).toEqual({first: 'EMFILE', open_after: 5})
    expect(await lost).toBe('lost')
    const {body, localPort} = await curl('127.0.0.1', fed.port)
    expect(body).toBe('ok')
    expect(await fed.line((l) => 'served' in l)).toEqual({served: ['127.0.0.1', localPort]})
  })
})
