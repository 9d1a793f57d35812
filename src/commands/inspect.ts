import * as Flags from '@oclif/core/flags'

import {DeferAcceptCommand} from '../cli/base-command.js'
import type {InspectResult} from '../inspect/types.js'

const WATCH_DEFAULT = '2'

/** `--watch` alone means every 2 s: oclif flags have no optional value, so one is supplied. */
const withWatchDefault = (argv: string[]) =>
  argv.flatMap((arg, index) => (arg === '--watch' && (index + 1 === argv.length || argv[index + 1].startsWith('-')) ? [arg, WATCH_DEFAULT] : [arg]))

export default class Inspect extends DeferAcceptCommand {
  static summary = 'List TCP listening sockets with their deferral, filter, queue and processes (the host\'s on Linux, its own elsewhere).'
  static description = `What each system can show:

Linux: every IPv4 and IPv6 listener of the host from the kernel's socket table (sock_diag, or /proc/net/tcp without the backlog), the processes holding it (/proc/PID/fd: a master and its workers share one socket), its accept queue and backlog, SO_REUSEPORT and the effective TCP_DEFER_ACCEPT seconds read from the holder's own socket (pidfd_getfd, Linux 5.6+; 5 s requested reads back as 7 s, the kernel's rounding), and, for sockets served by defer-accept's engine, the filter chain, timeout and live counters read from the engine's control socket ($XDG_RUNTIME_DIR/defer-accept/PID.sock, else /run/defer-accept/ for root or /tmp/defer-accept-UID/; PID is the wrapper's). --fd N lists only the socket inspect inherited as descriptor N, with every process holding it (inspect among them).

On Linux, reading another user's processes needs ptrace rights over them: without them the socket is still listed and its processes, SO_REUSEPORT and deferral show as unknown, with one note saying to run as root or as the server's user. One process never fails the listing.

FreeBSD and NetBSD: no socket table can be read, so only the sockets inspect owns or inherited: those passed by socket activation (LISTEN_FDS), or the descriptors named with --fd. Each with its address (getsockname) and its accept filter read back with getsockopt(SO_ACCEPTFILTER): the filter, its argument and the kernel's name for it (these kernels apply no timeout). Then the host's accf modules: each filter set on a throw-away listener shows as kernel (loaded) or unavailable, with the command that loads it (kldload on FreeBSD, modload on NetBSD).

illumos: the same with sockfs socket filters: the filters on each socket read with getsockopt(FIL_LIST) (datafilt is dataready, httpfilt httpready), and each filter attached to a throw-away socket shows as kernel (configured) or unavailable, with the soconfig line that configures it.

macOS: the owned and inherited sockets with their addresses only; its kernel has no accept filter, so every deferral is none and every filter unavailable.

Everywhere but Linux the one process listed is inspect itself, and inode, uid, acceptQueue, backlog and reusePort are null, with a note saying why.

--json: {schemaVersion: 1, os, hints[], listeners[], kernelFilters[] (all but Linux)}, each listener {inode, family, address, port, uid, acceptQueue, backlog, processes[{pid, fd, comm, command}] or null, reusePort, deferral {state: none|kernel|engine|unknown, seconds, reason, filter, kernelName, arg}, engine {pid, controlSocket, chain, timeoutMs, onTimeout, counters, parkMs, serverClosed} or null}, each kernel filter {name, where: kernel|unavailable, kernelName, why}. The JSON Schema is src/inspect/schema.json; a field is removed or changes meaning only with a new schemaVersion.

--format prometheus (Linux): instead of the table, every live engine's listeners as Prometheus metrics in the text format, the same as wrap --metrics serves (defer_accept_connections_total and the others in man defer-accept-wrap), for node_exporter's textfile collector. Each wrapper's counters pages are read through /proc/PID/fd where allowed (its user or root), else its engine's stats answer, which has no park-time histogram and no defer_accept_filter_in_force.`
  static examples = [
    '<%= config.bin %> inspect',
    '<%= config.bin %> inspect --port 8080 --json',
    'sudo <%= config.bin %> inspect --pid 1234',
    '<%= config.bin %> inspect --watch 1',
    '<%= config.bin %> inspect --fd 3 --json',
    '<%= config.bin %> inspect --format prometheus > defer-accept.prom.tmp && mv defer-accept.prom.tmp /var/lib/prometheus/node-exporter/defer-accept.prom',
  ]
  static flags = {
    pid: Flags.integer({description: 'only sockets this process holds', min: 1}),
    port: Flags.integer({description: 'only sockets on this local port', min: 1, max: 65_535}),
    fd: Flags.integer({description: 'only this descriptor of the inspect process, a listening TCP socket it inherited', multiple: true, min: 0}),
    format: Flags.string({description: "prometheus: the engines' listeners as Prometheus metrics in the text format (for node_exporter's textfile collector); --port applies", options: ['prometheus'], exclusive: ['json', 'watch', 'pid', 'fd']}),
    watch: Flags.integer({description: 'redraw every SECONDS (2 when omitted) with per-second rates of the engine counters', helpValue: '[SECONDS]', min: 1, exclusive: ['json']}),
  }

  async run(): Promise<InspectResult | undefined> {
    const {flags} = await this.parse(Inspect, withWatchDefault(this.argv))
    if (flags.format === 'prometheus') return this.prometheus(flags.port)
    const filter = {pid: flags.pid, port: flags.port, fds: flags.fd}
    // The inspect modules load here, not at start-up: no other command needs them.
    if (flags.watch) return (await import('../inspect/watch.js')).watch(flags.watch, filter, (frame) => this.log(frame))
    const [{inspect}, {render}] = await Promise.all([import('../inspect/collect.js'), import('../inspect/render.js')])
    const result = await inspect(filter)
    if (!this.jsonEnabled()) this.log(render(result))
    return result
  }

  /** --format prometheus: loaded only then (start-up time); hints go to stderr, not the file. */
  private async prometheus(port: number | undefined): Promise<undefined> {
    const [{hostMetrics}, {createMetrics}] = await Promise.all([import('../metrics/host.js'), import('../metrics/registry.js')])
    const {listeners, hints} = await hostMetrics(port)
    for (const hint of hints) this.logToStderr(`defer-accept: ${hint}`)
    this.log((await createMetrics(() => listeners).scrape()).trimEnd())
    return undefined
  }
}
