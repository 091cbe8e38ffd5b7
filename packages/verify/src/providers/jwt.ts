/**
 * @module providers/jwt
 * A signed JWT in a header (`Authorization: Bearer <JWT>`): the JWS signature is an HMAC over
 * `base64url(header).base64url(claims)`. The algorithm is pinned by configuration, never chosen by the token.
 * @see https://datatracker.ietf.org/doc/html/rfc8725
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { Buffer } from 'node:buffer'
import { fail } from '../errors.ts'
import { decodeStrict } from '../_internal/encoding.ts'
import { getHeader } from '../_internal/headers.ts'
import {
  defineProvider,
  optionError,
  stringOption,
  utf8Secret,
  type ProviderDefinition,
} from '../define.ts'
import { hmacKey } from '../schemes/hmac.ts'
import { signContent, type Key } from '../schemes/index.ts'
import { encodedSignature, MAX_SIGNATURE_HEADER_LENGTH } from './_shared.ts'

const SUPPORTED = { HS256: 'hmac-sha256', HS512: 'hmac-sha512' } as const
type JwtAlgorithm = keyof typeof SUPPORTED

export interface JwtOptions {
  /** Pinned algorithm. Default `HS256`. */
  readonly algorithm?: JwtAlgorithm
  readonly issuer?: string
  readonly audience?: string
  readonly subject?: string
  /** Claims that must be present. Default `['exp', 'iat']`. */
  readonly requiredClaims?: readonly string[]
  /** Clock skew allowed on exp/nbf/iat, in seconds. Default 0. */
  readonly leewaySeconds?: number
  /** Claim holding the lower-case hex SHA-256 of the raw body (e.g. Vonage `payload_hash`). */
  readonly bodyHashClaim?: string
  /** Header carrying the token. Default `Authorization` (with a `Bearer ` or `JWT ` scheme). */
  readonly header?: string
}

export interface JwtConfig {
  readonly provider: string
  readonly alg: JwtAlgorithm
  readonly issuer: string | undefined
  readonly audience: string | undefined
  readonly subject: string | undefined
  readonly requiredClaims: readonly string[]
  readonly leewaySeconds: number
  readonly bodyHashClaim: string | undefined
  readonly header: string
}

export type Claims = Readonly<Record<string, unknown>>

interface JwtData {
  readonly claims: Claims
  /** `base64url(header).base64url(claims)`: what the JWS signature covers. */
  readonly signedPart: string
}

/** Validates generic JWT options. @internal */
export function jwtConfig(provider: string, options: JwtOptions): JwtConfig {
  const alg = options.algorithm ?? 'HS256'
  if (!Object.hasOwn(SUPPORTED, alg)) {
    throw optionError(
      provider,
      `option \`algorithm\` must be one of ${Object.keys(SUPPORTED).join(', ')} (symmetric secrets only; \`none\` is never accepted)`,
    )
  }
  const requiredClaims = options.requiredClaims ?? ['exp', 'iat']
  if (!Array.isArray(requiredClaims) || !requiredClaims.every((c) => typeof c === 'string')) {
    throw optionError(provider, 'option `requiredClaims` must be an array of claim names')
  }
  const leewaySeconds = options.leewaySeconds ?? 0
  if (typeof leewaySeconds !== 'number' || !Number.isFinite(leewaySeconds) || leewaySeconds < 0) {
    throw optionError(provider, 'option `leewaySeconds` must be a number ≥ 0')
  }
  return {
    provider,
    alg,
    issuer: stringOption(provider, options, 'issuer'),
    audience: stringOption(provider, options, 'audience'),
    subject: stringOption(provider, options, 'subject'),
    requiredClaims,
    leewaySeconds,
    bodyHashClaim: stringOption(provider, options, 'bodyHashClaim'),
    header: (stringOption(provider, options, 'header') ?? 'authorization').toLowerCase(),
  }
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  const bytes = decodeStrict(part, 'base64url')
  let value: unknown
  try {
    value = bytes === undefined ? undefined : JSON.parse(bytes.toString('utf8'))
  } catch {
    value = undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('invalid_token', `The token's ${what} is not base64url JSON.`)
  return value as Record<string, unknown>
}

function parseJwt(headers: Parameters<typeof getHeader>[0], config: JwtConfig) {
  const raw = getHeader(headers, config.header)
  if (raw === undefined || raw.trim() === '')
    fail('missing_signature', `The ${config.header} header is missing.`)
  if (raw.length > MAX_SIGNATURE_HEADER_LENGTH)
    fail('malformed_signature', `The ${config.header} header is too long.`)
  const match = /^(?:(?:Bearer|JWT) +)?([^\s]+)$/i.exec(raw.trim())
  const token = match?.[1]
  if (token === undefined)
    fail('malformed_signature', `The ${config.header} header is not "Bearer <JWT>".`)
  const parts = token.split('.')
  if (parts.length !== 3)
    fail('malformed_signature', 'The token is not a compact JWS (three dot-separated parts).')
  const [head = '', body = '', signature = ''] = parts
  const header = decodeJson(head, 'header')
  // Pin the algorithm: a token that names `none`, RS256 or anything else is refused before any crypto.
  if (header.alg !== config.alg) {
    // Bounded: the alg is whatever the sender wrote, and messages end up in logs.
    fail(
      'unsupported_algorithm',
      `The token's alg is ${String(JSON.stringify(header.alg)).slice(0, 24)}; this source accepts only ${config.alg}.`,
    )
  }
  if (header.crit !== undefined)
    fail(
      'invalid_token',
      'The token has critical header parameters this verifier does not understand.',
    )
  const claims = decodeJson(body, 'claims')
  if (signature === '') fail('malformed_signature', 'The token has no signature.')
  return { head, body, signature, claims }
}

function numericClaim(claims: Claims, name: string): number | undefined {
  const value = claims[name]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail('invalid_token', `The token's ${name} claim is not a number.`)
  return value
}

/** Registered-claim checks, then the configured ones. @internal */
export function checkClaims(
  claims: Claims,
  config: JwtConfig,
  body: Uint8Array,
  nowSeconds: number,
): void {
  for (const name of config.requiredClaims) {
    if (claims[name] === undefined)
      fail('claim_mismatch', `The token lacks the required ${name} claim.`)
  }
  const leeway = config.leewaySeconds
  const exp = numericClaim(claims, 'exp')
  const nbf = numericClaim(claims, 'nbf')
  const iat = numericClaim(claims, 'iat')
  if (exp !== undefined && nowSeconds - leeway >= exp)
    fail('timestamp_too_old', 'The token has expired (exp).')
  if (nbf !== undefined && nowSeconds + leeway < nbf)
    fail('timestamp_in_future', 'The token is not valid yet (nbf).')
  if (iat !== undefined && nowSeconds + leeway < iat)
    fail(
      'timestamp_in_future',
      "The token was issued in the future (iat): check this machine's clock.",
    )
  if (config.issuer !== undefined && claims.iss !== config.issuer)
    fail('claim_mismatch', "The token's iss claim is not the expected issuer.")
  if (config.subject !== undefined && claims.sub !== config.subject)
    fail('claim_mismatch', "The token's sub claim is not the expected subject.")
  if (config.audience !== undefined) {
    const aud = claims.aud
    const ok = Array.isArray(aud) ? aud.includes(config.audience) : aud === config.audience
    if (!ok) fail('claim_mismatch', "The token's aud claim does not name this endpoint.")
  }
  if (config.bodyHashClaim !== undefined) {
    const expected = claims[config.bodyHashClaim]
    const actual = createHash('sha256').update(body).digest('hex')
    const given = Buffer.from(typeof expected === 'string' ? expected : '', 'latin1')
    if (given.length !== actual.length || !timingSafeEqual(given, Buffer.from(actual, 'latin1'))) {
      fail(
        'claim_mismatch',
        `The token's ${config.bodyHashClaim} claim does not match the body's SHA-256: the body was changed or re-serialised.`,
      )
    }
  }
}

/** Builds a signed compact JWS for `claims`. @internal */
export function encodeJwt(claims: Claims, key: Key, config: JwtConfig): string {
  const head = Buffer.from(JSON.stringify({ alg: config.alg, typ: 'JWT' })).toString('base64url')
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url')
  return `${head}.${body}.${signContent(key, [`${head}.${body}`], 'base64url')}`
}

/** The definition pieces every JWT-based preset shares; presets add claims and payload checks. @internal */
export function jwtDefinition<Options extends object, Config extends JwtConfig>(
  base: Pick<
    ProviderDefinition<Options, Config>,
    'id' | 'name' | 'scheme' | 'docsUrl' | 'optionKeys' | 'mismatchHint' | 'configure' | 'eventType'
  > & {
    /** Claims to sign besides the time claims (tests, CLI). */
    signClaims(input: { body: Uint8Array; timestamp: number; id: string }, config: Config): Claims
    /** Extra checks on verified claims and body. */
    checkPayload?(
      claims: Claims,
      body: Uint8Array,
      config: Config,
    ): { id?: string; timestamp?: number } | void
    /** How the sender writes the token: `Bearer <JWT>` (default) or the bare JWT (LiveKit, QStash). Both verify. */
    tokenForm?: 'bearer' | 'bare'
  },
): ProviderDefinition<Options, Config> {
  const { signClaims, checkPayload, tokenForm, ...info } = base
  return {
    ...info,
    signatureHeaders: (config) => [config.header],
    decodeKey: (secret, config) => hmacKey(SUPPORTED[config.alg], utf8Secret(secret)),
    parse(request, _body, config) {
      const jwt = parseJwt(request.headers, config)
      const data: JwtData = { claims: jwt.claims, signedPart: `${jwt.head}.${jwt.body}` }
      const iat = jwt.claims.iat
      return {
        signatures: [
          encodedSignature(SUPPORTED[config.alg], 'base64url', jwt.signature, config.header),
        ],
        data,
        ...(typeof jwt.claims.jti === 'string' ? { id: jwt.claims.jti } : {}),
        ...(typeof iat === 'number' && Number.isFinite(iat) ? { timestamp: iat } : {}),
      }
    },
    signedContent: (_request, _body, envelope) => [[(envelope.data as JwtData).signedPart]],
    check(_request, body, envelope, config, nowSeconds) {
      const { claims } = envelope.data as JwtData
      checkClaims(claims, config, body, nowSeconds)
      return checkPayload?.(claims, body, config)
    },
    sign(input, key, config) {
      const claims = {
        iat: input.timestamp,
        nbf: input.timestamp,
        exp: input.timestamp + 300,
        ...signClaims(input, config),
      }
      const token = encodeJwt(claims, key, config)
      return {
        [config.header === 'authorization' ? 'Authorization' : config.header]:
          tokenForm === 'bare' ? token : `Bearer ${token}`,
      }
    },
  }
}

/**
 * Generic JWT bearer: HS256/HS512 pinned, registered claims checked with leeway, optional issuer, audience,
 * subject and a body-hash claim binding the token to the exact body.
 * @example providers.jwt({ secrets: 's3cret', issuer: 'https://sender.example', bodyHashClaim: 'payload_hash' })
 */
export const jwt = defineProvider<JwtOptions, JwtConfig>(
  jwtDefinition({
    id: 'jwt',
    name: 'JWT bearer (generic)',
    scheme: 'Authorization: Bearer <JWT> — HS256 (pinned) with required claims',
    docsUrl: 'https://datatracker.ietf.org/doc/html/rfc7519',
    optionKeys: [
      'algorithm',
      'issuer',
      'audience',
      'subject',
      'requiredClaims',
      'leewaySeconds',
      'bodyHashClaim',
      'header',
    ],
    mismatchHint: 'Use the shared secret the sender signs tokens with.',
    configure: (options) => jwtConfig('jwt', options),
    signClaims(input, config) {
      const claims: Record<string, unknown> = { jti: input.id }
      if (config.issuer !== undefined) claims.iss = config.issuer
      if (config.audience !== undefined) claims.aud = config.audience
      if (config.subject !== undefined) claims.sub = config.subject
      if (config.bodyHashClaim !== undefined)
        claims[config.bodyHashClaim] = createHash('sha256').update(input.body).digest('hex')
      return claims
    },
  }),
)
