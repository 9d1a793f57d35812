// One snapshot of the TCP listeners this system lets inspect see. The source is the adapter's
// OS's: Linux's socket table shows every listener of the host (host.ts); elsewhere there is no
// table to read, so inspect shows the sockets this process holds (owned.ts).
import {platform} from '../platform/index.js'
import type {PlatformAdapter} from '../platform/types.js'
import type {InspectResult} from './types.js'

export interface InspectOptions {
  pid?: number
  port?: number
  /** Only these descriptors of this process (--fd); elsewhere than Linux, the inherited ones when unset. */
  fds?: number[]
}

type Source = (adapter: PlatformAdapter, options: InspectOptions) => Promise<InspectResult>

// Loaded on demand: each source pulls in only what its OS needs.
const SOURCES: Record<string, () => Promise<Source>> = {
  linux: async () => (await import('./host.js')).hostListeners,
}
const OWNED = async (): Promise<Source> => (await import('./owned.js')).ownedListeners

export async function inspect(options: InspectOptions = {}): Promise<InspectResult> {
  const adapter = await platform()
  const source = await (SOURCES[adapter.os] ?? OWNED)()
  const result = await source(adapter, options)
  result.listeners.sort((a, b) => a.port - b.port || a.family.localeCompare(b.family) || a.address.localeCompare(b.address))
  return result
}
