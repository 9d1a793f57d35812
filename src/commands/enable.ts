import {Flags} from '@oclif/core'

import {DeferAcceptCommand} from '../cli/base-command.js'
import {table} from '../cli/table.js'
import {resolveTargets, socketState, stateRow, STATE_COLUMNS, targetFlags, type SocketState} from '../cli/targets.js'
import {parseFilterOption} from '../filters/spec.js'
import {platform} from '../platform/index.js'
import {socketCalls} from '../platform/libc.js'
import {attachAll} from '../wrap/attach.js'
import {describeInherited} from '../wrap/listeners.js'
import {planFilters, type OnTimeout} from '../wrap/plan.js'
import {run} from '../wrap/run.js'

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
    filter: Flags.string({char: 'f', description: 'filter NAME[:ARG] (a chain NAME,NAME with a server)', required: true}),
    'on-timeout': Flags.string({description: 'with a server, for engine filters: what to do with a connection not ready at the timeout', options: ['drop', 'pass']}),
    timeout: Flags.integer({char: 't', description: 'seconds a connection may take to become ready', default: 30, min: 1}),
  }

  async run(): Promise<{sockets: SocketState[]} | void> {
    const {flags, argv} = await this.parse(Enable)
    const adapter = await platform()
    const targets = resolveTargets(flags)
    const filter = parseFilterOption(flags.filter)
    if (argv.length === 0) {
      const sockets = attachAll(adapter, targets, filter.chain, flags.timeout).map((state, index) => socketState(adapter, targets[index], state))
      this.log(table(STATE_COLUMNS, sockets.map(stateRow)))
      return {sockets}
    }
    const listeners = describeInherited(socketCalls, adapter, targets.map((target) => target.fd))
    const onTimeout = flags['on-timeout'] as OnTimeout | undefined
    const status = await run(adapter, {
      command: argv[0] as string,
      args: argv.slice(1) as string[],
      plan: planFilters(adapter, listeners, [filter], onTimeout),
      names: targets.map((target) => target.name),
      timeoutSeconds: flags.timeout,
      onTimeout,
      backlog: 511,
      report: (line) => this.logToStderr(`defer-accept: ${line}`),
    })
    if (status !== 0) this.exit(status)
  }
}
