// accept() on a filtered listener, observed from outside a server (server.py) while cases.py
// plays the wrapper and the engine: the listener, the channel, the page.
import {beforeAll, describe, expect, it} from 'vitest'

import {buildPreload, runCase} from './helpers.js'

describe('accept on a filtered listener', () => {
  beforeAll(buildPreload, 60_000)

  it('1. no data: the blocking accept skips it (parked) and returns the client queued behind it', async () => {
    expect(await runCase('no_data')).toEqual({
      first_returned_is_good: true,
      parked: 'P',
      parked_peer_is_silent: true,
      counters: {accepted: 2, ready: 1, parked_total: 1},
    })
  })

  it.each(['127.0.0.1', '::1'])('2. a complete request on %s: at once, bytes intact, peer and flags right, errno kept', async (host) => {
    const full = host === '::1' ? 28 : 16
    const family = host === '::1' ? 10 : 2
    const data = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
    expect(await runCase('complete', host)).toEqual({
      peer_right: true,
      first: {fd: 4, errno_kept: true, addrlen: full, family, nonblock: true, cloexec: true, data},
      second_peer_right: true,
      // A 4-byte room gets the family and port, and the full length, as from the kernel.
      small_room: {fd: 4, errno_kept: true, addrlen: full, family, nonblock: false, cloexec: false, data},
      bad_flags: {fd: -1, errno: 'EINVAL'},
      counters: {accepted: 2, ready: 2},
      nothing_parked: true,
    })
  })

  it('3. bytes that are not HTTP, with httpready: passed at once', async () => {
    expect(await runCase('not_http')).toEqual({
      got: 'SSH-2.0-OpenSSH_9.6\r\n',
      counters: {accepted: 1, passed: 1, 'passed_on.verdict': 1},
    })
  })

  it('4. a partial request is parked, and after the wake-up accept returns that very connection', async () => {
    expect(await runCase('partial')).toEqual({
      parked: 'P',
      returned_early: null,
      peer_right: true,
      data: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      family: 2,
      wake_up_closed: true,
      after: 'EAGAIN', // the wake-up connection never reached the server
      counters: {accepted: 1, parked_total: 1},
    })
  })

  it('5. end of stream before a byte: never returned, dropped (eof)', async () => {
    expect(await runCase('eof')).toEqual({then: true, counters: {accepted: 2, ready: 1, 'dropped.eof': 1}, nothing_parked: true})
  })

  it('6. a broken channel: the page decides, handed over now (pass) or closed (drop)', async () => {
    expect(await runCase('no_engine')).toEqual({
      pass: {returned: true, counters: {accepted: 1, passed: 1, 'passed_on.no_engine': 1}},
      drop: {returned: false, client_closed: true, then: true, counters: {accepted: 2, ready: 1, 'dropped.engine': 1}},
    })
  })

  it('7. non-blocking: EAGAIN when only partial requests were queued; a lost wake-up costs one accept', async () => {
    expect(await runCase('nonblocking')).toEqual({
      first: {fd: -1, errno: 'EAGAIN'},
      parked: ['P', 'P'],
      lost_wake_up_peer_right: true,
      data: 'GET / HTTP/1.1\r\n\r\n',
      nonblock: false, // accept4 without SOCK_NONBLOCK, whatever mode the engine parked it in
      counters: {accepted: 2, parked_total: 2},
    })
  })
})
