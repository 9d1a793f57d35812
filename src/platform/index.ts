// Picks the adapter of the running OS. Adapters are loaded on demand so that start-up pays
// only for the one in use.
import {DeferAcceptError} from '../errors.js'
import {socketCalls} from './libc.js'
import type {PlatformAdapter} from './types.js'

let current: PlatformAdapter | undefined

export async function platform(): Promise<PlatformAdapter> {
  current ??= await load(process.platform)
  return current
}

async function load(os: NodeJS.Platform): Promise<PlatformAdapter> {
  switch (os) {
    case 'linux':
      return new (await import('./linux.js')).LinuxAdapter(socketCalls)
    case 'freebsd':
      return new (await import('./freebsd.js')).FreeBsdAdapter(socketCalls)
    case 'netbsd':
      return new (await import('./netbsd.js')).NetBsdAdapter(socketCalls)
    case 'sunos':
      return new (await import('./illumos.js')).IllumosAdapter(socketCalls)
    case 'darwin':
      return new (await import('./darwin.js')).DarwinAdapter(socketCalls)
    default:
      throw new DeferAcceptError('FILTER_UNAVAILABLE', `defer-accept has no adapter for ${os} yet`, 'run it on Linux, FreeBSD, NetBSD, illumos or macOS')
  }
}
