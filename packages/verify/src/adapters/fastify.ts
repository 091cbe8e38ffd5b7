/**
 * @module @hookgate/verify/fastify
 * A Fastify (v4/v5) plugin: a raw-body content-type parser for every media type plus a `preValidation`
 * hook that verifies and sets `request.webhook`, both scoped to the encapsulation context you register
 * it in. No Fastify import: the types below are structural.
 */
import { Buffer } from 'node:buffer'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { VerifiedWebhook } from '../verify.ts'
import {
  RawBodyUnavailableError,
  nodeRequestUrl,
  checkEncoding,
  resolveOptions,
  verifyOrReject,
  type Rejection,
  type VerifyWebhooksOptions,
} from './_core.ts'

export type { VerifyWebhooksOptions, WebhookErrorBody } from './_core.ts'
export type { VerifiedWebhook } from '../verify.ts'
export { RawBodyUnavailableError } from './_core.ts'

/** The parts of Fastify's request the plugin uses. */
export interface FastifyRequestLike {
  readonly raw: IncomingMessage
  readonly headers: IncomingHttpHeaders
  readonly body?: unknown
  webhook?: VerifiedWebhook | null
}

/** The parts of Fastify's reply the plugin uses. */
export interface FastifyReplyLike {
  code(statusCode: number): FastifyReplyLike
  header(key: string, value: string): FastifyReplyLike
  send(payload?: unknown): FastifyReplyLike
}

type ParserDone = (error: Error | null, body?: Buffer) => void
type HookDone = (error?: Error) => void

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  removeAllContentTypeParsers(): unknown
  addContentTypeParser(
    contentType: string,
    options: { parseAs: 'buffer'; bodyLimit?: number },
    parser: (request: never, body: Buffer, done: ParserDone) => void,
  ): unknown
  hasRequestDecorator(name: string): boolean
  decorateRequest(name: string, value: null): unknown
  addHook(
    name: 'preValidation',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: HookDone) => void,
  ): unknown
}

/** The plugin `verifyWebhooks()` returns; pass it to `fastify.register()`. */
export type FastifyWebhookPlugin = (instance: FastifyInstanceLike) => Promise<void>

/**
 * The `request.webhook` decoration. This package does not import Fastify, so it cannot augment its types
 * for you; in TypeScript, add once: `declare module 'fastify' { interface FastifyRequest { webhook: VerifiedWebhook } }`.
 */
export interface FastifyWebhookDecoration {
  webhook: VerifiedWebhook
}

const EMPTY = Buffer.alloc(0)

/**
 * Returns a Fastify plugin that verifies every request of the context it is registered in: it replaces
 * that context's content-type parsers with one raw-`Buffer` parser for all media types (so the JSON
 * parser never touches webhook bodies) and adds a `preValidation` hook that sets `request.webhook` or
 * answers `{ error: { code, message } }` with 400/401/415.
 *
 * Body limit: the parser uses Fastify's own limit, so an oversized body is refused by Fastify itself
 * (413 `FST_ERR_CTP_BODY_TOO_LARGE`, in Fastify's error format, connection closed) before it is read:
 * a route's `bodyLimit` wins, then `maxBodyBytes` when you set it, then the server's `bodyLimit`
 * (1 MiB by default).
 *
 * Scope: the plugin is not encapsulated (like `fastify-plugin`), so it applies to the context you
 * register it in. Register it inside its own context to keep it off your other routes:
 *
 * @example
 * import Fastify from 'fastify'
 * import { providers } from '@hookgate/verify'
 * import { verifyWebhooks } from '@hookgate/verify/fastify'
 *
 * const app = Fastify()
 * await app.register(async (webhooks) => {
 *   await webhooks.register(verifyWebhooks({ preset: providers.github({ secrets: [process.env.GITHUB_WEBHOOK_SECRET!] }) }))
 *   webhooks.post('/github', async (request) => ({ received: request.webhook.id }))
 * }, { prefix: '/webhooks' })
 * // Routes registered outside that function keep Fastify's JSON parser.
 * @throws TypeError at call time for invalid options.
 */
export function verifyWebhooks(options: VerifyWebhooksOptions): FastifyWebhookPlugin {
  const resolved = resolveOptions('fastify', options)
  const parserOptions: { parseAs: 'buffer'; bodyLimit?: number } = resolved.maxBodyBytesSet
    ? { parseAs: 'buffer', bodyLimit: resolved.maxBodyBytes }
    : { parseAs: 'buffer' }

  // Callback-style on purpose: Fastify runs it without allocating a promise per request.
  function verifyWebhooksHook(
    request: FastifyRequestLike,
    reply: FastifyReplyLike,
    done: HookDone,
  ): void {
    // The length was Fastify's to check (bodyLimit); the coding is ours.
    const refused = checkEncoding(request.headers)
    if (refused !== undefined) return void reject(reply, refused)
    const body = request.body
    let raw: Uint8Array
    if (Buffer.isBuffer(body)) raw = body
    else if (body === undefined || body === null) raw = EMPTY
    else {
      return done(
        new RawBodyUnavailableError(
          '[@hookgate/verify] fastify adapter: request.body was parsed by another content-type parser, so the exact bytes ' +
            'the provider signed are gone. Do not add content-type parsers in the context where verifyWebhooks() is registered.',
        ),
      )
    }
    const outcome = verifyOrReject(resolved, {
      method: request.raw.method ?? 'POST',
      url: nodeRequestUrl(resolved, request.raw),
      headers: request.headers,
      rawBody: raw,
    })
    // Answering from a hook: send, and do not call done().
    if (!outcome.ok) return void reject(reply, outcome)
    request.webhook = outcome
    done()
  }

  async function verifyWebhooksPlugin(instance: FastifyInstanceLike): Promise<void> {
    // Only the raw bytes are signed: no JSON/text parser may run where the plugin applies.
    instance.removeAllContentTypeParsers()
    instance.addContentTypeParser('*', parserOptions, (_request, body, done) => done(null, body))
    if (!instance.hasRequestDecorator('webhook')) instance.decorateRequest('webhook', null)
    instance.addHook('preValidation', verifyWebhooksHook)
  }

  // fastify-plugin's contract without the dependency: apply to the registering context, name it in errors.
  Object.assign(verifyWebhooksPlugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: '@hookgate/verify',
  })
  return verifyWebhooksPlugin
}

function reject(reply: FastifyReplyLike, refused: Rejection): FastifyReplyLike {
  reply.code(refused.status).header('content-type', 'application/json; charset=utf-8')
  if (refused.close) reply.header('connection', 'close')
  return reply.send(refused.body)
}
