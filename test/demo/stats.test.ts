import {describe, expect, it} from 'vitest'

import {percentile, share, summarize} from '../../src/demo/stats.js'

describe('demo figures', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({length: 100}, (_, i) => i + 1)
    expect(percentile(values, 0.5)).toBe(50)
    expect(percentile(values, 0.99)).toBe(99)
    expect(percentile([7], 0.99)).toBe(7)
    expect(percentile([], 0.5)).toBeNull()
  })

  it('counts only successful requests in the rate and latencies, and every failure by kind', () => {
    const window = summarize(
      [
        {outcome: 'ok', ms: 4},
        {outcome: 'ok', ms: 2},
        {outcome: 'timeout', ms: 2000},
        {outcome: 'error', ms: 1},
      ],
      2,
    )
    expect(window).toEqual({seconds: 2, requests: 2, perSecond: 1, p50Ms: 2, p99Ms: 4, timeouts: 1, errors: 1})
  })

  it('gives the share kept, and 0 when nothing was served alone', () => {
    const base = summarize([{outcome: 'ok', ms: 1}, {outcome: 'ok', ms: 1}], 1)
    const half = summarize([{outcome: 'ok', ms: 1}], 1)
    expect(share(half, base)).toBe(0.5)
    expect(share(half, summarize([], 1))).toBe(0)
  })
})
