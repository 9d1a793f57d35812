// One command that parses its flags and returns nothing: what start-up costs oclif itself, with
// no module of defer-accept's. Bundled by bench/startup.sh with the flags of `npm run bundle`.
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

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

// As src/cli.ts's main: oclif is given the root and its package.json.
export async function main(bin) {
  const root = dirname(fileURLToPath(bin))
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  await execute({loadOptions: {root, pjson}})
}
