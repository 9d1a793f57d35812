// Real servers from Debian behind `wrap --filter httpready`, each in the way it takes its
// listener (socket activation or binding its own port) and accepts (blocking, epoll, in batches,
// forked workers on one listener, an SO_REUSEPORT group). For each: an idle client and a
// half-sent request never reach it, a whole request is served at once, and the half-sent one,
// parked by the engine, is served as soon as it is complete: the engine gives it back and wakes
// the server's own accept.
import {execFileSync} from 'node:child_process'
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import type {Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'

import {cli, FIXTURES, listeningPort, type Running} from '../helpers/cli.js'
import {untilStats} from '../helpers/engine-stats.js'
import {get} from '../helpers/http.js'
import {nginxCommand, nginxPid, removeNginx, type NginxAccept} from '../helpers/nginx.js'
import {freePort, openSocket, reply} from '../helpers/net.js'
import {sleep, stopMasters, until} from '../helpers/wait.js'


const cleanups: Array<() => Promise<unknown> | unknown> = []
const sockets: Socket[] = []
afterEach(async () => {
  sockets.splice(0).forEach((socket) => socket.destroy())
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const open = (port: number) => openSocket(port, '127.0.0.1', sockets)


function wrap(args: string[]): Running {
  const r = cli(['wrap', ...args], {timeoutMs: 60_000})
  cleanups.push(() => r.stop('SIGTERM'))
  return r
}

async function answers(port: number): Promise<void> {
  const end = Date.now() + 15_000
  for (;;) {
    const status = await get(port, '/', 2000).then((response) => response.status, () => 0)
    if (status === 200) return
    if (Date.now() > end) throw new Error(`port ${port} never answered 200`)
    await sleep(100)
  }
}

/** The narrative every server goes through; the wrapper's pid names its engine's counters. */
async function exercise(wrapper: number, port: number): Promise<void> {
  const before = await untilStats(wrapper, port, () => true, 'the channel')
  await open(port) // idle: the kernel holds it (TCP_DEFER_ACCEPT), nobody accepts it
  const half = await open(port)
  half.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n')
  await untilStats(wrapper, port, (s) => s.parked === before.parked + 1, 'the half-sent request parked in the engine')
  expect((await get(port)).status).toBe(200)
  const answer = reply(half, 10_000)
  half.write('\r\n')
  expect(await answer).toMatch(/^HTTP\/1\.[01] 200/)
  const after = await untilStats(wrapper, port, (s) => s.parked === before.parked && s.ready >= before.ready + 2, 'both requests counted ready')
  expect(after.dropped.eof + after.dropped.reset + after.dropped.engine).toBe(before.dropped.eof + before.dropped.reset + before.dropped.engine)
}

describe('servers behind wrap --filter httpready', () => {
  it('1. python3 http.server binding its own port (blocking accept, one thread)', async () => {
    const port = await freePort()
    const r = wrap(['--filter', `${port}=httpready`, '--', 'python3', '-u', '-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', FIXTURES])
    await r.waitFor(/Serving HTTP/)
    await exercise(r.child.pid!, port)
    expect(r.stderr()).toMatch(/"GET \/ HTTP\/1.1" 200/)
  })

  it('2. gunicorn sync, 2 workers, socket activation (LISTEN_FDS)', async () => {
    const r = wrap(['--listen', '127.0.0.1:0', '--filter', 'httpready', '--', 'gunicorn', '--workers', '2', '--chdir', FIXTURES, 'wsgi_app:app'])
    const port = await listeningPort(r)
    await answers(port)
    await exercise(r.child.pid!, port)
  })

  it('3. gunicorn sync, 2 workers, binding its own port', async () => {
    const port = await freePort()
    const r = wrap(['--filter', `${port}=httpready`, '--', 'gunicorn', '--workers', '2', '--chdir', FIXTURES, '-b', `127.0.0.1:${port}`, 'wsgi_app:app'])
    await answers(port)
    await exercise(r.child.pid!, port)
  })

  it('4. node http on an inherited listener (libuv: epoll, accept4 non-blocking)', async () => {
    const r = wrap(['--listen', '127.0.0.1:0', '--filter', 'httpready', '--', process.execPath, join(FIXTURES, 'http_server.mjs')])
    const port = await listeningPort(r)
    await answers(port)
    await exercise(r.child.pid!, port)
  })

  describe.each<[string, {daemon: boolean} & NginxAccept]>([
    ['daemon off', {daemon: false}],
    ['daemon on', {daemon: true}],
    ['multi_accept on', {daemon: false, multiAccept: true}],
    ['listen ... reuseport, 2 workers', {daemon: false, reuseport: true}],
  ])('5. nginx, %s, binding its own port', (_, options) => {
    it('parks what is not ready and serves it once it is', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'da-nginx-'))
      cleanups.push(() => removeNginx(dir))
      const port = await freePort()
      const r = wrap(['--filter', `${port}=httpready`, '--', ...nginxCommand(dir, port, options.daemon, options)])
      await until(() => nginxPid(dir) > 0, 'the nginx pid file')
      await answers(port)
      await exercise(r.child.pid!, port)
    })
  })

  it('7. a server that turns TCP_DEFER_ACCEPT off after listen(): a wake-up accepted before its token is no client', async () => {
    const port = await freePort()
    // Logs the first bytes of every connection it accepts, answers each, one at a time.
    const server = [
      'import socket',
      'listener = socket.create_server(("127.0.0.1", PORT))',
      'listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 0)',
      'print("listening", flush=True)',
      'while True:',
      '    client, _ = listener.accept()',
      '    head = client.recv(65536)',
      '    print("got", repr(head[:16]), flush=True)',
      '    client.sendall(b"HTTP/1.0 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n")',
      '    client.close()',
    ].join('\n').replace('PORT', String(port))
    const r = wrap(['--filter', `${port}=httpready`, '--', 'python3', '-u', '-c', server])
    await r.waitFor(/listening/)
    for (let round = 0; round < 5; round++) {
      const half = await open(port)
      half.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n')
      await untilStats(r.child.pid!, port, (s) => s.parked === 1, 'the half-sent request parked')
      const answer = reply(half, 10_000)
      half.write('\r\n')
      expect(await answer).toMatch(/^HTTP\/1\.0 200/)
    }
    // Forced: a connection whose token comes only after the server accepted and sent it to park,
    // as a wake-up's would on a slow machine. The engine knows its token: it never hands it over.
    const python = Number(execFileSync('pgrep', ['-P', String(r.child.pid), '-f', 'python3']).toString().trim())
    const pageFd = /@\d+,(\d+)=/.exec(readFileSync(`/proc/${python}/environ`, 'utf8'))![1]
    const token = readFileSync(`/proc/${python}/fd/${pageFd}`).subarray(8, 24)
    const late = await open(port)
    await untilStats(r.child.pid!, port, (s) => s.parked === 1, 'the silent connection parked')
    late.write(token)
    await untilStats(r.child.pid!, port, (s) => s.parked === 0, 'the late token seen by the engine')
    expect((await get(port)).status).toBe(200)
    const got = () => r.stdout().split('\n').filter((line) => line.startsWith('got '))
    await until(() => got().length >= 6, 'the server\'s log of the last GET') // one a round and the last GET
    await sleep(200) // and nothing after it: never a token
    expect(got().length).toBe(6)
    expect(got().every((line) => line.startsWith("got b'GET / HTTP/1.1")), got().join('\n')).toBe(true)
  })

  it('6. Apache httpd, prefork MPM with 2 children, binding its own port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'da-apache-'))
    chmodSync(dir, 0o755) // its children serve as www-data
    const port = await freePort()
    const modules = '/usr/lib/apache2/modules'
    writeFileSync(join(dir, 'index.html'), 'ok\n')
    writeFileSync(
      join(dir, 'httpd.conf'),
      [
        `ServerRoot ${dir}`,
        `LoadModule mpm_prefork_module ${modules}/mod_mpm_prefork.so`,
        `LoadModule authz_core_module ${modules}/mod_authz_core.so`,
        `LoadModule dir_module ${modules}/mod_dir.so`,
        `Listen 127.0.0.1:${port}`,
        'ServerName localhost',
        `PidFile ${dir}/httpd.pid`,
        `ErrorLog ${dir}/error.log`,
        `DocumentRoot ${dir}`,
        'DirectoryIndex index.html',
        'StartServers 2',
        'MinSpareServers 2',
        'MaxSpareServers 2',
        'User www-data',
        'Group www-data',
        `<Directory ${dir}>`,
        '  Require all granted',
        '</Directory>',
        '',
      ].join('\n'),
    )
    const pid = () => {
      try {
        return Number(readFileSync(join(dir, 'httpd.pid'), 'utf8'))
      } catch {
        return 0
      }
    }
    cleanups.push(async () => {
      await stopMasters([pid()])
      rmSync(dir, {recursive: true, force: true})
    })
    const r = wrap(['--filter', `${port}=httpready`, '--', '/usr/sbin/apache2', '-f', join(dir, 'httpd.conf'), '-DFOREGROUND'])
    await answers(port)
    await exercise(r.child.pid!, port)
  })
})
