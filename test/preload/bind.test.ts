// Bind mode and the table: a server that binds its own port on a port of DEFER_ACCEPT_PORTS,
// copies and closes of a filtered listener, and what a malformed environment does.
import {beforeAll, describe, expect, it} from 'vitest'

import {buildPreload, runCase} from './helpers.js'

describe('listeners the server makes, copies and closes', () => {
  beforeAll(buildPreload, 60_000)

  it.each([
    ['127.0.0.1', '127.0.0.1:'],
    ['::1', '[::1]:'],
  ])('8. listen() on %s of a configured port: filtered, TCP_DEFER_ACCEPT from the page, address on the page', async (host, prefix) => {
    const seen = await runCase('bind_mode', host)
    expect(seen).toMatchObject({defer: {defer: 3}, parked: 'P', then: true, listeners_env: null})
    expect(seen.address).toMatch(new RegExp(`^${prefix.replace(/[[\].]/g, '\\$&')}\\d+$`))
    expect(seen.counters).toEqual({accepted: 2, ready: 1, parked_total: 1})
  })

  it('9. a dup2 of the listener stays filtered; a new socket at a closed one\'s number is not', async () => {
    expect(await runCase('dup_close')).toEqual({copy_parked: 'P', fresh_fd: 40, fresh_accepted: true, fresh_data: '', nothing_parked: true})
  })

  it('malformed items: one line each on stderr, and the server runs unfiltered', async () => {
    const seen = await runCase('bad_env')
    expect(seen.unfiltered).toBe(true)
    expect(seen.stderr).toEqual([
      'defer-accept: DEFER_ACCEPT_PORTS item not PORT@CHANNEL,PAGE=CHAIN ignored: "1@x,2=httpready"',
      'defer-accept: DEFER_ACCEPT_PORTS item not PORT@CHANNEL,PAGE=CHAIN ignored: "70000@3,4=httpready"',
      'defer-accept: DEFER_ACCEPT_PORTS item whose channel is not a SEQPACKET socket ignored: "99@3,4=nosuchfilter"',
      expect.stringMatching(/^defer-accept: DEFER_ACCEPT_LISTENERS item not a TCP listener on a port of DEFER_ACCEPT_PORTS ignored: "\d+"$/),
    ])
  })
})
