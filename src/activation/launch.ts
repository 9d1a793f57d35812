// Starting the server: its listening descriptors at 3.. (socket activation), in a process group
// of its own (Apache prefork signals its whole group on shutdown; ours must not be in it), with
// the signals a supervisor forwards, and its exit status as a shell would report it.
import {spawn, type ChildProcess} from 'node:child_process'
import {accessSync, constants as fsConstants, statSync} from 'node:fs'
import {delimiter, join} from 'node:path'
import {constants as osConstants} from 'node:os'

import {DeferAcceptError} from '../errors.js'
import {activationEnv} from './listen-fds.js'

export const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH']

// The child learns its own pid only after fork; a shell that execs the server sets LISTEN_PID
// to $$, which is the server's pid after exec. A preload reaches the server only, not the shell
// (which would take the listeners first and make a server the preload never enters look served).
const EXEC_SHIM = 'LISTEN_PID=$$; export LISTEN_PID; if [ -n "$DA_LAUNCH_PRELOAD" ]; then LD_PRELOAD=$DA_LAUNCH_PRELOAD; export LD_PRELOAD; fi; unset DA_LAUNCH_PRELOAD; exec "$@"'

/** The absolute path of the server command, or an error before anything was started. */
export function resolveCommand(command: string | undefined, path = process.env.PATH ?? ''): string {
  if (!command) {
    throw new DeferAcceptError('NO_SERVER', 'no server command given', 'put the server and its arguments after --, e.g. defer-accept wrap --listen :8080 -- python3 -m http.server')
  }
  const candidates = command.includes('/') ? [command] : path.split(delimiter).filter(Boolean).map((dir) => join(dir, command))
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue
    } catch {
      continue
    }
    try {
      accessSync(candidate, fsConstants.X_OK)
      return candidate
    } catch {
      throw new DeferAcceptError('NOT_EXECUTABLE', `${candidate} is not executable`, `chmod +x ${candidate}, or name the interpreter first (python3 ${command})`)
    }
  }
  throw new DeferAcceptError('COMMAND_NOT_FOUND', `server command ${command} not found${command.includes('/') ? '' : ' in PATH'}`, 'check the spelling, or give its full path')
}

export interface LaunchOptions {
  command: string
  args: string[]
  /** Descriptors the server gets as 3, 4, ... with their LISTEN_FDNAMES names. */
  sockets: Array<{fd: number; name: string}>
  /** More descriptors, after the sockets and not counted in LISTEN_FDS (numbers: inheritedAt). */
  inherited?: number[]
  env?: Record<string, string>
  /** One more descriptor, a pipe the server may write to (child.stdio[inheritedAt(sockets, inherited.length)]). */
  statusPipe?: boolean
}

/** The descriptor number the server gets for inherited[index]. */
export const inheritedAt = (sockets: number, index: number): number => 3 + sockets + index

export function launch({command, args, sockets, inherited = [], env = {}, statusPipe = false}: LaunchOptions): ChildProcess {
  const childEnv: NodeJS.ProcessEnv = {...process.env, ...activationEnv(sockets.map((socket) => socket.name)), ...env}
  delete childEnv.LISTEN_PID // ours, if we were activated; the shim sets the server's
  if (childEnv.LD_PRELOAD !== process.env.LD_PRELOAD) {
    childEnv.DA_LAUNCH_PRELOAD = childEnv.LD_PRELOAD
    childEnv.LD_PRELOAD = process.env.LD_PRELOAD
  }
  return spawn('/bin/sh', ['-c', EXEC_SHIM, command, command, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', ...sockets.map((socket) => socket.fd), ...inherited, ...(statusPipe ? ['pipe' as const] : [])],
    env: childEnv,
    detached: true,
  })
}

/** Forward our signals to the child; returns a function that stops forwarding. */
export function forwardSignals(child: ChildProcess): () => void {
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    }
    process.on(signal, handler)
    return [signal, handler] as const
  })
  return () => handlers.forEach(([signal, handler]) => process.off(signal, handler))
}

/** The status a shell reports: the exit code, or 128 + the signal's number. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + (osConstants.signals[signal] ?? 0)
  return code ?? 1
}
