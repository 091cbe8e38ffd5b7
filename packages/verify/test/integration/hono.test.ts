import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { isWebhookError, providers } from '@hookgate/verify'
import {
  verifyWebhooks,
  type VerifyWebhooksOptions,
  type WebhookVariables,
} from '@hookgate/verify/hono'
import {
  SECRETS,
  defineAdapterSuite,
  echo,
  githubBody,
  githubHeaders,
  send,
  type RunningServer,
} from './_suite.ts'

type AppEnv = { Variables: WebhookVariables }

async function listen(app: Hono<AppEnv>): Promise<RunningServer> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        ;(server as import('node:http').Server).closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function start(options: VerifyWebhooksOptions): Promise<RunningServer> {
  const app = new Hono<AppEnv>()
  app.post('/hooks/*', verifyWebhooks(options), (c) => c.json(echo(c.get('webhook'))))
  return listen(app)
}

defineAdapterSuite({ name: 'hono (@hono/node-server)', start })

const github = () => providers.github({ secrets: [SECRETS.github] })

describe('hono: specifics', () => {
  it('leaves the body readable downstream (c.req.json()), for declared-length and chunked bodies', async () => {
    const app = new Hono<AppEnv>()
    app.post('/hooks/github', verifyWebhooks({ preset: github() }), async (c) =>
      c.json({ id: c.get('webhook').id, body: await c.req.json() }),
    )
    const server = await listen(app)
    try {
      const headers = await githubHeaders(githubBody)
      const declared = await send(server.port, '/hooks/github', { headers, body: githubBody })
      expect(declared.json).toEqual({
        id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        body: JSON.parse(githubBody),
      })
      const chunked = await send(server.port, '/hooks/github', {
        headers,
        chunks: [githubBody.slice(0, 10), githubBody.slice(10)],
      })
      expect(chunked.json).toEqual({
        id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        body: JSON.parse(githubBody),
      })
    } finally {
      await server.close()
    }
  })

  it('throws ERR_RAW_BODY_UNAVAILABLE (to onError) when an earlier middleware parsed the body', async () => {
    const app = new Hono<AppEnv>()
    app.use('/hooks/*', async (c, next) => {
      await c.req.json()
      await next()
    })
    app.post('/hooks/github', verifyWebhooks({ preset: github() }), (c) =>
      c.text('handler must not run'),
    )
    app.onError((error, c) =>
      c.json({ code: isWebhookError(error) ? error.code : 'other', message: error.message }, 500),
    )
    const server = await listen(app)
    try {
      const reply = await send(server.port, '/hooks/github', {
        headers: await githubHeaders(githubBody),
        body: githubBody,
      })
      expect(reply.status).toBe(500)
      expect(reply.json.code).toBe('ERR_RAW_BODY_UNAVAILABLE')
      expect(reply.json.message).toMatch(/Put verifyWebhooks\(\) first/)
    } finally {
      await server.close()
    }
  })

  it('reuses exact bytes an earlier middleware cached with c.req.arrayBuffer()', async () => {
    const app = new Hono<AppEnv>()
    app.use('/hooks/*', async (c, next) => {
      await c.req.arrayBuffer()
      await next()
    })
    app.post('/hooks/github', verifyWebhooks({ preset: github() }), (c) =>
      c.json(echo(c.get('webhook'))),
    )
    const server = await listen(app)
    try {
      const reply = await send(server.port, '/hooks/github', {
        headers: await githubHeaders(githubBody),
        body: githubBody,
      })
      expect([reply.status, reply.json.eventType]).toEqual([200, 'push'])
    } finally {
      await server.close()
    }
  })
})
