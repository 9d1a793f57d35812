// The man pages say what --help says: they are generated from the same command metadata, and
// this fails when a command changed and `node scripts/man.js` was not rerun.
import {execFileSync, spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

import {COMMANDS} from '../../src/commands/index.js'
import {CLI} from '../helpers/cli.js'

const script = fileURLToPath(new URL('../../scripts/man.js', import.meta.url))

describe('man pages', () => {
  it('1. are up to date with the commands', () => {
    const check = spawnSync(process.execPath, [script, '--check'], {encoding: 'utf8'})
    expect(check.stderr).toBe('')
    expect(check.status).toBe(0)
  })

  it.each(Object.keys(COMMANDS))('2. %s: every flag of --help is in its page', (id) => {
    const help = execFileSync(process.execPath, [CLI, id, '--help'], {encoding: 'utf8'})
    const page = execFileSync('man', ['-l', '-P', 'cat', fileURLToPath(new URL(`../../man/defer-accept-${id}.1`, import.meta.url))], {encoding: 'utf8', env: {...process.env, MANWIDTH: '200'}})
    for (const flag of help.matchAll(/--([a-z][a-z-]+)/g)) expect(page).toContain(`--${flag[1]}`)
  })
})
