// Every error a user can cause, with its stable code and exit status, in one place: the man
// pages list this table (man/defer-accept.1, EXIT STATUS) and scripts may rely on both.

export const EXIT = {
  INTERNAL: 1,
  USAGE: 2,
  UNKNOWN_FILTER: 10,
  FILTER_UNAVAILABLE: 11,
  BAD_FILTER_ARGUMENT: 12,
  BAD_DESCRIPTOR: 13,
  NOT_A_SOCKET: 14,
  NOT_TCP: 15,
  NOT_LISTENING: 16,
  ADDRESS_IN_USE: 17,
  PERMISSION_DENIED: 18,
  BAD_ADDRESS: 19,
  NO_SERVER: 20,
  NO_LISTEN_FDS: 21,
  FILTER_ALREADY_SET: 22,
  BAD_PLUGIN: 23,
  PRELOAD_IMPOSSIBLE: 24,
  ENGINE_FAILED: 25,
  UNSAFE_DIRECTORY: 26,
  FILTER_NOT_IN_FORCE: 27,
  ENGINE_LOST: 28,
  SECCOMP_UNAVAILABLE: 29,
  NOT_EXECUTABLE: 126,
  COMMAND_NOT_FOUND: 127,
} as const

export type ErrorCode = keyof typeof EXIT

/** A failure the user can fix: one line saying what was wrong, and one saying how to fix it. */
export class DeferAcceptError extends Error {
  readonly code: ErrorCode
  readonly exit: number
  readonly fix?: string

  constructor(code: ErrorCode, message: string, fix?: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'DeferAcceptError'
    this.code = code
    this.exit = EXIT[code]
    this.fix = fix
  }
}

/** A failed system call, as libc.ts reports it. */
export class SysError extends Error {
  readonly code: string
  readonly errno: number
  readonly syscall: string

  constructor(syscall: string, errno: number, code: string, detail?: string) {
    super(`${syscall}${detail ? ` ${detail}` : ''}: ${code}`)
    this.name = 'SysError'
    this.code = code
    this.errno = errno
    this.syscall = syscall
  }
}

export function isSysError(error: unknown, ...codes: string[]): error is SysError {
  return error instanceof SysError && (codes.length === 0 || codes.includes(error.code))
}
