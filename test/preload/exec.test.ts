// A server that execs a program with an environment of its own making (nginx's binary upgrade
// passes only TZ, its `env` directives and NGINX) still hands the preload on, with the preload's
// variables as they are in the process now, not as the made-up list has them.
import {execFileSync} from 'node:child_process'
import {beforeAll, describe, expect, it} from 'vitest'

import {buildPreload, PRELOAD} from './helpers.js'

/** `env`'s output as python3 execs it under the preload with `envp` (its own environ when null). */
function execEnv(envp: Record<string, string> | null): string[] {
  const exec = envp ? `os.execve("/usr/bin/env", ["env"], ${JSON.stringify(envp)})` : 'os.execv("/usr/bin/env", ["env"])'
  // os.environ assignment updates the C environment, as the preload's own setenv does after bind mode.
  const script = `import os; os.environ["DEFER_ACCEPT_HANDOVER"] = "7@127.0.0.1:8080"; ${exec}`
  const env = {PATH: '/usr/bin:/bin', LD_PRELOAD: PRELOAD, DEFER_ACCEPT_CONTROL: '/run/control.sock', DEFER_ACCEPT_PORTS: '8080=httpready', DEFER_ACCEPT_HANDOVER: ''}
  const lines = execFileSync('python3', ['-c', script], {env, timeout: 10_000}).toString().trim().split('\n')
  return lines.filter((line) => !line.startsWith('LC_CTYPE=')).sort() // python's own locale coercion
}

describe('execve under the preload', () => {
  beforeAll(buildPreload, 60_000)

  it('adds the preload variables to an environment the program made up, replacing stale ones', () => {
    expect(execEnv({TZ: 'UTC', DEFER_ACCEPT_HANDOVER: '5@127.0.0.1:80'})).toEqual([
      'DEFER_ACCEPT_CONTROL=/run/control.sock',
      'DEFER_ACCEPT_HANDOVER=7@127.0.0.1:8080',
      'DEFER_ACCEPT_PORTS=8080=httpready',
      `LD_PRELOAD=${PRELOAD}`,
      'TZ=UTC',
    ])
  })

  it('leaves the process environment as it is (the control case)', () => {
    expect(execEnv(null)).toEqual([
      'DEFER_ACCEPT_CONTROL=/run/control.sock',
      'DEFER_ACCEPT_HANDOVER=7@127.0.0.1:8080',
      'DEFER_ACCEPT_PORTS=8080=httpready',
      `LD_PRELOAD=${PRELOAD}`,
      'PATH=/usr/bin:/bin',
    ])
  })
})
