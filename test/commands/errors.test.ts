// Every bad input: one line saying what was wrong, a suggestion saying how to fix it, its own
// exit status (src/errors.ts), and nothing left behind (no socket open, no server started).
import {execFileSync} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

import {EXIT} from '../../src/errors.js'
import {socketCalls} from '../../src/platform/libc.js'
import {CLI, FIXTURES, runCli, start} from '../helpers/cli.js'

const SERVER = ['--', 'python3', FIXTURES + 'activated_server.py']
const PLUGINS = fileURLToPath(new URL('../../native/build/plugins/', import.meta.url))

function freePortHeld(): Promise<{port: number; close: () => Promise<void>}> {
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as {port: number}
      resolve({port: address.port, close: () => new Promise((done) => server.close(() => done()))})
    })
  })
}

async function expectError(args: string[], exit: number, message: RegExp, fix: RegExp, options = {}) {
  const result = await runCli(args, options)
  expect(result.stderr).toMatch(message)
  expect(result.stderr).toMatch(fix)
  expect(result.code).toBe(exit)
  expect(result.stderr).not.toMatch(/^ready$/m) // the server never started
  return result
}

describe('bad input', () => {
  it('1. unknown filter', () => expectError(['wrap', '--listen', '127.0.0.1:0', '--filter', 'htpready', ...SERVER], EXIT.UNKNOWN_FILTER, /unknown filter htpready/, /httpready/))

  it('2. a filter this kernel lacks, on an inherited descriptor', async () => {
    const [fd] = [socketCalls.socket(2, 1, 0)]
    try {
      await expectError(['enable', '--fd', '3', '--filter', 'httpready'], EXIT.FILTER_UNAVAILABLE, /cannot run httpready/, /wrap --filter httpready/, {fds: [fd]})
    } finally {
      socketCalls.close(fd)
    }
  })

  it('3. a descriptor that is not open', () => expectError(['query', '--fd', '57'], EXIT.BAD_DESCRIPTOR, /descriptor 57 is not open/, /--listen-fds/))

  it('4. a descriptor that is not a socket', async () => {
    const file = openSync(CLI, 'r')
    try {
      await expectError(['query', '--fd', '3'], EXIT.NOT_A_SOCKET, /descriptor 3 is not a socket/, /listening TCP socket/, {fds: [file]})
    } finally {
      closeSync(file)
    }
  })

  it('5. a descriptor that is not TCP', async () => {
    const udp = socketCalls.socket(2, 2, 0)
    try {
      await expectError(['enable', '--fd', '3', '--filter', 'dataready'], EXIT.NOT_TCP, /descriptor 3 is not a TCP socket/, /TCP listening sockets only/, {fds: [udp]})
    } finally {
      socketCalls.close(udp)
    }
  })

  it('6. an address in use, and the other listener is closed again', async () => {
    const held = await freePortHeld()
    const other = await freePortHeld()
    await other.close()
    try {
      await expectError(['wrap', '--listen', `127.0.0.1:${other.port}`, '--listen', `127.0.0.1:${held.port}`, ...SERVER], EXIT.ADDRESS_IN_USE, new RegExp(`127.0.0.1:${held.port} is already in use`), /another port/)
    } finally {
      await held.close()
    }
    const again = createServer()
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(other.port, '127.0.0.1', () => resolve()))
    again.close()
  })

  it('7. a privileged port as an unprivileged user', async () => {
    const unprivileged = ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'wrap', '--listen', '127.0.0.1:81', ...SERVER]
    const result = await start('setpriv', unprivileged).finished
    expect(result.stderr).toMatch(/binding 127.0.0.1:81 needs privilege/)
    expect(result.stderr).toMatch(/port of 1024 or more/)
    expect(result.code).toBe(EXIT.PERMISSION_DENIED)
  })

  it.each(['localhost:80', '127.0.0.1', '[::1]', '1.2.3:80', '127.0.0.1:70000', '[fe80::zz]:80'])('8. a malformed address: %s', async (address) => {
    await expectError(['wrap', '--listen', address, ...SERVER], EXIT.BAD_ADDRESS, /address|port/, /127\.0\.0\.1:8080/)
  })

  it('9. no server command', () => expectError(['wrap', '--listen', '127.0.0.1:0'], EXIT.NO_SERVER, /no server command/, /after --/))

  it('10. an unknown server command: no port is opened first', async () => {
    const result = await expectError(['wrap', '--listen', '127.0.0.1:0', '--', 'no-such-server-xyz'], EXIT.COMMAND_NOT_FOUND, /no-such-server-xyz not found/, /full path/)
    expect(result.stderr).not.toMatch(/listening on/)
  })

  it('11. a server that is not executable', () => {
    const script = join(mkdtempSync(join(tmpdir(), 'da-')), 'server.sh')
    writeFileSync(script, '#!/bin/sh\n', {mode: 0o644})
    return expectError(['wrap', '--listen', '127.0.0.1:0', '--', script], EXIT.NOT_EXECUTABLE, /is not executable/, /chmod \+x/)
  })

  it('12. --listen-fds without socket activation', () => expectError(['query', '--listen-fds'], EXIT.NO_LISTEN_FDS, /no sockets were passed/, /systemd-socket-activate/))

  it('13. a bad filter argument lists the valid forms', () =>
    expectError(['wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready:bogus=1', ...SERVER], EXIT.BAD_FILTER_ARGUMENT, /bogus/, /filters/))

  it('14. a statically linked server under --mode preload, which cannot enter it, is refused before it starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'da-'))
    writeFileSync(join(dir, 'server.c'), 'int main(void) { return 0; }\n')
    execFileSync('cc', ['-static', '-o', join(dir, 'server'), join(dir, 'server.c')])
    return expectError(['wrap', '--listen', '127.0.0.1:0', '--filter', 'httpready', '--mode', 'preload', '--', join(dir, 'server')], EXIT.PRELOAD_IMPOSSIBLE, /statically linked/, /--filter dataready/)
  })

  it.each([
    ['missing', '/nonexistent/filter.so', /filter\.so/],
    ['not a shared object', CLI, /shared object|ELF|invalid/i],
    ['of another ABI version', PLUGINS + 'old-abi.so', /ABI|version/],
    ['without an entry point', PLUGINS + 'no-entry.so', /da_filter_entry/],
  ])('15. a plugin that is %s', async (_, path, message) => {
    await expectError(['wrap', '--listen', '127.0.0.1:0', '--filter', path as string, ...SERVER], EXIT.BAD_PLUGIN, message as RegExp, /filters/)
  })

  it('16. a plugin that loads serves (the control case for 15)', async () => {
    const r = start(process.execPath, [CLI, 'wrap', '--listen', '127.0.0.1:0', '--filter', PLUGINS + 'example.so', ...SERVER])
    try {
      await r.waitFor(/example\.so in the server's accept/)
    } finally {
      await r.stop()
    }
  })
})
