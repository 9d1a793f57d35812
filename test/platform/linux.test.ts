// TCP_DEFER_ACCEPT observed from outside, on real loopback sockets: a client that connected and
// sent nothing is not accepted; one that sent a byte is, with the byte readable.
import {closeSync, openSync} from 'node:fs'
import {connect, createServer, type Server, type Socket} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'

import {DeferAcceptError} from '../../src/errors.js'
import {socketCalls} from '../../src/platform/libc.js'
import {effectiveDeferSeconds, LINUX, LinuxAdapter} from '../../src/platform/linux.js'
import {parseListenAddress} from '../../src/wrap/address.js'
import {createListeners} from '../../src/wrap/listeners.js'
import {CLI} from '../helpers/cli.js'
import {sleep, until} from '../helpers/wait.js'

const adapter = new LinuxAdapter(socketCalls)
const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()))

function listener(): {fd: number; port: number} {
  const [made] = createListeners(socketCalls, adapter, [parseListenAddress('127.0.0.1:0')], 16)
  return made
}

function serve(fd: number): {server: Server; accepted: Socket[]; data: string[]} {
  const accepted: Socket[] = []
  const data: string[] = []
  const server = createServer((socket) => {
    accepted.push(socket)
    socket.on('data', (chunk) => data.push(chunk.toString()))
  })
  server.listen({fd})
  cleanups.push(() => {
    accepted.forEach((socket) => socket.destroy())
    server.close()
  })
  return {server, accepted, data}
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({host: '127.0.0.1', port}, () => resolve(socket))
    socket.on('error', reject)
    cleanups.push(() => socket.destroy())
  })
}

describe('Linux dataready (TCP_DEFER_ACCEPT)', () => {
  it('1. holds a client that sent nothing, accepts one that sent a byte, with the byte readable', async () => {
    const {fd, port} = listener()
    adapter.attach(fd, {name: 'dataready'}, 5)
    const {accepted, data} = serve(fd)
    await client(port)
    await sleep(500)
    expect(accepted).toHaveLength(0)
    const speaker = await client(port)
    speaker.write('x')
    await until(() => accepted.length === 1 && data.length === 1, 'the speaking client accepted with its byte', 3000, 10)
    expect(data).toEqual(['x'])
  })

  it('2. without the filter the silent client is accepted at once (the test can fail)', async () => {
    const {fd, port} = listener()
    const {accepted} = serve(fd)
    await client(port)
    await until(() => accepted.length === 1, 'the silent client accepted', 3000, 10)
  })

  it.each([
    [1, 1],
    [2, 3],
    [5, 7],
    [10, 15],
    [30, 31],
    [60, 63],
  ])('3. reports requested %i s as the effective %i s the kernel applies', (requested, effective) => {
    const {fd} = listener()
    cleanups.push(() => socketCalls.close(fd))
    const state = adapter.attach(fd, {name: 'dataready'}, requested)
    expect(state).toMatchObject({filter: 'dataready', kernelName: 'TCP_DEFER_ACCEPT', requestedSeconds: requested, effectiveSeconds: effective})
    expect(effectiveDeferSeconds(requested)).toBe(effective)
  })

  it('4. disable removes it and query says none', () => {
    const {fd} = listener()
    cleanups.push(() => socketCalls.close(fd))
    adapter.attach(fd, {name: 'dataready'}, 5)
    adapter.detach(fd)
    expect(adapter.query(fd)).toEqual({filter: null})
  })

  it('5. refuses content filters with the fix: run them in the engine', () => {
    const {fd} = listener()
    cleanups.push(() => socketCalls.close(fd))
    expect(() => adapter.attach(fd, {name: 'httpready'})).toThrow(expect.objectContaining({code: 'FILTER_UNAVAILABLE', fix: expect.stringMatching(/wrap --filter httpready/)}))
  })

  it('6. names each bad descriptor: closed, not a socket, not TCP', () => {
    const code = (fn: () => unknown) => {
      try {
        fn()
      } catch (error) {
        return (error as DeferAcceptError).code
      }
      return 'no error'
    }
    expect(code(() => adapter.query(900))).toBe('BAD_DESCRIPTOR')
    const file = openSync(CLI, 'r')
    cleanups.push(() => closeSync(file))
    expect(code(() => adapter.query(file))).toBe('NOT_A_SOCKET')
    const udp = socketCalls.socket(LINUX.AF_INET, 2, 0)
    cleanups.push(() => socketCalls.close(udp))
    expect(code(() => adapter.query(udp))).toBe('NOT_TCP')
  })
})
