// systemd's socket activation protocol (sd_listen_fds(3)): descriptors from 3, their count in
// LISTEN_FDS, names in LISTEN_FDNAMES, and LISTEN_PID naming the process they are meant for.
import {DeferAcceptError} from '../errors.js'

const FIRST_LISTEN_FD = 3

export interface InheritedSocket {
  fd: number
  name: string
}

/** The sockets this process was activated with, or [] when it was not socket-activated. */
export function inheritedSockets(env: NodeJS.ProcessEnv = process.env, pid = process.pid): InheritedSocket[] {
  if (env.LISTEN_FDS === undefined) return []
  const count = Number(env.LISTEN_FDS)
  if (!Number.isInteger(count) || count < 0) {
    throw new DeferAcceptError('NO_LISTEN_FDS', `LISTEN_FDS=${env.LISTEN_FDS} is not a count of descriptors`, 'start defer-accept from a systemd .socket unit or systemd-socket-activate')
  }
  if (env.LISTEN_PID !== undefined && Number(env.LISTEN_PID) !== pid) return []
  const names = (env.LISTEN_FDNAMES ?? '').split(':')
  return Array.from({length: count}, (_, index) => ({fd: FIRST_LISTEN_FD + index, name: names[index] || 'unknown'}))
}

/** The environment that hands `names.length` descriptors, placed from fd 3, to a child. LISTEN_PID
 *  is set by the exec shim (launch.ts), since only the child knows its own pid before exec. */
export function activationEnv(names: string[]): Record<string, string> {
  return {LISTEN_FDS: String(names.length), LISTEN_FDNAMES: names.join(':')}
}
