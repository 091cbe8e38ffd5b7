/**
 * Child process of the `adapters` bench section (not a section itself): one webhook receiver on
 * 127.0.0.1 at a free port, printed on stdout as `{"port":N}`. Stops on SIGTERM.
 *
 *   node bench/adapters-server.mjs <node|express|fastify|hono|fetch> <adapter|hand|lib> SECRET
 *
 * `adapter`: the built `@hookgate/verify/<framework>` with a GitHub preset. `hand`: the same framework with
 * the raw-body HMAC check people write by hand — read the bytes the framework's usual way, one
 * createHmac('sha256'), a constant-time compare. `lib`: the hand-written route, but the check is the
 * library's `safeVerifyWebhook()` (separates the adapter's own cost from the verify core's). Both answer 200 `{"received":"<delivery id>"}` or 401,
 * on `POST /webhooks/github`. Answers the IPC message 'cpu' with its CPU time so far (`{ cpuMicros }`).
 */
import { Buffer } from 'node:buffer'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import process from 'node:process'

const FRAMEWORKS = ['node', 'express', 'fastify', 'hono', 'fetch']
const [framework, variant, secret] = process.argv.slice(2)
if (
  secret === undefined ||
  !FRAMEWORKS.includes(framework) ||
  !['adapter', 'hand', 'lib'].includes(variant)
) {
  console.error(
    `usage: node bench/adapters-server.mjs ${FRAMEWORKS.join('|')} adapter|hand|lib SECRET`,
  )
  process.exit(2)
}

const PATH = '/webhooks/github'
const REFUSED = JSON.stringify({
  error: { code: 'signature_mismatch', message: 'No signature matched.' },
})

const adapter = variant === 'adapter'
const { providers, safeVerifyWebhook } = await import('@hookgate/verify')
const preset = providers.github({ secrets: [secret] })

/** The hand-written check: recompute, compare in constant time. */
function handCheck(body, header) {
  if (typeof header !== 'string') return false
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`)
  const given = Buffer.from(header)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** `hand` and `lib` routes call this with the raw body and the request's headers (Node record or Fetch Headers). */
const signatureHolds =
  variant === 'lib'
    ? (body, _header, headers) =>
        safeVerifyWebhook(preset, { method: 'POST', headers, rawBody: body }).ok
    : (body, header) => handCheck(body, header)

const received = (id) => ({ received: id })

/** Starts a node:http server for `listener`, resolves with it once listening. */
function listenNode(listener) {
  const server = createServer(listener)
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

function sendJson(res, status, text) {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

let server
if (framework === 'node') {
  if (adapter) {
    const { verifyWebhooks } = await import('@hookgate/verify/node')
    server = await listenNode(
      verifyWebhooks({ preset }, (_req, res, webhook) =>
        sendJson(res, 200, JSON.stringify(received(webhook.id))),
      ),
    )
  } else {
    server = await listenNode((req, res) => {
      const chunks = []
      req.on('data', (chunk) => chunks.push(chunk))
      req.on('end', () => {
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
        if (!signatureHolds(body, req.headers['x-hub-signature-256'], req.headers))
          return sendJson(res, 401, REFUSED)
        sendJson(res, 200, JSON.stringify(received(req.headers['x-github-delivery'])))
      })
    })
  }
} else if (framework === 'express') {
  const { default: express } = await import('express')
  const app = express()
  if (adapter) {
    const { verifyWebhooks } = await import('@hookgate/verify/express')
    app.post(PATH, verifyWebhooks({ preset }), (req, res) => res.json(received(req.webhook.id)))
  } else {
    // What the Stripe and GitHub docs show for Express: express.raw() on the route, then the HMAC.
    app.post(PATH, express.raw({ type: '*/*', limit: '1mb' }), (req, res) => {
      if (!signatureHolds(req.body, req.get('x-hub-signature-256'), req.headers))
        return res.status(401).type('json').send(REFUSED)
      res.json(received(req.get('x-github-delivery')))
    })
  }
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
} else if (framework === 'fastify') {
  const { default: Fastify } = await import('fastify')
  const app = Fastify()
  if (adapter) {
    const { verifyWebhooks } = await import('@hookgate/verify/fastify')
    await app.register(async (scope) => {
      await scope.register(verifyWebhooks({ preset }))
      scope.post(PATH, async (request) => received(request.webhook.id))
    })
  } else {
    // Fastify's documented raw-body recipe: a catch-all Buffer parser in the route's context.
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers()
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) =>
        done(null, body),
      )
      scope.post(PATH, async (request, reply) => {
        if (
          !signatureHolds(request.body, request.headers['x-hub-signature-256'], request.headers)
        ) {
          return reply
            .code(401)
            .header('content-type', 'application/json; charset=utf-8')
            .send(REFUSED)
        }
        return received(request.headers['x-github-delivery'])
      })
    })
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  server = app.server
} else if (framework === 'hono') {
  const { Hono } = await import('hono')
  const { serve } = await import('@hono/node-server')
  const app = new Hono()
  if (adapter) {
    const { verifyWebhooks } = await import('@hookgate/verify/hono')
    app.post(PATH, verifyWebhooks({ preset }), (c) => c.json(received(c.get('webhook').id)))
  } else {
    app.post(PATH, async (c) => {
      const body = Buffer.from(await c.req.arrayBuffer())
      if (!signatureHolds(body, c.req.header('x-hub-signature-256'), c.req.raw.headers))
        return c.body(REFUSED, 401, { 'content-type': 'application/json' })
      return c.json(received(c.req.header('x-github-delivery')))
    })
  }
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
} else {
  // A Next.js-style route handler `POST(request)`, served over node:http by @hono/node-server's Fetch bridge.
  const { getRequestListener } = await import('@hono/node-server')
  let POST
  if (adapter) {
    const { verifyWebhooks } = await import('@hookgate/verify/fetch')
    POST = verifyWebhooks({ preset }, async (_request, webhook) =>
      Response.json(received(webhook.id)),
    )
  } else {
    POST = async (request) => {
      const body = Buffer.from(await request.arrayBuffer())
      if (
        !signatureHolds(
          body,
          request.headers.get('x-hub-signature-256') ?? undefined,
          request.headers,
        )
      ) {
        return new Response(REFUSED, {
          status: 401,
          headers: { 'content-type': 'application/json' },
        })
      }
      return Response.json(received(request.headers.get('x-github-delivery')))
    }
  }
  server = await listenNode(getRequestListener((request) => POST(request)))
}

// The parent asks for this process's CPU time around each measured run (µs per request is robust to a
// busy machine in a way req/s is not).
process.on('message', (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage()
    process.send({ cpuMicros: user + system })
  }
})
process.on('SIGTERM', () => {
  server.closeAllConnections?.()
  server.close(() => process.exit(0))
})
process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`)
