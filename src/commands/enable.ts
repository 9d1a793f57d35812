import {DeferAcceptCommand} from '../cli/base-command.js'
import {runOptions, serverFlags} from '../cli/server-flags.js'
import {resolveTargets, socketState, stateRow, STATE_COLUMNS, targetFlags, type SocketState} from '../cli/targets.js'

export default class Enable extends DeferAcceptCommand {
  static summary = 'Set an accept filter and defer timeout on inherited listening sockets, then optionally start the server.'
  static description = `Without a server: sets the kernel's filter on each descriptor and exits (all or none: a failure restores the ones already changed). With -- SERVER ARGS: then starts the server with the descriptors passed on by socket activation (LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID = the server's pid); filters the kernel lacks then run in the engine, as with wrap. The systemd helper: ExecStart=defer-accept enable --listen-fds --filter dataready --timeout 10 -- /usr/bin/server`
  static examples = [
    '<%= config.bin %> enable --fd 3 --filter dataready --timeout 10',
    'systemd-socket-activate -l 8080 <%= config.bin %> enable --listen-fds --filter dataready -- python3 server.py',
  ]
  static strict = false
  static flags = {
    ...targetFlags,
    filter: serverFlags.filter({description: 'filter NAME[:ARG] (a chain NAME,NAME with a server)', required: true}),
    'on-timeout': serverFlags.onTimeout({description: 'with a server, for engine filters: what to do with a connection not ready at the timeout'}),
    timeout: serverFlags.timeout(),
  }

  async run(): Promise<{sockets: SocketState[]} | void> {
    const {flags, argv} = await this.parse(Enable)
    // Loaded here, not at start-up: the other commands and --help never need them.
    const [{table}, {parseFilterOption}, {platform}] = await Promise.all([
      import('../cli/table.js'),
      import('../filters/spec.js'),
      import('../platform/index.js'),
    ])
    const adapter = await platform()
    const targets = resolveTargets(flags)
    const filter = parseFilterOption(flags.filter)
    if (argv.length === 0) {
      const {attachAll} = await import('../wrap/attach.js')
      const sockets = attachAll(adapter, targets, filter.chain, flags.timeout).map((state, index) => socketState(adapter, targets[index], state))
      this.log(table(STATE_COLUMNS, sockets.map(stateRow)))
      return {sockets}
    }
    const [{socketCalls}, {describeInherited}, {planFilters}, {run}] = await Promise.all([
      import('../platform/libc.js'),
      import('../wrap/listeners.js'),
      import('../wrap/plan.js'),
      import('../wrap/run.js'),
    ])
    const listeners = describeInherited(socketCalls, adapter, targets.map((target) => target.fd))
    const plan = planFilters(adapter, listeners, [filter], flags['on-timeout'])
    const status = await run(adapter, runOptions(flags, argv as string[], plan, targets.map((target) => target.name), (line) => this.logToStderr(line)))
    if (status !== 0) this.exit(status)
  }
}
