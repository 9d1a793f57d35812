// da-launcher on its own (native/launcher/): it starts the server as its child under the filter,
// the server is who it says it is (LISTEN_PID), signals reach it once, and the launcher's status
// is the server's. No ports configured: every trapped call runs untouched (CONTINUE).
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {release} from 'node:os'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

import {start} from '../helpers/cli.js'
import {alive, until} from '../helpers/wait.js'

const LAUNCHER = fileURLToPath(new URL('../../native/build/da-launcher', import.meta.url))
// EEVDF's custom slice for normal tasks (sched_runtime) is Linux 6.12+; /proc/PID/sched shows it.
const [major, minor] = release().split('.').map(Number)
const slices = (major > 6 || (major === 6 && minor >= 12)) && existsSync('/proc/self/sched')
const scheduling = (pid: number) => {
  const text = readFileSync(`/proc/${pid}/sched`, 'utf8')
  const field = (name: string) => Number(new RegExp(`^${name.replace('.', '\\.')}\\s*:\\s*(\\d+)`, 'm').exec(text)?.[1])
  return {policy: field('policy'), slice: field('se.slice')}
}
// io_uring_setup(1, params) (425 on x86_64 and arm64): "fd", or the errno's name.
const IO_URING_SETUP = 'import ctypes,errno;libc=ctypes.CDLL(None,use_errno=True);p=ctypes.create_string_buffer(120);r=libc.syscall(425,1,p);print("fd" if r>=0 else errno.errorcode[ctypes.get_errno()])'
// Where the host disables io_uring (kernel.io_uring_disabled) there is nothing to refuse.
const ioUring = spawnSync('python3', ['-c', IO_URING_SETUP], {encoding: 'utf8', timeout: 10_000}).stdout?.trim() === 'fd'
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(LAUNCHER, args, {encoding: 'utf8', env: {...process.env, ...env}, timeout: 10_000})

describe('da-launcher', () => {
  it('1. exits with the server status, 128+N when signal N killed it, 127 for a missing program', () => {
    expect(run(['--', 'sh', '-c', 'exit 3']).status).toBe(3)
    expect(run(['--', 'sh', '-c', 'kill -TERM $$']).status).toBe(143)
    const missing = run(['--', 'no-such-server-xyz'])
    expect(missing.status).toBe(127)
    expect(missing.stderr).toMatch(/cannot run no-such-server-xyz/)
  })

  it('2. the server runs under the filter, with no_new_privs, and LISTEN_PID is its own pid', () => {
    const r = run(['--', 'sh', '-c', 'echo "$$ $LISTEN_PID"; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'], {LISTEN_FDS: '0'})
    const [pid, listenPid] = r.stdout.split('\n')[0].split(' ')
    expect(listenPid).toBe(pid)
    expect(r.stdout).toMatch(/NoNewPrivs:\s+1/)
    expect(r.stdout).toMatch(/Seccomp:\s+2/)
  })

  it('3. calls on ports it was not given run untouched: a server listens and accepts as usual', () => {
    const script = 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));s.listen(4);c=socket.create_connection(s.getsockname());a,p=s.accept();print("ok",p==c.getsockname())'
    expect(run(['--', 'python3', '-c', script]).stdout.trim()).toBe('ok True')
  })

  it('4. SIGTERM to the launcher reaches the server once (it is in a process group of its own)', async () => {
    const r = start(LAUNCHER, ['--', 'sh', '-c', 'trap "echo got TERM; exit 7" TERM; echo up; while :; do sleep 0.1; done'])
    await r.waitFor(/^up$/m)
    const done = await r.stop('SIGTERM')
    expect(done.stdout.match(/got TERM/g)).toHaveLength(1)
    expect(done.code).toBe(7)
  })

  it('5. a launcher inside a launcher cannot supervise (one seccomp listener per process): exit 125 and why', () => {
    const r = run(['--', LAUNCHER, '--', 'true'])
    expect(r.status).toBe(125)
    expect(r.stderr).toMatch(/seccomp user notification unavailable: a seccomp supervisor already watches this process/)
  })

  it('6. the server does not outlive its launcher (without it, its accept calls would fail)', async () => {
    const r = start(LAUNCHER, ['--', 'sh', '-c', 'echo "pid $$"; exec sleep 30'])
    const server = Number((await r.waitFor(/^pid (\d+)$/m))[1])
    process.kill(r.child.pid!, 'SIGKILL')
    await r.finished
    await until(() => !alive(server), 'the server to die with its launcher', 5000)
  })

  it('7. bad arguments: exit 2 with the usage', () => {
    for (const args of [['--ports'], ['--ports', 'nonsense', '--', 'true'], ['--', ], ['--bogus', 'x', '--', 'true']]) {
      const r = run(args)
      expect(r.status).toBe(2)
      expect(r.stderr).toMatch(/usage: da-launcher/)
    }
  })

  it.skipIf(!slices)('8. the launcher asks for the shortest slice (100 µs) under the normal policy, the server does not; another policy it was started with stays', async () => {
    const normal = start(LAUNCHER, ['--', 'sh', '-c', 'echo "pid $$"; exec sleep 30'])
    const server = Number((await normal.waitFor(/^pid (\d+)$/m))[1])
    expect(scheduling(normal.child.pid!)).toEqual({policy: 0, slice: 100_000})
    expect(scheduling(server).slice).toBeGreaterThan(100_000)
    await normal.stop('SIGTERM')

    const batch = start('chrt', ['--batch', '0', LAUNCHER, '--', 'sh', '-c', 'echo up; exec sleep 30'])
    await batch.waitFor(/^up$/m)
    expect(scheduling(batch.child.pid!).policy).toBe(3) // SCHED_BATCH
    expect(scheduling(batch.child.pid!).slice).toBeGreaterThan(100_000)
    await batch.stop('SIGTERM')
  })

  it.skipIf(!ioUring)('9. io_uring_setup fails with ENOSYS under it (an accept through a ring would pass unseen); without it, it gives a ring', () => {
    expect(run(['--', 'python3', '-c', IO_URING_SETUP]).stdout.trim()).toBe('ENOSYS')
  })
})
