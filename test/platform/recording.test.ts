// The recording fake is only worth its tests if its errors are the ones libc.ts throws: this
// makes real calls fail on this kernel and compares the two.
import {closeSync, openSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {SysError} from '../../src/errors.js'
import {socketCalls} from '../../src/platform/libc.js'
import {LINUX} from '../../src/platform/linux.js'
import {RecordingSocketCalls, sysError} from './recording.js'

function failure(action: () => unknown): SysError {
  try {
    action()
  } catch (error) {
    if (error instanceof SysError) return error
    throw error
  }
  throw new Error('expected the call to fail')
}

describe('RecordingSocketCalls', () => {
  it('sysError equals what libc.ts throws for a real EBADF and ENOTSOCK', () => {
    const fd = socketCalls.socket(LINUX.AF_INET, LINUX.SOCK_STREAM, 0)
    socketCalls.close(fd)
    const closed = failure(() => socketCalls.getsockopt(fd, LINUX.SOL_SOCKET, LINUX.SO_TYPE, 4))
    expect(sysError('getsockopt', 'EBADF')).toEqual(closed)
    expect(sysError('getsockopt', 'EBADF').message).toBe(closed.message)

    const file = openSync('/dev/null', 'r')
    try {
      const notSocket = failure(() => socketCalls.getsockname(file))
      expect(sysError('getsockname', 'ENOTSOCK')).toEqual(notSocket)
    } finally {
      closeSync(file)
    }
  })

  it('records Buffers as hex and NULL as null, and answers from the script', () => {
    const calls = new RecordingSocketCalls().on('getsockopt', () => Buffer.from([1, 2]))
    calls.setsockopt(3, 4, 5, Buffer.from('ab'))
    calls.setsockopt(3, 4, 5, null)
    expect(calls.getsockopt(3, 4, 5, 2)).toEqual(Buffer.from([1, 2]))
    expect(calls.socket(2, 1, 0)).toBe(10)
    expect(calls.take()).toEqual([
      {call: 'setsockopt', args: [3, 4, 5, '6162']},
      {call: 'setsockopt', args: [3, 4, 5, null]},
      {call: 'getsockopt', args: [3, 4, 5, 2]},
      {call: 'socket', args: [2, 1, 0]},
    ])
    expect(calls.take()).toEqual([])
    expect(() => calls.getsockname(3)).toThrow('unscripted getsockname(3)')
  })
})
