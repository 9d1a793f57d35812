// `wrap` of servers the preload cannot enter, through the seccomp launcher (native/launcher/):
// Debian's caddy (Go, raw system calls) binding its own port, a statically linked C server with a
// blocking accept() and a static Go server, both socket-activated. The same narrative as the
// preload's: idle and half-sent clients never reach the server, whole requests are served with
// the client's own address, the half-sent one once it is complete, and the engine's death does
// not close the port. Then the bad inputs: a server with a seccomp filter of its own, a setuid
// server binary (no_new_privs), and a system where the launcher cannot supervise; last, processes
// with listeners of their own under one number, and listeners and channels that end.
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import type {Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {EXIT} from '../../src/errors.js'
import {CLI, cli, FIXTURES, listeningPort, type Running, start} from '../helpers/cli.js'
import {untilStats} from '../helpers/engine-stats.js'
import {get} from '../helpers/http.js'
import {freePort, openSocket, reply} from '../helpers/net.js'
import {reap, sleep, until} from '../helpers/wait.js'

const CADDY = '/usr/bin/caddy'
const LAUNCHER = new URL('../../native/build/da-launcher', import.meta.url).pathname
const hasGo = (() => {
  try {
    execFileSync('go', ['version'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
})()

const running: Running[] = []
const pids: number[] = []
const sockets: Socket[] = []
const dirs: string[] = []
const work = mkdtempSync(join(tmpdir(), 'da-seccomp-'))
afterEach(async () => {
  sockets.splice(0).forEach((socket) => socket.destroy())
  await Promise.all(running.splice(0).map((r) => r.stop('SIGTERM')))
  await reap(pids.splice(0))
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})
afterAll(() => rmSync(work, {recursive: true, force: true}))

const child = (parent: number, name: string) => until(() => {
  try {
    return Number(execFileSync('pgrep', ['-P', String(parent), '-f', name]).toString().trim()) || undefined
  } catch {
    return undefined
  }
}, `a ${name} under ${parent}`)

/** The wrapper started with these arguments; its launcher and server are stopped after the test. */
async function wrapped(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{r: Running; launcher: number; server: number}> {
  const r = cli(['wrap', ...args], {env, timeoutMs: 40_000})
  running.push(r)
  await r.waitFor(/runs under the seccomp launcher/)
  const launcher = await child(r.child.pid!, 'da-launcher')
  const server = await child(launcher, '.')
  pids.push(launcher, server)
  return {r, launcher, server}
}

const open = (port: number) => openSocket(port, '127.0.0.1', sockets)


/** A whole request on a raw connection; resolves with the answer and the client's own port. */
async function whole(port: number, path: string): Promise<{answer: string; clientPort: number}> {
  const socket = await open(port)
  const clientPort = socket.localPort!
  const answer = reply(socket)
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  return {answer: await answer, clientPort}
}

/** An idle client and a half-sent request, parked (the idle one stays in the kernel). */
async function idleAndHalf(wrapper: number, port: number, path: string): Promise<Socket> {
  await open(port)
  const half = await open(port)
  half.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n`)
  await untilStats(wrapper, port, (s) => s.parked === 1, 'the half-sent request parked')
  return half
}

/** The rest of the half-sent request; resolves with the answer and the client's own port. */
async function complete(half: Socket): Promise<{answer: string; clientPort: number}> {
  const clientPort = half.localPort!
  const answer = reply(half)
  half.write('\r\n')
  return {answer: await answer, clientPort}
}

const ok = /^HTTP\/1\.[01] 200/

function engineOf(wrapper: number): number | undefined {
  try {
    return Number(execFileSync('pgrep', ['-P', String(wrapper), '-f', 'da-engine']).toString().trim()) || undefined
  } catch {
    return undefined
  }
}

/** SIGKILL of the engine: the port keeps serving at once (the fast path is the launcher's), and a
 *  new engine parks again. */
async function engineKilled(wrapper: number, port: number): Promise<void> {
  const engine = engineOf(wrapper)!
  process.kill(engine, 'SIGKILL')
  expect((await get(port, '/after-kill')).status).toBe(200)
  await until(() => (engineOf(wrapper) ?? engine) !== engine, 'a new engine')
  const half = await open(port)
  const answer = reply(half)
  half.write('GET /parked-again HTTP/1.1\r\nHost: x\r\nConnection: close\r\n')
  await sleep(300)
  half.write('\r\n')
  expect(await answer).toMatch(ok)
}

describe.skipIf(!existsSync(CADDY))('wrap of caddy (Go) in bind mode, through the seccomp launcher', () => {
  async function caddy(): Promise<{r: Running; port: number}> {
    const port = await freePort()
    const home = mkdtempSync(join(tmpdir(), 'da-caddy-'))
    dirs.push(home)
    for (const name of ['warm-up', 'whole', 'half', 'after-kill', 'parked-again']) writeFileSync(join(home, name), 'hello\n')
    const {r} = await wrapped(['--filter', `${port}=httpready`, '--', CADDY, 'file-server', '--listen', `127.0.0.1:${port}`, '--root', home, '--access-log'], {HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home})
    await until(() => get(port, '/warm-up').then(() => true, () => false), 'caddy serving')
    return {r, port}
  }
  const logged = (r: Running, path: string) => [...r.stderr().matchAll(new RegExp(`"remote_port":"(\\d+)"[^}]*"uri":"${path}"`, 'g'))].map((m) => Number(m[1]))

  it('1. idle and half-sent clients never reach caddy; whole requests are served with the client address, the half-sent one once complete', async () => {
    const {r, port} = await caddy()
    expect(r.stderr()).toMatch(/runs under the seccomp launcher, which answers its accept\(\) calls \(it is a Go program/)
    const half = await idleAndHalf(r.child.pid!, port, '/half')
    const {answer, clientPort} = await whole(port, '/whole')
    expect(answer).toMatch(ok)
    await until(() => logged(r, '/whole').length > 0, 'the access log line of /whole')
    expect(logged(r, '/whole')).toEqual([clientPort])
    expect(logged(r, '/half')).toEqual([])
    const rest = await complete(half)
    expect(rest.answer).toMatch(ok)
    await until(() => logged(r, '/half').length > 0, 'the access log line of /half')
    expect(logged(r, '/half')).toEqual([rest.clientPort])
    // The launcher's counters: the idle client was never accepted from the kernel.
    const stats = await untilStats(r.child.pid!, port, (s) => s.ready === 3, 'three ready')
    expect(stats.accepted).toBe(3)
    expect(stats.parked).toBe(0)
    // wrap's in-force check stops a server a second after it listens unless the launcher took it.
    await sleep(1200)
    expect(r.child.exitCode).toBe(null)
    expect(r.stderr()).not.toMatch(/not in force/)
  })

  it('2. the engine SIGKILLed: the port keeps serving, and a new engine parks again', async () => {
    const {r, port} = await caddy()
    await engineKilled(r.child.pid!, port)
  })
})

describe('wrap of a statically linked C server with a blocking accept(), socket-activated', () => {
  const binary = join(work, 'static_server')
  beforeAll(() => execFileSync('cc', ['-static', '-O1', '-o', binary, FIXTURES + 'static_server.c']))
  const accepts = (r: Running) => [...r.stderr().matchAll(/static_server accepted \d+ from 127\.0\.0\.1:(\d+) \(addrlen 16\)/g)].map((m) => Number(m[1]))

  async function server(env: NodeJS.ProcessEnv = {}) {
    const w = await wrapped(['--listen', '127.0.0.1:0', '--filter', 'httpready', '--', binary], env)
    const port = await listeningPort(w.r)
    await w.r.waitFor(/static_server ready pid/)
    return {...w, port}
  }

  it('3. idle and half-sent clients never reach it; the half-sent one is served once complete, to an accept() that was blocked', async () => {
    const {r, port} = await server()
    expect(r.stderr()).toMatch(/runs under the seccomp launcher, which answers its accept\(\) calls \(it is statically linked\)/)
    const half = await idleAndHalf(r.child.pid!, port, '/half')
    const first = await whole(port, '/whole')
    expect(first.answer).toMatch(ok)
    await sleep(200) // the server is back in accept() and blocks there
    expect(accepts(r)).toEqual([first.clientPort])
    const rest = await complete(half)
    expect(rest.answer).toMatch(ok)
    expect(accepts(r)).toEqual([first.clientPort, rest.clientPort])
  })

  it('4. a signal to the server blocked in accept() ends it with EINTR, as without the launcher, and the next client is served', async () => {
    const {r, port, server: pid} = await server()
    await sleep(200)
    process.kill(pid, 'SIGUSR1')
    await r.waitFor(/static_server accept failed: EINTR/)
    const next = await whole(port, '/after-signal')
    expect(next.answer).toMatch(ok)
    expect(accepts(r)).toEqual([next.clientPort])
  })

  it('5. a peer address buffer too small is filled as the kernel fills it: truncated, with the full length', async () => {
    const {r, port} = await server({ACCEPT_ADDRLEN: '4'}) // family and port only
    const first = await whole(port, '/short-buffer')
    expect(first.answer).toMatch(ok)
    expect(r.stderr()).toMatch(new RegExp(`accepted 1 from 0\\.0\\.0\\.0:${first.clientPort} \\(addrlen 16\\)`))
  })

  it('6. the engine SIGKILLed: the port keeps serving, and a new engine parks again', async () => {
    const {r, port} = await server()
    await engineKilled(r.child.pid!, port)
  })

  it('7. a server that installs a seccomp filter of its own stays filtered (the kernel runs both; ours traps accept)', async () => {
    const {r, port} = await server({OWN_SECCOMP: '1'})
    await r.waitFor(/installed its own seccomp filter/)
    const half = await idleAndHalf(r.child.pid!, port, '/half')
    const first = await whole(port, '/whole')
    expect(first.answer).toMatch(ok)
    expect(accepts(r)).toEqual([first.clientPort])
    expect((await complete(half)).answer).toMatch(ok)
  })

  it.skipIf(process.getuid?.() !== 0)('8. a setuid server binary: no_new_privs keeps it at the user who started wrap (here root, not the owner)', async () => {
    const setuid = join(work, 'setuid_server')
    execFileSync('cp', [binary, setuid])
    execFileSync('chown', ['nobody', setuid])
    execFileSync('chmod', ['4755', setuid])
    // The control case: under the kernel's deferral only (no launcher), it runs as its owner.
    const plain = cli(['wrap', '--listen', '127.0.0.1:0', '--filter', 'dataready', '--', setuid])
    running.push(plain)
    const owner = Number(execFileSync('id', ['-u', 'nobody']).toString())
    expect(Number((await plain.waitFor(/static_server ready pid \d+ euid (\d+)/))[1])).toBe(owner)
    const {r} = await wrapped(['--listen', '127.0.0.1:0', '--filter', 'httpready', '--', setuid])
    const port = await listeningPort(r)
    expect(Number((await r.waitFor(/static_server ready pid \d+ euid (\d+)/))[1])).toBe(0)
    expect((await whole(port, '/setuid')).answer).toMatch(ok)
  })
})

describe.skipIf(!hasGo)('wrap of a static Go server taking LISTEN_FDS', () => {
  const binary = join(work, 'go_server')
  beforeAll(() => {
    // Standard library only: nothing to download (GOPROXY=off), a cache of the test's own.
    execFileSync('go', ['build', '-o', binary, 'main.go'], {
      cwd: FIXTURES + 'go_server',
      env: {...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOPROXY: 'off', GOCACHE: join(work, 'gocache'), GOPATH: join(work, 'gopath')},
      stdio: 'ignore',
    })
  }, 180_000)

  it('9. idle and half-sent clients never reach it (Go waits in epoll: the wake-up makes its listener readable)', async () => {
    const {r} = await wrapped(['--listen', '127.0.0.1:0', '--filter', 'httpready', '--', binary])
    const port = await listeningPort(r)
    await r.waitFor(/go_server ready pid/)
    const half = await idleAndHalf(r.child.pid!, port, '/half')
    const first = await whole(port, '/whole')
    expect(first.answer).toMatch(ok)
    expect(r.stderr()).toMatch(new RegExp(`go_server served /whole from 127\\.0\\.0\\.1:${first.clientPort}`))
    expect(r.stderr().match(/go_server accepted/g)).toHaveLength(1)
    const rest = await complete(half)
    expect(rest.answer).toMatch(ok)
    await r.waitFor(new RegExp(`go_server served /half from 127\\.0\\.0\\.1:${rest.clientPort}`))
    expect(r.stderr().match(/go_server accepted/g)).toHaveLength(2)
  })
})

describe('wrap --mode seccomp of any program', () => {
  // Go listens from whichever thread runs the goroutine; the kernel names that thread, not the
  // process (pidfd_open of it fails with ENOENT on 6.18: caddy was unfiltered one start in five).
  const SERVER = `
import socket, sys, threading
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
t = threading.Thread(target=s.listen, args=(8,))
t.start()
t.join()
print("listening", flush=True)
while True:
    c, peer = s.accept()
    c.recv(4096)
    print("served", peer[1], flush=True)
    c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\nConnection: close\\r\\n\\r\\nok\\n")
    c.close()
`

  it('10. python3 calling listen() from a thread that is not the main one: filtered all the same', async () => {
    const port = await freePort()
    const {r} = await wrapped(['--mode', 'seccomp', '--filter', `${port}=httpready`, '--', 'python3', '-c', SERVER, String(port)])
    await r.waitFor(/^listening$/m)
    expect(r.stderr()).toMatch(/runs under the seccomp launcher, which answers its accept\(\) calls \(--mode seccomp\)/)
    const half = await idleAndHalf(r.child.pid!, port, '/half')
    const first = await whole(port, '/whole')
    expect(first.answer).toMatch(ok)
    expect(r.stdout().match(/served (\d+)/g)).toEqual([`served ${first.clientPort}`])
    expect((await complete(half)).answer).toMatch(ok)
  })
})

describe('wrap --mode seccomp of a prefork server', () => {
  it('11. gunicorn with two workers: each worker\'s accept() is answered by the launcher, with the client\'s address', async () => {
    const port = await freePort()
    const {r} = await wrapped(['--mode', 'seccomp', '--filter', `${port}=httpready`, '--', 'gunicorn', '-w', '2', '-b', `127.0.0.1:${port}`, '--chdir', FIXTURES, 'wsgi_app:app'])
    await r.waitFor(/Booting worker with pid: \d+[\s\S]*Booting worker with pid: \d+/)
    const half = await idleAndHalf(r.child.pid!, port, '/half')
    for (let i = 0; i < 4; i++) {
      const {answer, clientPort} = await whole(port, '/whole')
      expect(answer).toMatch(ok)
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).client).toEqual(['127.0.0.1', clientPort])
    }
    const rest = await complete(half)
    expect(JSON.parse(rest.answer.slice(rest.answer.indexOf('\r\n\r\n') + 4)).client).toEqual(['127.0.0.1', rest.clientPort])
  })
})

describe('wrap --mode seccomp: what the server is given', () => {
  it('12. its listeners and LISTEN_PID, its own pid; none of the channels or pages (the launcher keeps those)', async () => {
    const r = cli(['wrap', '--mode', 'seccomp', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--', '/bin/sh', '-c', 'printf fds; for fd in 3 4 5 6 7 8 9; do [ -e /proc/$$/fd/$fd ] && printf " $fd"; done; echo; echo "pids $LISTEN_FDS $LISTEN_PID $$"'])
    running.push(r)
    const done = await r.finished
    expect(done.code).toBe(0)
    // The channel and page are 4 and 5 in the launcher, the status pipe 6 (a builtin test opens nothing).
    expect(done.stdout).toMatch(/^fds 3$/m)
    const [, count, listenPid, pid] = done.stdout.match(/^pids (\d+) (\d+) (\d+)$/m)!
    expect(count).toBe('1')
    expect(listenPid).toBe(pid)
  })
})

describe('wrap where the launcher cannot supervise', () => {
  it('13. seccomp user notification unavailable (here: wrap already under a launcher, one listener per process): exit 29 and why, the server never started', () => {
    const binary = join(work, 'static_server')
    if (!existsSync(binary)) execFileSync('cc', ['-static', '-O1', '-o', binary, FIXTURES + 'static_server.c'])
    const done = spawnSync(LAUNCHER, ['--', process.execPath, CLI, 'wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--', binary], {encoding: 'utf8', timeout: 20_000})
    expect(done.status).toBe(EXIT.SECCOMP_UNAVAILABLE)
    expect(done.stderr).toMatch(/seccomp user notification unavailable: a seccomp supervisor already watches this process/)
    expect(done.stderr).toMatch(/Code: SECCOMP_UNAVAILABLE/)
    expect(done.stderr).toMatch(/--filter dataready/)
    expect(done.stderr).not.toMatch(/static_server ready/)
  })
})

describe('wrap --mode seccomp: processes of their own, and listeners that end', () => {
  // Each process numbers its descriptors itself: the parent's listener and its child's are both 3.
  const TWO_PROCESSES = `
import os, socket, sys
def listener(port):
    s = socket.socket()
    s.bind(("127.0.0.1", port))
    s.listen(8)
    return s
s = listener(int(sys.argv[1]))
name = "parent"
if os.fork() == 0:
    s.close()
    s, name = listener(int(sys.argv[2])), "child"
print(name, "listens on descriptor", s.fileno(), flush=True)
while True:
    c, peer = s.accept()
    print(name, "accepted", peer[1], flush=True)
    c.recv(4096)
    c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\nConnection: close\\r\\n\\r\\nok\\n")
    c.close()
`

  it('14. two processes, each with a listener of its own under the same number: both stay filtered', async () => {
    const [first, second] = [await freePort(), await freePort()]
    const {r} = await wrapped(['--mode', 'seccomp', '--filter', `${first}=httpready`, '--filter', `${second}=httpready`, '--', 'python3', '-c', TWO_PROCESSES, String(first), String(second)])
    await r.waitFor(/parent listens on descriptor 3[\s\S]*child listens on descriptor 3|child listens on descriptor 3[\s\S]*parent listens on descriptor 3/)
    for (const [port, name] of [[first, 'parent'], [second, 'child']] as const) {
      const half = await idleAndHalf(r.child.pid!, port, '/half')
      const served = await whole(port, '/whole')
      expect(served.answer).toMatch(ok)
      expect([...r.stdout().matchAll(new RegExp(`${name} accepted (\\d+)`, 'g'))].map((m) => Number(m[1]))).toEqual([served.clientPort])
      const rest = await complete(half)
      expect(rest.answer).toMatch(ok)
      expect(r.stdout()).toMatch(new RegExp(`${name} accepted ${rest.clientPort}`))
    }
  })

  it('15. a listener shut down while a thread waits in accept(): the accept fails with EINVAL, as the kernel\'s does', async () => {
    const port = await freePort()
    const SHUT_DOWN = `
import socket, sys, threading, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
def wait():
    try:
        s.accept()
        print("accepted", flush=True)
    except OSError as e:
        print("accept failed", e.errno, flush=True)
t = threading.Thread(target=wait)
t.start()
time.sleep(0.5)
s.shutdown(socket.SHUT_RD)
t.join()
print("done", flush=True)
`
    const {r} = await wrapped(['--mode', 'seccomp', '--filter', `${port}=httpready`, '--', 'python3', '-c', SHUT_DOWN, String(port)])
    await r.waitFor(/^accept failed 22$/m, 10_000)
    await r.waitFor(/^done$/m)
  })

  it.skipIf(process.getuid?.() !== 0)('16. the engine given up (--on-engine-failure pass) while an accept() waits: the launcher waits idle, and serves the next client unfiltered', async () => {
    const port = await freePort()
    const {r, launcher} = await wrapped(['--mode', 'seccomp', '--filter', `${port}=httpready`, '--engine-user', 'no-such-user-here', '--on-engine-failure', 'pass', '--', 'python3', '-c', TWO_PROCESSES, String(port), String(await freePort())])
    await r.waitFor(/every connection is now handed to the server unfiltered/, 20_000)
    await r.waitFor(/parent listens on descriptor 3/)
    const ticks = () => readFileSync(`/proc/${launcher}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13).reduce((sum, t) => sum + Number(t), 0)
    const before = ticks()
    await sleep(1000)
    // A hung-up channel polled while the accept waited woke the launcher at once, forever: a core.
    expect(ticks() - before).toBeLessThan(20)
    const served = await whole(port, '/after-give-up')
    expect(served.answer).toMatch(ok)
    expect(r.stdout()).toMatch(new RegExp(`parent accepted ${served.clientPort}`))
  })

  it.skipIf(process.getuid?.() !== 0)('17. a server that makes itself non-dumpable under a launcher without CAP_SYS_PTRACE (wrap as nobody): its accepts stay filtered, and fail loudly where its buffers cannot be written', async () => {
    const port = await freePort()
    const home = mkdtempSync(join(tmpdir(), 'da-nobody-'))
    dirs.push(home)
    execFileSync('chown', ['nobody', home])
    const HIDDEN = `
import ctypes, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
ctypes.CDLL(None).prctl(4, 0)  # PR_SET_DUMPABLE 0, after listen: the launcher has its copy
print("listening, not dumpable", flush=True)
while True:
    try:
        c, peer = s.accept()
    except OSError as e:
        print("accept failed", e.errno, flush=True)
        continue
    print("accepted", peer[1], flush=True)
    c.recv(4096)
    c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\nConnection: close\\r\\n\\r\\nok\\n")
    c.close()
`
    const nobody = Number(execFileSync('id', ['-u', 'nobody']).toString())
    const r = start('setpriv', [`--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', '--', process.execPath, CLI, 'wrap', '--mode', 'seccomp', '--filter', `${port}=httpready`, '--', '/usr/bin/python3', '-c', HIDDEN, String(port)], {env: {HOME: home, XDG_RUNTIME_DIR: ''}, timeoutMs: 40_000})
    running.push(r)
    const launcher = await child(r.child.pid!, 'da-launcher')
    pids.push(launcher, await child(launcher, '.'))
    await r.waitFor(/^listening, not dumpable$/m)
    // Without the launcher's check, kcmp's EPERM read as "another file": the accept ran untouched, and the half-sent request reached the server.
    const half = await open(port)
    half.write('GET /half HTTP/1.1\r\nHost: x\r\n')
    const served = await open(port)
    served.write('GET /whole HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    await r.waitFor(/^accept failed 1$/m) // EPERM: the peer address cannot be written into a non-dumpable process
    expect(r.stderr()).toMatch(/does not let the launcher compare its descriptors \(kcmp: EPERM/)
    expect(r.stdout()).not.toMatch(/^accepted/m)
  })
})
