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
    default:
      throw new DeferAcceptError('FILTER_UNAVAILABLE', `defer-accept has no adapter for ${os} yet`, 'run it on Linux, FreeBSD, NetBSD, illumos or macOS')
  }
}
