/**
 * @module @hookgate/verify/fetch
 * A wrapper for Fetch-API handlers, `(request: Request) => Response`: Next.js route handlers, Bun.serve,
 * Deno.serve, Cloudflare Workers, or any server that speaks `Request`/`Response`.
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

/**
 * Your handler: runs only for requests whose signature held. `args` are whatever the platform passes
 * after the request (Next.js `{ params }`, Workers `env, ctx`), forwarded untouched.
 */
export type FetchWebhookHandler<Args extends unknown[] = []> = (
  request: Request,
  webhook: VerifiedWebhook,
  ...args: Args
) => Response | Promise<Response>

/** The wrapped handler. */
export type FetchHandler<Args extends unknown[] = []> = (
  request: Request,
  ...args: Args
) => Promise<Response>

/**
 * Wraps a Fetch handler: reads the raw body (at most `maxBodyBytes`; a larger declared length or a
 * chunked body growing past it gets 413 without being read further), verifies it, and calls
 * `handler(request, webhook, ...args)`, or answers `{ error: { code, message } }` with 400/401/413/415.
 * The request body has been consumed when the handler runs: use `webhook.rawBody` / `webhook.json()`.
 * Errors thrown by the handler propagate to the platform.
 *
 * @example
 * // app/api/webhooks/stripe/route.ts (Next.js App Router)
 * import { providers } from '@hookgate/verify'
 * import { verifyWebhooks } from '@hookgate/verify/fetch'
 *
 * const preset = providers.stripe({ secrets: [process.env.STRIPE_WEBHOOK_SECRET!] })
 * export const POST = verifyWebhooks({ preset }, async (request, webhook) => {
 *   const event = webhook.json<{ type: string }>()
 *   return Response.json({ received: event.type })
 * })
 * @throws TypeError at call time for invalid options.
 */
export function verifyWebhooks<Args extends unknown[] = []>(
  options: VerifyWebhooksOptions,
  handler: FetchWebhookHandler<Args>,
): FetchHandler<Args> {
  const resolved = resolveOptions('fetch', options)
  if (typeof handler !== 'function') {
    throw new TypeError(
      '[@hookgate/verify] fetch adapter: verifyWebhooks(options, handler) needs a handler function',
    )
  }
  return async function verifyWebhooksHandler(request, ...args) {
    const refused = precheck(resolved, request.headers)
    if (refused !== undefined) return rejectionResponse(refused)
    if (request.bodyUsed) {
      throw new RawBodyUnavailableError(
        '[@hookgate/verify] fetch adapter: the request body was already read before verifyWebhooks() ran, so the exact ' +
          'bytes the provider signed are gone. Pass the untouched Request (request.clone() if something else must read it).',
      )
    }
    const raw = await readFetchBody(request, resolved.maxBodyBytes)
    if (raw === TOO_LARGE) return rejectionResponse(resolved.tooLarge)
    const outcome = verifyOrReject(resolved, {
      method: request.method,
      url: fetchRequestUrl(resolved, request),
      headers: request.headers,
      rawBody: raw,
    })
    if (!outcome.ok) return rejectionResponse(outcome)
    return handler(request, outcome, ...args)
  }
}
