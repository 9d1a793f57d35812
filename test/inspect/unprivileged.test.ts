// Without ptrace rights over the holder (nobody inspecting root's socket) the listing still
// succeeds: the socket, its owner and backlog are known; processes and deferral are unknown,
// with one hint that says to run as root or as the server's user. The same user reads its own.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {holdListeners, inspectJson, onPort, type Held} from './helpers.js'

const root = process.getuid?.() === 0
const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
// root's python3 may live under /root (pyenv), out of nobody's reach: use the system's.
const SYSTEM_PATH = ['env', 'PATH=/usr/local/bin:/usr/bin:/bin']

describe.skipIf(!root)('inspect as nobody: a root-owned deferred socket', () => {
  let deferred: Held
  let own: Held
  beforeAll(async () => {
    deferred = await holdListeners(['--defer', '5'])
    own = await holdListeners(['--defer', '2', '--reuseport'], [...AS_NOBODY, ...SYSTEM_PATH])
  })
  afterAll(async () => {
    await deferred?.server.stop()
    await own?.server.stop()
  })

  it('marks the deferral unknown, with the hint', async () => {
    const result = await inspectJson(['--port', String(deferred.ports[0])], AS_NOBODY)
    const [listener] = onPort(result, deferred.ports[0])
    expect(listener).toMatchObject({uid: 0, address: '127.0.0.1', backlog: 64, processes: null, reusePort: null, deferral: {state: 'unknown', seconds: null}})
    expect(listener.deferral.reason).toMatch(/cannot be read/)
    expect(result.hints).toHaveLength(1)
    expect(result.hints[0]).toMatch(/unknown for 1 socket\(s\) of uid 0: run as root/)
  })

  it('reads root as root', async () => {
    const [listener] = onPort(await inspectJson(['--port', String(deferred.ports[0])]), deferred.ports[0])
    expect(listener.deferral).toEqual({state: 'kernel', seconds: 7})
  })

  it('reads its own user\'s socket through pidfd_getfd', async () => {
    const [listener] = onPort(await inspectJson(['--port', String(own.ports[0])], AS_NOBODY), own.ports[0])
    expect(listener).toMatchObject({uid: 65534, reusePort: true, deferral: {state: 'kernel', seconds: 3}})
    expect(listener.processes).toEqual([expect.objectContaining({pid: own.server.child.pid, comm: 'python3'})])
  })
})
