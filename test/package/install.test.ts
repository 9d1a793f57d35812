// The npm package is what a user installs (issue 11, 2): only what runs, prebuilt for linux-x64,
// installed from the tarball with no install script, its man pages where man finds them, and a
// clear message naming make -C native where the prebuilt parts are missing or of another arch.
import {execFile} from 'node:child_process'
import {chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {connect} from 'node:net'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {socketCalls} from '../../src/platform/libc.js'
import {LinuxAdapter} from '../../src/platform/linux.js'
import {parseListenAddress} from '../../src/wrap/address.js'
import {createListeners} from '../../src/wrap/listeners.js'
import {start} from '../helpers/cli.js'
import {get} from '../helpers/http.js'
import {freePort} from '../helpers/net.js'
import {sleep} from '../helpers/wait.js'
import {installedPackage, packedPaths, removeInstalled, ROOT, type Installed} from '../helpers/package.js'

const run = promisify(execFile)
// Outside the checkout, with the repository's node_modules nowhere on the way up.
const away = {cwd: tmpdir(), timeout: 20_000, env: {...process.env, NODE_ENV: 'production'}}

describe('npm package', () => {
  let installed: Installed
  beforeAll(async () => {
    installed = await installedPackage()
  }, 120_000)
  afterAll(removeInstalled)

  it('1. the installed defer-accept lists the filters', async () => {
    const {stdout} = await run(installed.bin, ['filters', '--json'], away)
    const result = JSON.parse(stdout) as {os: string; filters: Array<{name: string; where: string}>}
    expect(result.os).toBe('linux')
    expect(result.filters.map((filter) => `${filter.name}:${filter.where}`)).toEqual(['dataready:kernel', 'httpready:engine', 'dnsready:engine', 'tlsready:engine', 'proxy:engine'])
  })

  it('1b. sets a filter on an inherited socket: koffi works from the installed package, its install script never run', async () => {
    const [listener] = createListeners(socketCalls, new LinuxAdapter(socketCalls), [parseListenAddress('127.0.0.1:0')], 16)
    try {
      const enabled = await start(installed.bin, ['enable', '--fd', '3', '--filter', 'dataready', '--timeout', '10', '--json'], {fds: [listener.fd], env: away.env}).finished
      expect(enabled.stderr).toBe('')
      expect(JSON.parse(enabled.stdout).sockets[0]).toMatchObject({fd: 3, address: listener.address, filter: 'dataready', effectiveSeconds: 15})
    } finally {
      socketCalls.close(listener.fd)
    }
  })

  it('2. holds only what runs: no fuzz targets or corpora, no tests, no other build output', async () => {
    const paths = await packedPaths()
    expect(paths.length).toBeLessThan(120) // 95 at the time of writing; 720 before `files` was narrowed
    expect(paths.filter((path) => /(^|\/)(fuzz|corpus|tests?)(\/|$)|\.test\.|^src\/(?!demo\/pool_server\.py$)/.test(path))).toEqual([])
    expect(paths.filter((path) => path.startsWith('native/build/')).sort()).toEqual(['native/build/da-engine', 'native/build/da-launcher', 'native/build/filters.json', 'native/build/libdefer_accept_preload.so'])
    for (const path of ['bin/run.js', 'dist/cli.js', 'native/include/defer_accept.h', 'native/Makefile', 'src/demo/pool_server.py', 'man/defer-accept.1']) expect(paths).toContain(path)
  })

  it('3. needs no install script, and every man page is installed where man finds it', async () => {
    const manifest = JSON.parse(readFileSync(join(installed.packageDir, 'package.json'), 'utf8')) as {scripts?: Record<string, string>; man: string[]}
    for (const script of ['preinstall', 'install', 'postinstall']) expect(manifest.scripts?.[script]).toBeUndefined()
    const pages = readdirSync(join(ROOT, 'man')).sort()
    expect(manifest.man.map((path) => path.replace('./man/', '')).sort()).toEqual(pages)
    for (const page of pages) expect(existsSync(join(installed.prefix, 'share', 'man', 'man1', page)), page).toBe(true)
    const {stdout} = await run('man', ['-M', join(installed.prefix, 'share', 'man'), '-P', 'cat', 'defer-accept'], {...away, env: {...away.env, MANWIDTH: '100'}})
    expect(stdout).toMatch(/defer-accept - /)
  })

  it('5. wrap --filter httpready of python3 http.server from the installed package: the preload and the engine it ships', async () => {
    const port = await freePort()
    const r = start(installed.bin, ['wrap', '--filter', `${port}=httpready`, '--', 'python3', '-u', '-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', tmpdir()], {env: away.env, timeoutMs: 30_000})
    try {
      await r.waitFor(/Serving HTTP/)
      const half = connect({host: '127.0.0.1', port})
      half.on('error', () => {})
      half.write('GET /half-sent HTTP/1.1\r\n')
      expect((await get(port, '/?whole')).status).toBe(200)
      await sleep(300)
      expect(r.stderr()).toMatch(/GET \/\?whole/)
      expect(r.stderr()).not.toMatch(/half-sent/)
      // The engine that runs is the package's own.
      const engine = (await run('pgrep', ['-P', String(r.child.pid), '-f', 'da-engine'])).stdout.trim()
      expect(readlinkSync(`/proc/${engine}/exe`)).toBe(join(installed.packageDir, 'native', 'build', 'da-engine'))
      half.destroy()
    } finally {
      await r.stop('SIGTERM')
    }
  })

  describe('4. prebuilt native parts that cannot run here: a message that names make -C native', () => {
    let copy: string
    const engine = () => join(copy, 'native', 'build', 'da-engine')
    beforeAll(() => {
      copy = join(mkdtempSync(join(tmpdir(), 'da-foreign-')), 'defer-accept')
      cpSync(installed.packageDir, copy, {recursive: true})
    })
    afterAll(() => rmSync(join(copy, '..'), {recursive: true, force: true}))

    it('an engine of another architecture', async () => {
      // An ELF header for aarch64 (e_machine 183), or x86-64 (62) on an aarch64 machine.
      const header = Buffer.alloc(64)
      header.writeUInt32BE(0x7f454c46, 0)
      header[4] = 2
      header[5] = 1
      header.writeUInt16LE(process.arch === 'arm64' ? 62 : 183, 18)
      writeFileSync(engine(), header)
      chmodSync(engine(), 0o755)
      const failed = await run(process.execPath, [join(copy, 'bin', 'run.js'), 'filters'], away).catch((error: {code: number; stderr: string}) => error)
      expect(failed).toMatchObject({code: 25})
      expect((failed as {stderr: string}).stderr.replace(/\s+›\s+/g, ' ')).toMatch(new RegExp(`built for (arm64|x64) and this machine is linux-${process.arch}.*make -C ${copy}/native`, 's'))
    })

    it('an engine that is missing', async () => {
      rmSync(engine(), {force: true})
      const failed = await run(process.execPath, [join(copy, 'bin', 'run.js'), 'filters'], away).catch((error: {code: number; stderr: string}) => error)
      expect(failed).toMatchObject({code: 25})
      expect((failed as {stderr: string}).stderr.replace(/\s+›\s+/g, ' ')).toMatch(new RegExp(`da-engine is missing.*make -C ${copy}/native`, 's'))
    })
  })
})
