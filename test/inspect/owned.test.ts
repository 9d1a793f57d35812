// inspect where there is no socket table (FreeBSD, NetBSD, illumos, macOS): each adapter over a
// recording libc that answers getsockname, SO_TYPE, SO_ACCEPTCONN, the filter read-back
// (SO_ACCEPTFILTER or FIL_LIST) and the module probes as that kernel would; exact JSON per OS.
import {describe, expect, it} from 'vitest'

import {DeferAcceptError} from '../../src/errors.js'
import {ownedSnapshot, type Self} from '../../src/inspect/owned.js'
import {DarwinAdapter} from '../../src/platform/darwin.js'
import {FreeBsdAdapter} from '../../src/platform/freebsd.js'
import {IllumosAdapter} from '../../src/platform/illumos.js'
import {NetBsdAdapter} from '../../src/platform/netbsd.js'
import type {PlatformAdapter} from '../../src/platform/types.js'
import {RecordingSocketCalls, int32, sysError} from '../platform/recording.js'

const SELF: Self = {pid: 4242, comm: 'node', command: 'node /usr/bin/defer-accept inspect --json'}
const SO_TYPE = 0x1008
const SO_ACCEPTCONN = 0x0002
const SO_ACCEPTFILTER = 0x1000
const SOL_FILTER = 0xfffc
const FIL_ATTACH = 1
const FIL_LIST = 3

/** A socket as the scripted kernel knows it: its SO_TYPE, whether it listens, its bound address,
 *  and the bytes its filter reads back as (SO_ACCEPTFILTER or FIL_LIST), or none. */
interface Socket {
  type: number
  listening: boolean
  family: 'AF_INET' | 'AF_INET6'
  host: string
  port: number
  filter?: Buffer
}

/** struct accept_filter_arg: af_name[16], af_arg[240]. */
function acceptFilterArg(name: string, arg = ''): Buffer {
  const bytes = Buffer.alloc(256)
  bytes.write(name, 0, 'latin1')
  bytes.write(arg, 16, 'latin1')
  return bytes
}

/** struct fil_info: int fi_flags, int fi_pos, char fi_name[32]. */
function filInfo(flags: number, pos: number, name: string): Buffer {
  const bytes = Buffer.alloc(40)
  bytes.writeInt32LE(flags, 0)
  bytes.writeInt32LE(pos, 4)
  bytes.write(name, 8, 'latin1')
  return bytes
}

const text = (hex: string) => Buffer.from(hex, 'hex').toString('latin1').replace(/\0.*$/s, '')

/** The recording libc answering for sockets by descriptor; a probe of a name in `missing` is
 *  ENOENT (module not loaded, filter not configured), any other probe succeeds. */
function kernel(make: (calls: RecordingSocketCalls) => PlatformAdapter, sockets: Record<number, Socket>, missing: string[] = []) {
  const calls = new RecordingSocketCalls()
  const adapter = make(calls)
  const known = (fd: number) => {
    if (!sockets[fd]) throw sysError('getsockopt', 'EBADF')
    return sockets[fd]
  }
  calls.on('getsockname', (fd) => {
    const socket = known(fd)
    return adapter.encodeAddress(adapter.constants[socket.family], socket.host, socket.port)
  })
  calls.on('getsockopt', (fd, level, name) => {
    const socket = known(fd)
    if (level === adapter.constants.SOL_SOCKET && name === SO_TYPE) return int32(socket.type)
    if (level === adapter.constants.SOL_SOCKET && name === SO_ACCEPTCONN) return int32(socket.listening ? 1 : 0)
    if (level === adapter.constants.SOL_SOCKET && name === SO_ACCEPTFILTER) {
      if (!socket.filter) throw sysError('getsockopt', 'EINVAL') // uipc_accf.c: a listener without a filter
      return socket.filter
    }
    if (level === SOL_FILTER && name === FIL_LIST) return socket.filter ?? Buffer.alloc(0)
    throw new Error(`unscripted getsockopt(${fd}, ${level}, ${name})`)
  })
  calls.on('setsockopt', (_fd, level, name, value) => {
    const probed = text(value!.toString('hex'))
    if ((name === SO_ACCEPTFILTER || (level === SOL_FILTER && name === FIL_ATTACH)) && missing.includes(probed)) throw sysError('setsockopt', 'ENOENT')
  })
  return {calls, adapter}
}

/** The snapshot as --json prints it (undefined fields gone). */
function snapshot(view: ReturnType<typeof kernel>, options: {fds?: number[]; port?: number; pid?: number}, env: NodeJS.ProcessEnv = {}) {
  return JSON.parse(JSON.stringify(ownedSnapshot({adapter: view.adapter, calls: view.calls, self: SELF, env}, options)))
}

const holder = (fd: number) => [{pid: 4242, fd, comm: 'node', command: 'node /usr/bin/defer-accept inspect --json'}]
const unknowns = {inode: null, uid: null, acceptQueue: null, backlog: null, reusePort: null, engine: null}

const FREEBSD_SOCKETS: Record<number, Socket> = {
  3: {type: 1, listening: true, family: 'AF_INET', host: '127.0.0.1', port: 8080, filter: acceptFilterArg('httpready', 'httpready')},
  4: {type: 1, listening: true, family: 'AF_INET6', host: '::', port: 53, filter: acceptFilterArg('dnsready', 'x=1')},
  5: {type: 1, listening: true, family: 'AF_INET6', host: '::1', port: 9000},
}

describe('inspect on FreeBSD (SO_ACCEPTFILTER, accf modules)', () => {
  it('lists the descriptors given with their filters, and which accf modules load', () => {
    const view = kernel((calls) => new FreeBsdAdapter(calls), FREEBSD_SOCKETS, ['dnsready', 'tlsready'])
    expect(snapshot(view, {fds: [5, 3, 4]})).toEqual({
      schemaVersion: 1,
      os: 'freebsd',
      hints: ["inode, owner, accept queue, backlog and SO_REUSEPORT unknown: freebsd has no socket table inspect reads (Linux's only); netstat -Lan shows the accept queues"],
      listeners: [
        {...unknowns, family: 'ipv6', address: '::1', port: 9000, processes: holder(5), deferral: {state: 'none', seconds: null}},
        {...unknowns, family: 'ipv4', address: '127.0.0.1', port: 8080, processes: holder(3), deferral: {state: 'kernel', seconds: null, filter: 'httpready', kernelName: 'httpready'}},
        {...unknowns, family: 'ipv6', address: '::', port: 53, processes: holder(4), deferral: {state: 'kernel', seconds: null, filter: 'dnsready', kernelName: 'dnsready', arg: 'x=1'}},
      ],
      kernelFilters: [
        {name: 'dataready', where: 'kernel', kernelName: 'dataready', why: 'SO_ACCEPTFILTER dataready (module accf_data)'},
        {name: 'httpready', where: 'kernel', kernelName: 'httpready', why: 'SO_ACCEPTFILTER httpready (module accf_http)'},
        {name: 'dnsready', where: 'unavailable', kernelName: 'dnsready', why: 'module accf_dns is not loaded: load it: kldload accf_dns (and accf_dns_load="YES" in /boot/loader.conf to keep it after a reboot)'},
        {
          name: 'tlsready',
          where: 'unavailable',
          kernelName: 'tlsready',
          why: 'module accf_tls is not loaded: load it: kldload accf_tls (and accf_tls_load="YES" in /boot/loader.conf to keep it after a reboot) (tlsready needs FreeBSD 15 or later)',
        },
        {name: 'proxy', where: 'unavailable', why: 'the FreeBSD kernel has no proxy filter, and the engine that runs it elsewhere is Linux only for now'},
      ],
    })
  })

  it('without --fd lists the sockets socket activation passed, and says why one is left out', () => {
    const view = kernel((calls) => new FreeBsdAdapter(calls), {...FREEBSD_SOCKETS, 4: {...FREEBSD_SOCKETS[4], type: 2}})
    const result = snapshot(view, {}, {LISTEN_FDS: '2', LISTEN_PID: '4242', LISTEN_FDNAMES: 'web:dns'})
    expect(result.listeners.map((listener: {port: number}) => listener.port)).toEqual([8080])
    expect(result.hints[0]).toBe('inherited descriptor 4 (dns) is not listed: descriptor 4 is not a TCP socket (SO_TYPE 2)')
    // LISTEN_PID names another process: those sockets are not this one's.
    expect(snapshot(view, {}, {LISTEN_FDS: '2', LISTEN_PID: '1'}).listeners).toEqual([])
  })

  it('with no socket given or inherited, says how to give one; --port and --pid filter', () => {
    const view = kernel((calls) => new FreeBsdAdapter(calls), FREEBSD_SOCKETS)
    expect(snapshot(view, {}).hints).toEqual(['on freebsd inspect sees only the sockets it is given: pass --fd N, or start it with the sockets passed by socket activation (LISTEN_FDS)'])
    expect(snapshot(view, {fds: [3, 5], port: 9000}).listeners.map((listener: {port: number}) => listener.port)).toEqual([9000])
    expect(snapshot(view, {fds: [3, 5], pid: 1})).toMatchObject({listeners: [], hints: []})
  })

  it('refuses a --fd that is not open or not listening, with the usual errors', () => {
    const view = kernel((calls) => new FreeBsdAdapter(calls), {3: {...FREEBSD_SOCKETS[3], listening: false}})
    const failure = (fds: number[]) => {
      try {
        snapshot(view, {fds})
      } catch (error) {
        return error instanceof DeferAcceptError ? [error.code, error.message] : error
      }
      return 'no error'
    }
    expect(failure([9])).toEqual(['BAD_DESCRIPTOR', 'descriptor 9 is not open'])
    expect(failure([3])).toEqual(['NOT_LISTENING', 'descriptor 3 is a TCP socket but not listening'])
  })
})

describe('inspect on NetBSD (SO_ACCEPTFILTER, autoloaded accf modules)', () => {
  it('lists the descriptors given with their filters, and which modules load', () => {
    const view = kernel((calls) => new NetBsdAdapter(calls), {7: {type: 1, listening: true, family: 'AF_INET', host: '0.0.0.0', port: 80, filter: acceptFilterArg('dataready')}}, ['httpready'])
    expect(snapshot(view, {fds: [7]})).toEqual({
      schemaVersion: 1,
      os: 'netbsd',
      hints: ["inode, owner, accept queue, backlog and SO_REUSEPORT unknown: netbsd has no socket table inspect reads (Linux's only)"],
      listeners: [{...unknowns, family: 'ipv4', address: '0.0.0.0', port: 80, processes: holder(7), deferral: {state: 'kernel', seconds: null, filter: 'dataready', kernelName: 'dataready'}}],
      kernelFilters: [
        {name: 'dataready', where: 'kernel', kernelName: 'dataready', why: 'SO_ACCEPTFILTER dataready (module accf_dataready)'},
        {name: 'httpready', where: 'unavailable', kernelName: 'httpready', why: 'module accf_httpready is not loaded: load it: modload accf_httpready'},
        {name: 'dnsready', where: 'unavailable', why: 'the NetBSD kernel has no dnsready filter, and the engine that runs it elsewhere is Linux only for now'},
        {name: 'tlsready', where: 'unavailable', why: 'the NetBSD kernel has no tlsready filter, and the engine that runs it elsewhere is Linux only for now'},
        {name: 'proxy', where: 'unavailable', why: 'the NetBSD kernel has no proxy filter, and the engine that runs it elsewhere is Linux only for now'},
      ],
    })
  })
})

describe('inspect on illumos (FIL_LIST, soconfig)', () => {
  it('lists the descriptors given with their sockfs filters, and which filters are configured', () => {
    const sockets: Record<number, Socket> = {
      3: {type: 2, listening: true, family: 'AF_INET6', host: '::', port: 443, filter: Buffer.concat([filInfo(1, 1, 'httpfilt'), filInfo(0, 0, 'tcpsig')])},
      4: {type: 2, listening: true, family: 'AF_INET', host: '10.0.0.1', port: 25},
      // Bypassed: attached, but the filter lets everything through.
      5: {type: 2, listening: true, family: 'AF_INET', host: '10.0.0.1', port: 26, filter: filInfo(1 | 4, 0, 'datafilt')},
    }
    const view = kernel((calls) => new IllumosAdapter(calls), sockets, ['datafilt'])
    expect(snapshot(view, {fds: [3, 4, 5]})).toEqual({
      schemaVersion: 1,
      os: 'illumos',
      hints: ["inode, owner, accept queue, backlog and SO_REUSEPORT unknown: illumos has no socket table inspect reads (Linux's only)"],
      listeners: [
        {...unknowns, family: 'ipv6', address: '::', port: 443, processes: holder(3), deferral: {state: 'kernel', seconds: null, filter: 'httpready', kernelName: 'httpfilt'}},
        {...unknowns, family: 'ipv4', address: '10.0.0.1', port: 25, processes: holder(4), deferral: {state: 'none', seconds: null}},
        {...unknowns, family: 'ipv4', address: '10.0.0.1', port: 26, processes: holder(5), deferral: {state: 'none', seconds: null}},
      ],
      kernelFilters: [
        {name: 'dataready', where: 'unavailable', kernelName: 'datafilt', why: 'not configured: soconfig -F datafilt datafilt prog 2:2:0,2:2:6,26:2:0,26:2:6'},
        {name: 'httpready', where: 'kernel', kernelName: 'httpfilt', why: 'sockfs filter httpfilt (attached before bind)'},
        {name: 'dnsready', where: 'unavailable', why: 'the illumos kernel has no dnsready filter, and the engine that runs it elsewhere is Linux only for now'},
        {name: 'tlsready', where: 'unavailable', why: 'the illumos kernel has no tlsready filter, and the engine that runs it elsewhere is Linux only for now'},
        {name: 'proxy', where: 'unavailable', why: 'the illumos kernel has no proxy filter, and the engine that runs it elsewhere is Linux only for now'},
      ],
    })
  })
})

describe('inspect on macOS (no kernel filter)', () => {
  it('lists the descriptors given with their addresses; every filter is unavailable, none probed', () => {
    const view = kernel((calls) => new DarwinAdapter(calls), {3: {type: 1, listening: true, family: 'AF_INET6', host: '::1', port: 3000}})
    const why = 'macOS has no accept filter in the kernel (no SO_ACCEPTFILTER, no TCP_DEFER_ACCEPT), and the engine that runs filters elsewhere is Linux only for now'
    expect(snapshot(view, {fds: [3]})).toEqual({
      schemaVersion: 1,
      os: 'darwin',
      hints: ["inode, owner, accept queue, backlog and SO_REUSEPORT unknown: darwin has no socket table inspect reads (Linux's only); netstat -Lan shows the accept queues"],
      listeners: [{...unknowns, family: 'ipv6', address: '::1', port: 3000, processes: holder(3), deferral: {state: 'none', seconds: null}}],
      kernelFilters: ['dataready', 'httpready', 'dnsready', 'tlsready', 'proxy'].map((name) => ({name, where: 'unavailable', why})),
    })
    expect(view.calls.take().filter((call) => call.call === 'socket')).toEqual([])
  })
})
