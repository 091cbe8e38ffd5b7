/**
 * The conformance suite every framework adapter passes (STYLE rule 7): each `<fw>.test.ts` boots the
 * real framework on 127.0.0.1:0 with `POST /hooks/*` behind `verifyWebhooks(options)` and a handler that
 * answers {@link echo}, then calls {@link defineAdapterSuite}. Requests are signed by the providers'
 * own SDKs, never by the code under test.
 */
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http'
import { sign as octokitSign } from '@octokit/webhooks-methods'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js'
import { describe, expect, it } from 'vitest'
import { providers, type VerifiedWebhook } from '@hookgate/verify'
import type { VerifyWebhooksOptions } from '@hookgate/verify/node'

export const SECRETS = {
  github: 'gh-integration-secret',
  stripe: 'whsec_integration_test',
  standard: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  twilio: 'twilio-auth-token-0123456789abcdef',
} as const

/** Unix seconds the Stripe and Standard Webhooks signatures are made at; adapters get `now` = this. */
export const T = 1_795_000_000
export const clock =
  (seconds = T) =>
  () =>
    new Date(seconds * 1000)

export interface Echo {
  provider: string
  id: string | null
  eventType: string | null
  timestamp: string | null
  bytes: number
  payload: unknown
}

/** What every harness's handler answers: the verified webhook as the handler saw it. */
export function echo(webhook: VerifiedWebhook): Echo {
  let payload: unknown
  try {
    payload = webhook.json()
  } catch {
    payload = webhook.text()
  }
  return {
    provider: webhook.provider,
    id: webhook.id ?? null,
    eventType: webhook.eventType ?? null,
    timestamp: webhook.timestamp?.toISOString() ?? null,
    bytes: webhook.rawBody.byteLength,
    payload,
  }
}

export interface RunningServer {
  readonly port: number
  close(): Promise<void>
}

export interface AdapterHarness {
  readonly name: string
  /** Boot the real framework with `POST /hooks/*` behind `verifyWebhooks(options)` answering `echo(webhook)`. */
  start(options: VerifyWebhooksOptions): Promise<RunningServer>
  /** Fastify answers oversize itself, in its own error format. */
  readonly tooLargeCode?: string
}

export interface Reply {
  status: number
  headers: IncomingHttpHeaders
  text: string
  json: any
}

function collect(res: import('node:http').IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    res.on('error', reject)
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
    })
  })
}

/** One request over a fresh connection; `chunks` sends the body with Transfer-Encoding: chunked. */
export function send(
  port: number,
  path: string,
  init: {
    headers?: OutgoingHttpHeaders
    body?: string | Buffer
    chunks?: readonly (string | Buffer)[]
    method?: string
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = { ...init.headers }
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body)
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: init.method ?? 'POST', headers, agent: false },
      (res) => {
        collect(res).then(resolve, reject)
      },
    )
    req.on('error', reject)
    if (init.chunks !== undefined) {
      for (const chunk of init.chunks) req.write(chunk)
      req.end()
    } else {
      req.end(init.body)
    }
  })
}

/**
 * Starts an upload and writes only `firstChunk`, never the rest: resolves with the response, which can
 * therefore only come from a server that answered before reading the whole body.
 */
export function sendPartial(
  port: number,
  path: string,
  headers: OutgoingHttpHeaders,
  firstChunk: Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'POST', headers, agent: false },
      (res) => {
        collect(res).then((reply) => {
          req.destroy()
          resolve(reply)
        }, reject)
      },
    )
    // The server may close its side while we still "upload": that is the point, not a failure.
    req.on('error', () => undefined)
    req.write(firstChunk)
  })
}

export const githubBody = JSON.stringify({
  zen: 'Design for failure.',
  hook_id: 42,
  repository: { full_name: 'acme/widgets' },
})

export async function githubHeaders(
  body: string,
  secret: string = SECRETS.github,
): Promise<Record<string, string>> {
  return {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-hub-signature-256': await octokitSign(secret, body),
  }
}

export const stripeBody = JSON.stringify({
  id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
  object: 'event',
  type: 'invoice.paid',
  data: { object: { id: 'in_1' } },
})

export function stripeHeaders(body: string, timestamp = T): Record<string, string> {
  return {
    'content-type': 'application/json',
    'stripe-signature': Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: SECRETS.stripe,
      timestamp,
    }),
  }
}

export const standardBody = JSON.stringify({ type: 'user.created', data: { id: 'u_1' } })

export function standardHeaders(
  body: string,
  msgId = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': msgId,
    'webhook-timestamp': String(T),
    'webhook-signature': new StandardWebhook(SECRETS.standard).sign(
      msgId,
      new Date(T * 1000),
      body,
    ),
  }
}

export const twilioParams = {
  AccountSid: 'ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
  Body: 'Hello from the proxy',
  From: '+14155550100',
  To: '+14155550199',
}
export const twilioBody = new URLSearchParams(twilioParams).toString()
/** Twilio called this public URL; the app behind the proxy sees http://127.0.0.1:<port>/hooks/twilio/sms?tenant=7. */
export const TWILIO_PUBLIC_ORIGIN = 'https://public.example'
export const TWILIO_PATH = '/hooks/twilio/sms?tenant=7'

export function twilioHeaders(): Record<string, string> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': getExpectedTwilioSignature(
      SECRETS.twilio,
      TWILIO_PUBLIC_ORIGIN + TWILIO_PATH,
      twilioParams,
    ),
    'i-twilio-idempotency-token': 'idem-1',
  }
}

const github = () => providers.github({ secrets: [SECRETS.github] })
const twilio = () => providers.twilio({ secrets: [SECRETS.twilio] })

async function withServer<T>(
  harness: AdapterHarness,
  options: VerifyWebhooksOptions,
  run: (port: number) => Promise<T>,
): Promise<T> {
  const server = await harness.start(options)
  try {
    return await run(server.port)
  } finally {
    await server.close()
  }
}

/** A server that waits for the rest of a partial upload never answers: fail fast instead of at the 30 s default. */
const PARTIAL_UPLOAD_TIMEOUT_MS = 5000

/** The shared behaviour of every adapter. */
export function defineAdapterSuite(harness: AdapterHarness): void {
  describe(`${harness.name}: conformance`, () => {
    it('passes a GitHub delivery signed by @octokit/webhooks-methods; the handler sees the JSON, id and type', async () => {
      const reply = await withServer(harness, { preset: github() }, async (port) =>
        send(port, '/hooks/github', { headers: await githubHeaders(githubBody), body: githubBody }),
      )
      expect(reply.status).toBe(200)
      expect(reply.json).toMatchObject({
        provider: 'github',
        id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        eventType: 'push',
        timestamp: null,
        bytes: Buffer.byteLength(githubBody),
        payload: JSON.parse(githubBody),
      })
    })

    it('passes a Stripe event signed by stripe.webhooks.generateTestHeaderString, with the injected clock', async () => {
      const reply = await withServer(
        harness,
        { preset: providers.stripe({ secrets: [SECRETS.stripe] }), now: clock(T + 10) },
        (port) =>
          send(port, '/hooks/stripe', { headers: stripeHeaders(stripeBody), body: stripeBody }),
      )
      expect(reply.status).toBe(200)
      expect(reply.json).toMatchObject({
        provider: 'stripe',
        id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
        eventType: 'invoice.paid',
        timestamp: new Date(T * 1000).toISOString(),
      })
    })

    it('passes a Standard Webhooks message signed by the standardwebhooks SDK, sent chunked', async () => {
      const half = Math.floor(standardBody.length / 2)
      const reply = await withServer(
        harness,
        { preset: providers['standard-webhooks']({ secrets: [SECRETS.standard] }), now: clock() },
        (port) =>
          send(port, '/hooks/standard', {
            headers: standardHeaders(standardBody),
            chunks: [standardBody.slice(0, half), standardBody.slice(half)],
          }),
      )
      expect(reply.status).toBe(200)
      expect(reply.json).toMatchObject({
        id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
        eventType: 'user.created',
        payload: JSON.parse(standardBody),
      })
    })

    it('refuses a tampered body: 401 signature_mismatch, JSON error body', async () => {
      const headers = await githubHeaders(githubBody)
      const tampered = githubBody.replace('failure', 'success')
      const reply = await withServer(harness, { preset: github() }, (port) =>
        send(port, '/hooks/github', { headers, body: tampered }),
      )
      expect(reply.status).toBe(401)
      expect(reply.headers['content-type']).toMatch(/^application\/json/)
      expect(reply.json.error.code).toBe('signature_mismatch')
      expect(reply.json.error.message).toMatch(/raw request body/)
      expect(reply.text).not.toContain(headers['x-hub-signature-256'])
    })

    it('answers 400 malformed_signature, 400 missing_signature and 401 timestamp_too_old', async () => {
      await withServer(harness, { preset: github() }, async (port) => {
        const malformed = await send(port, '/hooks/github', {
          headers: {
            ...(await githubHeaders(githubBody)),
            'x-hub-signature-256': 'sha256=not-hex',
          },
          body: githubBody,
        })
        expect([malformed.status, malformed.json.error.code]).toEqual([400, 'malformed_signature'])
        const missing = await send(port, '/hooks/github', {
          headers: { 'content-type': 'application/json' },
          body: githubBody,
        })
        expect([missing.status, missing.json.error.code]).toEqual([400, 'missing_signature'])
      })
      const stale = await withServer(
        harness,
        { preset: providers.stripe({ secrets: [SECRETS.stripe] }), now: clock(T + 3600) },
        (port) =>
          send(port, '/hooks/stripe', { headers: stripeHeaders(stripeBody), body: stripeBody }),
      )
      expect([stale.status, stale.json.error.code]).toEqual([401, 'timestamp_too_old'])
    })

    it('answers 415 to a compressed body', async () => {
      const reply = await withServer(harness, { preset: github() }, async (port) =>
        send(port, '/hooks/github', {
          headers: { ...(await githubHeaders(githubBody)), 'content-encoding': 'gzip' },
          body: githubBody,
        }),
      )
      expect([reply.status, reply.json.error.code]).toEqual([415, 'unsupported_media_type'])
    })

    it(
      'answers 413 to a declared Content-Length over the limit before the body is sent',
      async () => {
        const reply = await withServer(
          harness,
          { preset: github(), maxBodyBytes: 1024 },
          async (port) =>
            sendPartial(
              port,
              '/hooks/github',
              { ...(await githubHeaders('{}')), 'content-length': 10 * 1024 * 1024 },
              Buffer.alloc(1024, 0x20),
            ),
        )
        expect(reply.status).toBe(413)
        expect(reply.headers.connection).toBe('close')
        expect(harness.tooLargeCode === undefined ? reply.json.error.code : reply.json.code).toBe(
          harness.tooLargeCode ?? 'payload_too_large',
        )
      },
      PARTIAL_UPLOAD_TIMEOUT_MS,
    )

    it(
      'answers 413 to a chunked body once it grows past the limit, without waiting for its end',
      async () => {
        const reply = await withServer(
          harness,
          { preset: github(), maxBodyBytes: 1024 },
          async (port) =>
            sendPartial(
              port,
              '/hooks/github',
              { ...(await githubHeaders('{}')), 'transfer-encoding': 'chunked' },
              Buffer.alloc(4096, 0x20),
            ),
        )
        expect(reply.status).toBe(413)
        expect(reply.headers.connection).toBe('close')
        expect(harness.tooLargeCode === undefined ? reply.json.error.code : reply.json.code).toBe(
          harness.tooLargeCode ?? 'payload_too_large',
        )
      },
      PARTIAL_UPLOAD_TIMEOUT_MS,
    )

    it('accepts a body of exactly maxBodyBytes', async () => {
      const body = JSON.stringify({ pad: 'x'.repeat(1024 - 10) })
      expect(Buffer.byteLength(body)).toBe(1024)
      const reply = await withServer(
        harness,
        { preset: github(), maxBodyBytes: 1024 },
        async (port) => send(port, '/hooks/github', { headers: await githubHeaders(body), body }),
      )
      expect([reply.status, reply.json.bytes]).toEqual([200, 1024])
    })

    describe('Twilio behind a TLS-terminating proxy (signed for https://public.example, received on http://127.0.0.1)', () => {
      it('passes with publicUrl set', async () => {
        const reply = await withServer(
          harness,
          { preset: twilio(), publicUrl: `${TWILIO_PUBLIC_ORIGIN}/` },
          (port) => send(port, TWILIO_PATH, { headers: twilioHeaders(), body: twilioBody }),
        )
        expect(reply.status).toBe(200)
        expect(reply.json).toMatchObject({ provider: 'twilio', id: 'idem-1', payload: twilioBody })
      })

      it('fails without it: the URL the app sees is not the URL Twilio signed', async () => {
        const reply = await withServer(harness, { preset: twilio() }, (port) =>
          send(port, TWILIO_PATH, { headers: twilioHeaders(), body: twilioBody }),
        )
        expect([reply.status, reply.json.error.code]).toEqual([401, 'signature_mismatch'])
      })

      it('ignores X-Forwarded-Proto/Host unless trustProxy is set', async () => {
        const forwarded = {
          ...twilioHeaders(),
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'public.example',
        }
        const untrusted = await withServer(harness, { preset: twilio() }, (port) =>
          send(port, TWILIO_PATH, { headers: forwarded, body: twilioBody }),
        )
        expect([untrusted.status, untrusted.json.error.code]).toEqual([401, 'signature_mismatch'])
        await withServer(harness, { preset: twilio(), trustProxy: true }, async (port) => {
          const trusted = await send(port, TWILIO_PATH, { headers: forwarded, body: twilioBody })
          expect(trusted.status).toBe(200)
          // Several proxies: the first (client-facing) value counts.
          const chained = await send(port, TWILIO_PATH, {
            headers: {
              ...forwarded,
              'x-forwarded-proto': 'https, http',
              'x-forwarded-host': 'public.example, internal:8080',
            },
            body: twilioBody,
          })
          expect(chained.status).toBe(200)
          // A malformed forwarded host is ignored, not spliced into the URL.
          const garbage = await send(port, TWILIO_PATH, {
            headers: { ...forwarded, 'x-forwarded-host': 'public.example/evil?' },
            body: twilioBody,
          })
          expect([garbage.status, garbage.json.error.code]).toEqual([401, 'signature_mismatch'])
        })
      })
    })
  })
}
