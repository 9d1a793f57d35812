// Least privilege: started as root, the engine serves as `nobody` (or --engine-user), and a
// system call outside its seccomp list kills the engine alone; the wrapper restarts it on the
// same sockets and the server, untouched, goes on serving the next clients.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {get} from '../helpers/http.js'
import {client, handoverPair, spec, startEngine, startServer, stopAll as stopEngineTest, tcpListener} from '../engine/helpers.js'
import {ending, enginePid, open, procStatus, serverPid, stopAll, until, wrapped} from './helpers.js'

const NOBODY = 65534
const DAEMON = 1
const source = fileURLToPath(new URL('forbidden_plugin.c', import.meta.url))
const filters = fileURLToPath(new URL('../../native/filters', import.meta.url))
let dir: string
let plugin: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'da-hardening-'))
  plugin = join(dir, 'forbidden.so')
  execFileSync('cc', ['-std=c11', '-D_GNU_SOURCE', '-shared', '-fPIC', '-I', filters, '-o', plugin, source])
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))
afterEach(async () => {
  await stopAll()
  await stopEngineTest()
})

describe('least privilege', () => {
  it('1. the engine serves as nobody when started as root, or as --engine-user', async () => {
    expect(process.getuid!()).toBe(0) // the drop is only done by root: this test needs it
    for (const [args, uid] of [[[], NOBODY], [['--engine-user', 'daemon'], DAEMON]] as const) {
      const {r, port} = await wrapped(['--filter', 'httpready', ...args])
      expect((await get(port)).status).toBe(200)
      const status = procStatus(await until(() => enginePid(r)))
      expect([status.uid, status.gid]).toEqual([uid, uid])
      expect(procStatus(serverPid(r)).uid).toBe(0) // the server keeps its own user
      await stopAll()
    }
  })

  it('2. an engine given a user that does not exist exits 1 and says so', async () => {
    const tcp = tcpListener()
    const [engineEnd] = handoverPair()
    const engine = startEngine(['--user', 'no-such-user-here', '--listener', spec('httpready')], [tcp.fd, engineEnd])
    expect(await engine.exit).toBe(1)
    expect(engine.stderr()).toMatch(/no user no-such-user-here/)
  })

  it('3. a system call outside the list kills the engine with SIGSYS, not the server', async () => {
    const tcp = tcpListener()
    const [engineEnd, serverEnd] = handoverPair()
    const server = await startServer(serverEnd)
    const engine = startEngine(['--listener', spec(plugin)], [tcp.fd, engineEnd])
    const died = new Promise<NodeJS.Signals | null>((resolve) => engine.child.once('exit', (_code, signal) => resolve(signal)))
    const good = await client(tcp.port)
    good.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await server.waitFor(1)
    const bad = await client(tcp.port)
    bad.send('GET /forbidden HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(await died).toBe('SIGSYS')
    expect(server.child.exitCode).toBeNull()
    expect(server.handed).toHaveLength(1) // the killing request was never handed over
  })

  it('4. under wrap, the killed engine is restarted and the next clients are served', async () => {
    const {r, port} = await wrapped(['--filter', plugin])
    expect((await get(port)).status).toBe(200)
    const server = serverPid(r)
    const first = await until(() => enginePid(r))
    const bad = await open(port)
    const lost = ending(bad)
    bad.write('GET /forbidden HTTP/1.1\r\nHost: x\r\n\r\n')
    expect((await lost).text).toBe('') // it was in the engine when the engine died: closed unanswered
    const second = await until(() => {
      const pid = enginePid(r)
      return pid !== undefined && pid !== first ? pid : undefined
    })
    for (let i = 0; i < 5; i++) expect((await get(port)).status).toBe(200)
    expect(serverPid(r)).toBe(server)
    expect(procStatus(second).uid).toBe(NOBODY)
  })
})
