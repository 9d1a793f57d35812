// nginx from Debian as a test server: a master and two workers answering their own pid, with
// every path inside one temporary folder, so a test can start and stop its own.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {cli, type Running} from './cli.js'
import {freePort} from './net.js'
import {sleep, stopMasters} from './wait.js'

/** How the workers take connections: all from one accept per event, or in batches
 *  (multi_accept), from one shared listener or each from its own (listen ... reuseport). */
export interface NginxAccept {
  multiAccept?: boolean
  reuseport?: boolean
}

/** Writes DIR/nginx.conf listening on 127.0.0.1:PORT; returns the nginx command line. */
export function nginxCommand(dir: string, port: number, daemon: boolean, accept: NginxAccept = {}): string[] {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join(' ')
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon ${daemon ? 'on' : 'off'}; master_process on; worker_processes 2; user root; pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice; events { worker_connections 64; ${accept.multiAccept ? 'multi_accept on;' : ''} }
http { access_log off; ${temp} server { listen 127.0.0.1:${port}${accept.reuseport ? ' reuseport' : ''}; location / { return 200 "$pid"; } } }
`,
  )
  return ['/usr/sbin/nginx', '-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')]
}

/** The master's pid from DIR/nginx.pid (or nginx.pid.oldbin during an upgrade), or 0 while
 *  there is none (nginx writes it late). */
export function nginxPid(dir: string, file = 'nginx.pid'): number {
  try {
    return Number(readFileSync(join(dir, file), 'utf8').trim()) || 0
  } catch {
    return 0
  }
}

/** After a test, passed or failed: a daemonized master outlives the wrapper, so every master
 *  named in DIR is stopped by its pid (TERM, then KILL with its workers after 5 s), then DIR goes. */
export async function removeNginx(dir: string): Promise<void> {
  await stopMasters([nginxPid(dir), nginxPid(dir, 'nginx.pid.oldbin')])
  rmSync(dir, {recursive: true, force: true})
}

/** How many worker processes nginx has started so far, from its error log. */
export function nginxWorkersStarted(dir: string): number {
  try {
    return (readFileSync(join(dir, 'error.log'), 'utf8').match(/start worker process/g) ?? []).length
  } catch {
    return 0
  }
}

/** `wrap --filter PORT=httpready -- nginx ...` in a new temporary folder, once the master's pid
 *  file is written. The caller stops r and removes dir. */
export async function wrappedNginx(daemon: boolean): Promise<{r: Running; dir: string; port: number; master: number}> {
  const dir = mkdtempSync(join(tmpdir(), 'da-nginx-'))
  const port = await freePort()
  const r = cli(['wrap', '--filter', `${port}=httpready`, '--', ...nginxCommand(dir, port, daemon)])
  const end = Date.now() + 15_000
  while (nginxPid(dir) === 0) {
    if (Date.now() > end || r.child.exitCode !== null) {
      await r.stop()
      throw new Error(`nginx wrote no pid file; wrapper stderr: ${r.stderr()}`)
    }
    await sleep(50)
  }
  return {r, dir, port, master: nginxPid(dir)}
}
