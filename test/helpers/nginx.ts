// nginx from Debian as a test server: a master and two workers answering their own pid, with
// every path inside one temporary folder, so a test can start and stop its own.
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

/** Writes DIR/nginx.conf listening on 127.0.0.1:PORT; returns the nginx command line. */
export function nginxCommand(dir: string, port: number, daemon: boolean): string[] {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join(' ')
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon ${daemon ? 'on' : 'off'}; master_process on; worker_processes 2; user root; pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice; events { worker_connections 64; }
http { access_log off; ${temp} server { listen 127.0.0.1:${port}; location / { return 200 "$pid"; } } }
`,
  )
  return ['/usr/sbin/nginx', '-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')]
}

/** The master's pid from DIR/nginx.pid, or 0 while there is none (nginx writes it late). */
export function nginxPid(dir: string): number {
  try {
    return Number(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim()) || 0
  } catch {
    return 0
  }
}

/** How many worker processes nginx has started so far, from its error log. */
export function nginxWorkersStarted(dir: string): number {
  try {
    return (readFileSync(join(dir, 'error.log'), 'utf8').match(/start worker process/g) ?? []).length
  } catch {
    return 0
  }
}
