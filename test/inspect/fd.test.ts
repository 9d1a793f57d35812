// inspect --fd on Linux: a listener this test creates and passes as descriptor 3 is the only one
// listed, with both processes holding it (the test and inspect); a descriptor that is not a
// listening TCP socket is refused with the usual errors.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {socketCalls} from '../../src/platform/libc.js'
import {LinuxAdapter} from '../../src/platform/linux.js'
import {parseListenAddress} from '../../src/wrap/address.js'
import {createListeners, type Listener} from '../../src/wrap/listeners.js'
import {cli, runCli} from '../helpers/cli.js'

const adapter = new LinuxAdapter(socketCalls)

describe('inspect --fd (Linux)', () => {
  let passed: Listener
  let other: Listener
  let udp: number
  let unbound: number
  beforeAll(() => {
    ;[passed, other] = createListeners(socketCalls, adapter, [parseListenAddress('127.0.0.1:0'), parseListenAddress('[::1]:0')], 16)
    adapter.attach(passed.fd, {name: 'dataready'}, 5)
    udp = socketCalls.socket(2, 2, 0)
    unbound = socketCalls.socket(2, 1, 0)
  })
  afterAll(() => {
    for (const fd of [passed?.fd, other?.fd, udp, unbound]) if (fd !== undefined) socketCalls.close(fd)
  })

  it('lists only the passed socket, held by this process and by inspect as descriptor 3', async () => {
    const run = cli(['inspect', '--fd', '3', '--json'], {fds: [passed.fd]})
    const finished = await run.finished
    expect(finished.stderr).toBe('')
    expect(finished.code).toBe(0)
    const result = JSON.parse(finished.stdout)
    expect(result.listeners).toHaveLength(1)
    const [listener] = result.listeners
    expect(passed.address).toBe(`127.0.0.1:${listener.port}`)
    expect(listener).toMatchObject({family: 'ipv4', address: '127.0.0.1', backlog: 16, acceptQueue: 0, reusePort: false, deferral: {state: 'kernel', seconds: 7}, engine: null})
    expect(listener.processes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({pid: process.pid, fd: passed.fd}),
        expect.objectContaining({pid: run.child.pid, fd: 3, comm: 'node'}),
      ]),
    )
    expect(result.kernelFilters).toBeUndefined()
  })

  it('shows the same socket in the table', async () => {
    const finished = await runCli(['inspect', '--fd', '3'], {fds: [passed.fd]})
    expect(finished.code).toBe(0)
    const rows = finished.stdout.trimEnd().split('\n')
    expect(rows).toHaveLength(2)
    expect(rows[1]).toMatch(new RegExp(`^${passed.address.replace(/\./g, '\\.')}\\s+0/16\\s+no\\s+7 s\\s+-\\s+node `))
  })

  it('refuses a descriptor that is not a listening TCP socket', async () => {
    // Not 3 unpassed: node itself opens descriptors from 3 (epoll, eventfd).
    const notOpen = await runCli(['inspect', '--fd', '999'])
    expect([notOpen.code, notOpen.stderr]).toEqual([13, expect.stringContaining('descriptor 999 is not open')])
    const notSocket = await runCli(['inspect', '--fd', '0'])
    expect([notSocket.code, notSocket.stderr]).toEqual([14, expect.stringContaining('descriptor 0 is not a socket')])
    const datagram = await runCli(['inspect', '--fd', '3'], {fds: [udp]})
    expect([datagram.code, datagram.stderr]).toEqual([15, expect.stringContaining('descriptor 3 is not a TCP socket')])
    const idle = await runCli(['inspect', '--fd', '3'], {fds: [unbound]})
    expect([idle.code, idle.stderr]).toEqual([16, expect.stringContaining('descriptor 3 is a TCP socket but not listening')])
  })
})
