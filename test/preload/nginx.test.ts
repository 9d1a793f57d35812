// Bind mode with nginx: master and workers, in the foreground and daemonized. The master's
// listen() gives the port to the real engine; the workers inherit the hand-over descriptor and
// accept4 from it, non-blocking, as from a shared listener.
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeAll, describe, expect, it} from 'vitest'

import {start} from '../helpers/cli.js'
import {until} from '../helpers/wait.js'
import {alive, buildEngine, curl, ENGINE, freePort, PRELOAD, startEngine} from './helpers.js'

function config(dir: string, port: number, daemon: boolean): string {
  const file = join(dir, 'nginx.conf')
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`)
  writeFileSync(
    file,
    `daemon ${daemon ? 'on' : 'off'};
master_process on;
worker_processes 2;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 64; }
http {
  access_log ${dir}/access.log;
  ${temp.join(' ')}
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "$remote_addr:$remote_port $server_addr:$server_port $pid"; }
  }
}
`,
  )
  return file
}

describe.each([false, true])('nginx (daemon %s) binding its own port', (daemon) => {
  const stops: (() => Promise<unknown>)[] = []
  let dir = ''

  beforeAll(buildEngine, 120_000)
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop()
    rmSync(dir, {recursive: true, force: true})
  })

  it('serves every request through the engine from its workers', async () => {
    dir = mkdtempSync(join(tmpdir(), 'da-nginx-'))
    const engine = await startEngine(dir)
    stops.push(() => engine.running.stop())
    const port = await freePort()
    const file = config(dir, port, daemon)
    const nginx = start('nginx', ['-c', file, '-p', dir, '-e', join(dir, 'error.log')], {
      env: {LD_PRELOAD: PRELOAD, DEFER_ACCEPT_CONTROL: engine.control, DEFER_ACCEPT_PORTS: `${port}=httpready`},
    })
    const pidFile = join(dir, 'nginx.pid')
    let master = 0
    stops.push(async () => {
      if (master && alive(master)) process.kill(master, 'SIGQUIT')
      await until(() => !master || !alive(master), 'nginx to stop').catch(() => process.kill(master, 'SIGKILL'))
      await nginx.stop('SIGKILL')
    })
    if (daemon) expect((await nginx.finished).code).toBe(0)
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the pid file')
    master = Number(readFileSync(pidFile, 'utf8'))
    if (!daemon) expect(master).toBe(nginx.child.pid)

    const workers = new Set<string>()
    for (let i = 0; i < 6; i++) {
      const {body, localPort} = await curl('127.0.0.1', port)
      const [client, server, worker] = body.split(' ')
      expect(client).toBe(`127.0.0.1:${localPort}`)
      expect(server).toBe(`127.0.0.1:${port}`)
      workers.add(worker)
    }
    expect(workers.has(String(master))).toBe(false)
    expect(readFileSync(join(dir, 'error.log'), 'utf8')).not.toMatch(/\[(alert|crit|emerg)\]/)
    // The engine saw each of them and said ready: nothing bypassed it.
    const stats = JSON.parse((await start(ENGINE, ['--stats', engine.control]).finished).stdout)
    expect(stats.listeners).toMatchObject([{address: `127.0.0.1:${port}`, chain: 'httpready', ready: 6}])
  })
})
