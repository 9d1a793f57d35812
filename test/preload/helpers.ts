// Building the preload and running its cases (cases.py, harness.py); the real engine for the tests
// that need one (SO_ACCEPTFILTER with an engine).
import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {start, type Running} from '../helpers/cli.js'

const run = promisify(execFile)

export const HERE = fileURLToPath(new URL('.', import.meta.url))
export const NATIVE = fileURLToPath(new URL('../../native/', import.meta.url))
export const PRELOAD = join(NATIVE, 'build/libdefer_accept_preload.so')

/** Build the library once; the lock keeps test files that run in parallel from loading it half-written. */
export async function buildPreload(): Promise<void> {
  const lock = join(tmpdir(), 'defer-accept-preload-build.lock')
  await run('flock', [lock, 'make', '-s', '-C', NATIVE, 'build/libdefer_accept_preload.so'], {timeout: 60_000})
}

/** Compile one C file of this folder against native/include; returns the binary and a cleanup. */
export async function compile(source: string): Promise<{binary: string; remove: () => void}> {
  const dir = mkdtempSync(join(tmpdir(), 'da-preload-'))
  const binary = join(dir, source.replace(/\.c$/, ''))
  await run('cc', ['-std=c11', '-Wall', '-Werror', '-I', join(NATIVE, 'include'), '-o', binary, join(HERE, source)], {
    timeout: 30_000,
  })
  return {binary, remove: () => rmSync(dir, {recursive: true, force: true})}
}

/** One numbered case of cases.py (the harness playing wrapper and engine): what it observed. */
export async function runCase(name: string, ...args: string[]): Promise<Record<string, unknown>> {
  const {stdout} = await run('python3', [join(HERE, 'cases.py'), name, ...args], {timeout: 40_000})
  return JSON.parse(stdout) as Record<string, unknown>
}

export const ENGINE = join(NATIVE, 'build/da-engine')

export async function buildEngine(): Promise<void> {
  const lock = join(tmpdir(), 'defer-accept-preload-build.lock')
  await run('flock', [lock, 'make', '-s', '-C', NATIVE, 'build/da-engine', 'build/libdefer_accept_preload.so'], {
    timeout: 120_000,
  })
}

/** The real engine with only a control socket at dir/control, for SO_ACCEPTFILTER channels. */
export async function startEngine(dir: string): Promise<{running: Running; control: string}> {
  const control = join(dir, 'control')
  const running = start('python3', [join(HERE, 'engine.py'), ENGINE, control], {timeoutMs: 60_000})
  const until = Date.now() + 10_000
  while (!existsSync(control)) {
    if (Date.now() > until || running.child.exitCode !== null) throw new Error(`no engine: ${running.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return {running, control}
}
