// nginx, master plus two workers (daemon off), shares one listening socket: inspect lists it
// once, with all three processes. Stopped by the master's pid, workers checked gone by theirs.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {start, type Running} from '../helpers/cli.js'
import {freePort} from '../helpers/net.js'
import {reap, until} from '../helpers/wait.js'
import {inspectJson, onPort} from './helpers.js'

describe('inspect: nginx master and workers', () => {
  let dir: string
  let nginx: Running
  let port: number
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inspect-nginx-'))
    port = await freePort()
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off; master_process on; worker_processes 2; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 64; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; return 204; } }
`,
    )
    nginx = start('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')])
  })
  afterAll(async () => {
    await nginx?.stop('SIGQUIT')
    rmSync(dir, {recursive: true, force: true})
  })

  it('shows one socket with three processes', async () => {
    // The workers start after the master binds.
    const listeners = await until(async () => {
      const found = onPort(await inspectJson(['--port', String(port)]), port)
      return found[0]?.processes?.length === 3 && found
    }, 'nginx master and two workers on the port', 30_000, 200)
    expect(listeners).toHaveLength(1)
    const [listener] = listeners
    const master = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8'))
    expect(master).toBe(nginx.child.pid)
    expect(listener.processes!.map((holder) => holder.comm)).toEqual(['nginx', 'nginx', 'nginx'])
    expect(listener.processes!.map((holder) => holder.pid)).toContain(master)
    expect(listener.processes!.filter((holder) => holder.command.includes('worker process'))).toHaveLength(2)
    expect(listener.deferral).toEqual({state: 'none', seconds: null})

    const workers = listener.processes!.map((holder) => holder.pid).filter((pid) => pid !== master)
    await nginx.stop('SIGQUIT')
    await reap(workers)
  })
})
