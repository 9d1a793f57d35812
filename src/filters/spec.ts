// The --filter forms: `CHAIN` for every listener, `PORT=CHAIN` for the listener on PORT (and, with
// no --listen, for the port a server binds itself). CHAIN is `NAME[:ARG...][,NAME[:ARG...]]...`.
import {DeferAcceptError} from '../errors.js'
import type {FilterSpec} from '../platform/types.js'

export interface FilterOption {
  port?: number
  chain: FilterSpec[]
  /** The chain as the user wrote it, passed to the engine unchanged. */
  text: string
}

const NAME = /^[a-z0-9][a-z0-9-]{0,14}$|\//

function parseChain(text: string): FilterSpec[] {
  if (!text) throw new DeferAcceptError('USAGE', 'empty filter', 'write --filter httpready, or --filter proxy,httpready')
  return text.split(',').map((link) => {
    const colon = link.indexOf(':')
    const name = colon < 0 ? link : link.slice(0, colon)
    if (!NAME.test(name)) {
      throw new DeferAcceptError('UNKNOWN_FILTER', `${JSON.stringify(name)} is not a filter name`, 'see defer-accept filters for the names; a plugin is given by its path')
    }
    return colon < 0 ? {name} : {name, arg: link.slice(colon + 1)}
  })
}

export function parseFilterOption(text: string): FilterOption {
  const match = /^(\d+)=(.*)$/.exec(text)
  if (!match) return {chain: parseChain(text), text}
  const port = Number(match[1])
  if (port < 1 || port > 65535) throw new DeferAcceptError('BAD_ADDRESS', `port ${port} in --filter ${text} is out of range`, 'write PORT=CHAIN with PORT from 1 to 65535')
  return {port, chain: parseChain(match[2]), text: match[2]}
}

export function chainText(chain: FilterSpec[]): string {
  return chain.map((link) => (link.arg === undefined ? link.name : `${link.name}:${link.arg}`)).join(',')
}
