/**
 * @module define
 * A provider preset is data plus small pure functions; {@link defineProvider} turns one into the
 * factory users call (`providers.stripe({ secrets })`). The verify loop lives once, in verify.ts.
 */
import { Buffer } from 'node:buffer'
import type { Key, Content, Signature } from './schemes/index.ts'
import type { HeadersLike, WebhookRequest } from './request.ts'

/** A secret as configured: text (decoded per provider) or raw key bytes. */
export type Secret = string | Uint8Array

/** What a preset extracts from the request before any crypto runs. */
export interface Envelope {
  /** Every candidate signature (multi-signature headers, key rotation on the sender's side). */
  readonly signatures: readonly Signature[]
  /** Unix seconds the sender signed; present for timestamped schemes. */
  readonly timestamp?: number
  /** The provider's delivery/event id when it is in the headers. */
  readonly id?: string
  /** Preset-private data carried from parse to check (e.g. decoded JWT claims). */
  readonly data?: unknown
}

/** A message to sign: the inverse of verification, used by tests, the CLI and the gateway's tools. */
export interface SignInput {
  readonly body: Uint8Array
  readonly url: string | undefined
  readonly method: string
  /** Unix seconds. */
  readonly timestamp: number
  readonly id: string
}

/** What `eventId`/`eventType` see once the signature holds. */
export interface VerifiedContext {
  readonly headers: HeadersLike
  readonly envelope: Envelope
  /** The body parsed as JSON (undefined when it is not JSON). Parsed at most once. */
  payload(): unknown
  /** The body as UTF-8 text. */
  text(): string
}

/** What the gateway (or an adapter) answers to a handshake instead of storing the request. */
export interface HandshakeAnswer {
  readonly status: number
  readonly contentType?: string
  /** More response headers the provider requires (e.g. `X-Content-Type-Options: nosniff` on an echoed challenge). */
  readonly headers?: Readonly<Record<string, string>>
  readonly body: string
  /**
   * An outbound request the gateway must make after answering (AWS SNS: `GET` the SubscribeURL to confirm a
   * subscription). The preset has already restricted `url` to the provider's documented hosts; the library never
   * makes the request itself. Only answers for sources that opted in carry one (`confirmSubscription: true`).
   */
  readonly followUp?: { readonly method: 'GET'; readonly url: string }
}

/**
 * A request that triggers a handshake and what it must be answered: the gateway's end-to-end suite sends it to
 * a source of the preset (a `reply` handshake's body is signed first, as the provider would).
 */
export interface HandshakeExample {
  readonly method: 'GET' | 'HEAD' | 'POST'
  /** Query string with its `?`. */
  readonly query?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  /** Options the handshake needs (Meta's `verifyToken`). */
  readonly options?: Readonly<Record<string, unknown>>
  readonly answer: {
    readonly status: number
    readonly body?: string
    readonly bodyMatches?: string
  }
}

/**
 * An endpoint check a provider makes, declared by its preset so that only that provider's sources answer it.
 * `probe` serves unsigned requests (Trello's HEAD, Meta's GET hub.challenge) before verification; `reply` serves
 * signed ones (Slack url_verification, Zoom url_validation) only after the signature holds.
 */
export interface Handshake<Config = unknown> {
  /** One line for listings and docs. */
  readonly description: string
  /** Methods other than POST the provider probes with (`HEAD`, `GET`). */
  readonly probeMethods?: readonly string[]
  /** `keys`: the configured keys, for probes that answer with a MAC of their challenge (X's CRC). */
  probe?(
    request: { readonly method: string; readonly url: string; readonly headers: HeadersLike },
    config: Config,
    keys: readonly Key[],
  ): HandshakeAnswer | undefined
  reply?(context: VerifiedContext, config: Config, key: Key): HandshakeAnswer | undefined
  /**
   * For the end-to-end suite: a request that triggers the handshake and its expected answer. Absent only where the
   * signature travels inside the body and the keys are fetched at run time (AWS SNS): `signWebhook` returns headers,
   * so the suite cannot sign such an example; the preset's own tests cover its handshake instead.
   */
  readonly example?: HandshakeExample
}

/**
 * Keys a preset obtains at run time instead of from its configured secrets (AWS SNS's `SigningCertURL`).
 * `verifyWebhookAsync` resolves them (fetch, cache) and then runs the same synchronous verify loop with them.
 */
export interface KeySource<Config = unknown> {
  /** One line for messages: where the keys come from (`https://sns.<region>.amazonaws.com/….pem`). */
  readonly description: string
  /**
   * The URLs of the keys this request needs, read from the envelope `parse` returned. `parse` has already refused a
   * URL outside the provider's documented hosts (`malformed_signature`), so these are never foreign.
   */
  urls(envelope: Envelope, config: Config): readonly string[]
  /**
   * Key text as fetched (or as configured in `secrets` to pin it) → keys, one per algorithm the provider signs with
   * (SNS: the certificate's RSA key for SHA-1 and SHA-256). Undefined when the text is not a usable key.
   */
  decode(text: string, config: Config): readonly Key[] | undefined
}

/** How the shared property, malformed-input and fuzz tests drive a preset (derived by the family factories). */
export interface TestProfile {
  /** Options besides `secrets` needed to configure the preset in tests. */
  readonly options?: Readonly<Record<string, unknown>>
  /**
   * The form of secret the provider issues (`token`: visible ASCII, sent as is); asymmetric kinds mean a private key
   * in tests (it can sign and verify).
   */
  readonly secretKind:
    'text' | 'token' | 'base64' | 'hex' | 'whsec' | 'ed25519' | 'ecdsa-p256' | 'rsa'
  /** The signature header, lower-case. */
  readonly signatureHeader: string
  readonly encoding: 'hex' | 'base64' | 'base64url' | 'utf8'
  /** Where the signature starts in its header: after a prefix, after the last `<key>=` of a list, or at once. */
  readonly signatureStart: 'prefix' | 'list' | 'none'
  /** The prefix, or the list's `<key>=`. */
  readonly prefix?: string
  /** The list key that carries the timestamp (`t`), when the time travels in the signature header. */
  readonly timestampKey?: string
  /** Upper-case hex is accepted as the same bytes. */
  readonly anyHexCase?: boolean
  /** How the signing time travels, when it does. */
  readonly time?: {
    readonly seconds: number
    readonly where: { readonly header: string } | 'in-signature'
    readonly unit: 's' | 'ms' | 'iso'
  }
  /** A header whose value is covered by the signature. */
  readonly signedIdHeader?: string
  /** Whether the body is signed (tokens are not bound to the body). */
  readonly bodySigned: boolean
  /** The URL that is signed: the request's or the one configured in an option. */
  readonly url?: 'request' | 'config'
  /** Every header the preset reads. */
  readonly relatedHeaders: readonly string[]
}

/** Options every preset takes. */
export interface BaseOptions {
  /** One secret, or several during a rotation: any one matching passes. */
  readonly secrets: Secret | readonly Secret[]
  /** Override of the preset's replay window, in seconds (both directions). */
  readonly toleranceSeconds?: number
}

/** The whole description of a provider's scheme. */
export interface ProviderDefinition<Options extends object = object, Config = unknown> {
  readonly id: string
  readonly name: string
  /** One line: what is signed, how, and where it travels. */
  readonly scheme: string
  readonly docsUrl: string
  /** Default replay window; absent when the scheme carries no timestamp. */
  readonly toleranceSeconds?: number
  /** Provider-specific option names, for config validation and `--option`. */
  readonly optionKeys: readonly string[]
  /** Added to a `signature_mismatch` message: the mistakes people make with this provider. */
  readonly mismatchHint: string
  /** Validates provider options eagerly; throws TypeError for programmer errors. */
  configure(options: Options): Config
  /** Secret text or bytes → key. Throws TypeError for an unusable secret. */
  decodeKey(secret: Secret, config: Config): Key
  /** Pure, no crypto. Throws a Failure: missing_signature | malformed_signature | unsupported_algorithm | timestamp_missing … */
  parse(request: WebhookRequest, body: Uint8Array, config: Config): Envelope
  /**
   * The exact bytes that were signed; several candidates where the provider's own library tries several (Twilio URLs).
   * May be lazy (a generator): the verify loop stops at the first match, so later candidates need not be built.
   */
  signedContent(
    request: WebhookRequest,
    body: Uint8Array,
    envelope: Envelope,
    config: Config,
  ): Iterable<Content>
  /**
   * Checks after the signature holds (claims, body hashes). Throws a Failure. May return an id or
   * timestamp found in the now-authenticated payload.
   */
  check?(
    request: WebhookRequest,
    body: Uint8Array,
    envelope: Envelope,
    config: Config,
    nowSeconds: number,
  ): Partial<Pick<Envelope, 'id' | 'timestamp'>> | void
  /** Headers the provider would send for this message. */
  sign(input: SignInput, key: Key, config: Config): Record<string, string>
  /**
   * Keys fetched at run time (AWS SNS certificates): `secrets` become optional (given, they pin the keys and nothing
   * is fetched); without them only `verifyWebhookAsync` can verify.
   */
  readonly keySource?: KeySource<Config>
  /** Every header that carries a signature, token or key material (lower-case): redacted wherever requests are kept. */
  readonly signatureHeaders: readonly string[] | ((config: Config) => readonly string[])
  /** The endpoint check the provider makes, if any. */
  readonly handshake?: Handshake<Config>
  /**
   * An option naming the URL the provider signs (Trello's `callbackUrl`): the gateway fills it with the source's
   * public URL when it knows it.
   */
  readonly sourceUrlOption?: string
  /** How the shared test suites drive this preset; presets without one have a hand-written entry in the tests. */
  readonly profile?: TestProfile
  /**
   * The addresses the provider says its webhooks come from, where it publishes them: optional allowlist data
   * (`allowIps: [stripe]` in the gateway), never the authentication. Lists change: `asOf` says when this one was read.
   */
  readonly senderIps?: {
    readonly cidrs: readonly string[]
    readonly source: string
    readonly asOf: string
  }
  eventId?(context: VerifiedContext, config: Config): string | undefined
  eventType?(context: VerifiedContext, config: Config): string | undefined
}

/** A preset with its secrets decoded and options checked: what verification takes. */
export interface ConfiguredPreset {
  readonly id: string
  readonly definition: ProviderDefinition<object, unknown>
  /**
   * The decoded keys, as node:crypto `KeyObject`s: needed by the verify loop, diagnosis and handshakes, and safe to
   * hold — a KeyObject's material never prints (`util.inspect` and `JSON.stringify` show no bytes).
   */
  readonly keys: readonly Key[]
  readonly toleranceSeconds: number | undefined
  readonly config: unknown
}

/** The factory `defineProvider` returns, with the definition attached for listings. */
export interface ProviderFactory<Options extends object> {
  (options: BaseOptions & Options): ConfiguredPreset
  readonly definition: ProviderDefinition<object, unknown>
}

const PREFIX = '[@hookgate/verify]'

/** Programmer errors (bad options) are TypeErrors thrown at construction, never at request time. */
export function optionError(provider: string, message: string): TypeError {
  return new TypeError(`${PREFIX} ${provider}: ${message}`)
}

/** Identity plus packaging: turns a definition into its factory. */
export function defineProvider<Options extends object, Config>(
  definition: ProviderDefinition<Options, Config>,
): ProviderFactory<Options> {
  const factory = (options: BaseOptions & Options): ConfiguredPreset => {
    if (typeof options !== 'object' || options === null)
      throw optionError(definition.id, 'options are required ({ secrets })')
    const config = definition.configure(options)
    const source = definition.keySource
    // A preset whose keys are fetched needs no secrets; given, they pin the keys (nothing is fetched).
    const list: readonly Secret[] =
      source !== undefined && options.secrets === undefined
        ? []
        : Array.isArray(options.secrets)
          ? options.secrets
          : [options.secrets as Secret]
    if (list.length === 0 && source === undefined)
      throw optionError(definition.id, '`secrets` must hold at least one secret')
    const keys = list.flatMap((secret, i): readonly Key[] => {
      if (
        typeof secret === 'string'
          ? secret.trim().length === 0
          : !(secret instanceof Uint8Array) || secret.length === 0
      ) {
        throw optionError(definition.id, `secrets[${i}] is empty`)
      }
      if (source === undefined) return [definition.decodeKey(secret, config)]
      const pinned = source.decode(
        typeof secret === 'string' ? secret : Buffer.from(secret).toString('utf8'),
        config,
      )
      if (pinned === undefined)
        throw optionError(
          definition.id,
          `secrets[${i}] is not a usable key (${source.description})`,
        )
      return pinned
    })
    const tolerance = options.toleranceSeconds ?? definition.toleranceSeconds
    if (tolerance !== undefined && !(Number.isFinite(tolerance) && tolerance > 0)) {
      throw optionError(definition.id, '`toleranceSeconds` must be a positive number')
    }
    return Object.freeze({
      id: definition.id,
      definition: definition as ProviderDefinition<object, unknown>,
      keys,
      toleranceSeconds: tolerance,
      config,
    })
  }
  return Object.assign(factory, { definition: definition as ProviderDefinition<object, unknown> })
}

/** The headers of a configured preset that carry signatures, tokens or keys (lower-case): what must be redacted. */
export function signatureHeadersOf(preset: ConfiguredPreset): readonly string[] {
  const headers = preset.definition.signatureHeaders
  return typeof headers === 'function' ? headers(preset.config) : headers
}

/** Secret → UTF-8 bytes (the default decoding: the secret text is the key). */
export function utf8Secret(secret: Secret): Uint8Array {
  return typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret
}

/** Reads a string option; TypeError when present but not a non-empty string. */
export function stringOption(
  provider: string,
  options: object,
  name: string,
  required: true,
): string
export function stringOption(
  provider: string,
  options: object,
  name: string,
  required?: false,
): string | undefined
export function stringOption(
  provider: string,
  options: object,
  name: string,
  required = false,
): string | undefined {
  const value = (options as Record<string, unknown>)[name]
  if (value === undefined) {
    if (required) throw optionError(provider, `option \`${name}\` is required`)
    return undefined
  }
  if (typeof value !== 'string' || value.length === 0)
    throw optionError(provider, `option \`${name}\` must be a non-empty string`)
  return value
}

/** Reads a JSON field path from a payload object, returning strings and numbers as strings. */
export function field(payload: unknown, ...path: string[]): string | undefined {
  let value: unknown = payload
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
}
