/**
 * @module @hookgate/verify/hono
 * Hono middleware (any runtime Hono runs on): reads the raw body with a size cap, verifies it and sets
 * `c.get('webhook')`. No Hono import: the types below are structural.
 */
import type { VerifiedWebhook } from '../verify.ts'
import {
  RawBodyUnavailableError,
  TOO_LARGE,
  fetchRequestUrl,
  precheck,
  readFetchBody,
  rejectionResponse,
  resolveOptions,
  verifyOrReject,
  type VerifyWebhooksOptions,
} from './_core.ts'

export type { VerifyWebhooksOptions, WebhookErrorBody } from './_core.ts'
export type { VerifiedWebhook } from '../verify.ts'
export { RawBodyUnavailableError } from './_core.ts'

/** The variables the middleware sets: type your app with them, `new Hono<{ Variables: WebhookVariables }>()`. */
export interface WebhookVariables {
  webhook: VerifiedWebhook
}

/** The parts of Hono's `Context` the middleware uses. */
export interface HonoContextLike {
  readonly req: { readonly raw: Request; arrayBuffer(): Promise<ArrayBuffer> }
  set(key: 'webhook', value: VerifiedWebhook): void
}

/** The middleware `verifyWebhooks()` returns (Hono's `MiddlewareHandler` shape). */
export type HonoWebhookMiddleware = (
  c: HonoContextLike,
  next: () => Promise<void>,
) => Promise<Response | void>

/** Hono keeps read bodies here so `c.req.json()` etc. work after a middleware read the body. */
type BodyCache = Record<string, Promise<unknown> | undefined>

/**
 * Hono middleware: verifies the webhook, sets `c.set('webhook', verified)` and calls `next()`, or returns
 * `{ error: { code, message } }` with 400/401/413/415. The body is read through `c.req.arrayBuffer()`
 * (so `c.req.json()` still works downstream) when a `Content-Length` within `maxBodyBytes` is declared,
 * or chunk by chunk with the stream cancelled past the limit. A body already parsed by an earlier
 * middleware (`c.req.json()`) throws a {@link RawBodyUnavailableError} (Hono's `onError`, 500).
 *
 * @example
 * import { Hono } from 'hono'
 * import { providers } from '@hookgate/verify'
 * import { verifyWebhooks, type WebhookVariables } from '@hookgate/verify/hono'
 *
 * const app = new Hono<{ Variables: WebhookVariables }>()
 * const preset = providers['standard-webhooks']({ secrets: [process.env.WEBHOOK_SECRET!] })
 * app.post('/webhooks', verifyWebhooks({ preset }), (c) => {
 *   const webhook = c.get('webhook')
 *   return c.json({ received: webhook.id, type: webhook.eventType })
 * })
 * @throws TypeError at call time for invalid options.
 */
export function verifyWebhooks(options: VerifyWebhooksOptions): HonoWebhookMiddleware {
  const resolved = resolveOptions('hono', options)
  return async function verifyWebhooksMiddleware(c, next) {
    const request = c.req.raw
    const refused = precheck(resolved, request.headers)
    if (refused !== undefined) return rejectionResponse(refused)
    const cache = (c.req as { bodyCache?: BodyCache }).bodyCache
    let raw: Uint8Array | typeof TOO_LARGE
    if (cache?.['arrayBuffer'] !== undefined) {
      // An earlier middleware read the exact bytes: reuse them.
      const bytes = new Uint8Array((await cache['arrayBuffer']) as ArrayBuffer)
      raw = bytes.byteLength > resolved.maxBodyBytes ? TOO_LARGE : bytes
    } else if (request.bodyUsed) {
      throw new RawBodyUnavailableError(
        '[@hookgate/verify] hono adapter: the request body was read (c.req.json(), c.req.text(), c.req.parseBody() or ' +
          'c.req.raw) before verifyWebhooks() ran, so the exact bytes the provider signed are gone. Put verifyWebhooks() first.',
      )
    } else {
      raw = await readFetchBody(request, resolved.maxBodyBytes, () => c.req.arrayBuffer())
      // Read chunk by chunk: hand the bytes to Hono's cache so c.req.json()/text() work downstream.
      if (raw !== TOO_LARGE && cache !== undefined && cache['arrayBuffer'] === undefined) {
        const bytes = raw
        cache['arrayBuffer'] = Promise.resolve(
          bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
            ? bytes.buffer
            : bytes.slice().buffer,
        )
      }
    }
    if (raw === TOO_LARGE) return rejectionResponse(resolved.tooLarge)
    const outcome = verifyOrReject(resolved, {
      method: request.method,
      url: fetchRequestUrl(resolved, request),
      headers: request.headers,
      rawBody: raw,
    })
    if (!outcome.ok) return rejectionResponse(outcome)
    c.set('webhook', outcome)
    await next()
    return undefined
  }
}
