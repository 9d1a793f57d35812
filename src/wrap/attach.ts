// Setting one kernel filter on several sockets, all or none: a failure puts back what the
// sockets had before, so no listener is left half configured.
import {DeferAcceptError} from '../errors.js'
import type {FilterSpec, KernelFilterState, PlatformAdapter} from '../platform/types.js'

export function attachAll(adapter: PlatformAdapter, targets: Array<{fd: number}>, chain: FilterSpec[], timeoutSeconds: number): KernelFilterState[] {
  if (chain.length !== 1) {
    throw new DeferAcceptError('FILTER_UNAVAILABLE', 'a kernel holds one accept filter per socket, not a chain', 'start the server through the engine: add -- SERVER ARGS, or use defer-accept wrap')
  }
  const before = targets.map((target) => adapter.query(target.fd))
  const done: number[] = []
  try {
    return targets.map((target, index) => {
      const state = adapter.attach(target.fd, chain[0], timeoutSeconds)
      done.push(index)
      return state
    })
  } catch (error) {
    for (const index of done) {
      const previous = before[index]
      adapter.detach(targets[index].fd)
      if (previous.filter) adapter.attach(targets[index].fd, {name: previous.filter, arg: previous.arg}, previous.effectiveSeconds)
    }
    throw error
  }
}
