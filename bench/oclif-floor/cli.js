// One command that parses its flags and returns nothing: what start-up costs oclif itself, with
// no module of defer-accept's. Bundled by bench/startup.sh with the flags of `npm run bundle`.
import {Command} from '@oclif/core/command'
import {execute} from '@oclif/core/execute'

class Filters extends Command {
  static enableJsonFlag = true

  async run() {
    await this.parse(Filters)
    return {os: process.platform, filters: []}
  }
}

export const COMMANDS = {filters: Filters}

export async function main(dir) {
  await execute({dir})
}
