// NetBSD's own facts: header constants, and only the data and HTTP filters, whose modules the
// kernel autoloads as "accf_" + name.
import {describe, expect, it} from 'vitest'

import {NETBSD, NetBsdAdapter} from '../../src/platform/netbsd.js'
import {RecordingSocketCalls, sysError} from './recording.js'

describe('NetBSD adapter', () => {
  it('uses the constants of sys/sys/socket.h and netinet6/in6.h (AF_INET6 is 24)', () => {
    expect(NETBSD).toEqual({
      AF_INET: 2,
      AF_INET6: 24,
      SOCK_STREAM: 1,
      SOL_SOCKET: 0xffff,
      SO_REUSEADDR: 0x0004,
      SO_TYPE: 0x1008,
      SO_ACCEPTCONN: 0x0002,
      SO_ACCEPTFILTER: 0x1000,
      IPPROTO_TCP: 6,
      IPPROTO_IPV6: 41,
      IPV6_V6ONLY: 27,
    })
  })

  it('probes only dataready and httpready; the others are not NetBSD kernel filters', () => {
    const calls = new RecordingSocketCalls().on('setsockopt', () => {
      throw sysError('setsockopt', 'ENOENT')
    })
    const support = new NetBsdAdapter(calls).kernelFilters()
    expect(calls.take().filter((entry) => entry.call === 'socket')).toHaveLength(2)
    expect(support.map((filter) => [filter.name, filter.where, filter.why])).toEqual([
      ['dataready', 'unavailable', 'module accf_dataready is not loaded: load it: modload accf_dataready'],
      ['httpready', 'unavailable', 'module accf_httpready is not loaded: load it: modload accf_httpready'],
      ['dnsready', 'unavailable', 'the NetBSD kernel has no dnsready filter, and the engine that runs it elsewhere is Linux only for now'],
      ['tlsready', 'unavailable', 'the NetBSD kernel has no tlsready filter, and the engine that runs it elsewhere is Linux only for now'],
      ['proxy', 'unavailable', 'the NetBSD kernel has no proxy filter, and the engine that runs it elsewhere is Linux only for now'],
    ])
  })

  it('attaching dnsready says which filters NetBSD has, before any call', () => {
    const calls = new RecordingSocketCalls()
    expect(() => new NetBsdAdapter(calls).attach(3, {name: 'dnsready'})).toThrow(expect.objectContaining({code: 'FILTER_UNAVAILABLE', fix: 'use one it has (dataready, httpready), or the engine on Linux'}))
    expect(calls.take()).toEqual([])
  })
})
