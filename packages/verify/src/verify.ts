/**
 * @module verify
 * The single verify loop: parse → replay window (both directions) → every key × content × signature,
 * compared in constant time → post-signature checks. Presets only describe; this decides.
 */
import { Buffer } from 'node:buffer'
import { randomUUID } from 'node:crypto'
import { Failure, WebhookVerificationError, type VerificationFailureReason } from './errors.ts'
import type { ConfiguredPreset, Envelope, HandshakeAnswer, VerifiedContext } from './define.ts'
import type { HeadersLike, WebhookRequest } from './request.ts'
import { verifySignature, type Key } from './schemes/index.ts'
import { createKeyResolver, type FetchKey, type KeyResolver } from './keys/fetched.ts'

export interface VerifyOptions {
  /** The clock (injectable for tests and for re-checking captured requests). Default: now. */
  readonly now?: Date
}

/** A request whose signature held. The body is parsed only when asked (`json()`, `id`, `eventType`). */
export class VerifiedWebhook {
  readonly ok = true as const
  readonly provider: string
  readonly rawBody: Uint8Array
  readonly #preset: ConfiguredPreset
  readonly #headers: HeadersLike
  readonly #envelope: Envelope
  readonly #key: Key
  // Built on first use: most callers never ask for id/eventType, and this runs once per request.
  #context: VerifiedContext | undefined
  #payload: { value: unknown } | undefined
  #timestamp: Date | undefined

  /**
   * Made by the verify functions, never by hand: its parameters (a configured preset, the matched key) say so, and
   * are kept in the published types so that `new VerifiedWebhook()` does not type-check.
   */
  constructor(
    preset: ConfiguredPreset,
    headers: HeadersLike,
    rawBody: Uint8Array,
    envelope: Envelope,
    key: Key,
  ) {
    this.provider = preset.id
    this.rawBody = rawBody
    this.#preset = preset
    this.#headers = headers
    this.#envelope = envelope
    this.#key = key
  }

  /** When the sender signed it, for timestamped schemes. */
  get timestamp(): Date | undefined {
    // Made on first use, then the same Date every time: most callers never ask.
    if (this.#timestamp === undefined && this.#envelope.timestamp !== undefined)
      this.#timestamp = new Date(this.#envelope.timestamp * 1000)
    return this.#timestamp
  }

  /**
   * The answer this request expects instead of being processed, when it is the provider's signed endpoint check
   * (Slack url_verification, Zoom endpoint.url_validation, Discord PING…); undefined for an ordinary webhook.
   */
  handshake(): HandshakeAnswer | undefined {
    return this.#preset.definition.handshake?.reply?.(
      this.#verifiedContext(),
      this.#preset.config,
      this.#key,
    )
  }

  /** The provider's delivery or event id (what the gateway deduplicates on), when the provider sends one. */
  get id(): string | undefined {
    return (
      this.#envelope.id ??
      this.#preset.definition.eventId?.(this.#verifiedContext(), this.#preset.config)
    )
  }

  /** The provider's event type (`invoice.paid`, `push`, …), when the provider sends one. */
  get eventType(): string | undefined {
    return this.#preset.definition.eventType?.(this.#verifiedContext(), this.#preset.config)
  }

  #verifiedContext(): VerifiedContext {
    this.#context ??= {
      headers: this.#headers,
      envelope: this.#envelope,
      payload: () => this.#parsed(),
      text: () => this.text(),
    }
    return this.#context
  }

  /** The body as UTF-8 text. */
  text(): string {
    return Buffer.from(
      this.rawBody.buffer,
      this.rawBody.byteOffset,
      this.rawBody.byteLength,
    ).toString('utf8')
  }

  /** The body parsed as JSON. Throws a `SyntaxError` when the body is not JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T
  }

  #parsed(): unknown {
    if (this.#payload === undefined) {
      let value: unknown
      try {
        value = this.json()
      } catch {
        value = undefined
      }
      this.#payload = { value }
    }
    return this.#payload.value
  }
}

export interface VerificationFailure {
  readonly ok: false
  readonly reason: VerificationFailureReason
  readonly message: string
  readonly error: WebhookVerificationError
  /** For `timestamp_too_old` and `timestamp_in_future`: the signing time the request carries. */
  readonly timestamp?: Date
}

export type VerifyResult = VerifiedWebhook | VerificationFailure

function bodyBytes(rawBody: unknown): Uint8Array {
  if (rawBody instanceof Uint8Array) return rawBody
  if (typeof rawBody === 'string') return Buffer.from(rawBody, 'utf8')
  throw new Failure(
    'invalid_payload',
    'rawBody must be the raw request bytes (Uint8Array/Buffer) or text, but got ' +
      (rawBody === null ? 'null' : typeof rawBody) +
      '. A body parser has probably consumed the request: read the raw body (express.raw(), request.arrayBuffer()) and verify that.',
  )
}

/** A window failure keeps the signing time, so callers can say how old the request is (`hookgate verify --now`). */
class WindowFailure extends Failure {
  readonly timestamp: number
  constructor(
    reason: 'timestamp_too_old' | 'timestamp_in_future',
    message: string,
    timestamp: number,
  ) {
    super(reason, message)
    this.timestamp = timestamp
  }
}

/**
 * A duration for people: `42 s`, `7512 s, about 2 h 5 min`, `190000 s, about 2 days`.
 * @internal
 */
export function describeSeconds(seconds: number): string {
  const s = Math.round(Math.abs(seconds))
  if (s < 120) return `${s} s`
  if (s < 7200) return `${s} s, about ${Math.round(s / 60)} min`
  if (s < 172_800)
    return `${s} s, about ${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
  return `${s} s, about ${Math.round(s / 86_400)} days`
}

function checkWindow(
  timestamp: number | undefined,
  toleranceSeconds: number,
  nowSeconds: number,
): void {
  if (timestamp === undefined)
    throw new Failure('timestamp_missing', 'The request carries no signing timestamp.')
  if (nowSeconds - timestamp > toleranceSeconds) {
    throw new WindowFailure(
      'timestamp_too_old',
      `The signature timestamp is more than ${toleranceSeconds}s old (signed ${describeSeconds(nowSeconds - timestamp)} ago): ` +
        'a replayed request, or a clock out of sync.',
      timestamp,
    )
  }
  if (timestamp - nowSeconds > toleranceSeconds) {
    throw new WindowFailure(
      'timestamp_in_future',
      `The signature timestamp is more than ${toleranceSeconds}s in the future (${describeSeconds(timestamp - nowSeconds)} ahead): ` +
        "check this machine's clock.",
      timestamp,
    )
  }
}

function run(
  preset: ConfiguredPreset,
  request: WebhookRequest,
  options: VerifyOptions | undefined,
): VerifiedWebhook {
  const definition = preset.definition
  const body = bodyBytes(request.rawBody)
  const envelope = definition.parse(request, body, preset.config)
  const nowSeconds = Math.floor((options?.now?.getTime() ?? Date.now()) / 1000)
  if (preset.toleranceSeconds !== undefined)
    checkWindow(envelope.timestamp, preset.toleranceSeconds, nowSeconds)
  if (preset.keys.length === 0 && definition.keySource !== undefined) {
    throw new Failure(
      'key_unavailable',
      `${definition.name} signs with keys fetched at run time (${definition.keySource.description}): verify with verifyWebhookAsync or ` +
        'safeVerifyWebhookAsync, or pin the key in `secrets`.',
    )
  }
  const contents = definition.signedContent(request, body, envelope, preset.config)
  // Try every pair even after a miss; stop at the first match. Nothing tells which key or candidate came closest.
  let matched: Key | undefined
  search: for (const content of contents) {
    for (const key of preset.keys) {
      for (const signature of envelope.signatures) {
        if (verifySignature(key, content, signature)) {
          matched = key
          break search
        }
      }
    }
  }
  if (matched === undefined) {
    throw new Failure(
      'signature_mismatch',
      'No signature matched. Are you passing the raw request body exactly as received? ' +
        'A body parser or proxy that re-serialises it breaks the signature. ' +
        definition.mismatchHint,
    )
  }
  const found = definition.check?.(request, body, envelope, preset.config, nowSeconds)
  return new VerifiedWebhook(
    preset,
    request.headers,
    body,
    found ? { ...envelope, ...found } : envelope,
    matched,
  )
}

function toFailure(preset: ConfiguredPreset, failure: Failure): VerificationFailure {
  const error = new WebhookVerificationError(preset.id, failure.reason, failure.message)
  const timestamp =
    failure instanceof WindowFailure ? { timestamp: new Date(failure.timestamp * 1000) } : {}
  return { ok: false, reason: failure.reason, message: failure.message, error, ...timestamp }
}

/**
 * Verifies a webhook and never throws on bad input: returns the verified webhook or `{ ok: false, reason, message }`.
 * Programmer errors still throw a `TypeError`: a URL-signed preset (Twilio, `{url}` templates) called without
 * `request.url`, or a preset whose keys are fetched (AWS SNS) called here instead of the async variant — both are
 * fixed in the calling code, not by the sender, so they must not read as a refused webhook.
 * @example
 * const result = safeVerifyWebhook(providers.stripe({ secrets: [process.env.STRIPE_WHSEC!] }), request)
 * if (!result.ok) return new Response(result.message, { status: result.error.status })
 */
export function safeVerifyWebhook(
  preset: ConfiguredPreset,
  request: WebhookRequest,
  options?: VerifyOptions,
): VerifyResult {
  try {
    return run(preset, request, options)
  } catch (error) {
    if (error instanceof Failure) return toFailure(preset, error)
    throw error
  }
}

/**
 * Verifies a webhook or throws a {@link WebhookVerificationError} carrying `reason` and `status`.
 * @throws WebhookVerificationError
 */
export function verifyWebhook(
  preset: ConfiguredPreset,
  request: WebhookRequest,
  options?: VerifyOptions,
): VerifiedWebhook {
  const result = safeVerifyWebhook(preset, request, options)
  if (!result.ok) throw result.error
  return result
}

/** Options of {@link verifyWebhookAsync} and {@link safeVerifyWebhookAsync}. */
export interface VerifyAsyncOptions extends VerifyOptions {
  /** Where fetched keys come from and how long they are kept. Default: a shared resolver over global `fetch`. */
  readonly keys?: KeyResolver
  /**
   * Shorthand for `keys: createKeyResolver({ fetchKey })`, with default limits; the resolver (and its cache) is kept
   * per function, so passing the same function again reuses its cache. Ignored when `keys` is given.
   */
  readonly fetchKey?: FetchKey
}

let sharedResolver: KeyResolver | undefined
const resolverByFetcher = new WeakMap<FetchKey, KeyResolver>()

function resolverFor(options: VerifyAsyncOptions | undefined): KeyResolver {
  if (options?.keys !== undefined) return options.keys
  const fetchKey = options?.fetchKey
  if (fetchKey === undefined) return (sharedResolver ??= createKeyResolver())
  let resolver = resolverByFetcher.get(fetchKey)
  if (resolver === undefined) {
    resolver = createKeyResolver({ fetchKey })
    resolverByFetcher.set(fetchKey, resolver)
  }
  return resolver
}

/** The preset with the keys this request needs, fetched (or from the cache) when its definition declares a source. */
async function withKeys(
  preset: ConfiguredPreset,
  request: WebhookRequest,
  options: VerifyAsyncOptions | undefined,
): Promise<ConfiguredPreset> {
  const source = preset.definition.keySource
  // Pinned keys (configured secrets) are never replaced by fetched ones.
  if (source === undefined || preset.keys.length > 0) return preset
  // Parse first: a URL outside the provider's hosts is refused here, before anything is fetched.
  const envelope = preset.definition.parse(request, bodyBytes(request.rawBody), preset.config)
  const resolver = resolverFor(options)
  const lists = await Promise.all(
    source
      .urls(envelope, preset.config)
      .map((url) => resolver.resolve(preset.id, source as never, url, preset.config)),
  )
  return { ...preset, keys: lists.flat() }
}

/**
 * {@link safeVerifyWebhook} for presets whose keys are fetched at run time (AWS SNS): resolves the keys the request
 * names (cached; see {@link createKeyResolver}) and then runs the same synchronous verify loop. Any preset works
 * here; one without fetched keys is verified as by `safeVerifyWebhook`. A key that cannot be obtained is
 * `key_unavailable` (status 503: answer it so, and the provider retries). Never rejects on bad input.
 * @example
 * const sns = providers['aws-sns']({ topicArns: ['arn:aws:sns:us-east-1:123456789012:orders'] })
 * const result = await safeVerifyWebhookAsync(sns, request)
 * if (!result.ok) return new Response(result.message, { status: result.error.status }) // 400, 401 or 503
 */
export async function safeVerifyWebhookAsync(
  preset: ConfiguredPreset,
  request: WebhookRequest,
  options?: VerifyAsyncOptions,
): Promise<VerifyResult> {
  let resolved: ConfiguredPreset
  try {
    resolved = await withKeys(preset, request, options)
  } catch (error) {
    if (error instanceof Failure) return toFailure(preset, error)
    throw error
  }
  return safeVerifyWebhook(resolved, request, options)
}

/**
 * {@link verifyWebhook} for presets whose keys are fetched at run time: rejects with a
 * {@link WebhookVerificationError} (`reason: 'key_unavailable'`, `status: 503` when the key could not be obtained).
 * @throws WebhookVerificationError
 */
export async function verifyWebhookAsync(
  preset: ConfiguredPreset,
  request: WebhookRequest,
  options?: VerifyAsyncOptions,
): Promise<VerifiedWebhook> {
  const result = await safeVerifyWebhookAsync(preset, request, options)
  if (!result.ok) throw result.error
  return result
}

/**
 * The answer to an unsigned endpoint probe the preset's provider makes (Trello's `HEAD`, Meta's `GET hub.challenge`),
 * or undefined when the request is not one. Never answers for a preset that declares no such probe.
 */
export function probeHandshake(
  preset: ConfiguredPreset,
  request: { readonly method: string; readonly url: string; readonly headers: HeadersLike },
): HandshakeAnswer | undefined {
  const handshake = preset.definition.handshake
  if (
    handshake?.probe === undefined ||
    !(handshake.probeMethods ?? []).includes(request.method.toUpperCase())
  )
    return undefined
  try {
    return handshake.probe(request, preset.config, preset.keys)
  } catch (error) {
    if (error instanceof Failure) return undefined
    throw error
  }
}

/** A message to sign with {@link signWebhook}. */
export interface SignMessage {
  readonly body: Uint8Array | string
  /** The URL the provider calls (URL-signed schemes: Twilio; Trello uses its `callbackUrl` option). */
  readonly url?: string
  readonly method?: string
  /** Default: now. */
  readonly timestamp?: Date
  /** Delivery id for schemes that sign one (Standard Webhooks). Default: a random id. */
  readonly id?: string
}

/**
 * Returns the headers the provider would send for this message, signed with the preset's first secret.
 * @example const headers = signWebhook(providers.github({ secrets: 's3cret' }), { body: '{"zen":"hi"}' })
 */
export function signWebhook(
  preset: ConfiguredPreset,
  message: SignMessage,
): Record<string, string> {
  const key = preset.keys[0]
  if (key === undefined)
    throw new TypeError('[@hookgate/verify] the preset has no secret to sign with')
  const timestamp = Math.floor((message.timestamp?.getTime() ?? Date.now()) / 1000)
  return preset.definition.sign(
    {
      body: typeof message.body === 'string' ? Buffer.from(message.body, 'utf8') : message.body,
      url: message.url,
      method: message.method ?? 'POST',
      timestamp,
      id: message.id ?? `msg_${randomUUID().replaceAll('-', '')}`,
    },
    key,
    preset.config,
  )
}
