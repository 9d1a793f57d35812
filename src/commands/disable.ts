import {DeferAcceptCommand} from '../cli/base-command.js'
import {resolveTargets, socketState, stateRow, STATE_COLUMNS, targetFlags, type SocketState} from '../cli/targets.js'

export default class Disable extends DeferAcceptCommand {
  static summary = 'Remove the kernel accept filter from inherited listening sockets.'
  static description = 'Connections the kernel was holding become ready to accept at once.'
  static examples = ['<%= config.bin %> disable --fd 3', '<%= config.bin %> disable --listen-fds']
  static flags = {...targetFlags}

  async run(): Promise<{sockets: SocketState[]}> {
    const {flags} = await this.parse(Disable)
    const [{platform}, {table}] = await Promise.all([import('../platform/index.js'), import('../cli/table.js')])
    const adapter = await platform()
    const targets = resolveTargets(flags)
    targets.forEach((target) => adapter.query(target.fd)) // every descriptor checked before any changes
    const sockets = targets.map((target) => {
      adapter.detach(target.fd)
      return socketState(adapter, target, adapter.query(target.fd))
    })
    this.log(table(STATE_COLUMNS, sockets.map(stateRow)))
    return {sockets}
  }
}
