// What this host offers per filter name: the kernel where it has the filter, else the engine
// (on Linux), else nothing, with the reason and the fix.
import {listEngineFilters} from '../engine/index.js'
import {platform} from '../platform/index.js'
import type {FilterSupport} from '../platform/types.js'

export interface CatalogueEntry extends FilterSupport {
  summary?: string
  usage?: string
}

export async function catalogue(): Promise<{os: string; filters: CatalogueEntry[]}> {
  const adapter = await platform()
  const engine = adapter.os === 'linux' ? listEngineFilters() : []
  const entries = new Map<string, CatalogueEntry>(adapter.kernelFilters().map((filter) => [filter.name, filter]))
  for (const filter of engine) {
    const kernel = entries.get(filter.name)
    if (kernel?.where === 'kernel') {
      entries.set(filter.name, {...kernel, summary: filter.summary, usage: filter.usage})
    } else {
      entries.set(filter.name, {name: filter.name, where: 'engine', summary: filter.summary, usage: filter.usage, why: 'the engine parks connections until the filter is satisfied (wrap)'})
    }
  }
  return {os: adapter.os, filters: [...entries.values()]}
}
