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

// --- Counters (struct da_counters), for metrics: read with pread, never mapped. ---

/** enum da_pass and enum da_drop of page.h, in their order. */
export const PASS_REASONS = ['verdict', 'timeout', 'oversize', 'no_engine'] as const
export const DROP_REASONS = ['timeout', 'eof', 'reset', 'filter', 'park_full', 'shed', 'no_server', 'engine'] as const
export type PassReason = (typeof PASS_REASONS)[number]
export type DropReason = (typeof DROP_REASONS)[number]
/** DA_HIST_BUCKETS: bucket b holds park times of [2^(b-1), 2^b) ms, bucket 0 those under 1 ms. */
export const PARK_BUCKETS = 32

/** The header offsets this file writes, for the same test. */
export const HEADER_LAYOUT = {magic: 0, version: 4, token: TOKEN, timeout_ms: TIMEOUT_MS, pass_on_timeout: PASS_ON_TIMEOUT, engine_pid: ENGINE_PID, address_set: ADDRESS_SET, address: ADDRESS, chain: CHAIN, count: 360} as const

/** Offsets in the page of struct da_page's count fields (test/metrics/page-layout.test.ts checks
 *  them against the compiler's offsetof). */
export const COUNTERS_LAYOUT = {
  accepted: 360,
  ready: 368,
  passed: 376,
  passed_on: 384,
  dropped: 416,
  parked_total: 480,
  parked: 488,
  held: 492,
  park_ms: 496,
  park_ms_max: 752,
  engine_starts: 756,
  adopted: 760,
  end: 764,
} as const

export interface PageCounters {
  accepted: number
  ready: number
  /** The sum of passedOn. */
  passed: number
  passedOn: Record<PassReason, number>
  dropped: Record<DropReason, number>
  parkedTotal: number
  parked: number
  held: number
  parkMs: number[]
  parkMsMax: number
  engineStarts: number
  adopted: number
}

/** The counters now (each field read as one aligned word, as the atomics wrote it). */
export function readCounters(fd: number): PageCounters {
  const L = COUNTERS_LAYOUT
  const bytes = Buffer.alloc(L.end - L.accepted)
  readSync(fd, bytes, 0, bytes.length, L.accepted)
  const u64 = (at: number) => Number(bytes.readBigUInt64LE(at - L.accepted))
  const u32 = (at: number) => bytes.readUInt32LE(at - L.accepted)
  const record = <K extends string>(names: readonly K[], at: number) => Object.fromEntries(names.map((name, i) => [name, u64(at + 8 * i)])) as Record<K, number>
  return {
    accepted: u64(L.accepted),
    ready: u64(L.ready),
    passed: u64(L.passed),
    passedOn: record(PASS_REASONS, L.passed_on),
    dropped: record(DROP_REASONS, L.dropped),
    parkedTotal: u64(L.parked_total),
    parked: u32(L.parked),
    held: u32(L.held),
    parkMs: Array.from({length: PARK_BUCKETS}, (_, b) => u64(L.park_ms + 8 * b)),
    parkMsMax: u32(L.park_ms_max),
    engineStarts: u32(L.engine_starts),
    adopted: u32(L.adopted),
  }
}

/** The chain as the page holds it (normalised by the wrapper). */
export function readChain(fd: number): string {
  const text = Buffer.alloc(CHAIN_MAX)
  readSync(fd, text, 0, CHAIN_MAX, CHAIN)
  return text.toString('utf8').replace(/\0.*$/s, '')
}
