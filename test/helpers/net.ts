// Ports for tests that must name one before the server binds it (bind mode, socket activation).
import {createServer} from 'node:net'
import type {AddressInfo} from 'node:net'

/** A port the OS just gave out on 127.0.0.1 and took back. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
