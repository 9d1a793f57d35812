// The two sources of the kernel's listener table agree on real sockets: sock_diag (with the
// backlog) and /proc/net/tcp{,6} (without). A connected, not yet accepted client counts in the
// accept queue of both.
import {readFileSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {parseProcNet, readProcNet} from '../../src/inspect/proc-net.js'
import {decodeDiagReply, diagListeners} from '../../src/inspect/sock-diag.js'
import {holdListeners, type Held} from './helpers.js'

describe('kernel listener table', () => {
  let v4: Held
  let v6: Held
  let client: Socket
  beforeAll(async () => {
    v4 = await holdListeners(['--backlog', '33'])
    v6 = await holdListeners(['--ipv6', '--backlog', '5'])
    client = connect(v4.ports[0], '127.0.0.1')
    await new Promise((resolve) => client.once('connect', resolve))
  })
  afterAll(async () => {
    client?.destroy()
    await v4?.server.stop()
    await v6?.server.stop()
  })

  it('sock_diag lists both with backlog and the waiting connection', () => {
    const listeners = diagListeners()
    expect(listeners.find((l) => l.port === v4.ports[0])).toMatchObject({family: 'ipv4', address: '127.0.0.1', uid: process.getuid!(), backlog: 33, acceptQueue: 1})
    expect(listeners.find((l) => l.port === v6.ports[0])).toMatchObject({family: 'ipv6', address: '::1', backlog: 5, acceptQueue: 0})
  })

  it('/proc/net/tcp{,6} lists the same sockets, without backlog', () => {
    const byInode = new Map(diagListeners().map((l) => [l.inode, l]))
    const fromProc = readProcNet().filter((l) => v4.ports.includes(l.port) || v6.ports.includes(l.port))
    expect(fromProc).toHaveLength(2)
    for (const listener of fromProc) expect(listener).toEqual({...byInode.get(listener.inode), backlog: null})
  })

  it('parses only LISTEN rows, IPv6 words in host order', () => {
    const text = readFileSync('/proc/net/tcp6', 'utf8').split('\n')[0] + '\n' +
      '   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000002 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0\n' +
      '   1: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000100007F:C000 01 00000000:00000000 00:00000000 00000000  1000        0 4243 1 0 100 0 0 10 0\n'
    expect(parseProcNet(text, 'ipv6')).toEqual([{inode: 4242, family: 'ipv6', address: '::1', port: 8080, uid: 1000, acceptQueue: 2, backlog: null}])
  })

  it('reads a netlink error as its errno', () => {
    const reply = Buffer.alloc(36)
    reply.writeUInt32LE(36, 0)
    reply.writeUInt16LE(2, 4) // NLMSG_ERROR
    reply.writeInt32LE(-97, 16) // -EAFNOSUPPORT
    expect(decodeDiagReply(reply)).toEqual({listeners: [], done: true, errno: 97})
  })
})
