// The --listen forms: `:8080` (every address, dual-stack), `127.0.0.1:8080`, `[::1]:8080`,
// `[::]:8080`; port 0 lets the OS pick.
import {isIPv4, isIPv6} from 'node:net'

import {DeferAcceptError} from '../errors.js'

export interface ListenAddress {
  host: string
  port: number
  ipv6: boolean
  /** `:PORT`: IPv6 with IPV6_V6ONLY off, so IPv4 clients reach it too. */
  dualStack: boolean
}

const FORMS = 'write :8080, 127.0.0.1:8080, [::1]:8080 or [::]:8080 (port 0 picks a free port)'

export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text)
  if (!match) throw new DeferAcceptError('BAD_ADDRESS', `malformed listen address ${JSON.stringify(text)}`, FORMS)
  const [, v6host, v4host, portText] = match
  const port = Number(portText)
  if (port > 65535) throw new DeferAcceptError('BAD_ADDRESS', `port ${port} in ${text} is larger than 65535`, FORMS)
  if (v6host) {
    if (!isIPv6(v6host)) throw new DeferAcceptError('BAD_ADDRESS', `${v6host} in ${text} is not an IPv6 address`, FORMS)
    return {host: v6host, port, ipv6: true, dualStack: false}
  }
  if (!v4host) return {host: '::', port, ipv6: true, dualStack: true}
  if (!isIPv4(v4host)) {
    throw new DeferAcceptError('BAD_ADDRESS', `${v4host} in ${text} is not an IPv4 address (host names are not looked up)`, FORMS)
  }
  return {host: v4host, port, ipv6: false, dualStack: false}
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
