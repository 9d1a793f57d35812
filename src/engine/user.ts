// Who the engine becomes when started as root: a system user of its own, made on first use.
// `nobody` is shared by every other service that drops privileges: any of them could stop the
// engine (SIGSTOP), kill it, or trace it.
import {spawnSync} from 'node:child_process'

import {DeferAcceptError} from '../errors.js'

export const ENGINE_USER = 'defer-accept'

const exists = (name: string) => spawnSync('getent', ['passwd', name], {stdio: 'ignore'}).status === 0

/** The --user for the engine: the one asked for, else ours (created if missing); undefined when
 *  not root, where the engine keeps the caller's user. */
export function engineUser(requested: string | undefined, uid = process.geteuid?.() ?? 0): string | undefined {
  if (requested !== undefined || uid !== 0) return requested
  if (exists(ENGINE_USER)) return ENGINE_USER
  const made = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--comment', 'defer-accept engine', ENGINE_USER], {encoding: 'utf8'})
  if (made.status !== 0 && !exists(ENGINE_USER)) {
    throw new DeferAcceptError('ENGINE_FAILED', `cannot create the engine's system user ${ENGINE_USER}: ${(made.stderr || made.error?.message || 'useradd failed').trim()}`, `create it yourself (useradd --system ${ENGINE_USER}), or name another with --engine-user`)
  }
  return ENGINE_USER
}
