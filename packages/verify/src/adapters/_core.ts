/**
 * @module adapters/_core
 * What every framework adapter shares: option validation, the public-URL rebuild, body reading with a
 * size cap, and the outcome → JSON error response mapping. Adapters only move bytes and headers in and
 * out (STYLE 3.5); nothing here imports a framework.
 * @internal
 */
import { Buffer } from 'node:buffer'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ConfiguredPreset } from '../define.ts'
import { RawBodyUnavailableError } from '../errors.ts'
import type { HeadersLike, WebhookRequest } from '../request.ts'
import { safeVerifyWebhook, type VerifiedWebhook } from '../verify.ts'

export { RawBodyUnavailableError }

/** 1 MiB: far above typical payloads. Raise it where a provider sends more (GitHub allows payloads up to 25 MB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/**
 * Options every adapter takes (`@hookgate/verify/{node,express,fastify,hono,fetch}`), validated when
 * `verifyWebhooks(options)` is called.
 */
export interface VerifyWebhooksOptions {
  /**
   * The provider, its secrets, replay window and provider options, as one configured preset:
   * `providers.github({ secrets: [process.env.GITHUB_WEBHOOK_SECRET!] })`.
   */
  readonly preset: ConfiguredPreset
  /**
   * The public origin (and optional path prefix) the provider calls, e.g. `https://hooks.example.com`.
   * The request's path and query are appended to it. Needed for URL-signed schemes (Twilio) when the app
   * sits behind a TLS-terminating proxy or tunnel and sees `http://127.0.0.1:3000/…` instead of the URL
   * the provider signed. Mutually exclusive with `trustProxy`. Without either, the URL is the request's
   * own scheme + `Host` header + path, as frameworks build it: set `publicUrl` in production for URL-signed
   * schemes, so a replay cannot pick the host the signature is checked against.
   */
  readonly publicUrl?: string
  /**
   * Rebuild the URL from `X-Forwarded-Proto` / `X-Forwarded-Host` (first value of each). Only set this
   * when every request reaches the app through a proxy you control that overwrites those headers:
   * otherwise any client can choose the URL that gets verified. Default `false`: the headers are ignored.
   */
  readonly trustProxy?: boolean
  /**
   * Largest body accepted, in bytes (default 1 MiB). A larger declared `Content-Length`, or a chunked
   * body that grows past it, is answered 413 without reading the rest. Fastify: see that adapter.
   */
  readonly maxBodyBytes?: number
  /** The clock for replay windows, called once per request. Default: the system clock. */
  readonly now?: () => Date
}

/** The JSON body of every error response an adapter sends: `{ error: { code, message } }`. */
export interface WebhookErrorBody {
  readonly error: {
    /** A verification failure reason (`signature_mismatch`, …), `payload_too_large` or `unsupported_media_type`. */
    readonly code: string
    readonly message: string
  }
}

/** Options after validation. @internal */
export interface ResolvedOptions {
  readonly preset: ConfiguredPreset
  readonly publicUrl: string | undefined
  readonly trustProxy: boolean
  readonly maxBodyBytes: number
  /** True when the user set `maxBodyBytes` (Fastify otherwise keeps its own `bodyLimit`). */
  readonly maxBodyBytesSet: boolean
  readonly now: (() => Date) | undefined
  /** Prebuilt 413 for this limit. */
  readonly tooLarge: Rejection
}

/** A request refused before or by verification: what to answer. @internal */
export interface Rejection {
  readonly ok: false
  readonly status: 400 | 401 | 413 | 415 | 503
  readonly code: string
  readonly message: string
  /** The serialised {@link WebhookErrorBody}. */
  readonly body: string
  /** The body was not (entirely) read: close the connection rather than drain an unbounded upload. */
  readonly close: boolean
}

const PREFIX = '[@hookgate/verify]'
const OPTION_KEYS: ReadonlySet<string> = new Set([
  'preset',
  'publicUrl',
  'trustProxy',
  'maxBodyBytes',
  'now',
])

function optionError(adapter: string, message: string): TypeError {
  return new TypeError(`${PREFIX} ${adapter} adapter: ${message}`)
}

function isConfiguredPreset(value: unknown): value is ConfiguredPreset {
  if (typeof value !== 'object' || value === null) return false
  const preset = value as Partial<ConfiguredPreset>
  return (
    typeof preset.id === 'string' &&
    typeof preset.definition?.parse === 'function' &&
    Array.isArray(preset.keys)
  )
}

/**
 * Validates adapter options eagerly: programmer errors are TypeErrors at construction, never at request time.
 * @param ignoredKeys keys the framework itself passes along (Fastify's `prefix`), accepted and ignored.
 * @internal
 */
export function resolveOptions(
  adapter: string,
  options: unknown,
  ignoredKeys: readonly string[] = [],
): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw optionError(
      adapter,
      'options are required: verifyWebhooks({ preset: providers.<id>({ secrets }) })',
    )
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key) && !ignoredKeys.includes(key)) {
      const misplaced = key === 'secrets' || key === 'secret' || key === 'provider'
      const hint = misplaced ? ' (secrets go in the preset: providers.<id>({ secrets }))' : ''
      throw optionError(
        adapter,
        `unknown option \`${key}\`${hint}; expected ${[...OPTION_KEYS].join(', ')}`,
      )
    }
  }
  const o = options as Record<string, unknown>
  const preset = o['preset']
  if (!isConfiguredPreset(preset)) {
    const factory = typeof preset === 'function' && 'definition' in preset
    throw optionError(
      adapter,
      factory
        ? '`preset` is a preset factory: call it with your secrets, e.g. preset: providers.github({ secrets: [secret] })'
        : '`preset` must be a configured preset, e.g. providers.github({ secrets: [secret] })',
    )
  }
  let publicUrl = o['publicUrl']
  if (publicUrl !== undefined) {
    if (typeof publicUrl !== 'string' || !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i.test(publicUrl)) {
      throw optionError(
        adapter,
        '`publicUrl` must be an http(s) origin with an optional path and no query, e.g. https://hooks.example.com',
      )
    }
    publicUrl = publicUrl.replace(/\/+$/, '')
  }
  const trustProxy = o['trustProxy']
  if (trustProxy !== undefined && typeof trustProxy !== 'boolean')
    throw optionError(adapter, '`trustProxy` must be a boolean')
  if (publicUrl !== undefined && trustProxy === true) {
    throw optionError(
      adapter,
      'set either `publicUrl` (a fixed public origin) or `trustProxy` (take it from X-Forwarded-*), not both',
    )
  }
  const maxBodyBytes = o['maxBodyBytes']
  if (
    maxBodyBytes !== undefined &&
    !(Number.isSafeInteger(maxBodyBytes) && (maxBodyBytes as number) > 0)
  ) {
    throw optionError(adapter, '`maxBodyBytes` must be a positive integer')
  }
  const now = o['now']
  if (now !== undefined && typeof now !== 'function')
    throw optionError(adapter, '`now` must be a function returning a Date')
  const limit = (maxBodyBytes as number | undefined) ?? DEFAULT_MAX_BODY_BYTES
  return {
    preset,
    publicUrl: publicUrl as string | undefined,
    trustProxy: trustProxy === true,
    maxBodyBytes: limit,
    maxBodyBytesSet: maxBodyBytes !== undefined,
    now: now as (() => Date) | undefined,
    tooLarge: rejection(
      413,
      'payload_too_large',
      `The request body is larger than ${limit} bytes.`,
      true,
    ),
  }
}

/** @internal */
export function rejection(
  status: Rejection['status'],
  code: string,
  message: string,
  close = false,
): Rejection {
  const errorBody: WebhookErrorBody = { error: { code, message } }
  return { ok: false, status, code, message, body: JSON.stringify(errorBody), close }
}

// Signatures cover the body exactly as sent; decompressing first would verify other bytes, and a body
// parser that inflates (express.raw() does by default) would hide that. No provider compresses webhooks.
const UNSUPPORTED_ENCODING = rejection(
  415,
  'unsupported_media_type',
  'Compressed request bodies (Content-Encoding) are not accepted: the signature covers the bytes as sent.',
  true,
)

/** One header from a Node header record (names lower-case) or a Fetch `Headers`. @internal */
export function headerValue(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function')
    return (headers as Headers).get(name) ?? undefined
  const value = (
    headers as Readonly<Record<string, string | readonly string[] | number | undefined>>
  )[name]
  if (value === undefined || typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  return value.join(', ')
}

/** 415 for a compressed body. @internal */
export function checkEncoding(headers: HeadersLike): Rejection | undefined {
  const encoding = headerValue(headers, 'content-encoding')
  if (encoding === undefined || encoding === '' || encoding.trim().toLowerCase() === 'identity')
    return undefined
  return UNSUPPORTED_ENCODING
}

/**
 * The checks made before reading a byte of the body: content coding (415) and declared length (413).
 * @internal
 */
export function precheck(options: ResolvedOptions, headers: HeadersLike): Rejection | undefined {
  const encoding = checkEncoding(headers)
  if (encoding !== undefined) return encoding
  const length = headerValue(headers, 'content-length')
  if (length !== undefined && Number(length) > options.maxBodyBytes) return options.tooLarge
  return undefined
}

/** A body bigger than the limit. @internal */
export const TOO_LARGE: unique symbol = Symbol('too large')

const EMPTY = new Uint8Array(0)

/** What {@link readNodeBody} reports: the bytes, {@link TOO_LARGE}, or an error (client abort, consumed body). @internal */
export type NodeBodyCallback = (
  error: Error | undefined,
  body: Uint8Array | typeof TOO_LARGE,
) => void

/**
 * Reads a Node request stream, stopping (and pausing the socket) as soon as it grows past `limit`.
 * Reports an error when the client aborts, or a {@link RawBodyUnavailableError} when something already
 * read the stream. Callback-style on purpose: it runs once per request, and a promise plus two
 * microtask hops per request showed in the adapter bench.
 * @internal
 */
export function readNodeBody(req: IncomingMessage, limit: number, done: NodeBodyCallback): void {
  if (req.readableEnded) {
    // Someone read the stream before us. Harmless for a body-less request; otherwise the bytes are gone.
    const declared = req.headers['content-length']
    const bodyless =
      (declared === undefined || declared === '0') && req.headers['transfer-encoding'] === undefined
    if (bodyless) return done(undefined, EMPTY)
    return done(new RawBodyUnavailableError(CONSUMED_MESSAGE), EMPTY)
  }
  const chunks: Buffer[] = []
  let size = 0
  const cleanup = (): void => {
    req.off('data', onData)
    req.off('end', onEnd)
    req.off('error', onError)
    req.off('close', onClose)
  }
  const onData = (chunk: Buffer): void => {
    size += chunk.length
    if (size > limit) {
      cleanup()
      // Stop pulling from the socket: the 413 goes out with `Connection: close` and the rest is never read.
      req.pause()
      done(undefined, TOO_LARGE)
      return
    }
    chunks.push(chunk)
  }
  const onEnd = (): void => {
    cleanup()
    done(
      undefined,
      chunks.length === 1
        ? (chunks[0] as Buffer)
        : chunks.length === 0
          ? EMPTY
          : Buffer.concat(chunks, size),
    )
  }
  const onError = (error: Error): void => {
    cleanup()
    done(error, EMPTY)
  }
  const onClose = (): void => {
    cleanup()
    done(new Error('The client closed the connection before the request body was complete.'), EMPTY)
  }
  req.on('data', onData)
  req.on('end', onEnd)
  req.on('error', onError)
  req.on('close', onClose)
}

/**
 * Reads a Fetch `Request` body with the same cap. With a `Content-Length` (already checked against the
 * limit, and enforced by the HTTP layer) the runtime's own `arrayBuffer()` is used; a chunked body is
 * read chunk by chunk and the stream is cancelled once it grows past the limit.
 * @internal
 */
export async function readFetchBody(
  request: Request,
  limit: number,
  arrayBuffer: () => Promise<ArrayBuffer> = () => request.arrayBuffer(),
): Promise<Uint8Array | typeof TOO_LARGE> {
  if (request.body === null) return EMPTY
  if (request.headers.has('content-length')) {
    const bytes = new Uint8Array(await arrayBuffer())
    // A hand-built Request can carry any Content-Length; the limit still holds.
    return bytes.byteLength > limit ? TOO_LARGE : bytes
  }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      reader.cancel().catch(() => undefined)
      return TOO_LARGE
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}

const AUTHORITY = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i
// A host as a proxy may forward it: name or IPv4, or a bracketed IPv6 literal, with an optional port.
const FORWARDED_HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i

function firstValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const comma = value.indexOf(',')
  const first = (comma === -1 ? value : value.slice(0, comma)).trim()
  return first === '' ? undefined : first
}

/**
 * The URL the provider called, for URL-signed schemes. The path and query are kept byte for byte
 * (Twilio signs them as sent). Origin: `publicUrl` when configured; else, only with `trustProxy`, the
 * first `X-Forwarded-Proto` / `X-Forwarded-Host` values (ignored when malformed); else what the app
 * itself received. An untrusted client never picks the origin unless the app opted in.
 * @param scheme the local scheme (`http`/`https`), @param host the local authority (the Host header)
 * @internal
 */
export function publicRequestUrl(
  options: ResolvedOptions,
  headers: HeadersLike,
  scheme: string,
  host: string,
  pathAndQuery: string,
): string {
  const path =
    pathAndQuery.startsWith('/') || pathAndQuery === '' ? pathAndQuery : `/${pathAndQuery}`
  if (options.publicUrl !== undefined) return options.publicUrl + path
  if (options.trustProxy) {
    const proto = firstValue(headerValue(headers, 'x-forwarded-proto'))?.toLowerCase()
    const forwardedHost = firstValue(headerValue(headers, 'x-forwarded-host'))
    if (proto === 'http' || proto === 'https') scheme = proto
    if (forwardedHost !== undefined && FORWARDED_HOST.test(forwardedHost)) host = forwardedHost
  }
  return `${scheme}://${host}${path}`
}

/** {@link publicRequestUrl} for a Node request (`url` is the request target, usually origin-form). @internal */
export function nodeRequestUrl(
  options: ResolvedOptions,
  req: IncomingMessage,
  target: string | undefined = req.url,
): string {
  const raw = target ?? '/'
  const absolute = raw.startsWith('/') ? undefined : AUTHORITY.exec(raw)
  if (absolute) {
    return publicRequestUrl(
      options,
      req.headers,
      absolute[1] as string,
      absolute[2] as string,
      raw.slice(absolute[0].length),
    )
  }
  const scheme =
    (req.socket as { encrypted?: boolean } | null)?.encrypted === true ? 'https' : 'http'
  return publicRequestUrl(options, req.headers, scheme, req.headers.host ?? 'localhost', raw)
}

/** {@link publicRequestUrl} for a Fetch request, whose `url` is already absolute. @internal */
export function fetchRequestUrl(options: ResolvedOptions, request: Request): string {
  const url = request.url
  if (options.publicUrl === undefined && !options.trustProxy) return url
  const match = AUTHORITY.exec(url)
  if (match === null) return url
  return publicRequestUrl(
    options,
    request.headers,
    match[1] as string,
    match[2] as string,
    url.slice(match[0].length),
  )
}

/** Runs the verify loop; a failure becomes the response to send (400/401 with the reason as code). @internal */
export function verifyOrReject(
  options: ResolvedOptions,
  request: WebhookRequest,
): VerifiedWebhook | Rejection {
  const result = safeVerifyWebhook(
    options.preset,
    request,
    options.now === undefined ? undefined : { now: options.now() },
  )
  if (result.ok) return result
  return rejection(result.error.status, result.reason, result.message)
}

/** Writes a rejection on a Node response (works for Express and raw `node:http`). @internal */
export function sendNodeRejection(res: ServerResponse, refused: Rejection): void {
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(refused.body),
  }
  if (refused.close) headers['connection'] = 'close'
  res.writeHead(refused.status, headers)
  res.end(refused.body)
}

/** A rejection as a Fetch `Response`. @internal */
export function rejectionResponse(refused: Rejection): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' }
  // Hop-by-hop: Node-based servers close instead of draining the unread upload; edge runtimes drop it.
  if (refused.close) headers['connection'] = 'close'
  return new Response(refused.body, { status: refused.status, headers })
}

/** @internal */
export const CONSUMED_MESSAGE =
  '[@hookgate/verify] the request body was consumed before @hookgate/verify could read it, so the exact bytes ' +
  'the provider signed are gone. Verify before any body parser reads the request.'
