/**
 * The Fetch wrapper, exercised as a Next.js App Router route handler (`export async function POST(request)`),
 * served over node:http through @hono/node-server's Fetch bridge, and called directly as Next.js does.
 */
import { getRequestListener } from '@hono/node-server'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { providers } from '@hookgate/verify'
import {
  RawBodyUnavailableError,
  verifyWebhooks,
  type VerifyWebhooksOptions,
} from '@hookgate/verify/fetch'
import {
  SECRETS,
  T,
  defineAdapterSuite,
  echo,
  githubBody,
  githubHeaders,
  stripeBody,
  stripeHeaders,
  type RunningServer,
} from './_suite.ts'

/** What an `app/api/webhooks/[provider]/route.ts` file exports. */
function routeModule(options: VerifyWebhooksOptions) {
  const verified = verifyWebhooks(
    options,
    async (_request, webhook, context: { params: Promise<{ provider: string }> }) => {
      const { provider } = await context.params
      return Response.json({ ...echo(webhook), route: provider })
    },
  )
  return {
    async POST(
      request: Request,
      context: { params: Promise<{ provider: string }> },
    ): Promise<Response> {
      return verified(request, context)
    },
  }
}

async function start(options: VerifyWebhooksOptions): Promise<RunningServer> {
  const { POST } = routeModule(options)
  const server = createServer(
    getRequestListener((request) =>
      POST(request, {
        params: Promise.resolve({ provider: new URL(request.url).pathname.split('/')[2] ?? '' }),
      }),
    ),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

defineAdapterSuite({ name: 'fetch (Next.js route handler)', start })

const github = () => providers.github({ secrets: [SECRETS.github] })

describe('fetch: specifics', () => {
  it('serves a Next.js route module (export async function POST) called directly, as Next.js does', async () => {
    const { POST } = await import('./fixtures/next-route.ts')
    const response = await POST(
      new Request('https://shop.example/api/webhooks/stripe', {
        method: 'POST',
        headers: stripeHeaders(stripeBody),
        body: stripeBody,
      }),
      { params: Promise.resolve({ provider: 'stripe' }) },
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      received: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      type: 'invoice.paid',
      params: { provider: 'stripe' },
    })
    const tampered = await POST(
      new Request('https://shop.example/api/webhooks/stripe', {
        method: 'POST',
        headers: stripeHeaders(stripeBody),
        body: stripeBody + ' ',
      }),
    )
    expect(tampered.status).toBe(401)
    expect(await tampered.json()).toMatchObject({ error: { code: 'signature_mismatch' } })
    const stale = await POST(
      new Request('https://shop.example/api/webhooks/stripe', {
        method: 'POST',
        headers: stripeHeaders(stripeBody, T - 3600),
        body: stripeBody,
      }),
    )
    expect(stale.status).toBe(401)
    expect(await stale.json()).toMatchObject({ error: { code: 'timestamp_too_old' } })
  })

  it('cancels a streamed body once it passes the limit instead of reading it to the end', async () => {
    let pulled = 0
    let cancelled = false
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1
        controller.enqueue(new Uint8Array(512).fill(0x20))
      },
      cancel() {
        cancelled = true
      },
    })
    const handler = verifyWebhooks(
      { preset: github(), maxBodyBytes: 2048 },
      () => new Response('handler must not run'),
    )
    const request = new Request('http://localhost/hooks', {
      method: 'POST',
      headers: await githubHeaders('{}'),
      body: endless,
      duplex: 'half',
    } as RequestInit)
    const response = await handler(request)
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large' } })
    expect(cancelled).toBe(true)
    expect(pulled).toBeLessThan(10)
  })

  it('throws ERR_RAW_BODY_UNAVAILABLE for a Request whose body was already read', async () => {
    const handler = verifyWebhooks({ preset: github() }, () => new Response('handler must not run'))
    const request = new Request('http://localhost/hooks', {
      method: 'POST',
      headers: await githubHeaders(githubBody),
      body: githubBody,
    })
    await request.text()
    await expect(handler(request)).rejects.toBeInstanceOf(RawBodyUnavailableError)
    await expect(handler(request)).rejects.toMatchObject({ code: 'ERR_RAW_BODY_UNAVAILABLE' })
  })
})
