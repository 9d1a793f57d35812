// illumos sockfs filters: FIL_ATTACH first thing after socket(), the name as a C string, the
// FIL_LIST array of struct fil_info, errno -> error, and sockaddr with AF_INET6 = 26.
import {describe, expect, it} from 'vitest'

import {DeferAcceptError} from '../../src/errors.js'
import {ILLUMOS, IllumosAdapter, decodeFilList} from '../../src/platform/illumos.js'
import {RecordingSocketCalls, sysError} from './recording.js'

const SOL_FILTER = 0xfffc
const FIL_ATTACH = 1
const FIL_DETACH = 2
const FIL_LIST = 3
const FD = 5
const HTTPFILT = '6874747066696c7400' // "httpfilt\0"
const DATAFILT = '6461746166696c7400' // "datafilt\0"
const PROG = 1
const AUTO = 2
const BYPASS = 4

/** One struct fil_info: int fi_flags, int fi_pos, char fi_name[32] (40 bytes, little-endian). */
function filInfo(flags: number, pos: number, name: string): Buffer {
  const bytes = Buffer.alloc(40)
  bytes.writeInt32LE(flags, 0)
  bytes.writeInt32LE(pos, 4)
  bytes.write(name, 8, 'latin1')
  return bytes
}

function setup(list: Buffer[] = []) {
  const calls = new RecordingSocketCalls()
  calls.on('getsockopt', (_fd, level, name) => {
    if (level === SOL_FILTER && name === FIL_LIST) return Buffer.concat(list)
    throw new Error('only SOL_FILTER may be asked: anything else closes the attach window')
  })
  return {calls, adapter: new IllumosAdapter(calls)}
}

function caught(action: () => unknown): DeferAcceptError {
  try {
    action()
  } catch (error) {
    if (error instanceof DeferAcceptError) return error
    throw error
  }
  throw new Error('expected a DeferAcceptError')
}

const failing = (code: 'EEXIST' | 'ENOENT' | 'EINVAL' | 'EBADF') => () => {
  throw sysError('setsockopt', code)
}

describe('illumos adapter', () => {
  it('uses the constants of usr/src/uts/common/sys/socket.h and netinet/in.h', () => {
    expect(ILLUMOS).toEqual({
      AF_INET: 2,
      AF_INET6: 26,
      SOCK_STREAM: 2,
      SOL_SOCKET: 0xffff,
      SO_REUSEADDR: 0x0004,
      SO_TYPE: 0x1008,
      SO_ACCEPTCONN: 0x0002,
      IPPROTO_TCP: 6,
      IPPROTO_IPV6: 41,
      IPV6_V6ONLY: 0x27,
      SOL_FILTER: 0xfffc,
      FIL_ATTACH: 1,
      FIL_DETACH: 2,
      FIL_LIST: 3,
    })
  })

  it('attaches before bind: FIL_ATTACH is the very first call, then FIL_LIST reads it back', () => {
    const {calls, adapter} = setup([filInfo(PROG, 0, 'httpfilt')])
    expect(adapter.attachPhase).toBe('before-bind')
    expect(adapter.attach(FD, {name: 'httpready'})).toEqual({filter: 'httpready', kernelName: 'httpfilt'})
    expect(calls.take()).toEqual([
      {call: 'setsockopt', args: [FD, SOL_FILTER, FIL_ATTACH, HTTPFILT]},
      {call: 'getsockopt', args: [FD, SOL_FILTER, FIL_LIST, 16 * 40]},
    ])
  })

  it('dataready is the filter configured as datafilt', () => {
    const {calls, adapter} = setup([filInfo(PROG, 0, 'datafilt')])
    expect(adapter.attach(FD, {name: 'dataready'})).toEqual({filter: 'dataready', kernelName: 'datafilt'})
    expect(calls.take()[0]).toEqual({call: 'setsockopt', args: [FD, SOL_FILTER, FIL_ATTACH, DATAFILT]})
  })

  it('EEXIST: already attached', () => {
    const {calls, adapter} = setup()
    calls.on('setsockopt', failing('EEXIST'))
    const error = caught(() => adapter.attach(FD, {name: 'httpready'}))
    expect(error.code).toBe('FILTER_ALREADY_SET')
    expect(error.message).toBe(`descriptor ${FD} already has the socket filter httpfilt`)
  })

  it('ENOENT: not configured, and the fix is the soconfig line', () => {
    const {calls, adapter} = setup()
    calls.on('setsockopt', failing('ENOENT'))
    const error = caught(() => adapter.attach(FD, {name: 'httpready'}))
    expect(error.code).toBe('FILTER_UNAVAILABLE')
    expect(error.fix).toBe('configure it (as root): soconfig -F httpfilt httpfilt prog 2:2:0,2:2:6,26:2:0,26:2:6')
  })

  it('EINVAL: too late, the socket was already used', () => {
    const {calls, adapter} = setup()
    calls.on('setsockopt', failing('EINVAL'))
    const error = caught(() => adapter.attach(FD, {name: 'dataready'}))
    expect(error.code).toBe('FILTER_UNAVAILABLE')
    expect(error.message).toContain('only right after socket()')
    expect(error.fix).toBe('attach the filter before any other call on the socket, before bind() and listen()')
  })

  it('EBADF: only then are the usual descriptor checks run, to say what is wrong', () => {
    const {calls, adapter} = setup()
    calls.on('setsockopt', failing('EBADF'))
    calls.on('getsockopt', () => {
      throw sysError('getsockopt', 'EBADF')
    })
    expect(caught(() => adapter.attach(FD, {name: 'httpready'})).code).toBe('BAD_DESCRIPTOR')
    expect(calls.take().map((entry) => entry.call)).toEqual(['setsockopt', 'getsockopt'])
  })

  it('takes a timeout but says the kernel applies none', () => {
    const state = setup([filInfo(PROG, 0, 'httpfilt')]).adapter.attach(FD, {name: 'httpready'}, 10)
    expect(state).toEqual({filter: 'httpready', kernelName: 'httpfilt', requestedSeconds: 10, note: expect.stringContaining('illumos kernel applies no timeout')})
  })

  it('refuses an argument and filters illumos lacks without any call', () => {
    const {calls, adapter} = setup()
    expect(caught(() => adapter.attach(FD, {name: 'httpready', arg: 'x'})).code).toBe('BAD_FILTER_ARGUMENT')
    expect(caught(() => adapter.attach(FD, {name: 'tlsready'})).code).toBe('FILTER_UNAVAILABLE')
    expect(calls.take()).toEqual([])
  })

  it('decodes the FIL_LIST array of 40-byte struct fil_info', () => {
    const bytes = Buffer.concat([filInfo(PROG, 1, 'httpfilt'), filInfo(AUTO | BYPASS, 0, 'a'.repeat(32))])
    expect(decodeFilList(bytes)).toEqual([
      {flags: PROG, pos: 1, name: 'httpfilt'},
      {flags: AUTO | BYPASS, pos: 0, name: 'a'.repeat(32)},
    ])
    expect(decodeFilList(Buffer.alloc(0))).toEqual([])
  })

  it('query reports the strictest active filter, skips bypassed ones, and asks nothing else', () => {
    const both = setup([filInfo(PROG, 1, 'datafilt'), filInfo(PROG, 0, 'httpfilt')])
    expect(both.adapter.query(FD)).toEqual({filter: 'httpready', kernelName: 'httpfilt'})
    expect(both.calls.take()).toEqual([{call: 'getsockopt', args: [FD, SOL_FILTER, FIL_LIST, 640]}])
    expect(setup([filInfo(PROG | BYPASS, 1, 'httpfilt'), filInfo(PROG, 0, 'datafilt')]).adapter.query(FD)).toEqual({filter: 'dataready', kernelName: 'datafilt'})
    expect(setup([filInfo(PROG, 0, 'other')]).adapter.query(FD)).toEqual({filter: null})
  })

  it('detach sends FIL_DETACH with the name of each of its own attached filters', () => {
    const {calls, adapter} = setup([filInfo(PROG, 1, 'other'), filInfo(PROG, 0, 'httpfilt')])
    adapter.detach(FD)
    expect(calls.take()).toEqual([
      {call: 'getsockopt', args: [FD, SOL_FILTER, FIL_LIST, 640]},
      {call: 'setsockopt', args: [FD, SOL_FILTER, FIL_DETACH, HTTPFILT]},
    ])
  })

  it('detach after bind (EINVAL) and of a system-wide filter say what to do instead', () => {
    const late = setup([filInfo(PROG, 0, 'httpfilt')])
    late.calls.on('setsockopt', failing('EINVAL'))
    expect(caught(() => late.adapter.detach(FD)).fix).toBe('close the socket and create it again without the filter')
    const automatic = caught(() => setup([filInfo(AUTO, 0, 'datafilt')]).adapter.detach(FD))
    expect(automatic.code).toBe('FILTER_UNAVAILABLE')
    expect(automatic.fix).toBe('remove it system-wide (as root): soconfig -F datafilt')
  })

  it('probes datafilt then httpfilt on fresh sockets: socket, FIL_ATTACH, close (no bind)', () => {
    const {calls, adapter} = setup()
    calls.on('setsockopt', (fd) => {
      if (fd === 11) throw sysError('setsockopt', 'ENOENT')
    })
    const support = adapter.kernelFilters()
    expect(calls.take()).toEqual([
      {call: 'socket', args: [2, 2, 0]},
      {call: 'setsockopt', args: [10, SOL_FILTER, FIL_ATTACH, DATAFILT]},
      {call: 'close', args: [10]},
      {call: 'socket', args: [2, 2, 0]},
      {call: 'setsockopt', args: [11, SOL_FILTER, FIL_ATTACH, HTTPFILT]},
      {call: 'close', args: [11]},
    ])
    expect(support.map((filter) => [filter.name, filter.where])).toEqual([
      ['dataready', 'kernel'],
      ['httpready', 'unavailable'],
      ['dnsready', 'unavailable'],
      ['tlsready', 'unavailable'],
      ['proxy', 'unavailable'],
    ])
    expect(support[1].why).toBe('not configured: soconfig -F httpfilt httpfilt prog 2:2:0,2:2:6,26:2:0,26:2:6')
  })

  it('sockaddr: a 16-bit family like Linux, AF_INET6 26, sockaddr_in6 of 32 bytes', () => {
    const {adapter} = setup()
    const v4 = adapter.encodeAddress(2, '127.0.0.1', 8080)
    expect(v4.toString('hex')).toBe('0200' + '1f90' + '7f000001' + '00'.repeat(8))
    const v6 = adapter.encodeAddress(26, '::1', 8080)
    expect(v6.toString('hex')).toBe('1a00' + '1f90' + '00000000' + '00'.repeat(15) + '01' + '00000000' + '00000000')
    expect(adapter.decodeAddress(v4)).toEqual({family: 2, host: '127.0.0.1', port: 8080})
    expect(adapter.decodeAddress(v6)).toEqual({family: 26, host: '::1', port: 8080})
  })
})
