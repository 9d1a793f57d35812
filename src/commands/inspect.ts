import {Flags, ux} from '@oclif/core'

import {DeferAcceptCommand} from '../cli/base-command.js'
import {DeferAcceptError} from '../errors.js'
import {inspect} from '../inspect/collect.js'
import {render} from '../inspect/render.js'
import type {InspectResult} from '../inspect/types.js'
import {watch} from '../inspect/watch.js'

const WATCH_DEFAULT = '2'

/** `--watch` alone means every 2 s: oclif flags have no optional value, so one is supplied. */
const withWatchDefault = (argv: string[]) =>
  argv.flatMap((arg, index) => (arg === '--watch' && (index + 1 === argv.length || argv[index + 1].startsWith('-')) ? [arg, WATCH_DEFAULT] : [arg]))

export default class Inspect extends DeferAcceptCommand {
  static summary = 'List every TCP listening socket of the host with its deferral, queue and processes.'
  static description = `Linux: every IPv4 and IPv6 listener from the kernel's socket table (sock_diag, or /proc/net/tcp without the backlog), the processes holding it (/proc/PID/fd: a master and its workers share one socket), its accept queue and backlog, SO_REUSEPORT and the effective TCP_DEFER_ACCEPT seconds read from the holder's own socket (pidfd_getfd, Linux 5.6+; 5 s requested reads back as 7 s, the kernel's rounding), and, for sockets served by defer-accept's engine, the filter chain, timeout and live counters read from the engine's control socket ($XDG_RUNTIME_DIR/defer-accept/PID.sock, else /run/defer-accept/ for root or /tmp/defer-accept-UID/; PID is the wrapper's).
Reading another user's processes needs ptrace rights over them: without them the socket is still listed and its processes, SO_REUSEPORT and deferral show as unknown, with one note saying to run as root or as the server's user. One process never fails the listing.
FreeBSD, NetBSD, illumos: not yet; "defer-accept query" reads the filter of sockets the tool owns or inherited (SO_ACCEPTFILTER, FIL_LIST).
--json: {schemaVersion: 1, os, hints[], listeners[]}, each listener {inode, family, address, port, uid, acceptQueue, backlog, processes[{pid, fd, comm, command}] or null, reusePort, deferral {state: none|kernel|engine|unknown, seconds, reason}, engine {pid, controlSocket, chain, timeoutMs, onTimeout, counters, parkMs, serverClosed} or null}. The JSON Schema is src/inspect/schema.json; a field is removed or changes meaning only with a new schemaVersion.`
  static examples = [
    '<%= config.bin %> inspect',
    '<%= config.bin %> inspect --port 8080 --json',
    'sudo <%= config.bin %> inspect --pid 1234',
    '<%= config.bin %> inspect --watch 1',
  ]
  static flags = {
    pid: Flags.integer({description: 'only sockets this process holds', min: 1}),
    port: Flags.integer({description: 'only sockets on this local port', min: 1, max: 65_535}),
    watch: Flags.integer({description: 'redraw every SECONDS (2 when omitted) with per-second rates of the engine counters', helpValue: '[SECONDS]', min: 1, exclusive: ['json']}),
  }

  // oclif colours JSON token by token, even into a pipe: a second for 2,000 listeners, against
  // 10 ms for JSON.stringify. The schema is the contract, not the colours.
  logJson(json: unknown): void {
    ux.stdout(JSON.stringify(json, null, 2))
  }

  async run(): Promise<InspectResult> {
    const {flags} = await this.parse(Inspect, withWatchDefault(this.argv))
    if (process.platform !== 'linux') {
      throw new DeferAcceptError('FILTER_UNAVAILABLE', `inspect reads Linux's socket table; it cannot list ${process.platform}'s yet`, 'run defer-accept query on a socket you own or inherited')
    }
    const filter = {pid: flags.pid, port: flags.port}
    if (flags.watch) return watch(flags.watch, filter, (frame) => this.log(frame))
    const result = await inspect(filter)
    if (!this.jsonEnabled()) this.log(render(result))
    return result
  }
}
