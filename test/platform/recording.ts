// A SocketCalls for the adapters of kernels that cannot run here: it records every call (Buffers
// as hex, so a test states the exact bytes) and answers from a script the test writes.
import {constants} from 'node:os'

import {SysError} from '../../src/errors.js'
import type {SocketCalls} from '../../src/platform/types.js'

export type Arg = number | string | null
export interface Call {
  call: keyof SocketCalls
  args: Arg[]
}

type Answers = {[K in keyof SocketCalls]: SocketCalls[K]}

/** The error libc.ts throws for a failed call (errno numbers are Linux's; adapters match codes). */
export function sysError(syscall: string, code: keyof typeof constants.errno): SysError {
  return new SysError(syscall, constants.errno[code], code)
}

export function int32(value: number): Buffer {
  const bytes = Buffer.alloc(4)
  bytes.writeInt32LE(value)
  return bytes
}

export class RecordingSocketCalls implements SocketCalls {
  readonly log: Call[] = []
  private nextFd = 10
  private readonly answers: Answers = {
    socket: () => this.nextFd++,
    bind: () => {},
    listen: () => {},
    close: () => {},
    setsockopt: () => {},
    getsockopt: (fd, level, name) => {
      throw new Error(`unscripted getsockopt(${fd}, ${level}, ${name})`)
    },
    getsockname: (fd) => {
      throw new Error(`unscripted getsockname(${fd})`)
    },
  }

  /** Replaces the answer to one call; it may return a value or throw (sysError). */
  on<K extends keyof SocketCalls>(call: K, answer: SocketCalls[K]): this {
    this.answers[call] = answer
    return this
  }

  /** The recorded calls, then forgets them (so a test can look at one step at a time). */
  take(): Call[] {
    return this.log.splice(0)
  }

  socket(domain: number, type: number, protocol: number): number {
    return this.record('socket', [domain, type, protocol], () => this.answers.socket(domain, type, protocol))
  }

  bind(fd: number, address: Buffer): void {
    this.record('bind', [fd, address], () => this.answers.bind(fd, address))
  }

  listen(fd: number, backlog: number): void {
    this.record('listen', [fd, backlog], () => this.answers.listen(fd, backlog))
  }

  close(fd: number): void {
    this.record('close', [fd], () => this.answers.close(fd))
  }

  setsockopt(fd: number, level: number, name: number, value: Buffer | null): void {
    this.record('setsockopt', [fd, level, name, value], () => this.answers.setsockopt(fd, level, name, value))
  }

  getsockopt(fd: number, level: number, name: number, size: number): Buffer {
    return this.record('getsockopt', [fd, level, name, size], () => this.answers.getsockopt(fd, level, name, size))
  }

  getsockname(fd: number): Buffer {
    return this.record('getsockname', [fd], () => this.answers.getsockname(fd))
  }

  private record<T>(call: keyof SocketCalls, args: (number | Buffer | null)[], answer: () => T): T {
    this.log.push({call, args: args.map((arg) => (Buffer.isBuffer(arg) ? arg.toString('hex') : arg))})
    return answer()
  }
}
