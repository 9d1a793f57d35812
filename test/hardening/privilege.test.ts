// Least privilege: started as root, the engine serves as a user of its own (`defer-accept`, made on
// first use; or --engine-user), never as `nobody`, which every other service shares. A system call
// outside its seccomp list kills the engine alone; the wrapper restarts it and the server, untouched,
// goes on serving. An engine that cannot be kept alive stops the server, loudly.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {ENGINE_USER} from '../../src/engine/index.js'
import {EXIT} from '../../src/errors.js'
import {cli, FIXTURES} from '../helpers/cli.js'
import {get} from '../helpers/http.js'
import {ending, enginePid, open, procStatus, serverPid, sleep, stopAll, until, wrapped} from './helpers.js'

const DAEMON = 1
const source = fileURLToPath(new URL('forbidden_plugin.c', import.meta.url))
const filters = fileURLToPath(new URL('../../native/filters', import.meta.url))
const uidOf = (user: string) => Number(execFileSync('id', ['-u', user]).toString().trim())
let dir: string
let plugin: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'da-hardening-'))
  plugin = join(dir, 'forbidden.so')
  execFileSync('cc', ['-std=c11', '-D_GNU_SOURCE', '-shared', '-fPIC', '-I', filters, '-o', plugin, source])
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))
afterEach(stopAll)

describe.skipIf(process.getuid?.() !== 0)('least privilege (as root)', () => {
  it(`1. the engine serves as ${ENGINE_USER}, a system user of its own, or as --engine-user`, async () => {
    for (const [args, user] of [[[], ENGINE_USER], [['--engine-user', 'daemon'], 'daemon']] as const) {
      const {r, port} = await wrapped(['--filter', 'httpready', ...args])
      expect((await get(port)).status).toBe(200)
      const status = procStatus(await until(() => enginePid(r)))
      const uid = user === 'daemon' ? DAEMON : uidOf(user)
      expect([status.uid, status.gid]).toEqual([uid, Number(execFileSync('id', ['-g', user]).toString().trim())])
      expect(uid).not.toBe(65534) // not nobody
      expect(procStatus(serverPid(r)).uid).toBe(0) // the server keeps its own user
      await stopAll()
    }
  })

  it('2. an engine that cannot start (a user that does not exist) is given up: the server is stopped, exit ENGINE_LOST', async () => {
    const r = cli(['wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--engine-user', 'no-such-user-here', '--', 'python3', FIXTURES + 'activated_server.py'], {timeoutMs: 30_000})
    const done = await r.finished
    expect(done.code).toBe(EXIT.ENGINE_LOST)
    expect(done.stderr).toMatch(/no user no-such-user-here/)
    expect(done.stderr).toMatch(/the engine kept dying .* stopping the server/)
  })

  it('3. ... or, with --on-engine-failure pass, the server goes on unfiltered and the wrapper says so', async () => {
    const {r, port} = await wrapped(['--filter', 'httpready', '--engine-user', 'no-such-user-here', '--on-engine-failure', 'pass'])
    await r.waitFor(/every connection is now handed to the server unfiltered/, 20_000)
    const half = await open(port)
    const answer = ending(half)
    half.write('GET / HTTP/1.1\r\nHost') // half a head reaches the server at once: its first read has 20 bytes
    await sleep(300)
    half.write(': x\r\n\r\n')
    const {text} = await answer
    expect(text).toMatch(/^HTTP\/1\.[01] 200/)
    expect(text).toMatch(/"first_read": 20\b/)
    expect(r.child.exitCode).toBeNull()
  })

  it('4. a system call outside the list kills the engine with SIGSYS, not the server; the next engine serves', async () => {
    const {r, port} = await wrapped(['--filter', plugin])
    expect((await get(port)).status).toBe(200) // the fast path: the plugin runs in the server
    const server = serverPid(r)
    const first = await until(() => enginePid(r))
    const bad = await open(port)
    const lost = ending(bad)
    bad.write('GET /forbidden HTTP/1.1\r\n') // not whole: parked in the engine
    await sleep(300)
    bad.write('Host: x\r\n\r\n') // the engine's chain sees /forbidden and makes the call
    expect((await lost).text).toBe('') // it was in the engine when the engine died: closed unanswered
    const second = await until(() => {
      const pid = enginePid(r)
      return pid !== undefined && pid !== first ? pid : undefined
    })
    expect(r.stderr()).toMatch(/the engine died \(signal SIGSYS\)/)
    for (let i = 0; i < 5; i++) expect((await get(port)).status).toBe(200)
    expect(serverPid(r)).toBe(server)
    expect(procStatus(second).uid).toBe(uidOf(ENGINE_USER))
  })
})
