// execve under the preload: a server re-exec'ing itself with an environment of its own making
// (nginx's binary upgrade passes only TZ, its `env` directives and NGINX) keeps the preload and
// its inherited listeners filtered; what keeps our variables gets DEFER_ACCEPT_LISTENERS made
// true; another program the server runs with a clean environment is left alone.
import {beforeAll, describe, expect, it} from 'vitest'

import {buildPreload, runCase} from './helpers.js'

describe('execve under the preload', () => {
  beforeAll(buildPreload, 60_000)

  it('10. re-injects for the same binary, rewrites DEFER_ACCEPT_LISTENERS, leaves other programs alone', async () => {
    const seen = await runCase('exec_env')
    expect(seen).toMatchObject({
      same_binary: ['DEFER_ACCEPT_LISTENERS', 'DEFER_ACCEPT_PORTS', 'LD_PRELOAD'],
      listeners: true,
      still_filtered: 'P',
      listeners_rewritten: true,
      other_program: ['TZ=UTC'],
    })
    expect(seen.keeps_ours).toEqual([expect.stringMatching(/^DEFER_ACCEPT_LISTENERS=\d+$/), expect.stringMatching(/^DEFER_ACCEPT_PORTS=\d+@\d+,\d+=httpready$/)])
  })
})
