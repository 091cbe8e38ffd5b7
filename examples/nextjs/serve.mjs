// Try the route handler without Next.js: node:http → Request → POST(request) → Response.
import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import { POST } from './app/api/webhooks/github/route.js'

const port = Number(process.env.PORT ?? 3000)

createServer(async (req, res) => {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers, body: hasBody ? Readable.toWeb(req) : null, duplex: 'half' })
  const response = req.method === 'POST' && req.url === '/api/webhooks/github' ? await POST(request) : new Response('Not found', { status: 404 })
  res.writeHead(response.status, Object.fromEntries(response.headers))
  res.end(Buffer.from(await response.arrayBuffer()))
}).listen(port, () => console.log(`POST http://localhost:${port}/api/webhooks/github`))
