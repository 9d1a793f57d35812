// The counters decoder reads struct da_page by fixed offsets: they are checked here against the
// compiler's offsetof() of native/common/page.h (page_layout.c), so a layout change fails.
import {execFileSync} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {COUNTERS_LAYOUT, DROP_REASONS, encodePage, HEADER_LAYOUT, PAGE_SIZE, PARK_BUCKETS, PASS_REASONS, readChain, readCounters, readPageHeader} from '../../src/wrap/page.js'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const COMMON = fileURLToPath(new URL('../../native/common/', import.meta.url))
let dir: string
let layout: Record<string, unknown>

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'da-page-layout-'))
  const binary = join(dir, 'page_layout')
  execFileSync('cc', ['-std=c11', '-Wall', '-Werror', '-I', COMMON, '-o', binary, join(HERE, 'page_layout.c')], {timeout: 30_000})
  layout = JSON.parse(execFileSync(binary, {encoding: 'utf8', timeout: 5000})) as Record<string, unknown>
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('the page layout of page.h', () => {
  it('1. every header offset page.ts writes is the compiler\'s', () => {
    for (const [field, offset] of Object.entries(HEADER_LAYOUT)) expect([field, layout[field]]).toEqual([field, offset])
  })

  it('2. every counter offset readCounters reads is the compiler\'s, and the struct ends where it stops', () => {
    const {end, ...fields} = COUNTERS_LAYOUT
    for (const [field, offset] of Object.entries(fields)) expect([field, layout[`count.${field}`]]).toEqual([field, offset])
    expect(end).toBe(COUNTERS_LAYOUT.adopted + 4)
    expect(layout.sizeof).toBeLessThanOrEqual(PAGE_SIZE)
  })

  it('3. the reasons are in the enums\' order, and the arrays their sizes', () => {
    expect(layout.pass).toEqual(Object.fromEntries(PASS_REASONS.map((name, i) => [name, i])))
    expect(layout.drop).toEqual(Object.fromEntries(DROP_REASONS.map((name, i) => [name, i])))
    expect([layout.pass_reasons, layout.drop_reasons, layout.hist_buckets]).toEqual([PASS_REASONS.length, DROP_REASONS.length, PARK_BUCKETS])
    expect(COUNTERS_LAYOUT.dropped - COUNTERS_LAYOUT.passed_on).toBe(8 * PASS_REASONS.length)
    expect(COUNTERS_LAYOUT.park_ms_max - COUNTERS_LAYOUT.park_ms).toBe(8 * PARK_BUCKETS)
  })

  it('4. readCounters decodes every field from its offset, 64-bit counters beyond 2^32 included', () => {
    const page = encodePage({chain: 'proxy,httpready', timeoutMs: 5000, passOnTimeout: false, address: '127.0.0.1:8080'})
    const L = COUNTERS_LAYOUT
    page.writeBigUInt64LE(2n ** 40n + 7n, L.accepted)
    page.writeBigUInt64LE(11n, L.ready)
    page.writeBigUInt64LE(10n, L.passed)
    PASS_REASONS.forEach((_, i) => page.writeBigUInt64LE(BigInt(i + 1), L.passed_on + 8 * i))
    DROP_REASONS.forEach((_, i) => page.writeBigUInt64LE(BigInt(100 + i), L.dropped + 8 * i))
    page.writeBigUInt64LE(21n, L.parked_total)
    page.writeUInt32LE(3, L.parked)
    page.writeUInt32LE(2, L.held)
    for (let b = 0; b < PARK_BUCKETS; b++) page.writeBigUInt64LE(BigInt(b * 2), L.park_ms + 8 * b)
    page.writeUInt32LE(1234, L.park_ms_max)
    page.writeUInt32LE(4, L.engine_starts)
    page.writeUInt32LE(1, L.adopted)
    const path = join(dir, 'page')
    writeFileSync(path, page)
    const fd = openSync(path, 'r')
    try {
      expect(readCounters(fd)).toEqual({
        accepted: 2 ** 40 + 7,
        ready: 11,
        passed: 10,
        passedOn: {verdict: 1, timeout: 2, oversize: 3, no_engine: 4},
        dropped: {timeout: 100, eof: 101, reset: 102, filter: 103, park_full: 104, shed: 105, no_server: 106, engine: 107},
        parkedTotal: 21,
        parked: 3,
        held: 2,
        parkMs: Array.from({length: PARK_BUCKETS}, (_, b) => b * 2),
        parkMsMax: 1234,
        engineStarts: 4,
        adopted: 1,
      })
      expect(readChain(fd)).toBe('proxy,httpready')
      expect(readPageHeader(fd).address).toBe('127.0.0.1:8080')
    } finally {
      closeSync(fd)
    }
  })
})
