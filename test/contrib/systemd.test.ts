// The systemd units users copy (contrib/systemd/): systemd-analyze verify accepts them, and the
// socket activation helper pair runs for real: systemd-socket-activate holds the .socket's port
// and starts the .service's ExecStart, and a client gets its answer. The units name installed
// paths (/usr/local/bin/defer-accept, a placeholder app); the tests use copies with those paths
// pointed at this checkout, because verify checks that every command exists.
import {execFile, spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {freePort} from '../helpers/net.js'
import {CLI, FIXTURES, start, type Running} from '../helpers/cli.js'
import {ROOT} from '../helpers/package.js'

const run = promisify(execFile)
const UNITS = join(ROOT, 'contrib', 'systemd')
const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0

/** The unit's text with installed paths pointed at this checkout. */
function localised(name: string): string {
  return readFileSync(join(UNITS, name), 'utf8').replaceAll('/usr/local/bin/defer-accept', CLI).replaceAll('/srv/app/server.py', join(FIXTURES, 'activated_server.py'))
}

/** The value of KEY= in a unit (the last one wins, as in systemd). */
function setting(text: string, key: string): string {
  const values = [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((match) => match[1].trim())
  if (values.length === 0) throw new Error(`no ${key}= in the unit`)
  return values[values.length - 1]
}

describe('contrib/systemd', () => {
  let dir: string
  const running: Running[] = []
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'da-units-'))
    for (const name of readdirSync(UNITS)) writeFileSync(join(dir, name), localised(name))
  })
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop('SIGTERM')))
  })
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it.skipIf(!has('systemd-analyze'))('1. systemd-analyze verify accepts every unit (skipped where systemd-analyze is missing)', async () => {
    const units = readdirSync(dir).map((name) => join(dir, name))
    expect(units.length).toBe(3)
    const {stderr} = await run('systemd-analyze', ['verify', '--man=no', ...units], {cwd: dir, timeout: 30_000})
    expect(stderr).toBe('')
  })

  it.skipIf(!has('systemd-socket-activate'))('2. the helper pair: the .service ExecStart under the .socket answers a client (skipped where systemd-socket-activate is missing)', async () => {
    const socket = readFileSync(join(dir, 'defer-accept-app.socket'), 'utf8')
    const service = readFileSync(join(dir, 'defer-accept-app.service'), 'utf8')
    expect(setting(socket, 'ListenStream')).toBe('8080') // the test listens on a free port instead
    const name = setting(socket, 'FileDescriptorName')
    // This ExecStart has no quoting: words split on spaces, as systemd does.
    const argv = setting(service, 'ExecStart').split(/\s+/)
    const port = await freePort()
    const r = start('systemd-socket-activate', ['-l', `127.0.0.1:${port}`, `--fdname=${name}`, ...argv], {timeoutMs: 40_000})
    running.push(r)
    await r.waitFor(/Listening on/)
    const {stdout} = await run('curl', ['-sS', '--max-time', '15', `http://127.0.0.1:${port}/`], {timeout: 20_000})
    const body = JSON.parse(stdout) as {pid: number; listen_pid: string; names: string}
    expect(body.names).toBe(name)
    expect(body.listen_pid).toBe(String(body.pid))
    expect(r.stderr()).toMatch(`127.0.0.1:${port}: dataready in the kernel (TCP_DEFER_ACCEPT 10 s, effective`)
  })
})
