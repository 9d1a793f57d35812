// A port for a server that binds its own: asked of the OS (port 0) and released at once, so the
// server can take it. Racy in principle; the tests that use it retry nothing and say so on failure.
import {createServer} from 'node:net'

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject)
    server.listen(0, host, () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}
