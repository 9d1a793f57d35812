// What FreeBSD and NetBSD share (SO_ACCEPTFILTER, sys/kern/uipc_accf.c in both): exact calls,
// struct accept_filter_arg bytes, and errno -> error for each kernel's constants and modules.
import {describe, expect, it} from 'vitest'

import {DeferAcceptError, SysError} from '../../src/errors.js'
import {FreeBsdAdapter} from '../../src/platform/freebsd.js'
import {NetBsdAdapter} from '../../src/platform/netbsd.js'
import {decodeAcceptFilterArg, encodeAcceptFilterArg} from '../../src/platform/so-acceptfilter.js'
import type {SocketCalls} from '../../src/platform/types.js'
import {RecordingSocketCalls, int32, sysError} from './recording.js'

const SOL_SOCKET = 0xffff
const SO_ACCEPTCONN = 0x0002
const SO_TYPE = 0x1008
const SO_ACCEPTFILTER = 0x1000
const FD = 7

/** af_name "httpready" NUL-padded to 16, then 240 NUL bytes of af_arg. */
const HTTPREADY_ARG = '687474707265616479' + '00'.repeat(256 - 9)

const kernels = [
  {label: 'FreeBSD', make: (calls: SocketCalls) => new FreeBsdAdapter(calls), httpModule: 'accf_http', load: 'kldload accf_http'},
  {label: 'NetBSD', make: (calls: SocketCalls) => new NetBsdAdapter(calls), httpModule: 'accf_httpready', load: 'modload accf_httpready'},
]

function caught(action: () => unknown): DeferAcceptError {
  try {
    action()
  } catch (error) {
    if (error instanceof DeferAcceptError) return error
    throw error
  }
  throw new Error('expected a DeferAcceptError')
}

describe('struct accept_filter_arg', () => {
  it('is 256 bytes: the name NUL-padded in the first 16, af_arg all NUL', () => {
    const bytes = encodeAcceptFilterArg('httpready')
    expect(bytes.length).toBe(256)
    expect(bytes.toString('hex')).toBe(HTTPREADY_ARG)
  })

  it('keeps byte 15 NUL, as the kernel forces it', () => {
    expect(encodeAcceptFilterArg('a'.repeat(20)).subarray(0, 16).toString('hex')).toBe('61'.repeat(15) + '00')
  })

  it('decodes name and argument up to their NULs', () => {
    const bytes = Buffer.alloc(256)
    bytes.write('dataready', 0)
    bytes.write('x=1', 16)
    expect(decodeAcceptFilterArg(bytes)).toEqual({name: 'dataready', arg: 'x=1'})
  })
})

describe.each(kernels)('$label SO_ACCEPTFILTER', ({make, httpModule, load}) => {
  /** A TCP socket on fd 7; the filter getsockopt answers with `current` or EINVAL for none. */
  function socket(listening: boolean, current: string | null = null) {
    const calls = new RecordingSocketCalls()
    const adapter = make(calls)
    calls.on('getsockname', () => adapter.encodeAddress(adapter.constants.AF_INET, '127.0.0.1', 8080))
    calls.on('getsockopt', (_fd, level, name) => {
      if (level === SOL_SOCKET && name === SO_TYPE) return int32(adapter.constants.SOCK_STREAM)
      if (level === SOL_SOCKET && name === SO_ACCEPTCONN) return int32(listening ? 1 : 0)
      if (level === SOL_SOCKET && name === SO_ACCEPTFILTER && current) return encodeAcceptFilterArg(current)
      throw sysError('getsockopt', 'EINVAL')
    })
    return {calls, adapter}
  }

  const checks = [
    {call: 'getsockopt', args: [FD, SOL_SOCKET, SO_TYPE, 4]},
    {call: 'getsockname', args: [FD]},
    {call: 'getsockopt', args: [FD, SOL_SOCKET, SO_ACCEPTCONN, 4]},
  ]

  it('attaches after listen: checks the socket, sets 256 bytes, reads the filter back', () => {
    const {calls, adapter} = socket(true, 'httpready')
    expect(adapter.attachPhase).toBe('after-listen')
    expect(adapter.attach(FD, {name: 'httpready'})).toEqual({filter: 'httpready', kernelName: 'httpready'})
    expect(calls.take()).toEqual([
      ...checks,
      {call: 'setsockopt', args: [FD, SOL_SOCKET, SO_ACCEPTFILTER, HTTPREADY_ARG]},
      {call: 'getsockopt', args: [FD, SOL_SOCKET, SO_ACCEPTFILTER, 256]},
    ])
  })

  it('refuses a socket that is not listening before any setsockopt', () => {
    const {calls, adapter} = socket(false)
    const error = caught(() => adapter.attach(FD, {name: 'dataready'}))
    expect(error.code).toBe('NOT_LISTENING')
    expect(error.fix).toBe('call listen() first, then set the filter')
    expect(calls.take()).toEqual(checks)
  })

  it('ENOENT: the module is not loaded, and the fix loads it', () => {
    const {calls, adapter} = socket(true)
    calls.on('setsockopt', () => {
      throw sysError('setsockopt', 'ENOENT')
    })
    const error = caught(() => adapter.attach(FD, {name: 'httpready'}))
    expect(error.code).toBe('FILTER_UNAVAILABLE')
    expect(error.message).toContain(`module ${httpModule} is not loaded`)
    expect(error.fix).toContain(`load it: ${load}`)
    expect(error.cause).toBeInstanceOf(SysError)
  })

  it('EINVAL with a filter already set: FILTER_ALREADY_SET, disable it first', () => {
    const {calls, adapter} = socket(true, 'dataready')
    calls.on('setsockopt', () => {
      throw sysError('setsockopt', 'EINVAL')
    })
    const error = caught(() => adapter.attach(FD, {name: 'httpready'}))
    expect(error.code).toBe('FILTER_ALREADY_SET')
    expect(error.message).toBe(`descriptor ${FD} already has the accept filter dataready`)
    expect(error.fix).toContain('disable it first')
    expect(calls.take().slice(-2)).toEqual([
      {call: 'setsockopt', args: [FD, SOL_SOCKET, SO_ACCEPTFILTER, HTTPREADY_ARG]},
      {call: 'getsockopt', args: [FD, SOL_SOCKET, SO_ACCEPTFILTER, 256]},
    ])
  })

  it('EINVAL with no filter set is passed on as the system error', () => {
    const {calls, adapter} = socket(true)
    calls.on('setsockopt', () => {
      throw sysError('setsockopt', 'EINVAL')
    })
    expect(() => adapter.attach(FD, {name: 'httpready'})).toThrow(SysError)
  })

  it('a timeout is set nowhere and the state says the kernel applies none', () => {
    const {calls, adapter} = socket(true, 'httpready')
    const state = adapter.attach(FD, {name: 'httpready'}, 30)
    expect(state).toMatchObject({filter: 'httpready', requestedSeconds: 30, note: expect.stringContaining('kernel applies no timeout')})
    expect(state.effectiveSeconds).toBeUndefined()
    expect(calls.take().filter((entry) => entry.call === 'setsockopt')).toEqual([{call: 'setsockopt', args: [FD, SOL_SOCKET, SO_ACCEPTFILTER, HTTPREADY_ARG]}])
  })

  it('refuses an argument and an unknown name without touching the socket', () => {
    const {calls, adapter} = socket(true)
    expect(caught(() => adapter.attach(FD, {name: 'httpready', arg: 'body=1'})).code).toBe('BAD_FILTER_ARGUMENT')
    expect(caught(() => adapter.attach(FD, {name: 'httpreader'})).code).toBe('UNKNOWN_FILTER')
    expect(caught(() => adapter.attach(FD, {name: 'proxy'})).code).toBe('FILTER_UNAVAILABLE')
    expect(caught(() => adapter.attach(FD, {name: './my-filter.so'})).message).toContain('needs the engine')
    expect(calls.take()).toEqual([])
  })

  it('detaches with setsockopt(NULL, 0) on a listener', () => {
    const {calls, adapter} = socket(true, 'httpready')
    adapter.detach(FD)
    expect(calls.take()).toEqual([...checks, {call: 'setsockopt', args: [FD, SOL_SOCKET, SO_ACCEPTFILTER, null]}])
  })

  it('detach on a socket that is not listening changes nothing', () => {
    const {calls, adapter} = socket(false)
    adapter.detach(FD)
    expect(calls.take()).toEqual(checks)
  })

  it('query decodes the 256 bytes, and EINVAL means none', () => {
    expect(socket(true, 'httpready').adapter.query(FD)).toEqual({filter: 'httpready', kernelName: 'httpready'})
    const none = socket(true)
    expect(none.adapter.query(FD)).toEqual({filter: null})
    expect(none.calls.take()).toEqual([...checks, {call: 'getsockopt', args: [FD, SOL_SOCKET, SO_ACCEPTFILTER, 256]}])
    expect(socket(false).adapter.query(FD)).toEqual({filter: null})
  })

  it('query reports an argument the kernel holds, unless it is the name copied back', () => {
    const {calls, adapter} = socket(true)
    const bytes = encodeAcceptFilterArg('httpready')
    calls.on('getsockopt', (_fd, _level, name) => (name === SO_ACCEPTFILTER ? bytes : int32(1)))
    bytes.write('httpready', 16)
    expect(adapter.query(FD)).toEqual({filter: 'httpready', kernelName: 'httpready'})
    bytes.fill(0, 16).write('x', 16)
    expect(adapter.query(FD)).toEqual({filter: 'httpready', kernelName: 'httpready', arg: 'x'})
  })

  it('a bad descriptor fails the usual checks', () => {
    const {calls, adapter} = socket(true)
    calls.on('getsockopt', () => {
      throw sysError('getsockopt', 'EBADF')
    })
    expect(caught(() => adapter.query(FD)).code).toBe('BAD_DESCRIPTOR')
  })

  it('probes each filter on its own throw-away listener and closes it even on failure', () => {
    const {calls, adapter} = socket(true)
    calls.on('setsockopt', (fd) => {
      if (fd === 11) throw sysError('setsockopt', 'ENOENT')
    })
    calls.on('listen', (fd) => {
      if (fd === 12) throw sysError('listen', 'EADDRINUSE')
    })
    const support = adapter.kernelFilters()
    expect(support[0]).toMatchObject({name: 'dataready', where: 'kernel', kernelName: 'dataready'})
    expect(support[1]).toMatchObject({name: 'httpready', where: 'unavailable'})
    expect(support[1].why).toContain(load)
    const log = calls.take()
    const loopback = adapter.encodeAddress(adapter.constants.AF_INET, '127.0.0.1', 0).toString('hex')
    expect(log.slice(0, 5)).toEqual([
      {call: 'socket', args: [adapter.constants.AF_INET, adapter.constants.SOCK_STREAM, 0]},
      {call: 'bind', args: [10, loopback]},
      {call: 'listen', args: [10, 1]},
      {call: 'setsockopt', args: [10, SOL_SOCKET, SO_ACCEPTFILTER, '646174617265616479' + '00'.repeat(247)]},
      {call: 'close', args: [10]},
    ])
    expect(log.filter((entry) => entry.call === 'close')).toHaveLength(log.filter((entry) => entry.call === 'socket').length)
    expect(support.map((filter) => filter.name)).toEqual(['dataready', 'httpready', 'dnsready', 'tlsready', 'proxy'])
    expect(support.at(-1)).toMatchObject({name: 'proxy', where: 'unavailable'})
  })
})
