// sockaddr bytes for systems whose sockaddr starts with a 16-bit family in host byte order
// (Linux, illumos); the BSDs put a length byte first (see the BSD adapters).
import {isIPv4, isIPv6} from 'node:net'

import {DeferAcceptError} from '../errors.js'

export interface Address {
  family: number
  host: string
  port: number
}

/** The 4 or 16 bytes of an IP address in network order. */
export function addressBytes(host: string): Buffer {
  if (isIPv4(host)) return Buffer.from(host.split('.').map(Number))
  if (!isIPv6(host)) throw new DeferAcceptError('BAD_ADDRESS', `${host} is not an IPv4 or IPv6 address`, 'write 127.0.0.1, [::1] or [::] (host names are not looked up)')
  const [head, tail] = host.includes('::') ? host.split('::') : [host, undefined]
  const groups = (part: string | undefined) => (part ? part.split(':') : [])
  const expand = (part: string): string[] => {
    if (!part.includes('.')) return [part]
    const v4 = addressBytes(part)
    return [v4.readUInt16BE(0).toString(16), v4.readUInt16BE(2).toString(16)]
  }
  const left = groups(head).flatMap(expand)
  const right = groups(tail).flatMap(expand)
  const middle = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0')
  const bytes = Buffer.alloc(16)
  ;[...left, ...middle, ...right].forEach((group, index) => bytes.writeUInt16BE(parseInt(group, 16), index * 2))
  return bytes
}

/** Text of 4 or 16 address bytes, IPv6 in its shortest form. */
export function addressText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.')
  const groups = Array.from({length: 8}, (_, i) => bytes.readUInt16BE(i * 2).toString(16))
  const text = groups.join(':')
  const runs = [...text.matchAll(/(?:^|:)0(?::0)+(?::|$)/g)].sort((a, b) => b[0].length - a[0].length)
  return runs.length > 0 ? text.replace(runs[0][0], '::') : text
}

export function encodeLinuxAddress(constants: {AF_INET: number; AF_INET6: number}, family: number, host: string, port: number): Buffer {
  const ip = addressBytes(host)
  const v6 = family === constants.AF_INET6
  const bytes = Buffer.alloc(v6 ? 28 : 16)
  bytes.writeUInt16LE(family, 0)
  bytes.writeUInt16BE(port, 2)
  ip.copy(bytes, v6 ? 8 : 4)
  return bytes
}

export function decodeLinuxAddress(constants: {AF_INET: number; AF_INET6: number}, bytes: Buffer): Address {
  const family = bytes.readUInt16LE(0)
  const port = bytes.readUInt16BE(2)
  if (family === constants.AF_INET6) return {family, host: addressText(bytes.subarray(8, 24)), port}
  if (family === constants.AF_INET) return {family, host: addressText(bytes.subarray(4, 8)), port}
  throw new DeferAcceptError('NOT_TCP', `address family ${family} is not IPv4 or IPv6`, 'pass a TCP socket')
}
