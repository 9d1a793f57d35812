// The supervisor's side of the engine's command line (native/README.md): the descriptors it
// passes, in order, and the arguments that name them as 3, 4, ... in the engine.
import {describe, expect, it} from 'vitest'

import {engineCommand} from '../../src/engine/index.js'

describe('engineCommand', () => {
  it('names each descriptor once, from 3, with the channels, their pages and the defaults', () => {
    const {fds, args} = engineCommand({
      controlFd: 20,
      channelDefaults: {timeoutMs: 5000, onTimeout: 'pass'},
      maxParked: 100,
      pluginDir: '/opt/filters',
      user: 'defer-accept',
      channels: [
        {channelFd: 21, pageFd: 22, chain: 'httpready', backlog: 511},
        {channelFd: 23, pageFd: 24, chain: 'proxy,httpready:body=1024', backlog: 16},
      ],
    })
    expect(fds).toEqual([20, 21, 22, 23, 24])
    expect(args).toEqual([
      '--control', '3',
      '--channel-defaults', 'timeout=5000 on-timeout=pass',
      '--max-parked', '100',
      '--plugin-dir', '/opt/filters',
      '--user', 'defer-accept',
      '--channel', 'channel=4 page=5 chain=httpready backlog=511',
      '--channel', 'channel=6 page=7 chain=proxy,httpready:body=1024 backlog=16',
    ])
  })

  it('passes nothing it was not given', () => {
    expect(engineCommand({channels: []})).toEqual({fds: [], args: []})
  })
})
