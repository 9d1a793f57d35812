// The CLI's single entry: bundled with its dependencies into dist/cli.js (one file instead of
// several hundred modules to resolve), and split where commands import their own modules in
// run() (dist/chunks/: loaded by the command that needs them). Start-up: bench/RESULTS.md.
import {execute} from '@oclif/core/execute'

export {COMMANDS} from './commands/index.js'

export async function main(dir: string): Promise<void> {
  await execute({dir})
}
