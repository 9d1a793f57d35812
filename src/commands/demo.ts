import * as Flags from '@oclif/core/flags'

import {DeferAcceptCommand} from '../cli/base-command.js'
import type {DemoResult} from '../demo/run.js'

export default class Demo extends DeferAcceptCommand {
  static summary = 'Attack a small server with slow clients, without and with defer-accept, and compare.'
  static description = `Starts a python3 server with a fixed pool of workers that each block on one client until its request head is complete, as pre-forked and threaded servers do. It runs twice: alone, then under "defer-accept wrap --filter httpready". Each time, good clients (a new connection per request) are measured alone, then while slow clients written in this project (a request head one byte a second, or nothing at all) attack it. Prints good requests per second, the share kept under attack, p99 latency and failures side by side. Everything runs on 127.0.0.1 and every process it starts is stopped, also on Ctrl-C. The attack is on the first request of each connection, which is what an accept filter protects. No accept filter stops a client that sends a complete request and then trickles the next one on the kept-alive connection, or that reads a large response slowly: it still holds a worker, and only a buffering proxy in front stops it (server settings bound it: Apache KeepAliveTimeout and mod_reqtimeout, nginx keepalive_timeout; gunicorn's sync workers keep no connection alive; README, Known limits).`
  static examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --attackers 1000 --duration 10', '<%= config.bin %> demo --json']
  static flags = {
    attackers: Flags.integer({description: 'attacking connections: three in four send a byte a second, the rest nothing', default: 400, min: 1, max: 5000}),
    duration: Flags.integer({description: 'seconds of each of the four measurements', default: 6, min: 1, max: 120}),
    workers: Flags.integer({description: 'worker threads of the server', default: 4, min: 1, max: 64}),
  }

  async run(): Promise<DemoResult> {
    const {flags} = await this.parse(Demo)
    const [{progress, silent}, {render}, {runDemo}] = await Promise.all([import('../demo/progress.js'), import('../demo/render.js'), import('../demo/run.js')])
    const controller = new AbortController()
    const interrupt = () => controller.abort()
    process.once('SIGINT', interrupt)
    process.once('SIGTERM', interrupt)
    try {
      const result = await runDemo({
        workers: flags.workers,
        attackers: flags.attackers,
        durationSeconds: flags.duration,
        progress: this.jsonEnabled() ? silent : progress(process.stderr),
        signal: controller.signal,
      })
      this.log(render(result))
      return result
    } catch (error) {
      if (controller.signal.aborted) this.exit(130)
      throw error
    } finally {
      process.off('SIGINT', interrupt)
      process.off('SIGTERM', interrupt)
    }
  }
}
