// An unmodified-style node HTTP server on an inherited listener (fd 3): libuv asks the
// descriptor what it is (getsockopt, getsockname), listens, and accepts with accept4.
import http from 'node:http'

const server = http.createServer((req, res) => {
  const body = JSON.stringify({
    client: [req.socket.remoteAddress, req.socket.remotePort],
    server: [server.address().address, server.address().port],
  })
  console.error(JSON.stringify({log: `${req.method} ${req.url}`, client: req.socket.remoteAddress}))
  res.setHeader('content-length', Buffer.byteLength(body))
  res.end(body)
})
server.listen({fd: 3}, () => console.log(JSON.stringify({listening: server.address()})))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
