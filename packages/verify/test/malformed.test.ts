/**
 * A corpus of malformed signature headers (and bodies) over every preset, built from a table. Each case
 * must come back as `{ ok: false }` with the expected reason from the closed set, a short message that
 * holds neither the secret nor the signature, and no exception; `verifyWebhook` must throw the matching
 * WebhookVerificationError.
 */
import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  isWebhookError,
  providers,
  REASON_STATUS,
  safeVerifyWebhook,
  signWebhook,
  VERIFICATION_FAILURE_REASONS,
  verifyWebhook,
  WebhookVerificationError,
  type BuiltinProviderId,
  type ConfiguredPreset,
  type HeadersLike,
  type VerificationFailureReason,
  type WebhookRequest,
} from '@hookgate/verify'
import {
  HEADER_SIGNED_IDS,
  hsJwt,
  JWT_OPTIONS,
  PRESET_CASES,
  requestHeaders,
  TRIVIALSEC_ACCOUNT,
  twilioJsonMessage,
  type PresetCase,
} from './support/presets.ts'

/** Signing time of every base request; verification runs at the same instant. */
const T = 1_800_000_000
const NOW = new Date(T * 1000)

/** A correctly signed request to start from, and the pieces cases take apart. */
interface Base {
  readonly c: PresetCase
  readonly preset: ConfiguredPreset
  readonly secret: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  readonly url: string | undefined
  /** The signature header's value, and its parts. */
  readonly value: string
  readonly head: string
  readonly mac: string
}

function base(id: BuiltinProviderId): Base {
  const c = PRESET_CASES[id]
  const preset = c.make(c.fixedSecret)
  const message = c.fixedMessage
  const signed = signWebhook(preset, {
    body: message.body,
    timestamp: NOW,
    id: 'msg_2Kq8fixedDeliveryId',
    ...(message.url === undefined ? {} : { url: message.url }),
  })
  const headers = requestHeaders(signed, message)
  const value = headers[c.signatureHeader]!
  const { head, mac } = c.split(value)
  return {
    c,
    preset,
    secret: c.fixedSecret,
    headers,
    body: message.body,
    url: message.url,
    value,
    head,
    mac,
  }
}

type RawRequest = Omit<WebhookRequest, 'rawBody'> & { readonly rawBody: unknown }

interface Case {
  readonly provider: BuiltinProviderId
  readonly name: string
  readonly reason: VerificationFailureReason
  build(b: Base): RawRequest
}

/** Body-signed presets (AWS SNS) carry no signature header: test/aws-sns.test.ts covers their malformed input. */
const ALL = HEADER_SIGNED_IDS
/** DER-encoded ECDSA signatures vary in length: length-shaped expectations do not hold for them. */
const FIXED_LENGTH = ALL.filter((id) => PRESET_CASES[id].variableLength !== true)
const cases: Case[] = []

function request(b: Base, headers: HeadersLike, rawBody: unknown = b.body): RawRequest {
  return { method: 'POST', headers, rawBody, ...(b.url === undefined ? {} : { url: b.url }) }
}

/** The base request with the signature header set to `value` (undefined: removed). */
function withSignature(b: Base, value: string | readonly string[] | undefined): RawRequest {
  const headers: Record<string, string | readonly string[]> = { ...b.headers }
  if (value === undefined) delete headers[b.c.signatureHeader]
  else headers[b.c.signatureHeader] = value
  return request(b, headers)
}

/** The base request with any header changed (undefined: removed). */
function withHeader(
  b: Base,
  name: string,
  value: string | readonly string[] | undefined,
): RawRequest {
  const headers: Record<string, string | readonly string[]> = { ...b.headers }
  if (value === undefined) delete headers[name]
  else headers[name] = value
  return request(b, headers)
}

/** Adds one case per provider in `ids`; `reason` may depend on the preset. */
function each(
  ids: readonly BuiltinProviderId[],
  name: string,
  reason: VerificationFailureReason | ((b: Base) => VerificationFailureReason),
  build: (b: Base) => RawRequest,
) {
  for (const provider of ids) {
    cases.push({
      provider,
      name,
      reason: typeof reason === 'function' ? reason(base(provider)) : reason,
      build,
    })
  }
}

const byEncoding =
  (
    hex: VerificationFailureReason,
    base64: VerificationFailureReason,
    base64url: VerificationFailureReason,
  ) =>
  (b: Base) => (b.c.encoding === 'hex' ? hex : b.c.encoding === 'base64' ? base64 : base64url)
/** Latin-1 twins: same low byte, another character (a truncating comparison would mistake one for the other). */
const twins = (text: string) =>
  [...text].map((ch) => String.fromCharCode(ch.charCodeAt(0) + 0x100)).join('')

// --- Every preset -----------------------------------------------------------------------------------

each(ALL, 'empty signature header', 'missing_signature', (b) => withSignature(b, ''))
each(ALL, 'whitespace-only signature header', 'missing_signature', (b) => withSignature(b, '   '))
each(ALL, 'tabs and line breaks only', 'missing_signature', (b) => withSignature(b, '\t\r\n'))
each(ALL, 'signature header absent', 'missing_signature', (b) => withSignature(b, undefined))
each(ALL, 'empty array as the header value', 'missing_signature', (b) => withSignature(b, []))
each(ALL, '1 MB signature header', 'malformed_signature', (b) =>
  withSignature(b, 'a'.repeat(1 << 20)),
)
each(ALL, '1 MB of the MAC repeated', 'malformed_signature', (b) =>
  withSignature(b, b.head + b.mac.repeat(Math.ceil((1 << 20) / b.mac.length))),
)
each(
  ALL,
  'header sent twice (array of two equal values in a plain object)',
  'malformed_signature',
  (b) => withSignature(b, [b.value, b.value]),
)
each(ALL, 'header sent twice (array: valid then garbage)', 'malformed_signature', (b) =>
  withSignature(b, [b.value, 'garbage']),
)
each(ALL, 'header sent twice under two spellings of its name', 'malformed_signature', (b) =>
  request(b, {
    ...b.headers,
    [b.c.signatureHeader.toUpperCase()]: b.head + '0'.repeat(b.mac.length),
  }),
)
each(ALL, 'NUL byte appended to the MAC', 'malformed_signature', (b) =>
  withSignature(b, `${b.value}\u0000`),
)
each(ALL, 'MAC replaced by NUL bytes of equal length', 'malformed_signature', (b) =>
  withSignature(b, b.head + '\u0000'.repeat(b.mac.length)),
)
each(ALL, 'MAC as latin-1 twins of equal length (U+01xx)', 'malformed_signature', (b) =>
  withSignature(b, b.head + twins(b.mac)),
)
each(ALL, 'MAC of accented letters of equal length', 'malformed_signature', (b) =>
  withSignature(b, b.head + 'é'.repeat(b.mac.length)),
)
each(ALL, 'MAC of emoji (multi-unit characters)', 'malformed_signature', (b) =>
  withSignature(b, b.head + '🔑'.repeat(b.mac.length / 2)),
)
each(
  FIXED_LENGTH,
  'MAC truncated by one character',
  byEncoding('malformed_signature', 'malformed_signature', 'signature_mismatch'),
  (b) => withSignature(b, b.head + b.mac.slice(0, -1)),
)
each(ALL, 'MAC truncated to a shorter valid encoding', 'signature_mismatch', (b) =>
  withSignature(b, b.head + b.mac.slice(0, b.c.encoding === 'hex' ? -2 : -4)),
)
each(
  FIXED_LENGTH,
  'MAC doubled',
  byEncoding('signature_mismatch', 'malformed_signature', 'signature_mismatch'),
  (b) => withSignature(b, b.head + b.mac + b.mac),
)
// Where the MAC is the whole header, an empty MAC is an empty header.
each(
  ALL,
  'MAC empty',
  (b) => (b.head === '' ? 'missing_signature' : 'malformed_signature'),
  (b) => withSignature(b, b.head),
)
each(
  ALL.filter((id) => PRESET_CASES[id].anyHexCase !== true),
  'MAC in upper case',
  byEncoding('malformed_signature', 'signature_mismatch', 'signature_mismatch'),
  (b) => withSignature(b, b.head + b.mac.toUpperCase()),
)
each(
  ALL,
  'MAC with an inner space',
  byEncoding('malformed_signature', 'malformed_signature', 'malformed_signature'),
  (b) => withSignature(b, `${b.head}${b.mac.slice(0, 8)} ${b.mac.slice(9)}`),
)
each(ALL, 'MAC with a line break inside', 'malformed_signature', (b) =>
  withSignature(b, `${b.head}${b.mac.slice(0, 8)}\n${b.mac.slice(9)}`),
)
each(ALL, 'thousands of signatures', 'malformed_signature', (b) =>
  withSignature(
    b,
    Array.from({ length: 3000 }, () => b.value).join(
      b.c.id === 'standard-webhooks' || b.c.id === 'svix' ? ' ' : ',',
    ),
  ),
)
each(ALL, 'rawBody passed as a parsed JSON object', 'invalid_payload', (b) =>
  request(b, b.headers, { action: { id: 'a1' } }),
)
each(ALL, 'rawBody passed as null', 'invalid_payload', (b) => request(b, b.headers, null))
each(ALL, 'rawBody missing', 'invalid_payload', (b) => ({
  method: 'POST',
  headers: b.headers,
  rawBody: undefined,
}))
each(
  ALL.filter((id) => providers[id].definition.profile?.signatureStart !== 'list'),
  // Fetch joins a repeated header with ", ". (A Stripe-style t=,v1= list stays parseable, as in Stripe's SDK.)
  'header sent twice through Fetch Headers',
  'malformed_signature',
  (b) => {
    const headers = new Headers(Object.entries(b.headers))
    headers.append(b.c.signatureHeader, b.value)
    return request(b, headers)
  },
)

// --- t=,v1= lists (Stripe, Calendly) ---------------------------------------------------------------

const LISTS: BuiltinProviderId[] = ['stripe', 'calendly']
each(LISTS, 'no t=', 'timestamp_missing', (b) => withSignature(b, `v1=${b.mac}`))
each(LISTS, 't= with no value', 'timestamp_missing', (b) => withSignature(b, `t=,v1=${b.mac}`))
each(LISTS, 'no v1=', 'missing_signature', (b) => withSignature(b, `t=${T}`))
each(LISTS, 'only a v0= signature (downgrade)', 'missing_signature', (b) =>
  withSignature(b, `t=${T},v0=${b.mac}`),
)
each(LISTS, 'duplicate t=', 'malformed_signature', (b) =>
  withSignature(b, `t=${T},t=${T},v1=${b.mac}`),
)
each(LISTS, 'two different t=', 'malformed_signature', (b) =>
  withSignature(b, `t=${T - 1},${b.value}`),
)
each(LISTS, 't not a number', 'malformed_signature', (b) => withSignature(b, `t=soon,v1=${b.mac}`))
each(LISTS, 't negative', 'malformed_signature', (b) => withSignature(b, `t=-${T},v1=${b.mac}`))
each(LISTS, 't with a fraction', 'malformed_signature', (b) =>
  withSignature(b, `t=${T}.5,v1=${b.mac}`),
)
each(LISTS, 't in milliseconds', 'malformed_signature', (b) =>
  withSignature(b, `t=${T}000,v1=${b.mac}`),
)
each(LISTS, 't in hex', 'malformed_signature', (b) =>
  withSignature(b, `t=0x${T.toString(16)},v1=${b.mac}`),
)
each(LISTS, 'space after the comma', 'missing_signature', (b) =>
  withSignature(b, `t=${T}, v1=${b.mac}`),
)
each(LISTS, 'spaces around =', 'timestamp_missing', (b) =>
  withSignature(b, `t = ${T},v1 = ${b.mac}`),
)
each(LISTS, 'semicolons instead of commas', 'missing_signature', (b) =>
  withSignature(b, `t=${T};v1=${b.mac}`),
)
each(LISTS, 'an element without =', 'malformed_signature', (b) =>
  withSignature(b, `t=${T},garbage,v1=${b.mac}`),
)
each(LISTS, 'an element starting with =', 'malformed_signature', (b) =>
  withSignature(b, `t=${T},=x,v1=${b.mac}`),
)
each(LISTS, 'trailing comma', 'malformed_signature', (b) => withSignature(b, `${b.value},`))
each(LISTS, '17 v1= entries', 'malformed_signature', (b) =>
  withSignature(b, `t=${T}${`,v1=${b.mac}`.repeat(17)}`),
)
each(LISTS, 'a day old', 'timestamp_too_old', (b) =>
  withSignature(b, `t=${T - 86_400},v1=${b.mac}`),
)
each(LISTS, 'a day ahead', 'timestamp_in_future', (b) =>
  withSignature(b, `t=${T + 86_400},v1=${b.mac}`),
)
each(LISTS, 't=0', 'timestamp_too_old', (b) => withSignature(b, `t=0,v1=${b.mac}`))

// --- Slack ----------------------------------------------------------------------------------------

each(['slack'], 'timestamp header absent', 'timestamp_missing', (b) =>
  withHeader(b, 'x-slack-request-timestamp', undefined),
)
each(['slack'], 'timestamp header empty', 'timestamp_missing', (b) =>
  withHeader(b, 'x-slack-request-timestamp', ''),
)
each(['slack'], 'timestamp not a number', 'malformed_signature', (b) =>
  withHeader(b, 'x-slack-request-timestamp', 'yesterday'),
)
each(['slack'], 'timestamp in milliseconds', 'malformed_signature', (b) =>
  withHeader(b, 'x-slack-request-timestamp', `${T}000`),
)
each(['slack'], 'timestamp sent twice', 'malformed_signature', (b) =>
  withHeader(b, 'x-slack-request-timestamp', [String(T), String(T)]),
)
each(['slack'], 'version v1=', 'unsupported_algorithm', (b) => withSignature(b, `v1=${b.mac}`))
each(['slack'], 'no = at all', 'malformed_signature', (b) => withSignature(b, `v0${b.mac}`))
each(['slack'], '= first', 'malformed_signature', (b) => withSignature(b, `=${b.mac}`))
each(['slack'], 'v0: instead of v0=', 'malformed_signature', (b) => withSignature(b, `v0:${b.mac}`))
each(['slack'], 'ten minutes old', 'timestamp_too_old', (b) =>
  withHeader(b, 'x-slack-request-timestamp', String(T - 600)),
)

// --- Standard Webhooks / Svix ---------------------------------------------------------------------

const SW: BuiltinProviderId[] = ['standard-webhooks', 'svix']
const prefixOf = (b: Base) => (b.c.id === 'svix' ? 'svix' : 'webhook')
each(SW, 'no comma', 'malformed_signature', (b) => withSignature(b, `v1${b.mac}`))
each(SW, 'comma first', 'malformed_signature', (b) => withSignature(b, `,${b.mac}`))
each(SW, 'only an unknown version', 'unsupported_algorithm', (b) => withSignature(b, `v2,${b.mac}`))
each(SW, 'v1a (Ed25519) value against an HMAC secret', 'signature_mismatch', (b) =>
  withSignature(b, `v1a,${Buffer.alloc(64, 7).toString('base64')}`),
)
each(SW, 'commas instead of spaces between entries', 'malformed_signature', (b) =>
  withSignature(b, `${b.value},${b.value}`),
)
each(SW, 'tab between entries', 'malformed_signature', (b) =>
  withSignature(b, `${b.value}\t${b.value}`),
)
each(SW, '17 signatures', 'malformed_signature', (b) =>
  withSignature(b, Array.from({ length: 17 }, () => b.value).join(' ')),
)
each(SW, 'id header absent', 'missing_signature', (b) =>
  withHeader(b, `${prefixOf(b)}-id`, undefined),
)
each(SW, 'id header empty', 'missing_signature', (b) => withHeader(b, `${prefixOf(b)}-id`, ''))
each(SW, 'id header sent twice', 'malformed_signature', (b) =>
  withHeader(b, `${prefixOf(b)}-id`, ['msg_1', 'msg_2']),
)
each(SW, 'timestamp header absent', 'timestamp_missing', (b) =>
  withHeader(b, `${prefixOf(b)}-timestamp`, undefined),
)
each(SW, 'timestamp not a number', 'malformed_signature', (b) =>
  withHeader(b, `${prefixOf(b)}-timestamp`, 'NaN'),
)
each(SW, 'timestamp as an ISO date', 'malformed_signature', (b) =>
  withHeader(b, `${prefixOf(b)}-timestamp`, NOW.toISOString()),
)
each(SW, 'six minutes ahead', 'timestamp_in_future', (b) =>
  withHeader(b, `${prefixOf(b)}-timestamp`, String(T + 360)),
)

// --- Body HMACs with a prefix (GitHub, generic) ---------------------------------------------------

const PREFIXED: BuiltinProviderId[] = ['github', 'hmac-sha256']
each(PREFIXED, 'sha1= (the legacy header value)', 'unsupported_algorithm', (b) =>
  withSignature(b, `sha1=${b.mac.slice(0, 40)}`),
)
each(PREFIXED, 'SHA256= in upper case', 'unsupported_algorithm', (b) =>
  withSignature(b, `SHA256=${b.mac}`),
)
each(PREFIXED, 'no sha256= prefix', 'malformed_signature', (b) => withSignature(b, b.mac))
each(PREFIXED, 'sha256: instead of sha256=', 'malformed_signature', (b) =>
  withSignature(b, `sha256:${b.mac}`),
)
each(PREFIXED, 'base64 MAC after sha256=', 'malformed_signature', (b) =>
  withSignature(b, `sha256=${Buffer.from(b.mac, 'hex').toString('base64')}`),
)

// --- Base64 headers (Trello, Shopify, Twilio) -----------------------------------------------------

const BASE64: BuiltinProviderId[] = ['trello', 'shopify', 'twilio']
each(BASE64, 'hex where base64 is expected', 'signature_mismatch', (b) =>
  withSignature(b, Buffer.from(b.mac, 'base64').toString('hex')),
)
each(BASE64, 'padding stripped', 'malformed_signature', (b) =>
  withSignature(b, b.mac.replace(/=+$/, '')),
)
each(BASE64, 'base64url alphabet', 'malformed_signature', (b) =>
  withSignature(b, `-_${b.mac.slice(2)}`),
)
each(BASE64, 'a sha256= prefix', 'malformed_signature', (b) => withSignature(b, `sha256=${b.mac}`))
each(['shopify'], 'the Events header set present but empty', 'missing_signature', (b) =>
  withHeader(b, 'shopify-hmac-sha256', ''),
)

// --- Twilio bodies bound by bodySHA256 --------------------------------------------------------------

function twilioSigned(b: Base, url: string, body: Uint8Array): RawRequest {
  const headers = signWebhook(b.preset, { body, url })
  return {
    method: 'POST',
    url,
    headers: { ...headers, 'content-type': 'application/json' },
    rawBody: body,
  }
}
const JSON_BODY = Buffer.from('{"status":"delivered"}')
each(['twilio'], 'bodySHA256 of another body (signed URL)', 'signature_mismatch', (b) =>
  twilioSigned(
    b,
    twilioJsonMessage('https://hooks.example.com/twilio/status', Buffer.from('{"status":"failed"}'))
      .url!,
    JSON_BODY,
  ),
)
each(['twilio'], 'bodySHA256 empty (signed URL)', 'signature_mismatch', (b) =>
  twilioSigned(b, 'https://hooks.example.com/twilio/status?bodySHA256=', JSON_BODY),
)
each(['twilio'], 'bodySHA256 in upper case (signed URL)', 'signature_mismatch', (b) =>
  twilioSigned(
    b,
    `https://hooks.example.com/twilio/status?bodySHA256=${createHash('sha256').update(JSON_BODY).digest('hex').toUpperCase()}`,
    JSON_BODY,
  ),
)

// --- JWT bearer (generic, Trivial Security) ----------------------------------------------------------

const JWTS: BuiltinProviderId[] = ['jwt', 'trivialsec']
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
/** Claims that pass every check of the preset, for the base body. */
function goodClaims(b: Base): Record<string, unknown> {
  const time = { iat: T, nbf: T, exp: T + 300 }
  if (b.c.id === 'jwt')
    return {
      ...time,
      iss: JWT_OPTIONS.issuer,
      aud: JWT_OPTIONS.audience,
      payload_hash: sha256Hex(b.body),
    }
  const eventId = (JSON.parse(Buffer.from(b.body).toString('utf8')) as { event_id: string })
    .event_id
  return {
    ...time,
    iss: 'https://www.trivialsec.com',
    sub: 'urn:uuid:bc6e2cd5-1f59-487f-b05b-49946bd078b2',
    aud: `urn:trivialsec:webhook:client_endpoint:${TRIVIALSEC_ACCOUNT}`,
    eid: `urn:uuid:${eventId}`,
  }
}
const HS256 = { alg: 'HS256', typ: 'JWT' }
const bearer = (b: Base, header: object | string, claims: object | string, secret = b.secret) =>
  withSignature(b, `Bearer ${hsJwt(header, claims, secret)}`)
const b64u = (text: string) => Buffer.from(text).toString('base64url')

each(JWTS, 'token signed with another secret', 'signature_mismatch', (b) =>
  bearer(b, HS256, goodClaims(b), `${b.secret}-other`),
)
each(JWTS, 'Basic scheme', 'malformed_signature', (b) =>
  withSignature(b, `Basic ${Buffer.from('user:pass').toString('base64')}`),
)
each(JWTS, 'Bearer without a token', 'malformed_signature', (b) => withSignature(b, 'Bearer'))
each(JWTS, 'Bearer, then two words', 'malformed_signature', (b) =>
  withSignature(b, `Bearer ${b.value.slice(7, 20)} ${b.value.slice(20)}`),
)
each(JWTS, 'two parts', 'malformed_signature', (b) =>
  withSignature(b, b.value.slice(0, b.value.lastIndexOf('.'))),
)
each(JWTS, 'four parts', 'malformed_signature', (b) => withSignature(b, `${b.value}.${b.mac}`))
each(JWTS, 'one part', 'malformed_signature', (b) => withSignature(b, `Bearer ${b.mac}`))
each(JWTS, 'alg none, unsigned', 'unsupported_algorithm', (b) =>
  withSignature(
    b,
    `Bearer ${b64u('{"alg":"none","typ":"JWT"}')}.${b64u(JSON.stringify(goodClaims(b)))}.`,
  ),
)
each(JWTS, 'alg none, with a signature', 'unsupported_algorithm', (b) =>
  bearer(b, { alg: 'none' }, goodClaims(b)),
)
each(JWTS, 'alg "None"', 'unsupported_algorithm', (b) => bearer(b, { alg: 'None' }, goodClaims(b)))
each(JWTS, 'alg RS256 (key confusion)', 'unsupported_algorithm', (b) =>
  bearer(b, { alg: 'RS256' }, goodClaims(b)),
)
each(JWTS, 'alg HS512 when HS256 is pinned', 'unsupported_algorithm', (b) =>
  bearer(b, { alg: 'HS512' }, goodClaims(b)),
)
each(JWTS, 'alg absent', 'unsupported_algorithm', (b) => bearer(b, { typ: 'JWT' }, goodClaims(b)))
each(JWTS, 'alg as a long string', 'unsupported_algorithm', (b) =>
  bearer(b, { alg: `HS256${'A'.repeat(3000)}` }, goodClaims(b)),
)
each(JWTS, 'header not JSON', 'invalid_token', (b) => bearer(b, 'not json', goodClaims(b)))
each(JWTS, 'header a JSON array', 'invalid_token', (b) => bearer(b, '["HS256"]', goodClaims(b)))
each(JWTS, 'header part not base64url', 'invalid_token', (b) =>
  withSignature(b, `Bearer e*J.${b64u('{}')}.${b.mac}`),
)
each(JWTS, 'claims not JSON', 'invalid_token', (b) => bearer(b, HS256, '{"iat":'))
each(JWTS, 'claims a JSON string', 'invalid_token', (b) => bearer(b, HS256, '"claims"'))
each(JWTS, 'claims null', 'invalid_token', (b) => bearer(b, HS256, 'null'))
each(JWTS, 'crit header parameter', 'invalid_token', (b) =>
  bearer(b, { ...HS256, crit: ['exp'] }, goodClaims(b)),
)
each(JWTS, 'signature part empty', 'malformed_signature', (b) =>
  withSignature(b, b.value.slice(0, b.value.lastIndexOf('.') + 1)),
)
each(JWTS, 'signature part in standard base64 (+/=)', 'malformed_signature', (b) =>
  withSignature(b, b.head + Buffer.from(b.mac, 'base64url').toString('base64')),
)
each(JWTS, 'exp absent', 'claim_mismatch', (b) =>
  bearer(b, HS256, { ...goodClaims(b), exp: undefined }),
)
each(JWTS, 'exp as a string', 'invalid_token', (b) =>
  bearer(b, HS256, { ...goodClaims(b), exp: String(T + 300) }),
)
each(JWTS, 'expired', 'timestamp_too_old', (b) =>
  bearer(b, HS256, { ...goodClaims(b), iat: T - 900, nbf: T - 900, exp: T - 600 }),
)
each(JWTS, 'not valid before a minute from now', 'timestamp_in_future', (b) =>
  bearer(b, HS256, { ...goodClaims(b), nbf: T + 60 }),
)
each(JWTS, 'another issuer', 'claim_mismatch', (b) =>
  bearer(b, HS256, { ...goodClaims(b), iss: 'https://attacker.example' }),
)
each(JWTS, 'another audience', 'claim_mismatch', (b) =>
  bearer(b, HS256, { ...goodClaims(b), aud: 'https://elsewhere.example' }),
)
each(['jwt'], 'payload_hash of another body', 'claim_mismatch', (b) =>
  bearer(b, HS256, { ...goodClaims(b), payload_hash: sha256Hex(Buffer.from('other')) }),
)
each(['trivialsec'], 'another subject', 'claim_mismatch', (b) =>
  bearer(b, HS256, { ...goodClaims(b), sub: 'urn:uuid:00000000-0000-0000-0000-000000000000' }),
)
each(['trivialsec'], 'eid of another event', 'claim_mismatch', (b) =>
  bearer(b, HS256, { ...goodClaims(b), eid: 'urn:uuid:11111111-1111-1111-1111-111111111111' }),
)
function trivialsecBody(b: Base, change: Record<string, unknown>): RawRequest {
  const payload = {
    ...(JSON.parse(Buffer.from(b.body).toString('utf8')) as Record<string, unknown>),
    ...change,
  }
  const body = Buffer.from(JSON.stringify(payload))
  return {
    ...bearer(b, HS256, { ...goodClaims(b), eid: `urn:uuid:${String(payload.event_id)}` }),
    rawBody: body,
  }
}
each(['trivialsec'], 'body not JSON', 'invalid_payload', (b) => ({
  ...withSignature(b, b.value),
  rawBody: 'not json',
}))
each(['trivialsec'], 'event_id not a UUID', 'invalid_payload', (b) =>
  trivialsecBody(b, { event_id: 'not-a-uuid' }),
)
each(['trivialsec'], 'unknown event_name', 'invalid_payload', (b) =>
  trivialsecBody(b, { event_name: 'made_up' }),
)
each(['trivialsec'], 'timestamp not RFC 3339', 'invalid_payload', (b) =>
  trivialsecBody(b, { timestamp: 'yesterday' }),
)
each(['trivialsec'], 'payload not an object', 'invalid_payload', (b) =>
  trivialsecBody(b, { payload: [1, 2] }),
)

// -----------------------------------------------------------------------------------------------------

/** Strings a message must not contain: the secret, the real MAC, and any 20-character run of what was sent. */
function leaks(message: string, b: Base, sent: readonly string[]): string[] {
  const found: string[] = []
  const secrets = [b.secret, b.secret.replace(/^whsec_/, '')]
  for (const secret of secrets) if (message.includes(secret)) found.push('secret')
  if (message.includes(b.mac)) found.push('signature')
  for (let i = 0; i + 20 <= message.length; i++) {
    const window = message.slice(i, i + 20)
    if (sent.some((value) => value.includes(window))) found.push(`sent text "${window}"`)
  }
  return found
}

function sentValues(headers: HeadersLike): string[] {
  if (headers instanceof Headers) {
    const values: string[] = []
    headers.forEach((value) => values.push(value))
    return values
  }
  return Object.values(headers).flatMap((v) =>
    v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [String(v)],
  )
}

describe('malformed signature headers', () => {
  it(`the corpus has at least 100 cases over every preset (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(100)
    expect(new Set(cases.map((c) => c.provider))).toEqual(new Set(ALL))
    const names = cases.map((c) => `${c.provider}: ${c.name}`)
    expect(new Set(names).size).toBe(names.length)
  })

  it('every base request is valid before it is broken', () => {
    for (const id of ALL) {
      const b = base(id)
      const result = safeVerifyWebhook(b.preset, request(b, b.headers) as WebhookRequest, {
        now: NOW,
      })
      expect(result.ok ? 'ok' : `${id}: ${result.reason}`).toBe('ok')
    }
  })

  it('control: a token built here, outside the library, passes (so the JWT cases differ from a valid token in one way)', () => {
    for (const id of JWTS) {
      const b = base(id)
      const result = safeVerifyWebhook(
        b.preset,
        bearer(b, HS256, goodClaims(b)) as WebhookRequest,
        { now: NOW },
      )
      expect(result.ok ? 'ok' : `${id}: ${result.reason}`).toBe('ok')
    }
  })

  for (const testCase of cases) {
    it(`${testCase.provider}: ${testCase.name} → ${testCase.reason}`, () => {
      const b = base(testCase.provider)
      const bad = testCase.build(b) as WebhookRequest
      let result: ReturnType<typeof safeVerifyWebhook> | undefined
      expect(() => {
        result = safeVerifyWebhook(b.preset, bad, { now: NOW })
      }).not.toThrow()
      if (result === undefined || result.ok) throw new Error('expected a failure, got ok')
      expect(VERIFICATION_FAILURE_REASONS).toContain(result.reason)
      expect(result.reason).toBe(testCase.reason)
      expect(result.message.length).toBeGreaterThan(10)
      expect(result.message.length).toBeLessThan(600)
      expect(leaks(result.message, b, sentValues(bad.headers))).toEqual([])

      let thrown: unknown
      try {
        verifyWebhook(b.preset, bad, { now: NOW })
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(WebhookVerificationError)
      expect(isWebhookError(thrown)).toBe(true)
      const error = thrown as WebhookVerificationError
      expect(error.code).toBe('ERR_WEBHOOK_VERIFICATION_FAILED')
      expect(error.reason).toBe(testCase.reason)
      expect(error.status).toBe(REASON_STATUS[testCase.reason])
      expect(error.provider).toBe(testCase.provider)
      expect(error.message).toBe(result.message)
      expect(leaks(JSON.stringify(error.toJSON()), b, sentValues(bad.headers))).toEqual([])
    })
  }
})
