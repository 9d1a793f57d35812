// What every command shares: --json printed as plain JSON, and one mapping from typed errors to
// a message on stderr, a suggestion that names the fix, and the exit status listed in src/errors.ts.
import {Command} from '@oclif/core/command'
import {stdout} from '@oclif/core/ux'

import {DeferAcceptError, EXIT, SysError} from '../errors.js'

export abstract class DeferAcceptCommand extends Command {
  static enableJsonFlag = true

  // oclif colours JSON token by token, even into a pipe: a second for inspect's 2,000
  // listeners, against 10 ms for JSON.stringify. The output is the contract, not its colours.
  protected logJson(json: unknown): void {
    stdout(JSON.stringify(json, null, 2))
  }

  protected async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    if (error instanceof DeferAcceptError) {
      this.error(error.message, {code: error.code, exit: error.exit, suggestions: error.fix ? [error.fix] : undefined})
    }
    if (error instanceof SysError) {
      this.error(`${error.message} (${error.errno})`, {code: error.code, exit: EXIT.INTERNAL})
    }
    return super.catch(error)
  }
}
