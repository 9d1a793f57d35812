// A filter the user asked for is in force, or the server is stopped and wrap says why. Debian's
// caddy is a Go program: dynamically linked, yet it makes its own system calls, so the preload
// never sees its listen() or accept(). Before this check it ran with no filter and no deferral,
// and wrap said nothing. wrap now runs Go programs under the seccomp launcher by itself
// (test/commands/wrap-seccomp.test.ts); forced into the preload, the check still stops it.
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'

import {EXIT} from '../../src/errors.js'
import {cli, FIXTURES, type Running} from '../helpers/cli.js'
import {get} from '../helpers/http.js'
import {freePort} from '../helpers/net.js'

const CADDY = '/usr/bin/caddy'
const running: Running[] = []
const dirs: string[] = []
afterEach(async () => {
  // SIGTERM: wrap stops its server and engine (a SIGKILLed wrapper would leave both running).
  await Promise.all(running.splice(0).map((r) => r.stop('SIGTERM')))
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({host: '127.0.0.1', port}, () => (socket.destroy(), resolve(false)))
    socket.on('error', () => resolve(true))
  })

describe('wrap checks that the filter is in force', () => {
  it.skipIf(!existsSync(CADDY))('1. caddy (Go, raw system calls) under --mode preload binding its port: stopped, with the reason and what works', async () => {
    const port = await freePort()
    const home = mkdtempSync(join(tmpdir(), 'da-caddy-'))
    dirs.push(home)
    const r = cli(['wrap', '--filter', `${port}=httpready`, '--mode', 'preload', '--', CADDY, 'file-server', '--listen', `127.0.0.1:${port}`, '--root', home], {env: {HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home}, timeoutMs: 30_000})
    running.push(r)
    const done = await r.finished
    expect(done.code).toBe(EXIT.FILTER_NOT_IN_FORCE)
    expect(done.stderr).toMatch(new RegExp(`listens on port ${port}, but its accept\\(\\) never went through the preload`))
    expect(done.stderr).toMatch(/--filter dataready/)
    expect(done.stderr).toMatch(/--mode seccomp/)
    expect(await refused(port)).toBe(true) // caddy was stopped with it
  })

  it('2. the control case: a server the preload enters is filtered and keeps running', async () => {
    const r = cli(['wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--', 'python3', FIXTURES + 'activated_server.py'])
    running.push(r)
    const port = Number((await r.waitFor(/listening on [\d.]+:(\d+)/))[1])
    await r.waitFor(/^ready$/m)
    await new Promise((resolve) => setTimeout(resolve, 3500)) // past the load grace
    expect((await get(port)).status).toBe(200)
    expect(r.child.exitCode).toBe(null)
  })
})
