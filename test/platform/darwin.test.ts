// macOS: no kernel filter at all; every filter is reported unavailable with why, attach refuses,
// and descriptors are still checked with the xnu constants.
import {describe, expect, it} from 'vitest'

import {DARWIN, DarwinAdapter} from '../../src/platform/darwin.js'
import {RecordingSocketCalls, int32, sysError} from './recording.js'

describe('macOS adapter', () => {
  it('uses the constants of xnu bsd/sys/socket.h, netinet/in.h and netinet6/in6.h', () => {
    expect(DARWIN).toEqual({
      AF_INET: 2,
      AF_INET6: 30,
      SOCK_STREAM: 1,
      SOL_SOCKET: 0xffff,
      SO_REUSEADDR: 0x0004,
      SO_TYPE: 0x1008,
      SO_ACCEPTCONN: 0x0002,
      IPPROTO_TCP: 6,
      IPPROTO_IPV6: 41,
      IPV6_V6ONLY: 27,
    })
  })

  it('lists every filter as unavailable, with why, without probing', () => {
    const calls = new RecordingSocketCalls()
    const support = new DarwinAdapter(calls).kernelFilters()
    expect(support.map((filter) => [filter.name, filter.where])).toEqual([
      ['dataready', 'unavailable'],
      ['httpready', 'unavailable'],
      ['dnsready', 'unavailable'],
      ['tlsready', 'unavailable'],
      ['proxy', 'unavailable'],
    ])
    for (const filter of support) expect(filter.why).toMatch(/no accept filter in the kernel.*engine .* Linux only/)
    expect(calls.take()).toEqual([])
  })

  it('attach throws FILTER_UNAVAILABLE, and UNKNOWN_FILTER for a name that is no filter', () => {
    const adapter = new DarwinAdapter(new RecordingSocketCalls())
    expect(() => adapter.attach(3, {name: 'httpready'})).toThrow(expect.objectContaining({code: 'FILTER_UNAVAILABLE', message: expect.stringContaining('cannot run httpready on macOS')}))
    expect(() => adapter.attach(3, {name: 'httpreader'})).toThrow(expect.objectContaining({code: 'UNKNOWN_FILTER'}))
  })

  it('query checks the descriptor and reports no filter; a bad one is named', () => {
    const calls = new RecordingSocketCalls()
    const adapter = new DarwinAdapter(calls)
    calls.on('getsockopt', (_fd, _level, name) => int32(name === DARWIN.SO_TYPE ? DARWIN.SOCK_STREAM : 1))
    calls.on('getsockname', () => adapter.encodeAddress(DARWIN.AF_INET6, '::1', 80))
    expect(adapter.query(4)).toEqual({filter: null})
    adapter.detach(4)
    expect(calls.take()).toEqual([
      {call: 'getsockopt', args: [4, 0xffff, 0x1008, 4]},
      {call: 'getsockname', args: [4]},
      {call: 'getsockopt', args: [4, 0xffff, 0x0002, 4]},
      {call: 'getsockopt', args: [4, 0xffff, 0x1008, 4]},
      {call: 'getsockname', args: [4]},
      {call: 'getsockopt', args: [4, 0xffff, 0x0002, 4]},
    ])
    calls.on('getsockopt', () => {
      throw sysError('getsockopt', 'ENOTSOCK')
    })
    expect(() => adapter.query(4)).toThrow(expect.objectContaining({code: 'NOT_A_SOCKET'}))
  })
})
