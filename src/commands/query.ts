import {DeferAcceptCommand} from '../cli/base-command.js'
import {resolveTargets, socketState, stateRow, STATE_COLUMNS, targetFlags, type SocketState} from '../cli/targets.js'

export default class Query extends DeferAcceptCommand {
  static summary = 'Show the kernel accept filter and defer timeout of inherited listening sockets.'
  static description = 'Reads the filter back from the kernel: on Linux TCP_DEFER_ACCEPT with the timeout the kernel really applies (it rounds up to its SYN-ACK retransmit schedule).'
  static examples = ['<%= config.bin %> query --fd 3', 'systemd-socket-activate -l 8080 <%= config.bin %> query --listen-fds --json']
  static flags = {...targetFlags}

  async run(): Promise<{sockets: SocketState[]}> {
    const {flags} = await this.parse(Query)
    const [{platform}, {table}] = await Promise.all([import('../platform/index.js'), import('../cli/table.js')])
    const adapter = await platform()
    const sockets = resolveTargets(flags).map((target) => socketState(adapter, target, adapter.query(target.fd)))
    this.log(table(STATE_COLUMNS, sockets.map(stateRow)))
    return {sockets}
  }
}
