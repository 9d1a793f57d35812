// 4.4BSD sockaddr bytes (sin_len and a one-byte family first) for FreeBSD, NetBSD and macOS.
import {describe, expect, it} from 'vitest'

import {DarwinAdapter} from '../../src/platform/darwin.js'
import {FreeBsdAdapter} from '../../src/platform/freebsd.js'
import {NetBsdAdapter} from '../../src/platform/netbsd.js'
import {RecordingSocketCalls} from './recording.js'

const systems = [
  {label: 'FreeBSD', adapter: new FreeBsdAdapter(new RecordingSocketCalls()), in6: '1c'},
  {label: 'NetBSD', adapter: new NetBsdAdapter(new RecordingSocketCalls()), in6: '18'},
  {label: 'macOS', adapter: new DarwinAdapter(new RecordingSocketCalls()), in6: '1e'},
]

describe.each(systems)('$label sockaddr', ({adapter, in6}) => {
  const {AF_INET, AF_INET6} = adapter.constants

  it('127.0.0.1:8080 is a 16-byte sockaddr_in: len 16, family 2, port, address, 8 zero bytes', () => {
    const bytes = adapter.encodeAddress(AF_INET, '127.0.0.1', 8080)
    expect(bytes.toString('hex')).toBe('10021f90' + '7f000001' + '0000000000000000')
    expect(adapter.decodeAddress(bytes)).toEqual({family: AF_INET, host: '127.0.0.1', port: 8080})
  })

  it('[::1]:8080 is a 28-byte sockaddr_in6: len 28, family, port, flowinfo, address, scope id', () => {
    const bytes = adapter.encodeAddress(AF_INET6, '::1', 8080)
    expect(bytes.toString('hex')).toBe('1c' + in6 + '1f90' + '00000000' + '00'.repeat(15) + '01' + '00000000')
    expect(adapter.decodeAddress(bytes)).toEqual({family: AF_INET6, host: '::1', port: 8080})
  })

  it('refuses an address of the other family, and decodes no other family', () => {
    expect(() => adapter.encodeAddress(AF_INET6, '127.0.0.1', 1)).toThrow(expect.objectContaining({code: 'BAD_ADDRESS'}))
    expect(() => adapter.encodeAddress(AF_INET, '::1', 1)).toThrow(expect.objectContaining({code: 'BAD_ADDRESS'}))
    expect(() => adapter.decodeAddress(Buffer.from('6a01', 'hex'))).toThrow(expect.objectContaining({code: 'NOT_TCP'}))
  })
})
