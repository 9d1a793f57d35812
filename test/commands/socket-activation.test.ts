// The systemd helper: systemd-socket-activate (the real one, from Debian's systemd) starts
// `enable --listen-fds ... -- server`; and enable/query/disable on descriptors we pass in.
import {afterEach, describe, expect, it} from 'vitest'

import {socketCalls} from '../../src/platform/libc.js'
import {LinuxAdapter} from '../../src/platform/linux.js'
import {parseListenAddress} from '../../src/wrap/address.js'
import {createListeners} from '../../src/wrap/listeners.js'
import {CLI, FIXTURES, runCli, start, type Running} from '../helpers/cli.js'
import {get} from '../helpers/http.js'
import {freePort} from '../helpers/net.js'

const adapter = new LinuxAdapter(socketCalls)
const running: Running[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop('SIGTERM')))
})

describe('socket activation', () => {
  it('1. systemd-socket-activate starts enable --listen-fds, which sets the filter and starts the server', async () => {
    const port = await freePort()
    const r = start('systemd-socket-activate', ['-l', `127.0.0.1:${port}`, '--fdname=web', process.execPath, CLI, 'enable', '--listen-fds', '--filter', 'dataready', '--timeout', '5', '--', 'python3', FIXTURES + 'activated_server.py'])
    running.push(r)
    await r.waitFor(/Listening on/)
    const body = JSON.parse((await get(port, '/', 15_000)).body)
    expect(body.listen_pid).toBe(String(body.pid))
    expect(body.names).toBe('web')
    expect(r.stderr()).toMatch(`127.0.0.1:${port}: dataready in the kernel (TCP_DEFER_ACCEPT 5 s, effective 7 s)`)
  })

  it('2. wrap started by socket activation uses the sockets it was given, and the engine serves them', async () => {
    const port = await freePort()
    const r = start('systemd-socket-activate', ['-l', `127.0.0.1:${port}`, '--fdname=api', process.execPath, CLI, 'wrap', '--filter', 'httpready', '--', 'python3', FIXTURES + 'activated_server.py'])
    running.push(r)
    await r.waitFor(/Listening on/)
    const body = JSON.parse((await get(port, '/', 15_000)).body)
    expect(body.names).toBe('api')
    expect(r.stderr()).toMatch(`127.0.0.1:${port}: httpready in the server's accept`)
  })

  it('3. enable, query and disable act on a descriptor passed in', async () => {
    const [listener] = createListeners(socketCalls, adapter, [parseListenAddress('127.0.0.1:0')], 16)
    try {
      const enabled = await runCli(['enable', '--fd', '3', '--filter', 'dataready', '--timeout', '10', '--json'], {fds: [listener.fd]})
      expect(enabled.code).toBe(0)
      expect(JSON.parse(enabled.stdout).sockets[0]).toMatchObject({fd: 3, address: listener.address, filter: 'dataready', requestedSeconds: 10, effectiveSeconds: 15})
      expect(adapter.query(listener.fd).effectiveSeconds).toBe(15) // the same socket, seen from here
      const queried = await runCli(['query', '--fd', '3'], {fds: [listener.fd]})
      expect(queried.stdout).toMatch(/3\s+127\.0\.0\.1:\d+\s+dataready\s+TCP_DEFER_ACCEPT\s+15 s/)
      expect((await runCli(['disable', '--fd', '3'], {fds: [listener.fd]})).code).toBe(0)
      expect(adapter.query(listener.fd).filter).toBeNull()
    } finally {
      socketCalls.close(listener.fd)
    }
  })

  it('4. enable on several descriptors is all or none: a bad one leaves the good one unchanged', async () => {
    const [listener] = createListeners(socketCalls, adapter, [parseListenAddress('127.0.0.1:0')], 16)
    const udp = socketCalls.socket(2, 2, 0)
    try {
      const result = await runCli(['enable', '--fd', '3', '--fd', '4', '--filter', 'dataready'], {fds: [listener.fd, udp]})
      expect(result.code).toBe(15)
      expect(adapter.query(listener.fd).filter).toBeNull()
    } finally {
      socketCalls.close(listener.fd)
      socketCalls.close(udp)
    }
  })
})
