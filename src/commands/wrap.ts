import * as Flags from '@oclif/core/flags'

import {DeferAcceptCommand} from '../cli/base-command.js'
import {DEFAULTS, runOptions, serverFlags} from '../cli/server-flags.js'

export default class Wrap extends DeferAcceptCommand {
  static summary = 'Start a server whose listening sockets deliver only ready connections.'
  static description = `Creates the listening sockets (or takes the ones systemd passed), applies the filters (in the kernel where it has them, in the engine where it does not) and starts the server with socket activation (LISTEN_FDS from descriptor 3, LISTEN_FDNAMES, LISTEN_PID). With no --listen, the server binds its own ports and --filter PORT=CHAIN names them. An engine that dies is restarted at once on the same listeners, those the server bound itself included: the ports never close. Signals are forwarded; the exit status is the server's (128+N when killed by signal N).

--metrics ADDR serves GET /metrics (Prometheus text format) for the filtered ports, read from their counters pages, so it answers while an engine restarts: defer_accept_connections_total{listener,outcome=ready|passed|dropped,reason}, defer_accept_accepted_connections_total, defer_accept_parked_connections, defer_accept_held_connections, defer_accept_park_duration_seconds (histogram), defer_accept_engine_restarts_total, defer_accept_filter_in_force{listener,chain}. Ports filtered by the kernel have no counters and no metrics.`
  static examples = [
    '<%= config.bin %> wrap --listen 127.0.0.1:8080 --filter httpready -- gunicorn app:app',
    '<%= config.bin %> wrap --listen :8080 --filter dataready --timeout 10 -- python3 server.py',
    '<%= config.bin %> wrap --filter 8080=httpready -- nginx -g "daemon off;"',
  ]
  static enableJsonFlag = false
  static strict = false
  static flags = {
    backlog: Flags.integer({description: 'listen() backlog, and the most connections in flight to the server', default: DEFAULTS.backlog, min: 1}),
    'engine-user': Flags.string({description: 'user the engine runs as once its sockets are set up, when started as root (default: defer-accept, a system user made on first use)'}),
    filter: serverFlags.filter({description: 'filter chain NAME[:ARG...][,NAME...] for every listener, or PORT=CHAIN for one port', multiple: true}),
    listen: Flags.string({char: 'l', description: 'address to listen on: :8080, 127.0.0.1:8080, [::1]:8080, [::]:8080 (port 0: any)', multiple: true}),
    'max-parked': Flags.integer({description: 'most connections the engine parks at once (the oldest is dropped beyond it)', min: 1}),
    metrics: Flags.string({description: 'serve Prometheus metrics of these listeners at http://ADDR/metrics: 127.0.0.1:9464, :9464 (port 0: any)', helpValue: 'ADDR'}),
    mode: serverFlags.mode(),
    'on-engine-failure': serverFlags.onEngineFailure(),
    'on-timeout': serverFlags.onTimeout({description: 'what the engine does with a connection still not ready at the timeout'}),
    'plugin-dir': Flags.string({description: 'folder of third-party filters (NAME.so)'}),
    timeout: serverFlags.timeout(),
  }

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Wrap)
    // metrics: a bad address fails before any listener is made
    if (flags.metrics !== undefined) (await import('../metrics/address.js')).parseMetricsAddress(flags.metrics)
    // Loaded here, not at start-up: the other commands and --help never need them.
    const [{resolveCommand}, {inheritedSockets}, {socketCalls}, {platform}, {parseListenAddress}, {createListeners, describeInherited}, {parseFilterOption}, {planFilters}, {run}] = await Promise.all([
      import('../activation/launch.js'),
      import('../activation/listen-fds.js'),
      import('../platform/libc.js'),
      import('../platform/index.js'),
      import('../wrap/address.js'),
      import('../wrap/listeners.js'),
      import('../filters/spec.js'),
      import('../wrap/plan.js'),
      import('../wrap/run.js'),
    ])
    // A server that is not there fails before a port is opened and said to listen.
    resolveCommand((argv as string[])[0])
    const adapter = await platform()
    const inherited = inheritedSockets()
    if (inherited.length > 0 && flags.listen) this.warn(`started with ${inherited.length} socket(s) by socket activation: --listen is ignored`)
    const listeners =
      inherited.length > 0
        ? describeInherited(socketCalls, adapter, inherited.map((socket) => socket.fd))
        : createListeners(socketCalls, adapter, (flags.listen ?? []).map(parseListenAddress), flags.backlog)
    for (const listener of listeners) this.logToStderr(`defer-accept: listening on ${listener.address}`)
    const plan = planFilters(adapter, listeners, (flags.filter ?? []).map(parseFilterOption), flags['on-timeout'])
    const names = listeners.map((listener, index) => inherited[index]?.name ?? listener.address)
    const status = await run(adapter, runOptions(flags, argv as string[], plan, names, (line) => this.logToStderr(line)))
    if (status !== 0) this.exit(status)
  }
}
