// `wrap --filter httpready` in front of unmodified servers from Debian and Node: gunicorn's sync
// workers (socket activation), nginx binding its own port (master and workers, in the foreground
// and daemonized), and a node http server. Half-sent clients must not hold a worker.
import {connect, type Socket} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'

import {cli, FIXTURES, listeningPort, type Running} from '../helpers/cli.js'
import {get} from '../helpers/http.js'
import {removeNginx, wrappedNginx} from '../helpers/nginx.js'
import {alive, until} from '../helpers/wait.js'

const running: Running[] = []
const sockets: Socket[] = []
const dirs: string[] = []
afterEach(async () => {
  sockets.splice(0).forEach((socket) => socket.destroy())
  await Promise.all(running.splice(0).map((r) => r.stop('SIGTERM')))
  await Promise.all(dirs.splice(0).map(removeNginx))
})

async function halfSent(port: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const socket = connect({host: '127.0.0.1', port})
    socket.on('error', () => {})
    sockets.push(socket)
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write('GET /never-finished HTTP/1.1\r\nHost: x\r\n')
  }
}

describe('unmodified servers behind wrap --filter httpready', () => {
  it.each([
    ['httpready', true],
    ['none (the control case)', false],
  ])('1. gunicorn, one sync worker, three half-sent clients; filter %s: a good client is served: %s', async (_, filtered) => {
    const r = cli(['wrap', '--listen', '127.0.0.1:0', ...(filtered ? ['--filter', 'httpready'] : []), '--', 'gunicorn', '--workers', '1', '--chdir', FIXTURES, 'wsgi_app:app'])
    running.push(r)
    const port = await listeningPort(r)
    await r.waitFor(/Booting worker/)
    await halfSent(port, 3)
    const answer = await get(port, '/', 3000).then(
      (reply) => reply.status,
      () => 'timed out',
    )
    expect(answer).toBe(filtered ? 200 : 'timed out')
  })

  it('2. a node http server taking fd 3', async () => {
    const server = "require('http').createServer((q, s) => s.end(q.socket.remoteAddress + ' ' + q.socket.localPort)).listen({fd: 3}, () => console.error('ready'))"
    const r = cli(['wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--', process.execPath, '-e', server])
    running.push(r)
    const port = await listeningPort(r)
    await r.waitFor(/^ready$/m)
    await halfSent(port, 2)
    expect(await get(port)).toEqual({status: 200, body: `127.0.0.1 ${port}`})
  })

  it.each([false, true])('3. nginx with master and 2 workers (daemon %s), binding its own port', async (daemon) => {
    const {r, dir, port, master} = await wrappedNginx(daemon)
    running.push(r)
    dirs.push(dir)
    await halfSent(port, 4)
    const workers = new Set<string>()
    for (let i = 0; i < 6; i++) workers.add((await get(port)).body)
    expect(workers.size).toBeGreaterThanOrEqual(1)
    expect([...workers].every((pid) => Number(pid) !== master)).toBe(true) // answered by workers
    expect(r.child.exitCode).toBeNull() // still serving the daemon's workers
    process.kill(master, 'SIGQUIT')
    const finished = await r.finished
    await until(() => !alive(master), 'nginx to stop')
    expect(finished.code).toBe(0) // the wrapper stayed until the daemon's workers were gone
  })
})
