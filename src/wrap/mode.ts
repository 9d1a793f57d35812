// Where a filter that the kernel lacks runs for this server: in its own accept() through the
// preload (LD_PRELOAD), or in the launcher, a seccomp supervisor that answers its accept() calls
// (native/launcher/). The preload needs a program that loads it and calls accept through libc;
// Go programs (raw system calls, dynamically linked or not) and static binaries do neither.
import type {Readable} from 'node:stream'

import {DeferAcceptError} from '../errors.js'
import {isGoProgram, linkage} from './elf.js'

export type ServerMode = 'preload' | 'seccomp'

/** The mode asked for, else the one that reaches this program's accept(). */
export function serverMode(command: string, requested: ServerMode | undefined): ServerMode {
  const kind = linkage(command)
  if (requested === 'preload' && kind === 'static') {
    throw new DeferAcceptError(
      'PRELOAD_IMPOSSIBLE',
      `${command} is statically linked: the preload library that runs the filter in its accept() cannot enter it`,
      'leave out --mode preload (wrap then runs it under the seccomp launcher), use --filter dataready (the kernel defers it), or put a proxy in front of it',
    )
  }
  if (requested) return requested
  return kind === 'static' || (kind === 'dynamic' && isGoProgram(command)) ? 'seccomp' : 'preload'
}

/** Why this program runs under the launcher, for wrap's report. */
export function whySeccomp(command: string, requested: ServerMode | undefined): string {
  if (requested === 'seccomp') return '--mode seccomp'
  return linkage(command) === 'static' ? 'it is statically linked' : 'it is a Go program, which makes its own system calls'
}

/** The launcher's one line on its status descriptor when it could not start the server, or ''. */
export function launcherStatus(pipe: Readable | null | undefined): Promise<string> {
  if (!pipe) return Promise.resolve('')
  let text = ''
  pipe.setEncoding('utf8')
  pipe.on('data', (chunk: string) => (text += chunk))
  return new Promise((resolve) => pipe.once('close', () => resolve(text.trim())))
}

// native/launcher/launcher.h: DA_LAUNCHER_UNAVAILABLE.
const LAUNCHER_UNAVAILABLE = 125

/** The error for a launcher that exited because seccomp user notification is not there. */
export function seccompUnavailable(code: number | null, status: string, command: string): DeferAcceptError | undefined {
  if (code !== LAUNCHER_UNAVAILABLE || !status.startsWith('unavailable ')) return undefined
  return new DeferAcceptError(
    'SECCOMP_UNAVAILABLE',
    `${command} was not started: it needs the seccomp launcher (its accept() is out of the preload's reach), and the launcher said: ${status.slice('unavailable '.length)}`,
    'use --filter dataready (the kernel applies it to any server), a Linux 5.14+ kernel where seccomp is allowed, or --mode preload for a dynamically linked server that calls accept() through libc',
  )
}
