// The CLI's single entry: bundled with its dependencies into dist/cli.js (one file instead of
// several hundred modules to resolve: start-up is measured in bench/RESULTS.md).
import {execute} from '@oclif/core'

export {COMMANDS} from './commands/index.js'

export async function main(dir: string): Promise<void> {
  await execute({dir})
}
