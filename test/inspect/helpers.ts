// Real listeners for inspect's tests: python3 processes holding sockets, and the CLI's JSON.
import {fileURLToPath} from 'node:url'

import type {InspectResult, Listener} from '../../src/inspect/types.js'
import {CLI, start, type Running} from '../helpers/cli.js'

export const LISTENER = fileURLToPath(new URL('listener.py', import.meta.url))

export interface Held {
  server: Running
  ports: number[]
}

/** Starts python3 listener.py with args (under a prefix such as setpriv) and waits for its ports. */
export async function holdListeners(args: string[] = [], prefix: string[] = []): Promise<Held> {
  const [command, ...rest] = [...prefix, 'python3']
  const server = start(command, [...rest, LISTENER, ...args])
  const match = await server.waitFor(/^\[[\d, ]+\]$/m)
  return {server, ports: JSON.parse(match[0]) as number[]}
}

/** Runs `inspect --json` with args, under a command prefix such as setpriv when given. */
export async function inspectJson(args: string[] = [], prefix: string[] = [], env?: NodeJS.ProcessEnv): Promise<InspectResult> {
  const [command, ...rest] = [...prefix, process.execPath]
  const finished = await start(command, [...rest, CLI, 'inspect', '--json', ...args], {env}).finished
  if (finished.code !== 0) throw new Error(`inspect exited ${finished.code}: ${finished.stderr}`)
  return JSON.parse(finished.stdout) as InspectResult
}

export const onPort = (result: InspectResult, port: number): Listener[] => result.listeners.filter((listener) => listener.port === port)
