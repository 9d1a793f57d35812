// One-shot questions to the engine binary: its filters, whether a chain is valid, an engine's
// counters. The filters are the list the build asked it for; the others run da-engine in a client
// mode (native/README.md), bounded in time.
import {execFile, spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'

import {DeferAcceptError} from '../errors.js'
import {enginePath, filterListPath} from './paths.js'

// The engine answers these from memory in milliseconds; seconds mean it is stuck.
const QUERY_TIMEOUT_MS = 10_000

/** A filter built into the engine, as `da-engine --list` describes it. */
export interface EngineFilter {
  name: string
  summary: string
  usage: string
  abi: number
}

/** The `stats` answer of an engine's control socket (native/README.md). */
export interface EngineStats {
  pid: number
  listeners: Array<{
    address: string
    chain: string
    timeout_ms: number
    on_timeout: 'drop' | 'pass'
    accepted: number
    ready: number
    passed: number
    passed_on: {verdict: number; timeout: number; oversize: number; no_engine: number}
    dropped: {timeout: number; eof: number; reset: number; filter: number; park_full: number; shed: number; no_server: number; engine: number}
    parked: number
    in_flight: number
    server_closed: boolean
    engine_starts: number
    park_ms: {p50: number; p90: number; p99: number; max: number}
  }>
}

function failed(what: string, detail: string): DeferAcceptError {
  return new DeferAcceptError('ENGINE_FAILED', `da-engine ${what} failed: ${detail.trim() || 'no message'}`, 'run npm run build, then try again')
}

function run(args: string[]): {status: number | null; stdout: string; stderr: string} {
  const result = spawnSync(enginePath(), args, {encoding: 'utf8', timeout: QUERY_TIMEOUT_MS})
  if (result.error) throw failed(args[0], result.error.message)
  return {status: result.status, stdout: result.stdout, stderr: result.stderr}
}

/** The engine's built-in filters, as the native build wrote them (native/build/filters.json). */
export function listEngineFilters(): EngineFilter[] {
  const path = filterListPath()
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as EngineFilter[]
  } catch (error) {
    throw new DeferAcceptError('ENGINE_FAILED', `${path} cannot be read as the engine's filter list: ${(error as Error).message}`, 'run npm run build, then try again')
  }
}

/** null when the engine accepts the chain, else its one-line reason. */
export function checkChain(chain: string, pluginDir?: string): string | null {
  const {status, stderr} = run([...(pluginDir ? ['--plugin-dir', pluginDir] : []), '--check', chain])
  if (status === 0) return null
  if (status === 2) return stderr.trim()
  throw failed('--check', stderr)
}

/** The counters of the engine whose control socket is at controlPath. */
export function readStats(controlPath: string): Promise<EngineStats> {
  return new Promise((resolve, reject) => {
    execFile(enginePath(), ['--stats', controlPath], {timeout: QUERY_TIMEOUT_MS}, (error, stdout, stderr) => {
      if (error) reject(failed('--stats', stderr || error.message))
      else resolve(JSON.parse(stdout) as EngineStats)
    })
  })
}
