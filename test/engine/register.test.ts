// Bind mode: a server registers its own listening socket on the control socket and serves the
// hand-over end the engine answers with.
import {execFileSync, spawn} from 'node:child_process'
import {chmodSync, copyFileSync} from 'node:fs'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'
import {afterEach, describe, expect, it} from 'vitest'

import {readStats} from '../../src/engine/index.js'
import {client, controlSocket, sha256, startEngine, stopAll, until} from './helpers.js'

const REGISTER = fileURLToPath(new URL('register.py', import.meta.url))
const NATIVE = fileURLToPath(new URL('../../native/', import.meta.url))

function register(controlPath: string, request: string) {
  const child = spawn('python3', [REGISTER, controlPath, request], {stdio: ['ignore', 'pipe', 'inherit']})
  const lines: Array<Record<string, unknown>> = []
  createInterface({input: child.stdout!}).on('line', (line) => lines.push(JSON.parse(line)))
  return {child, lines}
}

describe('register', () => {
  afterEach(stopAll)

  it('takes over a listening socket and hands its connections to the registering server', async () => {
    const control = controlSocket()
    const engine = startEngine(['--control', '3'], [control.fd])
    const server = register(control.path, 'httpready timeout=2000')
    try {
      const answer = await until(() => server.lines[0], 15_000)
      expect(answer.answer).toBe('ok')
      const c = await client(answer.port as number)
      c.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
      expect((await c.closed).reply).toBe('served\n')
      const handed = await until(() => server.lines.find((line) => line.sha256))
      expect(handed.sha256).toBe(sha256(c.sent))
      const stats = await readStats(control.path)
      expect(stats.listeners).toHaveLength(1)
      expect(stats.listeners[0]).toMatchObject({address: `127.0.0.1:${answer.port}`, chain: 'httpready', timeout_ms: 2000, ready: 1})
    } finally {
      server.child.kill('SIGKILL')
    }
    expect(await engine.exit).toBe(0)
  })

  it('loads the plugin a request names after it has dropped root and filtered its system calls', async () => {
    execFileSync('make', ['-s', '-C', NATIVE, 'build/plugins/example.so'])
    const control = controlSocket()
    // The engine reads it as nobody: a folder anyone may enter.
    const dir = control.path.slice(0, control.path.lastIndexOf('/'))
    chmodSync(dir, 0o755)
    copyFileSync(join(NATIVE, 'build/plugins/example.so'), join(dir, 'example.so'))
    const engine = startEngine(['--control', '3'], [control.fd])
    const server = register(control.path, join(dir, 'example.so'))
    try {
      const answer = await until(() => server.lines[0], 15_000)
      expect(answer.answer).toBe('ok')
      const c = await client(answer.port as number)
      c.send('hello!')
      const handed = await until(() => server.lines.find((line) => line.sha256))
      expect(handed.sha256).toBe(sha256(c.sent))
    } finally {
      server.child.kill('SIGKILL')
    }
    expect(await engine.exit).toBe(0)
  })

  it('answers an error for a chain it cannot build, and keeps no copy of the socket', async () => {
    const control = controlSocket()
    startEngine(['--control', '3'], [control.fd])
    const server = register(control.path, 'nosuchfilter')
    const exited = new Promise((resolve) => server.child.once('exit', resolve))
    const answer = await until(() => server.lines[0], 15_000)
    expect(answer.answer).toMatch(/^error .*nosuchfilter/)
    expect((await readStats(control.path)).listeners).toHaveLength(0)
    // The server has exited: a copy left in the engine would keep its port accepting.
    await exited
    await expect(client(answer.port as number)).rejects.toMatchObject({code: 'ECONNREFUSED'})
  })
})
