// --json keeps to the committed schema: real output of the CLI, and a listener served by the
// engine with rates, checked by a small validator of the keywords schema.json uses.
import {readFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {holdListeners, inspectJson, type Held} from './helpers.js'

type Schema = Record<string, any>
const schema: Schema = JSON.parse(readFileSync(new URL('../../src/inspect/schema.json', import.meta.url), 'utf8'))

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value)

/** Paths where value breaks rule; empty when it conforms. */
function violations(value: any, rule: Schema, path = '$'): string[] {
  if (rule.$ref) return violations(value, rule.$ref.slice(2).split('/').reduce((node: Schema, key: string) => node[key], schema), path)
  if (rule.oneOf) return rule.oneOf.filter((option: Schema) => violations(value, option, path).length === 0).length === 1 ? [] : [`${path}: not exactly one of oneOf`]
  const type = typeOf(value)
  const types = rule.type === undefined ? [] : [rule.type].flat()
  if (types.length > 0 && !types.includes(type) && !(type === 'integer' && types.includes('number'))) return [`${path}: ${type}, not ${types}`]
  if ('const' in rule && value !== rule.const) return [`${path}: not ${rule.const}`]
  if (rule.enum && !rule.enum.includes(value)) return [`${path}: ${value} not in ${rule.enum}`]
  if (rule.minimum !== undefined && value < rule.minimum) return [`${path}: below ${rule.minimum}`]
  if (rule.maximum !== undefined && value > rule.maximum) return [`${path}: above ${rule.maximum}`]
  if (type === 'array' && rule.items) return value.flatMap((item: unknown, i: number) => violations(item, rule.items, `${path}[${i}]`))
  if (type !== 'object') return []
  const errors = (rule.required ?? []).filter((key: string) => !(key in value)).map((key: string) => `${path}.${key}: missing`)
  for (const [key, item] of Object.entries(value)) {
    const property = rule.properties?.[key] ?? (typeof rule.additionalProperties === 'object' ? rule.additionalProperties : undefined)
    if (property) errors.push(...violations(item, property, `${path}.${key}`))
    else if (rule.additionalProperties === false) errors.push(`${path}.${key}: not in the schema`)
  }
  return errors
}

describe('inspect --json schema', () => {
  let held: Held
  beforeAll(async () => {
    held = await holdListeners(['--defer', '3'])
  })
  afterAll(async () => {
    await held?.server.stop()
  })

  it('describes the real output', async () => {
    const result = await inspectJson()
    expect(result.listeners.length).toBeGreaterThan(0)
    expect(violations(result, schema)).toEqual([])
  })

  it('describes an engine listener with rates, and rejects what it does not describe', () => {
    const counters = {accepted: 3, ready: 2, passed: 1, passedOn: {verdict: 1}, dropped: {timeout: 0}, parked: 0, inFlight: 0}
    const engine = {pid: 5, controlSocket: '/run/defer-accept/4.sock', chain: 'proxy,httpready', timeoutMs: 30000, onTimeout: 'pass', counters, parkMs: {p50: 1, p90: 2, p99: 4, max: 5}, serverClosed: false, rates: {accepted: 1, ready: 0.5, passed: 0, dropped: 0}}
    const listener = {inode: 7, family: 'ipv6', address: '::', port: 80, uid: 33, acceptQueue: 0, backlog: null, processes: null, reusePort: null, deferral: {state: 'engine', seconds: null}, engine}
    const result = {schemaVersion: 1, os: 'linux', hints: [], listeners: [listener]}
    expect(violations(result, schema)).toEqual([])
    expect(violations({...result, listeners: [{...listener, deferral: {state: 'maybe', seconds: 1}}]}, schema)).toEqual(['$.listeners[0].deferral.state: maybe not in none,kernel,engine,unknown'])
    expect(violations({...result, extra: 1}, schema)).toEqual(['$.extra: not in the schema'])
  })

  it('describes a snapshot without a socket table: nulls, the kernel filter and the host filters', () => {
    const listener = {inode: null, family: 'ipv4', address: '0.0.0.0', port: 80, uid: null, acceptQueue: null, backlog: null, processes: [{pid: 42, fd: 3, comm: 'node', command: 'node inspect'}], reusePort: null, deferral: {state: 'kernel', seconds: null, filter: 'dnsready', kernelName: 'dnsready', arg: 'x=1'}, engine: null}
    const kernelFilters = [{name: 'dataready', where: 'kernel', kernelName: 'dataready', why: 'SO_ACCEPTFILTER dataready (module accf_data)'}, {name: 'proxy', where: 'unavailable', why: 'no such filter'}]
    const result = {schemaVersion: 1, os: 'freebsd', hints: ['queues unknown'], listeners: [listener], kernelFilters}
    expect(violations(result, schema)).toEqual([])
    expect(violations({...result, kernelFilters: [{name: 'x', where: 'engine', why: ''}]}, schema)).toEqual(['$.kernelFilters[0].where: engine not in kernel,unavailable'])
  })
})
