// Ports for tests that must name one before the server binds it (bind mode, socket activation),
// and raw client connections.
import {connect, createServer, type Socket} from 'node:net'
import type {AddressInfo} from 'node:net'

/** A port the OS just gave out on 127.0.0.1 and took back. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A raw TCP connection, once connected; pushed on track (for the test's clean-up) when given. */
export function openSocket(port: number, host = '127.0.0.1', track?: Socket[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({host, port}, () => resolve(socket))
    socket.on('error', () => {})
    socket.once('error', reject)
    track?.push(socket)
  })
}

/** Everything the server sends on socket until it closes it, or what came by timeoutMs. */
export function reply(socket: Socket, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    socket.on('data', (chunk) => (text += chunk))
    const timer = setTimeout(() => resolve(text), timeoutMs)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(text)
    })
  })
}
