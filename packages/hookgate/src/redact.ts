/**
 * @module redact
 * Header redaction for everything the gateway keeps or prints: stored events, rejections and logs; and
 * {@link displayUrl}, the form of a destination URL that may be shown (no credentials, query or fragment).
 * Signatures are replay material for the body they sign and bearer tokens are credentials, so neither may
 * ever reach the database or a log line (threat: a leaked backup or log lets anyone replay or impersonate).
 */
import type { IncomingHttpHeaders } from 'node:http'
import { providers } from '@hookgate/verify'

/** What a redacted value is replaced by. */
export const REDACTED = '[redacted]'

/**
 * Headers redacted by exact (lower-case) name: credentials, and every signature header a built-in preset declares
 * (Trello's `x-trello-webhook` says nothing of what it holds). Sources add their configured preset's own.
 */
const EXACT_NAMES: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  ...Object.values(providers).flatMap(({ definition }) =>
    Array.isArray(definition.signatureHeaders) ? definition.signatureHeaders : [],
  ),
])

/**
 * Any header whose name contains one of these is redacted: `stripe-signature`, `x-hub-signature-256`,
 * `x-twilio-signature`, `paypal-transmission-sig`, `x-gitlab-token`, `x-webhook-secret`, `x-api_key`, … Erring on
 * the side of redaction costs a debugging hint at worst.
 */
const NAME_PARTS: readonly string[] = [
  'sig',
  'token',
  'secret',
  'password',
  'passwd',
  'hmac',
  'key',
  'auth',
  'cookie',
  'credential',
]

/**
 * The verdict per lower-case name, decided once (issue 15: the same dozen names arrive with every webhook).
 * Bounded, as names are the sender's choice: past `MAX_CACHED_NAMES` new names are decided each time.
 */
const verdicts = new Map<string, boolean>()
const MAX_CACHED_NAMES = 1_024

function decide(lower: string): boolean {
  if (EXACT_NAMES.has(lower)) return true
  for (const part of NAME_PARTS) if (lower.includes(part)) return true
  return false
}

/** True when a header's value must never be stored or logged. @param name any case */
export function isSensitiveHeader(name: string): boolean {
  let verdict = verdicts.get(name)
  if (verdict !== undefined) return verdict
  verdict = decide(name.toLowerCase())
  if (verdicts.size < MAX_CACHED_NAMES) verdicts.set(name, verdict)
  return verdict
}

/**
 * Headers as they may be stored or logged: names lower-cased, repeated values joined with `, `, and every
 * sensitive value replaced by `[redacted]`.
 * @example redactHeaders({ 'Stripe-Signature': 't=1,v1=ab', 'content-type': 'application/json' })
 * // { 'stripe-signature': '[redacted]', 'content-type': 'application/json' }
 */
export function redactHeaders(
  headers:
    | IncomingHttpHeaders
    | Readonly<Record<string, string | readonly string[] | number | undefined>>
    | Headers,
  /** More names to redact (lower-case), e.g. a signature header configured for the generic presets. */
  extra?: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {}
  const put = (name: string, value: string | readonly string[] | number | undefined): void => {
    if (value === undefined) return
    const lower = name.toLowerCase()
    if (isSensitiveHeader(lower) || extra?.has(lower) === true) out[lower] = REDACTED
    else
      out[lower] =
        typeof value === 'string'
          ? value
          : typeof value === 'number'
            ? String(value)
            : value.join(', ')
  }
  if (
    typeof (headers as Headers).forEach === 'function' &&
    typeof (headers as Headers).get === 'function'
  ) {
    ;(headers as Headers).forEach((value, name) => put(name, value))
  } else {
    // for-in, not Object.entries: no [name, value] array per header on the ingest path.
    const record = headers as Record<string, string | readonly string[] | number | undefined>
    for (const name in record) if (Object.hasOwn(record, name)) put(name, record[name])
  }
  return out
}

/**
 * pino `redact` paths: a second line of defence should a raw header object, a secret list or a token ever be
 * passed to a log call. (The gateway itself only logs {@link redactHeaders} output.)
 */
export const LOG_REDACT_PATHS: readonly string[] = [
  'authorization',
  'token',
  'secret',
  'secrets',
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'headers["stripe-signature"]',
  'headers["x-hub-signature"]',
  'headers["x-hub-signature-256"]',
  'headers["x-twilio-signature"]',
  'headers["x-trello-webhook"]',
  'headers["x-slack-signature"]',
  'headers["x-shopify-hmac-sha256"]',
  'headers["shopify-hmac-sha256"]',
  'headers["webhook-signature"]',
  'headers["svix-signature"]',
  'headers["calendly-webhook-signature"]',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.authorization',
  '*.token',
  '*.secret',
  '*.secrets',
  'admin.token',
]

/** The URL without credentials, query or fragment: safe for logs and the admin API. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return '(invalid url)'
  }
}
