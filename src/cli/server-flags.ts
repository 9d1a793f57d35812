// What wrap and enable -- SERVER share: the defaults of a server started behind filters, their
// flag definitions (as heroku's flags.app()), and the one function that turns parsed flags into
// run options. Types only from src/wrap/: a command's --help loads none of it.
import * as Flags from '@oclif/core/flags'

import type {OnTimeout, Plan} from '../wrap/plan.js'
import type {ServerMode} from '../wrap/mode.js'
import type {RunOptions} from '../wrap/run.js'

/** One place for the defaults (the engine's own, for listeners a server registers, are in spec.c). */
export const DEFAULTS = {
  /** listen() backlog, and the most connections in flight to the server (nginx's default too). */
  backlog: 511,
  timeoutSeconds: 30,
  /** What the engine does at the timeout when --on-timeout is not given. The flag stays unset
   *  then: an explicit drop moves dataready from the kernel (which passes) to the engine. */
  onTimeout: 'drop' as OnTimeout,
}

const ON_TIMEOUT: OnTimeout[] = ['drop', 'pass']
const ON_ENGINE_FAILURE = ['stop', 'pass'] as const
// ServerMode's values (src/wrap/mode.ts: a value import from there would load src/wrap/ for --help).
const SERVER_MODES: ServerMode[] = ['preload', 'seccomp']

export const serverFlags = {
  /** --filter; each command gives its description, and multiple or required. */
  filter: Flags.custom<string>({char: 'f'}),
  /** --on-timeout; each command says when it applies. */
  onTimeout: Flags.custom<OnTimeout>({options: ON_TIMEOUT}),
  timeout: () => Flags.integer({char: 't', description: 'seconds a connection may take to become ready', default: DEFAULTS.timeoutSeconds, min: 1}),
  mode: () =>
    Flags.custom<ServerMode>({
      options: SERVER_MODES,
      description: 'where a filter the kernel lacks runs: preload (LD_PRELOAD, in the server\'s accept) or seccomp (the launcher answers its accept calls: Go and statically linked servers); default: seccomp for Go and static programs, else preload',
    })(),
  onEngineFailure: () =>
    Flags.custom<(typeof ON_ENGINE_FAILURE)[number]>({options: [...ON_ENGINE_FAILURE], default: 'stop', description: 'when the engine keeps dying and is given up: stop the server (and exit 28), or pass every connection unfiltered'})(),
}

/** The parsed flags runOptions reads: enable has only some of them. */
export interface ServerFlagValues {
  backlog?: number
  'engine-user'?: string
  'max-parked'?: number
  metrics?: string
  mode?: ServerMode
  'on-engine-failure'?: (typeof ON_ENGINE_FAILURE)[number]
  'on-timeout'?: OnTimeout
  'plugin-dir'?: string
  timeout: number
}

/** RunOptions for `-- SERVER ARGS` (argv) behind this plan; log prints one line to stderr. */
export function runOptions(flags: ServerFlagValues, argv: string[], plan: Plan, names: string[], log: (line: string) => void): RunOptions {
  return {
    command: argv[0],
    args: argv.slice(1),
    plan,
    names,
    timeoutSeconds: flags.timeout,
    onTimeout: flags['on-timeout'],
    backlog: flags.backlog ?? DEFAULTS.backlog,
    maxParked: flags['max-parked'],
    pluginDir: flags['plugin-dir'],
    engineUser: flags['engine-user'],
    onEngineFailure: flags['on-engine-failure'],
    metrics: flags.metrics,
    mode: flags.mode,
    report: (line) => log(`defer-accept: ${line}`),
  }
}
