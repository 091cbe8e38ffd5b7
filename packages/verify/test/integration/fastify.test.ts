import Fastify, { type FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { providers } from '@hookgate/verify'
import {
  verifyWebhooks,
  type VerifiedWebhook,
  type VerifyWebhooksOptions,
} from '@hookgate/verify/fastify'
import {
  SECRETS,
  defineAdapterSuite,
  echo,
  githubBody,
  githubHeaders,
  send,
  type RunningServer,
} from './_suite.ts'

async function listen(app: FastifyInstance): Promise<RunningServer> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() }
}

const webhookOf = (request: object) => (request as { webhook: VerifiedWebhook }).webhook

/** The documented registration: the plugin inside its own context, on a route prefix. */
function start(
  options: VerifyWebhooksOptions,
  routeOptions: { bodyLimit?: number } = {},
): Promise<RunningServer> {
  const app = Fastify({ forceCloseConnections: true })
  void app.register(
    async (webhooks) => {
      await webhooks.register(verifyWebhooks(options))
      webhooks.post('/*', routeOptions, async (request) => echo(webhookOf(request)))
    },
    { prefix: '/hooks' },
  )
  app.post('/api/json', async (request) => ({ parsed: request.body }))
  return listen(app)
}

defineAdapterSuite({ name: 'fastify', start, tooLargeCode: 'FST_ERR_CTP_BODY_TOO_LARGE' })

const github = () => providers.github({ secrets: [SECRETS.github] })

describe('fastify: specifics', () => {
  it('is scoped to its context: routes outside the prefix keep the JSON parser', async () => {
    const server = await start({ preset: github() })
    try {
      const outside = await send(server.port, '/api/json', {
        headers: { 'content-type': 'application/json' },
        body: githubBody,
      })
      expect(outside.status).toBe(200)
      expect(outside.json).toEqual({ parsed: JSON.parse(githubBody) })
      const unsigned = await send(server.port, '/api/json', {
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      expect(unsigned.status).toBe(200)
      const inside = await send(server.port, '/hooks/github', {
        headers: { 'content-type': 'application/json' },
        body: githubBody,
      })
      expect([inside.status, inside.json.error.code]).toEqual([400, 'missing_signature'])
    } finally {
      await server.close()
    }
  })

  it("respects Fastify's bodyLimit: a route's limit wins, and without maxBodyBytes the server's applies", async () => {
    const routeLimited = await start({ preset: github() }, { bodyLimit: 64 })
    try {
      const reply = await send(routeLimited.port, '/hooks/github', {
        headers: await githubHeaders(githubBody),
        body: githubBody,
      })
      expect([reply.status, reply.json.code]).toEqual([413, 'FST_ERR_CTP_BODY_TOO_LARGE'])
    } finally {
      await routeLimited.close()
    }
    const app = Fastify({ bodyLimit: 64 })
    void app.register(async (webhooks) => {
      await webhooks.register(verifyWebhooks({ preset: github() }))
      webhooks.post('/hooks/github', async (request) => echo(webhookOf(request)))
    })
    const serverLimited = await listen(app)
    try {
      const reply = await send(serverLimited.port, '/hooks/github', {
        headers: await githubHeaders(githubBody),
        body: githubBody,
      })
      expect([reply.status, reply.json.code]).toEqual([413, 'FST_ERR_CTP_BODY_TOO_LARGE'])
    } finally {
      await serverLimited.close()
    }
  })

  it('decorates request.webhook and can be registered in several sibling contexts', async () => {
    const app = Fastify()
    void app.register(
      async (scope) => {
        await scope.register(verifyWebhooks({ preset: github() }))
        scope.post('/github', async (request) => ({ via: 'github', id: webhookOf(request).id }))
      },
      { prefix: '/a' },
    )
    void app.register(
      async (scope) => {
        await scope.register(
          verifyWebhooks({ preset: providers.github({ secrets: ['another-secret'] }) }),
        )
        scope.post('/github', async (request) => ({ via: 'other', id: webhookOf(request).id }))
      },
      { prefix: '/b' },
    )
    const server = await listen(app)
    try {
      const a = await send(server.port, '/a/github', {
        headers: await githubHeaders(githubBody),
        body: githubBody,
      })
      expect(a.json).toEqual({ via: 'github', id: '72d3162e-cc78-11e3-81ab-4c9367dc0958' })
      const b = await send(server.port, '/b/github', {
        headers: await githubHeaders(githubBody, 'another-secret'),
        body: githubBody,
      })
      expect(b.json).toEqual({ via: 'other', id: '72d3162e-cc78-11e3-81ab-4c9367dc0958' })
      const crossed = await send(server.port, '/b/github', {
        headers: await githubHeaders(githubBody),
        body: githubBody,
      })
      expect([crossed.status, crossed.json.error.code]).toEqual([401, 'signature_mismatch'])
    } finally {
      await server.close()
    }
  })
})
