/**
 * @module @hookgate/verify/node
 * Webhook verification for plain `node:http` (and anything that hands you an `IncomingMessage` /
 * `ServerResponse` pair): wrap your handler, receive the verified webhook as its third argument.
 */
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
  type VerifyWebhooksOptions,
} from './_core.ts'

export type { VerifyWebhooksOptions, WebhookErrorBody } from './_core.ts'
export type { VerifiedWebhook } from '../verify.ts'
export { RawBodyUnavailableError } from './_core.ts'

/** Your handler: runs only for requests whose signature held. */
export type NodeWebhookHandler<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
> = (req: Req, res: Res, webhook: VerifiedWebhook) => unknown

/** The wrapped handler: a `node:http` request listener. */
export type NodeRequestListener<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
> = (req: Req, res: Res) => void

/**
 * Wraps a `node:http` handler. The wrapper reads the raw body (at most `maxBodyBytes`; a larger one gets
 * 413 and the connection is closed without reading the rest), verifies it, and either calls
 * `handler(req, res, webhook)` or answers `{ error: { code, message } }` with 400/401/413/415.
 *
 * The body stream has been consumed when the handler runs: use `webhook.rawBody` / `webhook.json()`.
 * If the handler throws, the wrapper answers 500 (when nothing was sent yet) and logs the error to
 * `console.error`, as `node:http` frameworks do; catch errors yourself to do otherwise.
 *
 * @example
 * import { createServer } from 'node:http'
 * import { providers } from '@hookgate/verify'
 * import { verifyWebhooks } from '@hookgate/verify/node'
 *
 * const preset = providers.github({ secrets: [process.env.GITHUB_WEBHOOK_SECRET!] })
 * createServer(verifyWebhooks({ preset }, (req, res, webhook) => {
 *   console.log(webhook.eventType, webhook.id, webhook.json())
 *   res.writeHead(204).end()
 * })).listen(3000)
 * @throws TypeError at call time for invalid options.
 */
export function verifyWebhooks<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
>(
  options: VerifyWebhooksOptions,
  handler: NodeWebhookHandler<Req, Res>,
): NodeRequestListener<Req, Res> {
  const resolved = resolveOptions('node', options)
  if (typeof handler !== 'function') {
    throw new TypeError(
      '[@hookgate/verify] node adapter: verifyWebhooks(options, handler) needs a handler function',
    )
  }
  return function verifyWebhooksListener(req, res) {
    const refused = precheck(resolved, req.headers)
    if (refused !== undefined) return sendNodeRejection(res, refused)
    readNodeBody(req, resolved.maxBodyBytes, (error, body) => {
      if (error !== undefined) {
        if (error instanceof RawBodyUnavailableError) return internalError(res, error)
        // The client went away mid-body: nobody is left to answer.
        return void res.destroy()
      }
      if (body === TOO_LARGE) return sendNodeRejection(res, resolved.tooLarge)
      const outcome = verifyOrReject(resolved, {
        method: req.method ?? 'POST',
        url: nodeRequestUrl(resolved, req),
        headers: req.headers,
        rawBody: body,
      })
      if (!outcome.ok) return sendNodeRejection(res, outcome)
      let result: unknown
      try {
        result = handler(req, res, outcome)
      } catch (handlerError) {
        return internalError(res, handlerError)
      }
      if (result instanceof Promise)
        result.catch((handlerError: unknown) => internalError(res, handlerError))
    })
  }
}

function internalError(res: ServerResponse, error: unknown): void {
  console.error(error)
  if (!res.headersSent) {
    res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' })
    res.end('{"error":{"code":"internal_error","message":"Internal Server Error"}}')
  } else if (!res.writableEnded) {
    res.destroy()
  }
}
