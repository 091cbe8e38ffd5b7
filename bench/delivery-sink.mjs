/**
 * The destination of `bench/delivery.mjs`, a child process (so the sink's CPU is not the load generator's):
 * a `node:http` server that answers 204 — or, started with the argument `hang`, never answers (a black hole;
 * a "down" destination needs no process: it is a closed port) — reads `t` (the sender's epoch time in ms, high resolution) from each JSON body and keeps receipt - t.
 * Talks to its parent over IPC: `{ cmd: 'stats' }` → counts and latency percentiles; `{ cmd: 'reset' }`.
 * Prints `{ port }` on its first stdout line.
 */
import { createServer } from 'node:http'
import process from 'node:process'

const epochNow = () => performance.timeOrigin + performance.now()

let latencies = []
let received = 0
const ids = new Set()
let first
let last

const hang = process.argv[2] === 'hang'

const server = createServer((req, res) => {
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    const at = epochNow()
    received++
    first ??= at
    last = at
    ids.add(req.headers['webhook-id'])
    try {
      const { t } = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      if (typeof t === 'number') latencies.push(at - t)
    } catch {
      // Not a bench body: counted, no latency.
    }
    if (!hang) res.writeHead(204).end()
  })
})
server.keepAliveTimeout = 60_000

function percentile(sorted, p) {
  if (sorted.length === 0) return undefined
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

process.on('message', (message) => {
  if (message.cmd === 'stats') {
    const sorted = Float64Array.from(latencies).sort()
    process.send({
      received,
      unique: ids.size,
      first,
      last,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: percentile(sorted, 100),
    })
  } else if (message.cmd === 'reset') {
    latencies = []
    received = 0
    ids.clear()
    first = undefined
    last = undefined
    process.send({ ok: true })
  }
})
process.on('disconnect', () => process.exit(0))

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`)
})
