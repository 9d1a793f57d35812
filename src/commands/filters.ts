import {DeferAcceptCommand} from '../cli/base-command.js'
import type {CatalogueEntry} from '../filters/catalogue.js'

export default class Filters extends DeferAcceptCommand {
  static summary = 'List the accept filters this host offers, and where each runs.'
  static description = 'For each filter name: "kernel" (the OS filters in the kernel), "engine" (defer-accept wrap runs it in its native engine) or "unavailable", with why and what to do.'
  static examples = ['<%= config.bin %> filters', '<%= config.bin %> filters --json']

  async run(): Promise<{os: string; filters: CatalogueEntry[]}> {
    await this.parse(Filters)
    const result = await (await import('../filters/catalogue.js')).catalogue()
    if (this.jsonEnabled()) return result
    // The table's modules (chalk) load only for people, not for --json.
    const [{default: chalk}, {table}] = await Promise.all([import('chalk'), import('../cli/table.js')])
    const where = {kernel: chalk.green, engine: chalk.cyan, unavailable: chalk.yellow}
    this.log(
      table(
        [
          {key: 'name', header: 'FILTER'},
          {key: 'where', header: 'WHERE'},
          {key: 'kernelName', header: 'KERNEL NAME'},
          {key: 'what', header: 'WHAT'},
          {key: 'usage', header: 'ARGUMENTS'},
        ],
        result.filters.map((filter) => ({
          name: filter.name,
          where: where[filter.where](filter.where),
          kernelName: filter.kernelName ?? '-',
          usage: filter.usage ?? '-',
          what: filter.where === 'unavailable' ? filter.why : (filter.summary ?? filter.why),
        })),
      ),
    )
    return result
  }
}
