// FreeBSD's own facts: header constants and the module behind each filter (the shared
// SO_ACCEPTFILTER behaviour is in so-acceptfilter.test.ts).
import {describe, expect, it} from 'vitest'

import {FREEBSD, FreeBsdAdapter} from '../../src/platform/freebsd.js'
import {RecordingSocketCalls, sysError} from './recording.js'

describe('FreeBSD adapter', () => {
  it('uses the constants of sys/sys/socket.h, netinet/in.h and netinet6/in6.h', () => {
    expect(FREEBSD).toEqual({
      AF_INET: 2,
      AF_INET6: 28,
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
    expect(new FreeBsdAdapter(new RecordingSocketCalls()).os).toBe('freebsd')
  })

  it('probes dataready, httpready, dnsready, tlsready in that order and names each module', () => {
    const calls = new RecordingSocketCalls().on('setsockopt', () => {
      throw sysError('setsockopt', 'ENOENT')
    })
    const support = new FreeBsdAdapter(calls).kernelFilters()
    const probed = calls.take().filter((entry) => entry.call === 'setsockopt').map((entry) => Buffer.from(entry.args[3] as string, 'hex').toString('latin1').replace(/\0+$/, ''))
    expect(probed).toEqual(['dataready', 'httpready', 'dnsready', 'tlsready'])
    expect(support.map((filter) => filter.why)).toEqual([
      'module accf_data is not loaded: load it: kldload accf_data (and accf_data_load="YES" in /boot/loader.conf to keep it after a reboot)',
      'module accf_http is not loaded: load it: kldload accf_http (and accf_http_load="YES" in /boot/loader.conf to keep it after a reboot)',
      'module accf_dns is not loaded: load it: kldload accf_dns (and accf_dns_load="YES" in /boot/loader.conf to keep it after a reboot)',
      'module accf_tls is not loaded: load it: kldload accf_tls (and accf_tls_load="YES" in /boot/loader.conf to keep it after a reboot) (tlsready needs FreeBSD 15 or later)',
      'the FreeBSD kernel has no proxy filter, and the engine that runs it elsewhere is Linux only for now',
    ])
  })

  it('all four load: each is reported as the kernel filter of the same name', () => {
    const support = new FreeBsdAdapter(new RecordingSocketCalls()).kernelFilters()
    expect(support.filter((filter) => filter.where === 'kernel').map((filter) => [filter.name, filter.kernelName])).toEqual([
      ['dataready', 'dataready'],
      ['httpready', 'httpready'],
      ['dnsready', 'dnsready'],
      ['tlsready', 'tlsready'],
    ])
  })
})
