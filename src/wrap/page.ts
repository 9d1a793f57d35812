// The counters page of one channel (native/common/page.h): a memfd the wrapper makes and fills
// in, which every server process and the engine map and count into. Offsets are the ones page.h
// asserts; all little-endian (the engine is Linux on little-endian machines).
import {randomBytes} from 'node:crypto'
import {readSync, writeSync} from 'node:fs'

import {memfd} from '../platform/libc.js'

export const PAGE_SIZE = 4096
const MAGIC = 0x32566164 // "daV2"
const VERSION = 1
const TOKEN = 8
const TIMEOUT_MS = 24
const PASS_ON_TIMEOUT = 28
const ADDRESS_SET = 36
const ADDRESS = 40
const ADDRESS_MAX = 64
const CHAIN = 104
const CHAIN_MAX = 256
const ENGINE_PID = 32

export interface PageSettings {
  chain: string
  timeoutMs: number
  passOnTimeout: boolean
  /** Known for sockets the wrapper made; in bind mode the server's first listen() writes it. */
  address?: string
}

function putText(page: Buffer, at: number, max: number, text: string): void {
  if (Buffer.byteLength(text) >= max) throw new RangeError(`${text} is longer than ${max - 1} bytes`)
  page.write(text, at)
}

/** The page's bytes before anyone counted anything. */
export function encodePage(settings: PageSettings, token: Buffer = randomBytes(16)): Buffer {
  const page = Buffer.alloc(PAGE_SIZE)
  page.writeUInt32LE(MAGIC, 0)
  page.writeUInt32LE(VERSION, 4)
  token.copy(page, TOKEN, 0, 16)
  page.writeUInt32LE(settings.timeoutMs, TIMEOUT_MS)
  page.writeUInt32LE(settings.passOnTimeout ? 1 : 0, PASS_ON_TIMEOUT)
  putText(page, CHAIN, CHAIN_MAX, settings.chain)
  if (settings.address !== undefined) {
    putText(page, ADDRESS, ADDRESS_MAX, settings.address)
    page.writeUInt32LE(1, ADDRESS_SET)
  }
  return page
}

/** A new page in a memfd: the descriptor, close-on-exec. */
export function openPage(settings: PageSettings): number {
  const fd = memfd('defer-accept-page', PAGE_SIZE)
  writeSync(fd, encodePage(settings), 0, PAGE_SIZE, 0)
  return fd
}

/** What the page says now about where the channel stands (read, not mapped). */
export function readPageHeader(fd: number): {address?: string; enginePid: number} {
  const head = Buffer.alloc(CHAIN)
  readSync(fd, head, 0, CHAIN, 0)
  const address = head.readUInt32LE(ADDRESS_SET) ? head.toString('utf8', ADDRESS, ADDRESS + ADDRESS_MAX).replace(/\0.*$/s, '') : undefined
  return {address, enginePid: head.readInt32LE(ENGINE_PID)}
}

/** From now on every connection that is not ready is handed over (the engine is gone for good). */
export function passEverything(fd: number): void {
  const one = Buffer.alloc(4)
  one.writeUInt32LE(1, 0)
  writeSync(fd, one, 0, 4, PASS_ON_TIMEOUT)
}
