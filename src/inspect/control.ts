// Where engines' control sockets live, so inspect finds every engine without asking anyone:
// the wrapper (pid P) creates its engine's control socket at controlSocketPath(P) and passes
// the same path to the server as DEFER_ACCEPT_CONTROL. The directory is private to its user.
import {readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

const ownedBy = (path: string, uid: number) => {
  try {
    return statSync(path).uid === uid
  } catch {
    return false
  }
}

/** The directory the current user's wrappers put control sockets in. An XDG_RUNTIME_DIR that is
 *  not the user's own (root after su or sudo keeps the caller's) is not used. */
export function controlSocketDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  if (env.XDG_RUNTIME_DIR && ownedBy(env.XDG_RUNTIME_DIR, uid)) return join(env.XDG_RUNTIME_DIR, 'defer-accept')
  return uid === 0 ? '/run/defer-accept' : `/tmp/defer-accept-${uid}`
}

/** The control socket of the engine started by the wrapper whose pid this is. */
export function controlSocketPath(wrapperPid: number, env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  return join(controlSocketDir(env, uid), `${wrapperPid}.sock`)
}

const list = (dir: string) => {
  try {
    return readdirSync(dir)
  } catch {
    return [] // absent, or another user's
  }
}

/** Every directory a wrapper of any user may have used: root looks in all of them. */
function candidateDirs(): string[] {
  const own = controlSocketDir()
  if ((process.getuid?.() ?? 0) !== 0) return [own]
  return [
    ...new Set([
      own,
      '/run/defer-accept',
      ...list('/run/user').map((uid) => `/run/user/${uid}/defer-accept`),
      ...list('/tmp').filter((name) => name.startsWith('defer-accept-')).map((name) => `/tmp/${name}`),
    ]),
  ]
}

/** Control sockets found, with the pid of the wrapper each belongs to. */
export function findControlSockets(): Array<{path: string; wrapperPid: number}> {
  return candidateDirs().flatMap((dir) =>
    list(dir)
      .filter((name) => /^\d+\.sock$/.test(name))
      .map((name) => ({path: join(dir, name), wrapperPid: Number.parseInt(name, 10)})),
  )
}
