// The listeners of /proc/net/tcp and /proc/net/tcp6: the fallback when sock_diag is not there
// (a kernel without the inet_diag module). It cannot tell the backlog: for a listener the
// tx_queue column is the send queue (always 0), not sk_max_ack_backlog.
import {readFileSync} from 'node:fs'

import {addressText} from '../platform/sockaddr.js'
import type {KernelListener} from './types.js'

const TCP_LISTEN = '0A'

// One row per socket (net/ipv4/tcp_ipv4.c get_tcp4_sock, net/ipv6/tcp_ipv6.c get_tcp6_sock):
//   sl  local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
//   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  0  0 12345 ...
// Addresses are the in-kernel 32-bit words printed with %08X, so each 4-byte word reads in host
// order (little-endian on every Linux this runs on); IPv6 is four such words. Ports are %04X of
// the host-order value. For a listener rx_queue is the accept queue's current length.
function addressBytes(hex: string): Buffer {
  const bytes = Buffer.alloc(hex.length / 2)
  for (let word = 0; word < hex.length / 8; word++) bytes.writeUInt32LE(parseInt(hex.slice(word * 8, word * 8 + 8), 16), word * 4)
  return bytes
}

/** Listeners in the text of /proc/net/tcp (family ipv4) or /proc/net/tcp6 (ipv6). */
export function parseProcNet(text: string, family: 'ipv4' | 'ipv6'): KernelListener[] {
  const listeners: KernelListener[] = []
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue
    const [addressHex, portHex] = fields[1].split(':')
    listeners.push({
      inode: Number(fields[9]),
      family,
      address: addressText(addressBytes(addressHex)),
      port: parseInt(portHex, 16),
      uid: Number(fields[7]),
      acceptQueue: parseInt(fields[4].split(':')[1], 16),
      backlog: null,
    })
  }
  return listeners
}

export function readProcNet(): KernelListener[] {
  const ipv4 = parseProcNet(readFileSync('/proc/net/tcp', 'utf8'), 'ipv4')
  try {
    return [...ipv4, ...parseProcNet(readFileSync('/proc/net/tcp6', 'utf8'), 'ipv6')]
  } catch {
    return ipv4 // a kernel without IPv6
  }
}
