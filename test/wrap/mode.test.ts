// Which servers wrap starts under the seccomp launcher by itself: those the preload cannot
// enter (static binaries, Go programs) and only those; --mode overrides it.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {isGoProgram} from '../../src/wrap/elf.js'
import {serverMode} from '../../src/wrap/mode.js'

const CADDY = '/usr/bin/caddy'
const dir = mkdtempSync(join(tmpdir(), 'da-mode-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('serverMode', () => {
  it('1. a dynamically linked C program and a script: the preload', () => {
    expect(serverMode('/usr/bin/python3', undefined)).toBe('preload')
    writeFileSync(join(dir, 'server.sh'), '#!/bin/sh\n', {mode: 0o755})
    expect(serverMode(join(dir, 'server.sh'), undefined)).toBe('preload')
    expect(isGoProgram('/usr/bin/python3')).toBe(false)
  })

  it('2. a statically linked program: the launcher; --mode preload for it is refused', () => {
    writeFileSync(join(dir, 'server.c'), 'int main(void) { return 0; }\n')
    execFileSync('cc', ['-static', '-o', join(dir, 'server'), join(dir, 'server.c')])
    expect(serverMode(join(dir, 'server'), undefined)).toBe('seccomp')
    expect(() => serverMode(join(dir, 'server'), 'preload')).toThrow(expect.objectContaining({code: 'PRELOAD_IMPOSSIBLE'}))
  })

  it.skipIf(!existsSync(CADDY))('3. Debian caddy, dynamically linked Go: the launcher (Go makes its own system calls)', () => {
    expect(isGoProgram(CADDY)).toBe(true)
    expect(serverMode(CADDY, undefined)).toBe('seccomp')
    expect(serverMode(CADDY, 'preload')).toBe('preload')
  })

  it('4. --mode seccomp is taken for any program', () => {
    expect(serverMode('/usr/bin/python3', 'seccomp')).toBe('seccomp')
  })
})
