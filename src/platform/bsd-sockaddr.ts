// sockaddr bytes of the 4.4BSD family (FreeBSD, NetBSD, macOS): a length byte, then a one-byte
// family, unlike Linux and illumos whose family is 16 bits.
import {DeferAcceptError} from '../errors.js'
import {type Address, addressBytes, addressText} from './sockaddr.js'

type Families = {AF_INET: number; AF_INET6: number}

// sockaddr_in (netinet/in.h), 16 bytes:
//   0 sin_len  1 sin_family  2..3 sin_port (big-endian)  4..7 sin_addr  8..15 sin_zero
// sockaddr_in6 (netinet6/in6.h), 28 bytes:
//   0 sin6_len  1 sin6_family  2..3 sin6_port (big-endian)  4..7 sin6_flowinfo
//   8..23 sin6_addr  24..27 sin6_scope_id
const SOCKADDR_IN = 16
const SOCKADDR_IN6 = 28

export const bsdFamily = (sockaddr: Buffer): number => sockaddr[1]

export function encodeBsdAddress(constants: Families, family: number, host: string, port: number): Buffer {
  const ip = addressBytes(host)
  const v6 = family === constants.AF_INET6
  if ((family !== constants.AF_INET && !v6) || ip.length !== (v6 ? 16 : 4)) {
    throw new DeferAcceptError('BAD_ADDRESS', `${host} is not an address of family ${family}`, 'write an IPv4 address for IPv4 and an IPv6 one for IPv6')
  }
  const bytes = Buffer.alloc(v6 ? SOCKADDR_IN6 : SOCKADDR_IN)
  bytes[0] = bytes.length
  bytes[1] = family
  bytes.writeUInt16BE(port, 2)
  ip.copy(bytes, v6 ? 8 : 4)
  return bytes
}

export function decodeBsdAddress(constants: Families, bytes: Buffer): Address {
  const family = bsdFamily(bytes)
  const v6 = family === constants.AF_INET6 && bytes.length >= SOCKADDR_IN6
  if (!v6 && !(family === constants.AF_INET && bytes.length >= SOCKADDR_IN)) {
    throw new DeferAcceptError('NOT_TCP', `address family ${family} (${bytes.length} bytes) is not IPv4 or IPv6`, 'pass a TCP socket')
  }
  return {family, host: addressText(v6 ? bytes.subarray(8, 24) : bytes.subarray(4, 8)), port: bytes.readUInt16BE(2)}
}
