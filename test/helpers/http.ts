// A plain HTTP/1.1 GET over a new connection to 127.0.0.1, bounded in time.
import {request} from 'node:http'

export function get(port: number, path = '/', timeoutMs = 5000): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = request({host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${path} on port ${port} timed out`)))
    req.on('error', reject)
    req.end()
  })
}
