// The CLI's single entry: bundled with its dependencies into dist/cli.js (one file instead of
// several hundred modules to resolve), and split where commands import their own modules in
// run() (dist/chunks/: loaded by the command that needs them). Start-up: bench/RESULTS.md.
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {execute} from '@oclif/core/execute'
import type {PJSON} from '@oclif/core/interfaces'

export {COMMANDS} from './commands/index.js'

/** Runs the command of process.argv; bin is the URL of bin/run.js, one folder below the package. */
export async function main(bin: string): Promise<void> {
  // Given the root and its package.json, oclif does not search for them from bin/ upwards,
  // a read of each folder's package.json that is not there (3 to 5 ms of every start).
  const root = dirname(dirname(fileURLToPath(bin)))
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PJSON
  await execute({loadOptions: {root, pjson}})
}
