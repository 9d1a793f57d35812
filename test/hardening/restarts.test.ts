// Servers that restart themselves under load keep their listener: gunicorn's HUP (new workers),
// nginx's reload (HUP: new workers, the same listeners) and nginx's binary upgrade (USR2: a new
// master inherits the listeners, then the old one quits). A client loop runs throughout; no
// request may be refused or cut; gunicorn's re-exec (USR2) too, in bind mode (under socket
// activation gunicorn 20.1's own re-exec fails, wrapped or not: README). And the engine SIGKILLed
// under nginx in bind mode: the listeners nginx registered come back with the next engine.
import {afterEach, describe, expect, it} from 'vitest'

import {cli, FIXTURES, listeningPort, type Running} from '../helpers/cli.js'
import {get} from '../helpers/http.js'
import {nginxPid, nginxWorkersStarted, removeNginx, wrappedNginx} from '../helpers/nginx.js'
import {freePort} from '../helpers/net.js'
import {alive, parentPid, sleep, stopMasters, until, within} from '../helpers/wait.js'
import {enginePid} from './helpers.js'

const running: Running[] = []
const dirs: string[] = []
// Masters that may outlive the wrapper (a re-exec'd gunicorn is not its child).
const masters: number[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop('SIGTERM')))
  await Promise.all(dirs.splice(0).map(removeNginx))
  await stopMasters(masters.splice(0))
})

/** Requests one after another, new connection each, until stopped; every failure is kept. */
function load(port: number): {ok: () => number; stop: () => Promise<{ok: number; failures: string[]}>} {
  let going = true
  const failures: string[] = []
  let ok = 0
  const loop = (async () => {
    while (going) {
      await get(port, '/', 5000).then(
        (reply) => (reply.status === 200 ? ok++ : failures.push(`status ${reply.status}`)),
        (error: Error) => failures.push(error.message),
      )
    }
  })()
  return {
    ok: () => ok,
    stop: async () => {
      going = false
      await loop
      return {ok, failures}
    },
  }
}

describe('server restarts under load, behind wrap --filter httpready', () => {
  it('1. gunicorn HUP: new workers, the same listener, no request lost', async () => {
    const r = cli(['wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--', 'gunicorn', '--workers', '2', '--chdir', FIXTURES, 'wsgi_app:app'])
    running.push(r)
    const port = await listeningPort(r)
    await r.waitFor(/Booting worker[\s\S]*Booting worker/)
    const before = JSON.parse((await get(port)).body).pid
    const traffic = load(port)
    await sleep(500)
    const master = Number(/Listening at: .* \((\d+)\)/.exec(r.stderr())?.[1] ?? /Starting gunicorn[\s\S]*?\[(\d+)\]/.exec(r.stderr())![1])
    process.kill(master, 'SIGHUP')
    await until(() => (r.stderr().match(/Booting worker/g) ?? []).length >= 4, 'new workers')
    await sleep(1000)
    const {ok, failures} = await traffic.stop()
    expect(failures).toEqual([])
    expect(ok).toBeGreaterThan(10)
    expect(JSON.parse((await get(port)).body).pid).not.toBe(before) // answered by a new worker
  })

  it.each([false, true])('2. nginx reload (HUP), daemon %s: new workers, no request lost', async (daemon) => {
    const {r, dir, port, master} = await wrappedNginx(daemon)
    running.push(r)
    dirs.push(dir)
    await until(() => nginxWorkersStarted(dir) >= 2, 'workers')
    const before = new Set([(await get(port)).body])
    const traffic = load(port)
    await sleep(500)
    process.kill(master, 'SIGHUP')
    await until(() => nginxWorkersStarted(dir) >= 4, 'new workers')
    await sleep(1500)
    const {ok, failures} = await traffic.stop()
    expect(failures).toEqual([])
    expect(ok).toBeGreaterThan(10)
    expect(before.has((await get(port)).body)).toBe(false) // a new worker answers
    process.kill(master, 'SIGQUIT')
    expect((await r.finished).code).toBe(0)
  })

  it('3. gunicorn USR2 (re-exec) in bind mode, then TERM to the old master: the new master serves, no request lost', async () => {
    const port = await freePort()
    const r = cli(['wrap', '--filter', `${port}=httpready`, '--', 'gunicorn', '--workers', '2', '--chdir', FIXTURES, '-b', `127.0.0.1:${port}`, 'wsgi_app:app'])
    running.push(r)
    await r.waitFor(/Booting worker[\s\S]*Booting worker/)
    const started = () => [...r.stderr().matchAll(/Listening at: \S+ \((\d+)\)/g)].map((match) => Number(match[1]))
    const [old] = started()
    masters.push(old)
    const traffic = load(port)
    await sleep(500)
    process.kill(old, 'SIGUSR2')
    await until(() => started().length === 2 && (r.stderr().match(/Booting worker/g) ?? []).length >= 4, 'the new master and its workers')
    const upgraded = started()[1]
    masters.push(upgraded)
    process.kill(old, 'SIGTERM') // graceful for gunicorn: its workers finish the requests they have (QUIT would cut them)
    await until(() => !alive(old), 'the old master to exit')
    await sleep(1000)
    const {ok, failures} = await traffic.stop()
    expect(failures).toEqual([])
    expect(ok).toBeGreaterThan(10)
    expect(parentPid(JSON.parse((await get(port)).body).pid)).toBe(upgraded) // a new worker answers
    process.kill(upgraded, 'SIGQUIT')
    expect((await within(r.finished, () => `the wrapper to exit; its stderr: ${r.stderr()}`)).code).toBe(0)
  }, 90_000) // gunicorn starts twice and stops once, seconds each on a loaded machine

  it('4. nginx (bind mode), the engine SIGKILLed three times: the new engines serve the same workers', async () => {
    const {r, dir, port} = await wrappedNginx(false)
    running.push(r)
    dirs.push(dir)
    await until(() => nginxWorkersStarted(dir) >= 2, 'workers')
    const workers = new Set([(await get(port)).body])
    const traffic = load(port)
    for (let kill = 0; kill < 3; kill++) {
      await sleep(300)
      const engine = enginePid(r)!
      process.kill(engine, 'SIGKILL')
      await until(() => ![undefined, engine].includes(enginePid(r)), 'a new engine')
      const okBefore = traffic.ok()
      await until(() => traffic.ok() > okBefore + 20, 'requests served after the restart')
    }
    const {ok, failures} = await traffic.stop()
    // Only a connection the dead engine had taken and not yet handed over is lost, and its
    // client sees the close at once: no refusal, no timeout.
    expect(failures.filter((failure) => !/socket hang up|ECONNRESET|EPIPE/.test(failure))).toEqual([])
    expect(ok).toBeGreaterThan(60)
    workers.add((await get(port)).body)
    expect(workers.size).toBeLessThanOrEqual(2) // nginx's own workers, never restarted
  }, 90_000)

  // daemon on only: nginx ignores USR2 while its parent is the one it started with (it takes
  // itself for a new binary whose old master still runs), which under any supervisor means always.
  it('5. nginx binary upgrade (USR2, then QUIT to the old master): the new master serves, no request lost', async () => {
    const {r, dir, port, master} = await wrappedNginx(true)
    running.push(r)
    dirs.push(dir)
    await until(() => nginxWorkersStarted(dir) >= 2, 'workers')
    const traffic = load(port)
    await sleep(500)
    process.kill(master, 'SIGUSR2')
    await until(() => ![0, master].includes(nginxPid(dir)) && nginxWorkersStarted(dir) >= 4, 'the new master and its workers')
    const upgraded = nginxPid(dir)
    process.kill(master, 'SIGQUIT')
    await until(() => !alive(master), 'the old master to exit')
    await sleep(1000)
    const {ok, failures} = await traffic.stop()
    expect(failures).toEqual([])
    expect(ok).toBeGreaterThan(10)
    const worker = Number((await get(port)).body)
    expect(parentPid(worker)).toBe(upgraded) // a worker of the new master answers
    process.kill(upgraded, 'SIGQUIT')
    expect((await within(r.finished, () => `the wrapper to exit; its stderr: ${r.stderr()}`)).code).toBe(0)
  }, 90_000)
})
