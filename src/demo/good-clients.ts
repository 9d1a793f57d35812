// Good clients: a few concurrent loops, each sending a whole GET on a new connection, waiting for
// the answer (or the per-request timeout), and starting the next at once, until the window ends.
// A request started in the window is followed to its end (at most the timeout), so one that
// waits across the end counts as what it becomes, not as lost.
import {request, type ClientRequest} from 'node:http'

export interface Sample {
  outcome: 'ok' | 'timeout' | 'error'
  ms: number
}

export interface GoodClientOptions {
  port: number
  concurrency: number
  durationMs: number
  timeoutMs: number
  signal: AbortSignal
  onSample?: (sample: Sample) => void
}

type InFlight = Map<ClientRequest, (outcome: Sample['outcome']) => void>

function once(port: number, timeoutMs: number, inFlight: InFlight): Promise<Sample> {
  const started = performance.now()
  return new Promise((resolve) => {
    let finished = false
    const finish = (outcome: Sample['outcome']) => {
      if (finished) return // a destroyed request also reports an error
      finished = true
      clearTimeout(timer)
      inFlight.delete(req)
      resolve({outcome, ms: performance.now() - started})
    }
    const req = request({host: '127.0.0.1', port, path: '/', agent: false, headers: {connection: 'close'}}, (res) => {
      res.resume()
      res.on('end', () => finish(res.statusCode === 200 ? 'ok' : 'error'))
      res.on('error', () => finish('error'))
    })
    const timer = setTimeout(() => {
      finish('timeout')
      req.destroy()
    }, timeoutMs)
    req.on('error', () => finish('error'))
    inFlight.set(req, finish)
    req.end()
  })
}

export async function runGoodClients(options: GoodClientOptions): Promise<Sample[]> {
  const samples: Sample[] = []
  const inFlight: InFlight = new Map()
  const deadline = performance.now() + options.durationMs
  const abort = () => {
    for (const [req, finish] of inFlight) {
      finish('error')
      req.destroy()
    }
  }
  options.signal.addEventListener('abort', abort, {once: true})
  const loop = async () => {
    while (!options.signal.aborted && performance.now() < deadline) {
      const sample = await once(options.port, options.timeoutMs, inFlight)
      samples.push(sample)
      options.onSample?.(sample)
    }
  }
  try {
    await Promise.all(Array.from({length: options.concurrency}, loop))
  } finally {
    options.signal.removeEventListener('abort', abort)
  }
  options.signal.throwIfAborted()
  return samples
}
