// 1. A listener with TCP_DEFER_ACCEPT 5 shows as deferred 7 s (the kernel's rounding).
// 2. One without shows none, with its backlog, queue, SO_REUSEPORT and its one process.
// 3. IPv6 listeners are listed with their address in short form.
// 4. --port and --pid select.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {holdListeners, inspectJson, onPort, type Held} from './helpers.js'

describe('inspect: kernel deferral of real python3 listeners', () => {
  let deferred: Held
  let plain: Held
  beforeAll(async () => {
    deferred = await holdListeners(['--defer', '5', '--backlog', '77'])
    plain = await holdListeners(['--ipv6', '--reuseport', '--backlog', '9'])
  })
  afterAll(async () => {
    await deferred?.server.stop()
    await plain?.server.stop()
  })

  it('shows TCP_DEFER_ACCEPT 5 as deferred 7 s', async () => {
    const [listener] = onPort(await inspectJson(['--port', String(deferred.ports[0])]), deferred.ports[0])
    expect(listener).toMatchObject({family: 'ipv4', address: '127.0.0.1', backlog: 77, acceptQueue: 0, reusePort: false, deferral: {state: 'kernel', seconds: 7}, engine: null})
    expect(listener.processes).toEqual([expect.objectContaining({pid: deferred.server.child.pid, comm: 'python3', fd: expect.any(Number)})])
  })

  it('shows a listener without deferral as none, on IPv6 with SO_REUSEPORT', async () => {
    const result = await inspectJson(['--pid', String(plain.server.child.pid)])
    expect(result.listeners).toHaveLength(1)
    expect(result.listeners[0]).toMatchObject({family: 'ipv6', address: '::1', port: plain.ports[0], backlog: 9, reusePort: true, deferral: {state: 'none', seconds: null}})
    expect(result.hints).toEqual([])
  })

  it('shows the same in the table for people', async () => {
    const {runCli} = await import('../helpers/cli.js')
    const finished = await runCli(['inspect', '--port', String(deferred.ports[0])])
    expect(finished.code).toBe(0)
    const line = finished.stdout.split('\n').find((text) => text.includes(`127.0.0.1:${deferred.ports[0]}`))
    expect(line).toMatch(new RegExp(`^127\\.0\\.0\\.1:${deferred.ports[0]}\\s+0/77\\s+no\\s+7 s\\s+-\\s+python3 ${deferred.server.child.pid}$`))
  })
})
