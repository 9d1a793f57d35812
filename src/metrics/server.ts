// `wrap --metrics ADDR`: GET /metrics over HTTP, read straight from the pages the wrapper holds,
// so it answers while the engine restarts (no engine is asked).
import {createServer, type Server} from 'node:http'

import {DeferAcceptError} from '../errors.js'
import {formatAddress, type ListenAddress} from '../wrap/address.js'
import {readCounters, readPageHeader} from '../wrap/page.js'
import {createMetrics} from './registry.js'
import {fromPage, type ListenerMetrics} from './shape.js'

/** What the wrapper holds of one filtered port (run.ts's channels). */
export interface PageChannel {
  pageFd: number
  port: number
  chain: string
}

function pageMetrics(channels: PageChannel[]): ListenerMetrics[] {
  return channels.filter((channel) => channel.pageFd >= 0).map((channel) => fromPage(readPageHeader(channel.pageFd).address ?? `:${channel.port}`, channel.chain, readCounters(channel.pageFd)))
}

export interface MetricsServer {
  /** http://HOST:PORT/metrics, with the port the OS gave for port 0. */
  url: string
  close: () => Promise<void>
}

function listenFailed(error: NodeJS.ErrnoException, where: string): DeferAcceptError {
  if (error.code === 'EADDRINUSE') return new DeferAcceptError('ADDRESS_IN_USE', `--metrics ${where}: the address is in use`, 'give --metrics another port')
  if (error.code === 'EACCES') return new DeferAcceptError('PERMISSION_DENIED', `--metrics ${where}: not allowed to listen there`, 'use a port above 1023, or run as root')
  return new DeferAcceptError('BAD_ADDRESS', `--metrics ${where}: ${error.message}`, 'give --metrics an address of this host, as 127.0.0.1:9464')
}

export async function serveMetrics(address: ListenAddress, channels: PageChannel[]): Promise<MetricsServer> {
  const metrics = createMetrics(() => pageMetrics(channels))
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    if (path !== '/metrics') return void response.writeHead(404, {'content-type': 'text/plain'}).end('only /metrics is served here\n')
    if (request.method !== 'GET' && request.method !== 'HEAD') return void response.writeHead(405, {allow: 'GET, HEAD'}).end()
    metrics.scrape().then(
      (text) => response.writeHead(200, {'content-type': metrics.contentType}).end(request.method === 'HEAD' ? undefined : text),
      (error: Error) => response.writeHead(500, {'content-type': 'text/plain'}).end(`${error.message}\n`),
    )
  })
  const where = formatAddress(address.host, address.port)
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenFailed(error, where)))
    server.listen({host: address.host, port: address.port, ipv6Only: address.ipv6 && !address.dualStack}, resolve)
  })
  // Scrapers keep connections alive; they must not hold the wrapper open once its server is gone.
  server.unref()
  const {port} = server.address() as {port: number}
  return {
    url: `http://${formatAddress(address.dualStack ? '127.0.0.1' : address.host, port)}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
