// The demo end to end with small numbers: 4 workers, 50 attackers. The bare server must starve
// (every worker is held by a slow client) and the wrapped one must keep a larger share.
import {randomUUID} from 'node:crypto'
import {describe, expect, it} from 'vitest'

import {cli, runCli} from '../helpers/cli.js'
import {withMarker} from './helpers.js'

describe('defer-accept demo', () => {
  it('measures both servers, and defer-accept keeps more good traffic under attack than bare', async () => {
    const marker = `DEFER_ACCEPT_DEMO_TEST=${randomUUID()}`
    const [name, value] = marker.split('=')
    const result = await runCli(['demo', '--duration', '2', '--attackers', '50', '--json'], {env: {[name]: value}, timeoutMs: 60_000})
    expect(result.code, result.stderr).toBe(0)
    const {setup, rows} = JSON.parse(result.stdout)
    expect(setup).toMatchObject({workers: 4, slowClients: 38, idleClients: 12, windowSeconds: 2})
    expect(rows.map((row: {variant: string}) => row.variant)).toEqual(['bare', 'defer-accept'])
    const [bare, wrapped] = rows
    expect(bare.unattacked.requests).toBeGreaterThan(0)
    expect(wrapped.unattacked.requests).toBeGreaterThan(0)
    expect(wrapped.attacked.requests).toBeGreaterThan(0)
    // Starved, not merely slower: good clients of the bare server were left waiting.
    expect(bare.attacked.timeouts).toBeGreaterThan(0)
    expect(wrapped.kept).toBeGreaterThan(bare.kept)
    expect(withMarker(marker)).toEqual([])
  }, 70_000)

  it('stops every process it started when interrupted', async () => {
    const marker = `DEFER_ACCEPT_DEMO_TEST=${randomUUID()}`
    const [name, value] = marker.split('=')
    const demo = cli(['demo', '--duration', '3', '--attackers', '20'], {env: {[name]: value}, timeoutMs: 60_000})
    // Interrupt the wrapped phase, where the most processes run: wrapper, engine, server.
    await demo.waitFor(/defer-accept, no attack:/, 40_000)
    expect(withMarker(marker).length).toBeGreaterThanOrEqual(3)
    const finished = await demo.stop('SIGINT')
    expect(finished.code).toBe(130)
    expect(withMarker(marker)).toEqual([])
  }, 70_000)
})
