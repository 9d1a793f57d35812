// --metrics ADDR: the --listen forms, with errors that name the flag.
import {DeferAcceptError} from '../errors.js'
import {parseListenAddress, type ListenAddress} from '../wrap/address.js'

export function parseMetricsAddress(text: string): ListenAddress {
  try {
    return parseListenAddress(text)
  } catch (error) {
    if (!(error instanceof DeferAcceptError)) throw error
    throw new DeferAcceptError(error.code, `--metrics: ${error.message}`, error.fix, {cause: error})
  }
}
