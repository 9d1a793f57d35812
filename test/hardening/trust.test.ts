// Trust boundaries, tested as an attacker would: real throw-away users (useradd/userdel), real
// sockets. Each case shows first that the attack has what it needs, then that it fails.
// docs/security.md says what each boundary promises. As root only: it makes users.
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {EXIT} from '../../src/errors.js'
import {controlSocketPath} from '../../src/inspect/control.js'
import {CLI, listeningPort, start, type Running} from '../helpers/cli.js'
import {compile, PRELOAD} from '../preload/helpers.js'

const root = process.getuid?.() === 0
const PYTHON = '/usr/bin/python3' // root's python3 may live under /root, out of the users' reach
const SERVER = join(new URL('../fixtures/', import.meta.url).pathname, 'activated_server.py')
const users: Record<'victim' | 'attacker', {name: string; uid: number; gid: number}> = {} as never
const running: Running[] = []
const dirs: string[] = []

/** Runs argv as the user, bounded; returns status and output. */
const as = (user: {uid: number; gid: number}, argv: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', ...argv], {encoding: 'utf8', timeout: 30_000, env: {PATH: '/usr/bin:/bin', ...env}})

beforeAll(() => {
  if (!root) return
  for (const role of ['victim', 'attacker'] as const) {
    const name = `da-${role}-${process.pid}`.slice(0, 31)
    execFileSync('useradd', ['--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name])
    const uid = Number(execFileSync('id', ['-u', name]).toString())
    users[role] = {name, uid, gid: Number(execFileSync('id', ['-g', name]).toString())}
  }
})
afterAll(() => {
  for (const user of Object.values(users)) spawnSync('userdel', [user.name])
})
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')))
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

describe.skipIf(!root)('trust boundaries (throw-away users)', () => {
  it('1. a squatted /tmp/defer-accept-UID: the victim\'s wrap refuses it instead of putting its control socket there', () => {
    const {victim, attacker} = users
    const squat = `/tmp/defer-accept-${victim.uid}`
    rmSync(squat, {recursive: true, force: true})
    dirs.push(squat)
    // The attack: the attacker makes the directory first, open to everyone...
    expect(as(attacker, ['mkdir', '-m', '0777', squat]).status).toBe(0)
    // ...so whatever the victim puts there, the attacker can replace (the v1 finding).
    expect(as(attacker, ['touch', join(squat, '1.sock')]).status).toBe(0)
    const wrap = as(victim, [process.execPath, CLI, 'wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--', PYTHON, SERVER])
    expect(wrap.status).toBe(EXIT.UNSAFE_DIRECTORY)
    expect(wrap.stderr).toMatch(new RegExp(`${squat} belongs to uid ${attacker.uid}, not ${victim.uid}`))
  })

  it('2. the same directory made by the victim itself, but opened to others, is refused too', () => {
    const {victim} = users
    const dir = `/tmp/defer-accept-${victim.uid}`
    rmSync(dir, {recursive: true, force: true})
    dirs.push(dir)
    expect(as(victim, ['mkdir', '-m', '0755', dir]).status).toBe(0)
    const wrap = as(victim, [process.execPath, CLI, 'wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--', PYTHON, SERVER])
    expect(wrap.status).toBe(EXIT.UNSAFE_DIRECTORY)
    expect(wrap.stderr).toMatch(/has mode 755: others may enter it/)
  })

  it('3. a stranger who reaches the control socket is not answered; its own user is', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'da-trust-'))
    dirs.push(runtime)
    const r = start(process.execPath, [CLI, 'wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--', PYTHON, SERVER], {env: {XDG_RUNTIME_DIR: runtime}, timeoutMs: 60_000})
    running.push(r)
    await listeningPort(r)
    await r.waitFor(/^ready$/m)
    const control = controlSocketPath(r.child.pid!, {XDG_RUNTIME_DIR: runtime}, 0)
    // The attack needs a way in: open the directories and the socket as a mistake would.
    chmodSync(runtime, 0o711)
    chmodSync(join(runtime, 'defer-accept'), 0o711)
    chmodSync(control, 0o777)
    const script = [
      'import socket,sys',
      's=socket.socket(socket.AF_UNIX,socket.SOCK_SEQPACKET)',
      's.settimeout(5)',
      's.connect(sys.argv[1])',
      'print("connected")',
      'try:',
      '    s.send(b"stats")',
      '    print(s.recv(65536).decode() or "closed")',
      'except (BrokenPipeError, ConnectionResetError):',
      '    print("closed")',
    ].join('\n')
    const ask = [PYTHON, '-c', script, control]
    const stranger = as(users.attacker, ask)
    expect(stranger.stderr).toBe('')
    // It reached the socket, and was closed without an answer (SO_PEERCRED).
    expect(stranger.stdout.trim().split('\n')).toEqual(['connected', 'closed'])
    const own = spawnSync(ask[0], ask.slice(1), {encoding: 'utf8', timeout: 10_000})
    expect(own.stdout).toMatch(/"listeners"/)
  })

  it('4. SO_ACCEPTFILTER with another user\'s socket at DEFER_ACCEPT_CONTROL: the preload sends it nothing', async () => {
    const probe = await compile('acceptfilter_probe.c')
    const dir = mkdtempSync(join(tmpdir(), 'da-trust-'))
    dirs.push(dir)
    chmodSync(dir, 0o777)
    const path = join(dir, 'control')
    const log = join(dir, 'got')
    writeFileSync(log, '')
    chownSync(log, users.attacker.uid, users.attacker.gid)
    // The attacker listens where the victim's server was told its engine is, and logs what comes.
    const listener = [
      'import socket,sys',
      's=socket.socket(socket.AF_UNIX,socket.SOCK_SEQPACKET)',
      's.bind(sys.argv[1])',
      'import os; os.chmod(sys.argv[1], 0o777)',
      's.listen(4)',
      'print("listening", flush=True)',
      'c,_=s.accept()',
      'c.settimeout(5)',
      'data=c.recv(4096)',
      'open(sys.argv[2],"w").write(repr(data))',
    ].join('\n')
    const attacker = start('setpriv', [`--reuid=${users.attacker.uid}`, `--regid=${users.attacker.gid}`, '--clear-groups', '--', PYTHON, '-c', listener, path, log], {timeoutMs: 20_000})
    running.push(attacker)
    await attacker.waitFor(/listening/)
    expect(existsSync(path)).toBe(true)
    const done = await start(probe.binary, ['httpready'], {env: {LD_PRELOAD: PRELOAD, DEFER_ACCEPT_CONTROL: path}, timeoutMs: 10_000}).finished
    probe.remove()
    expect(JSON.parse(done.stdout)).toMatchObject({set: 'ENOENT'})
    await attacker.finished
    // It connected (the attacker's accept returned) but received nothing: no chain, no listener.
    expect(readFileSync(log, 'utf8')).toBe("b''")
  })
})
