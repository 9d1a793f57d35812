import {Flags} from '@oclif/core'

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
  static description = `Linux: every IPv4 and IPv6 listener (sock_diag), the processes holding it (/proc/PID/fd; a master and its workers share one socket), its accept queue and backlog, SO_REUSEPORT and the effective TCP_DEFER_ACCEPT seconds read from the holder's own socket (pidfd_getfd, Linux 5.6+), and, for sockets served by defer-accept's engine, the filter chain, timeout and live counters. What needs ptrace rights over a holder (another user's processes) shows as unknown, with a note saying how to see it; the listing never fails for one process.
FreeBSD, NetBSD, illumos: not yet; use "defer-accept query" on sockets the tool owns or inherited (SO_ACCEPTFILTER, FIL_LIST).
--json prints a stable schema (src/inspect/schema.json, schemaVersion 1).`
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

  async run(): Promise<InspectResult> {
    const {flags} = await this.parse(Inspect, withWatchDefault(this.argv))
    if (process.platform !== 'linux') {
      throw new DeferAcceptError('FILTER_UNAVAILABLE', `inspect reads Linux's socket table; it cannot list ${process.platform}'s yet`, 'run defer-accept query on a socket you own or inherited')
    }
    const filter = {pid: flags.pid, port: flags.port}
    if (flags.watch) return watch(flags.watch, filter, (frame) => this.log(frame))
    const result = await inspect(filter)
    this.log(render(result))
    return result
  }
}
