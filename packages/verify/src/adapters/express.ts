/**
 * @module @hookgate/verify/express
 * Express middleware (Express 4 and 5): verifies the raw body and sets `req.webhook`. It reads the
 * body itself, or takes the Buffer left by `express.raw()`; a body already parsed by `express.json()`
 * and friends is a setup error, forwarded to `next(err)` with an explanation. No Express import: the
 * types below are structural.
 */
import { Buffer } from 'node:buffer'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { VerifiedWebhook } from '../verify.ts'
import {
  RawBodyUnavailableError,
  TOO_LARGE,
  nodeRequestUrl,
  precheck,
  readNodeBody,
  resolveOptions,
  sendNodeRejection,
  verifyOrReject,
  type ResolvedOptions,
  type VerifyWebhooksOptions,
} from './_core.ts'

export type { VerifyWebhooksOptions, WebhookErrorBody } from './_core.ts'
export type { VerifiedWebhook } from '../verify.ts'
export { RawBodyUnavailableError } from './_core.ts'

declare global {
  // Augments Express's own `Request` (declared in the global `Express` namespace by @types/express)
  // without importing it: `req.webhook` is typed wherever this subpath is imported.
  namespace Express {
    interface Request {
      /** The verified webhook, set by `@hookgate/verify/express`'s `verifyWebhooks()`. */
      webhook?: VerifiedWebhook
    }
  }
}

/** The parts of Express's `Request` the middleware uses (an `IncomingMessage` plus Express's fields). */
export interface ExpressRequestLike extends IncomingMessage {
  body?: unknown
  /** Set by Google Cloud Functions / Firebase, or by `express.json({ verify: (req, _res, buf) => { req.rawBody = buf } })`. */
  readonly rawBody?: unknown
  readonly originalUrl?: string
  webhook?: VerifiedWebhook
}

/** Express's `next`. */
export type ExpressNextFunction = (error?: unknown) => void

/** The middleware `verifyWebhooks()` returns. */
export type ExpressWebhookMiddleware = (
  req: ExpressRequestLike,
  res: ServerResponse,
  next: ExpressNextFunction,
) => void

/** The actionable message: what happened, why it matters, the two ways to fix the route. */
function consumedMessage(what: string): string {
  return (
    '[@hookgate/verify] express adapter: a body parser consumed the request body before @hookgate/verify could ' +
    `read it (${what}), so the exact bytes the provider signed are gone. Either mount express.raw({ type: '*/*' }) ` +
    'on this route, or put verifyWebhooks() first: register the webhook route before app.use(express.json()) / ' +
    'express.urlencoded() / express.text().'
  )
}

/**
 * Express middleware: verifies the webhook, then sets `req.webhook` and calls `next()`, or answers
 * `{ error: { code, message } }` with 400/401/413/415.
 *
 * Raw body: taken from `req.body` when `express.raw()` left a Buffer there (its own `limit`, 100 kB by
 * default, applies first), or from a `req.rawBody` Buffer (Cloud Functions, the `express.json({ verify })`
 * recipe); read from the stream otherwise (at most `maxBodyBytes`; beyond that 413 and the connection is
 * closed without reading the rest). If a JSON/urlencoded/text parser already
 * consumed the body, calls `next(err)` with a {@link RawBodyUnavailableError}
 * (`code: 'ERR_RAW_BODY_UNAVAILABLE'`, `status: 500`) telling how to fix the route.
 *
 * @example
 * import express from 'express'
 * import { providers } from '@hookgate/verify'
 * import { verifyWebhooks } from '@hookgate/verify/express'
 *
 * const app = express()
 * const preset = providers.stripe({ secrets: [process.env.STRIPE_WEBHOOK_SECRET!] })
 * // Before app.use(express.json()), or on a router without it.
 * app.post('/webhooks/stripe', verifyWebhooks({ preset }), (req, res) => {
 *   console.log(req.webhook!.eventType, req.webhook!.json())
 *   res.sendStatus(204)
 * })
 * @throws TypeError at call time for invalid options.
 */
export function verifyWebhooks(options: VerifyWebhooksOptions): ExpressWebhookMiddleware {
  const resolved = resolveOptions('express', options)
  return function verifyWebhooksMiddleware(req, res, next) {
    const refused = precheck(resolved, req.headers)
    if (refused !== undefined) return sendNodeRejection(res, refused)
    const body = req.body
    if (Buffer.isBuffer(body))
      return finish(
        resolved,
        req,
        res,
        next,
        body.length > resolved.maxBodyBytes ? TOO_LARGE : body,
      )
    // The `req.rawBody` Buffer of Google Cloud Functions / Firebase and of the express.json({ verify }) recipe.
    const rawBody = req.rawBody
    if (Buffer.isBuffer(rawBody)) {
      return finish(
        resolved,
        req,
        res,
        next,
        rawBody.length > resolved.maxBodyBytes ? TOO_LARGE : rawBody,
      )
    }
    // Nobody read the stream yet: read it ourselves, whatever req.body says (Express 4's body-parser sets
    // req.body = {} even when it skips a request).
    if (!req.readableDidRead) {
      return readNodeBody(req, resolved.maxBodyBytes, (error, raw) => {
        if (error === undefined) return finish(resolved, req, res, next, raw)
        if (error instanceof RawBodyUnavailableError) {
          return next(
            new RawBodyUnavailableError(consumedMessage('the request stream was already read')),
          )
        }
        // The client went away mid-body: nobody is left to answer.
        res.destroy()
      })
    }
    const what =
      body === undefined
        ? 'the request stream was already read'
        : `req.body is already a parsed ${body === null ? 'null' : typeof body}`
    next(new RawBodyUnavailableError(consumedMessage(what)))
  }
}

function finish(
  resolved: ResolvedOptions,
  req: ExpressRequestLike,
  res: ServerResponse,
  next: ExpressNextFunction,
  raw: Uint8Array | typeof TOO_LARGE,
): void {
  if (raw === TOO_LARGE) return sendNodeRejection(res, resolved.tooLarge)
  const outcome = verifyOrReject(resolved, {
    method: req.method ?? 'POST',
    // originalUrl: the path as requested, before a mounted router stripped its prefix.
    url: nodeRequestUrl(resolved, req, req.originalUrl ?? req.url),
    headers: req.headers,
    rawBody: raw,
  })
  if (!outcome.ok) return sendNodeRejection(res, outcome)
  req.webhook = outcome
  next()
}
