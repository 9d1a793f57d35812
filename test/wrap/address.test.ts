import {describe, expect, it} from 'vitest'

import {formatAddress, parseListenAddress} from '../../src/wrap/address.js'
import {addressBytes, addressText} from '../../src/platform/sockaddr.js'

describe('--listen addresses', () => {
  it.each([
    [':8080', {host: '::', port: 8080, ipv6: true, dualStack: true}],
    ['8080', {host: '::', port: 8080, ipv6: true, dualStack: true}],
    ['127.0.0.1:0', {host: '127.0.0.1', port: 0, ipv6: false, dualStack: false}],
    ['[::1]:8080', {host: '::1', port: 8080, ipv6: true, dualStack: false}],
    ['[::]:8080', {host: '::', port: 8080, ipv6: true, dualStack: false}],
  ])('1. %s', (text, expected) => expect(parseListenAddress(text)).toEqual(expected))

  it.each(['localhost:80', '127.0.0.1', '::1:80', '1.2.3:80', '127.0.0.1:65536', '[::1', ''])('2. refuses %j with the forms that work', (text) => {
    expect(() => parseListenAddress(text)).toThrow(expect.objectContaining({code: 'BAD_ADDRESS', fix: expect.stringContaining('127.0.0.1:8080')}))
  })

  it('3. prints IPv6 in brackets', () => {
    expect(formatAddress('::1', 80)).toBe('[::1]:80')
    expect(formatAddress('10.0.0.1', 80)).toBe('10.0.0.1:80')
  })

  it.each([
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
    ['2001:db8::', '20010db8000000000000000000000000'],
    ['::ffff:127.0.0.1', '00000000000000000000ffff7f000001'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
  ])('4. IPv6 %s has the bytes %s and prints back the same', (text, hex) => {
    expect(addressBytes(text).toString('hex')).toBe(hex)
    expect(addressText(Buffer.from(hex, 'hex'))).toBe(text === '::ffff:127.0.0.1' ? '::ffff:7f00:1' : text)
  })
})
