// The listeners of the whole host from the kernel's socket table over NETLINK_SOCK_DIAG, as ss
// reads them: one dump per family, readable without privilege, and the only source of the
// backlog. Constants: linux/netlink.h, linux/sock_diag.h, linux/inet_diag.h.
import {getSystemErrorName} from 'node:util'

import {SysError} from '../errors.js'
import {recv, send, socketCalls} from '../platform/libc.js'
import {addressText} from '../platform/sockaddr.js'
import type {KernelListener} from './types.js'

const AF_NETLINK = 16
const SOCK_DGRAM_CLOEXEC = 2 | 0o2000000
const NETLINK_SOCK_DIAG = 4
const SOCK_DIAG_BY_FAMILY = 20
const NLM_F_REQUEST_DUMP = 0x1 | 0x300
const NLMSG_ERROR = 2
const NLMSG_DONE = 3
const IPPROTO_TCP = 6
const TCP_LISTEN = 10
const FAMILIES = {ipv4: 2, ipv6: 10} as const
const NLMSG_HEADER = 16
const DIAG_MESSAGE = 72

// Request: struct nlmsghdr (u32 len, u16 type, u16 flags, u32 seq, u32 pid, host order), then
// struct inet_diag_req_v2 (u8 family, u8 protocol, u8 ext, u8 pad, u32 states bitmask, then a
// 48-byte inet_diag_sockid left zero: no filter).
export function diagRequest(family: number, seq: number): Buffer {
  const request = Buffer.alloc(NLMSG_HEADER + 56)
  request.writeUInt32LE(request.length, 0)
  request.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4)
  request.writeUInt16LE(NLM_F_REQUEST_DUMP, 6)
  request.writeUInt32LE(seq, 8)
  request.writeUInt8(family, 16)
  request.writeUInt8(IPPROTO_TCP, 17)
  request.writeUInt32LE(1 << TCP_LISTEN, 20)
  return request
}

// Reply: a run of netlink messages, each a header and, for SOCK_DIAG_BY_FAMILY, a struct
// inet_diag_msg: u8 family, u8 state, u8 timer, u8 retrans, inet_diag_sockid (be16 sport,
// be16 dport, be32 src[4], be32 dst[4], u32 if, u32 cookie[2]), then u32 expires, rqueue,
// wqueue, uid, inode; attributes follow (skipped by nlmsg_len, aligned to 4). For a listener
// rqueue is the accept queue and wqueue its limit. NLMSG_DONE ends the dump; NLMSG_ERROR carries
// a negative errno.
/** Decodes one received buffer; done when the dump ended in it. */
export function decodeDiagReply(reply: Buffer): {listeners: KernelListener[]; done: boolean; errno?: number} {
  const listeners: KernelListener[] = []
  for (let offset = 0; offset + NLMSG_HEADER <= reply.length; ) {
    const length = reply.readUInt32LE(offset)
    const type = reply.readUInt16LE(offset + 4)
    if (length < NLMSG_HEADER || offset + length > reply.length) break
    if (type === NLMSG_DONE) return {listeners, done: true}
    if (type === NLMSG_ERROR) return {listeners, done: true, errno: -reply.readInt32LE(offset + NLMSG_HEADER)}
    if (type === SOCK_DIAG_BY_FAMILY && length >= NLMSG_HEADER + DIAG_MESSAGE) {
      const m = offset + NLMSG_HEADER
      const family = reply.readUInt8(m)
      const v6 = family === FAMILIES.ipv6
      listeners.push({
        inode: reply.readUInt32LE(m + 68),
        family: v6 ? 'ipv6' : 'ipv4',
        address: addressText(reply.subarray(m + 8, m + 8 + (v6 ? 16 : 4))),
        port: reply.readUInt16BE(m + 4),
        uid: reply.readUInt32LE(m + 64),
        acceptQueue: reply.readUInt32LE(m + 56),
        backlog: reply.readUInt32LE(m + 60),
      })
    }
    offset += (length + 3) & ~3
  }
  return {listeners, done: false}
}

/** Every TCP listener of this network namespace; throws a SysError when sock_diag is missing. */
export function diagListeners(): KernelListener[] {
  const fd = socketCalls.socket(AF_NETLINK, SOCK_DGRAM_CLOEXEC, NETLINK_SOCK_DIAG)
  try {
    const listeners: KernelListener[] = []
    const buffer = Buffer.alloc(65536)
    for (const [seq, family] of Object.values(FAMILIES).entries()) {
      send(fd, diagRequest(family, seq + 1))
      for (let done = false; !done; ) {
        const reply = decodeDiagReply(buffer.subarray(0, recv(fd, buffer)))
        // EAFNOSUPPORT / ENOENT: this kernel has no IPv6 diag handler; the IPv4 dump still counts.
        if (reply.errno && family === FAMILIES.ipv4) throw new SysError('sock_diag', reply.errno, getSystemErrorName(-reply.errno))
        listeners.push(...reply.listeners)
        done = reply.done
      }
    }
    return listeners
  } finally {
    socketCalls.close(fd)
  }
}
