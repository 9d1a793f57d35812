// The supervisor restarts a killed engine on the same descriptors and the next client is
// served; it stops restarting once the engine exits 0. And the one-shot queries.
import {afterEach, describe, expect, it} from 'vitest'

import {checkChain, engineCommand, listEngineFilters, startEngine, type Engine} from '../../src/engine/index.js'
import {client, handoverPair, sha256, startServer, stopAll, tcpListener, until} from './helpers.js'

const engines: Engine[] = []

describe('supervisor', () => {
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.stop()))
    await stopAll()
  })

  it('numbers the descriptors it passes from 3, each once', () => {
    const {fds, args} = engineCommand({
      controlFd: 40,
      keep: [44, 45],
      listeners: [
        {listenFd: 41, handoverFd: 42, chain: 'httpready', timeoutMs: 1000, onTimeout: 'pass', backlog: 8, address: '127.0.0.1:80'},
        {listenFd: 41, handoverFd: 43, chain: 'dataready', timeoutMs: 500, onTimeout: 'drop', backlog: 4},
      ],
    })
    expect(fds).toEqual([40, 44, 45, 41, 42, 43])
    expect(args).toEqual([
      '--control', '3',
      '--keep', '4,5',
      '--listener', 'listen=6 handover=7 chain=httpready timeout=1000 on-timeout=pass backlog=8 address=127.0.0.1:80',
      '--listener', 'listen=6 handover=8 chain=dataready timeout=500 on-timeout=drop backlog=4',
    ])
  })

  it('restarts the engine after SIGKILL, and the next client is served', async () => {
    const tcp = tcpListener()
    const [engineEnd, serverEnd] = handoverPair()
    const server = await startServer(serverEnd)
    const lines: string[] = []
    const engine = startEngine({
      listeners: [{listenFd: tcp.fd, handoverFd: engineEnd, chain: 'httpready', timeoutMs: 5000, onTimeout: 'drop', backlog: 16}],
      log: (line) => lines.push(line),
    })
    engines.push(engine)
    const first = await until(() => engine.pid)
    const restarted = new Promise((resolve) => engine.once('restart', resolve))
    process.kill(first, 'SIGKILL')
    expect(await restarted).toEqual({code: null, signal: 'SIGKILL'})
    const second = await until(() => engine.pid)
    expect(second).not.toBe(first)
    const c = await client(tcp.port)
    c.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    const [handed] = await server.waitFor(1)
    expect(handed.sha256).toBe(sha256(c.sent))
    // The server closes its end: the engine exits 0 and is not restarted.
    server.child.kill('SIGKILL')
    expect(await engine.finished()).toEqual({code: 0, signal: null})
    expect(engine.pid).toBeUndefined()
    expect(lines).toEqual([])
  })

  it('does not restart an engine given bad arguments, and passes its stderr on', async () => {
    const tcp = tcpListener()
    const [engineEnd] = handoverPair()
    const lines: string[] = []
    const engine = startEngine({
      listeners: [{listenFd: tcp.fd, handoverFd: engineEnd, chain: 'nosuchfilter', timeoutMs: 5000, onTimeout: 'drop', backlog: 16}],
      log: (line) => lines.push(line),
    })
    engines.push(engine)
    expect(await engine.finished()).toEqual({code: 2, signal: null})
    expect(lines.join('\n')).toMatch(/nosuchfilter/)
  })
})

describe('queries', () => {
  it('lists the built-in filters', () => {
    const names = listEngineFilters().map((filter) => filter.name)
    expect(names).toEqual(expect.arrayContaining(['dataready', 'httpready']))
    expect(listEngineFilters().every((filter) => filter.abi === 1 && filter.summary.length > 0)).toBe(true)
  })

  it('checks chains', () => {
    expect(checkChain('proxy,httpready:body=1024')).toBeNull()
    expect(checkChain('httpready:bogus')).toMatch(/bogus/)
    expect(checkChain('nosuchfilter')).toMatch(/nosuchfilter/)
  })
})
