/**
 * @module providers/hmac-sha256
 * The generic body HMAC most providers use: `<Header>: <prefix><hex|base64 HMAC of the raw body>`.
 * GitHub, Shopify and many others are this scheme with different settings.
 */
import { fail } from '../errors.ts'
import { getHeader } from '../_internal/headers.ts'
import { defineProvider, field, optionError, stringOption, utf8Secret } from '../define.ts'
import type { SignatureEncoding } from '../_internal/encoding.ts'
import { hmacKey } from '../schemes/hmac.ts'
import { signContent } from '../schemes/index.ts'
import type { HeadersLike } from '../request.ts'
import { encodedSignature, requireHeader } from './_shared.ts'

const DIGESTS = { sha1: 'hmac-sha1', sha256: 'hmac-sha256', sha512: 'hmac-sha512' } as const
type Digest = keyof typeof DIGESTS

export interface HmacOptions {
  /** Signature header. Default `X-Hub-Signature-256`. */
  readonly header?: string
  /** Text before the MAC. Default `<digest>=` (e.g. `sha256=`); `''` for none. */
  readonly prefix?: string
  /** Default `hex`. */
  readonly encoding?: 'hex' | 'base64'
  /** Default `sha256`. */
  readonly digest?: Digest
  /** Header holding the delivery id, if the sender sends one. */
  readonly idHeader?: string
  /** Header holding the event type, if the sender sends one. */
  readonly eventTypeHeader?: string
}

export interface HmacConfig {
  readonly header: string
  readonly headerLabel: string
  readonly prefix: string
  readonly encoding: SignatureEncoding
  readonly alg: (typeof DIGESTS)[Digest]
  readonly idHeaders: readonly string[]
  readonly eventTypeHeaders: readonly string[]
}

/** A configured body-HMAC scheme, shared by `hmac-sha256`, `github` and `shopify`. @internal */
export function hmacConfig(
  provider: string,
  options: HmacOptions,
  defaults: { header: string; encoding: 'hex' | 'base64'; prefix?: string },
): HmacConfig {
  const digest = options.digest ?? 'sha256'
  if (!Object.hasOwn(DIGESTS, digest))
    throw optionError(provider, 'option `digest` must be one of sha1, sha256, sha512')
  const encoding = options.encoding ?? defaults.encoding
  if (encoding !== 'hex' && encoding !== 'base64')
    throw optionError(provider, 'option `encoding` must be hex or base64')
  const header = stringOption(provider, options, 'header') ?? defaults.header
  const prefix = options.prefix ?? defaults.prefix ?? `${digest}=`
  if (typeof prefix !== 'string') throw optionError(provider, 'option `prefix` must be a string')
  const idHeader = stringOption(provider, options, 'idHeader')
  const eventTypeHeader = stringOption(provider, options, 'eventTypeHeader')
  return {
    header: header.toLowerCase(),
    headerLabel: header,
    prefix,
    encoding,
    alg: DIGESTS[digest],
    idHeaders: idHeader === undefined ? [] : [idHeader.toLowerCase()],
    eventTypeHeaders: eventTypeHeader === undefined ? [] : [eventTypeHeader.toLowerCase()],
  }
}

/** @internal */
export function parseHmacHeader(
  headers: HeadersLike,
  config: HmacConfig,
  signatureHeader = config.header,
) {
  const value = requireHeader(headers, signatureHeader)
  let mac = value
  if (config.prefix !== '') {
    if (!value.startsWith(config.prefix)) {
      // `sha1=…` where `sha256=…` was expected is a different algorithm, not garbage: say so.
      const algo = /^([A-Za-z0-9-]{1,16})=/.exec(value)?.[1]
      if (algo !== undefined && config.prefix.endsWith('=')) {
        fail(
          'unsupported_algorithm',
          `The ${config.headerLabel} header uses "${algo}", but this source expects "${config.prefix.slice(0, -1)}".`,
        )
      }
      fail(
        'malformed_signature',
        `The ${config.headerLabel} header does not start with "${config.prefix}".`,
      )
    }
    mac = value.slice(config.prefix.length)
  }
  const signatures = [encodedSignature(config.alg, config.encoding, mac, config.headerLabel)]
  const id = firstHeader(headers, config.idHeaders)
  return id === undefined ? { signatures } : { signatures, id }
}

function firstHeader(headers: HeadersLike, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = getHeader(headers, name)
    if (value !== undefined && value !== '') return value
  }
  return undefined
}

/** @internal */
export function hmacEventType(headers: HeadersLike, config: HmacConfig): string | undefined {
  return firstHeader(headers, config.eventTypeHeaders)
}

/** @internal The functions every body-HMAC preset shares. */
export const bodyHmac = {
  decodeKey: (secret: string | Uint8Array, config: HmacConfig) =>
    hmacKey(config.alg, utf8Secret(secret)),
  parse: (request: { headers: HeadersLike }, _body: Uint8Array, config: HmacConfig) =>
    parseHmacHeader(request.headers, config),
  signedContent: (_request: unknown, body: Uint8Array) => [[body]],
  sign(
    input: { body: Uint8Array },
    key: Parameters<typeof signContent>[0],
    config: HmacConfig,
  ): Record<string, string> {
    return { [config.headerLabel]: config.prefix + signContent(key, [input.body], config.encoding) }
  },
}

/**
 * Generic body HMAC: defaults to GitHub's `X-Hub-Signature-256: sha256=<hex>`; header, prefix,
 * encoding (hex/base64) and digest (sha1/sha256/sha512) are options.
 * @example providers['hmac-sha256']({ secrets: 's3cret', header: 'X-Signature', prefix: '', encoding: 'base64' })
 */
export const hmacSha256 = defineProvider<HmacOptions, HmacConfig>({
  id: 'hmac-sha256',
  name: 'Generic HMAC',
  scheme: 'configurable header (default X-Hub-Signature-256: sha256=<hex>) — HMAC of the raw body',
  docsUrl: 'https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries',
  optionKeys: ['header', 'prefix', 'encoding', 'digest', 'idHeader', 'eventTypeHeader'],
  signatureHeaders: (config) => [config.header],
  mismatchHint:
    'Check the secret, the digest (sha1/sha256/sha512) and the encoding (hex/base64) the sender uses.',
  configure: (options) =>
    hmacConfig('hmac-sha256', options, { header: 'X-Hub-Signature-256', encoding: 'hex' }),
  ...bodyHmac,
  eventType: (context, config) =>
    hmacEventType(context.headers, config) ?? field(context.payload(), 'type'),
})
