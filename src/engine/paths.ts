// Where the native build put the engine and the preload library: native/build/ of this package,
// found from the package root, so it works from src/ (tests), dist/ and the bundle. The npm
// package ships them prebuilt for linux-x64; anywhere else they are built with make -C native,
// and a missing or foreign binary is said so, with that command, before anything runs it.
import {closeSync, existsSync, openSync, readSync} from 'node:fs'

import {DeferAcceptError} from '../errors.js'
import {packagePath} from '../package-root.js'

const BUILD = packagePath('native', 'build') + '/'
const BUILD_IT = `build it for this machine: make -C ${packagePath('native')} (a C compiler and libseccomp-dev, Debian: apt-get install build-essential libseccomp-dev)`

// ELF e_machine of each Node architecture the engine can be built for.
const MACHINE: Partial<Record<NodeJS.Architecture, number>> = {x64: 62, arm64: 183, ia32: 3, arm: 40, riscv64: 243, ppc64: 21, s390x: 22, loong64: 258}
const machineName = (machine: number) => Object.entries(MACHINE).find(([, value]) => value === machine)?.[0] ?? `ELF machine ${machine}`

/** The ELF e_machine of path, or undefined when it is not ELF. */
function elfMachine(path: string): number | undefined {
  const header = Buffer.alloc(20)
  const fd = openSync(path, 'r')
  try {
    if (readSync(fd, header, 0, 20, 0) < 20 || header.readUInt32BE(0) !== 0x7f454c46) return undefined
    return header[5] === 1 ? header.readUInt16LE(18) : header.readUInt16BE(18)
  } finally {
    closeSync(fd)
  }
}

const checked = new Set<string>()

function built(name: string): string {
  const path = BUILD + name
  if (checked.has(path)) return path
  if (!existsSync(path)) throw new DeferAcceptError('ENGINE_FAILED', `${path} is missing: the native part is not built`, BUILD_IT)
  if (process.platform !== 'linux') throw new DeferAcceptError('ENGINE_FAILED', `${path} is a Linux binary and this is ${process.platform}: the engine runs on Linux only`, 'use the kernel filters of this system (defer-accept filters)')
  const machine = elfMachine(path)
  if (machine === undefined || machine !== MACHINE[process.arch]) {
    const what = machine === undefined ? 'not an ELF binary' : `built for ${machineName(machine)}`
    throw new DeferAcceptError('ENGINE_FAILED', `${path} is ${what} and this machine is linux-${process.arch} (the npm package ships linux-x64 builds)`, BUILD_IT)
  }
  checked.add(path)
  return path
}

/** The da-engine executable. */
export function enginePath(): string {
  return built('da-engine')
}

/** The engine's filter list (`da-engine --list`), written by the native build next to the engine:
 *  `defer-accept filters` reads it rather than starting the engine at each run. */
export function filterListPath(): string {
  const path = enginePath().replace(/da-engine$/, 'filters.json')
  if (!existsSync(path)) throw new DeferAcceptError('ENGINE_FAILED', `${path} is missing: the native part is not built`, BUILD_IT)
  return path
}

/** The seccomp supervisor servers the preload cannot enter are started with (Go, static). */
export function launcherPath(): string {
  return built('da-launcher')
}

/** The LD_PRELOAD library servers are started with. */
export function preloadPath(): string {
  return built('libdefer_accept_preload.so')
}
