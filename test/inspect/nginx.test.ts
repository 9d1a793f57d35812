// nginx, master plus two workers (daemon off), shares one listening socket: inspect lists it
// once, with all three processes. Stopped by the master's pid, workers checked gone by theirs.
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {start, type Running} from '../helpers/cli.js'
import {holdListeners, inspectJson, onPort} from './helpers.js'

/** A port the OS just gave out and took back (python binds port 0 and closes). */
async function freePort(): Promise<number> {
  const held = await holdListeners()
  await held.server.stop()
  return held.ports[0]
}

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
    let listeners = onPort(await inspectJson(['--port', String(port)]), port)
    for (let tries = 0; tries < 50 && listeners[0]?.processes?.length !== 3; tries++) {
      await sleep(200) // the workers start after the master binds
      listeners = onPort(await inspectJson(['--port', String(port)]), port)
    }
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
    for (let tries = 0; tries < 50 && workers.some((pid) => existsSync(`/proc/${pid}`)); tries++) await sleep(100)
    for (const pid of workers.filter((pid) => existsSync(`/proc/${pid}`))) process.kill(pid, 'SIGKILL')
  })
})
