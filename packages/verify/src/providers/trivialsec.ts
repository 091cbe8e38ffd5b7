/**
 * @module providers/trivialsec
 * Trivial Security: `Authorization: Bearer <JWT>` (HS256 pinned), fixed issuer and subject, audience naming
 * the account's endpoint, and an `eid` claim binding the token to the payload's `event_id`.
 * @see https://www.trivialsec.com/docs/webhooks
 */
import { Buffer } from 'node:buffer'
import { fail } from '../errors.ts'
import { defineProvider, field, optionError, stringOption } from '../define.ts'
import { jwtConfig, jwtDefinition, type Claims, type JwtConfig } from './jwt.ts'

export const TRIVIALSEC_ISSUER = 'https://www.trivialsec.com'
export const TRIVIALSEC_SUBJECT = 'urn:uuid:bc6e2cd5-1f59-487f-b05b-49946bd078b2'
export const TRIVIALSEC_EVENT_NAMES = Object.freeze([
  'hosted_monitoring',
  'hosted_scanner',
  'self_hosted_uploads',
  'early_warning_email',
  'early_warning_domain',
  'early_warning_ip',
  'new_findings_certificates',
  'new_findings_domains',
  'client_status',
  'client_activity',
  'scanner_configurations',
  'report_created',
  'report_deleted',
  'account_activity',
  'member_activity',
] as const)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// An ISO 8601 date-time: a date, a time, optional fractional seconds and an optional offset (Z or ±hh:mm).
// Without an offset the time is UTC: the provider's own model stamps naive datetimes as UTC (issue 9).
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([Zz]|[+-]\d{2}:\d{2})?$/

/** Milliseconds since the epoch, or NaN when `value` is not such a date-time. A naive time is read as UTC, never local. */
function trivialsecTime(value: unknown): number {
  const match = typeof value === 'string' ? DATE_TIME.exec(value) : null
  if (match === null) return Number.NaN
  const [, date, time, offset] = match
  return Date.parse(`${date}T${time}${offset === undefined ? 'Z' : offset.toUpperCase()}`)
}

export interface TrivialsecOptions {
  /** Your Trivial Security account id: the audience is `urn:trivialsec:webhook:client_endpoint:<account>`. */
  readonly account: string
}

/**
 * The payload rules, and the token's `eid` binding when `claims` are given (signing has none yet); returns the
 * authenticated id and timestamp. Throws a Failure for the first broken rule.
 */
function checkedPayload(body: Uint8Array, claims?: Claims): { eventId: string; timestamp: number } {
  const payload = payloadOf(body)
  const eventId = payload.event_id
  if (typeof eventId !== 'string' || !UUID.test(eventId))
    fail('invalid_payload', "The payload's event_id is not a UUID.")
  if (claims !== undefined && claims.eid !== `urn:uuid:${eventId}`) {
    fail('claim_mismatch', "The token's eid claim does not name this payload's event_id.")
  }
  const eventName = payload.event_name
  if (
    typeof eventName !== 'string' ||
    !(TRIVIALSEC_EVENT_NAMES as readonly string[]).includes(eventName)
  ) {
    fail('invalid_payload', "The payload's event_name is not a known Trivial Security event.")
  }
  const time = trivialsecTime(payload.timestamp)
  if (!Number.isFinite(time))
    fail(
      'invalid_payload',
      "The payload's timestamp is not an ISO 8601 date-time (offset optional: UTC when absent).",
    )
  const inner = payload.payload
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner))
    fail('invalid_payload', "The payload's payload field is not an object.")
  return { eventId, timestamp: time / 1000 }
}

function payloadOf(body: Uint8Array): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'))
  } catch {
    value = undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('invalid_payload', 'The body is not a JSON object.')
  return value as Record<string, unknown>
}

/**
 * Trivial Security. Required claims iat, nbf, exp, aud, iss, sub with 3 s leeway; the payload is validated
 * (`event_id` a UUID, `event_name` a known event, `timestamp` an ISO 8601 date-time — UTC when it has no offset —,
 * `payload` an object).
 * The verified timestamp is the payload's `timestamp`, normalised to UTC.
 */
export const trivialsec = defineProvider<TrivialsecOptions, JwtConfig>(
  jwtDefinition<TrivialsecOptions, JwtConfig>({
    id: 'trivialsec',
    name: 'Trivial Security',
    scheme: 'Authorization: Bearer <JWT> — HS256 with iss/aud/sub and eid bound to the payload',
    docsUrl: 'https://www.trivialsec.com/docs/webhooks',
    optionKeys: ['account'],
    mismatchHint:
      'Use the webhook signing secret of this endpoint from the Trivial Security console.',
    configure(options) {
      const account = stringOption('trivialsec', options, 'account', true)
      if (/\s/.test(account))
        throw optionError('trivialsec', 'option `account` must not contain white space')
      return jwtConfig('trivialsec', {
        algorithm: 'HS256',
        issuer: TRIVIALSEC_ISSUER,
        subject: TRIVIALSEC_SUBJECT,
        audience: `urn:trivialsec:webhook:client_endpoint:${account}`,
        requiredClaims: ['iat', 'nbf', 'exp', 'aud', 'iss', 'sub'],
        leewaySeconds: 3,
      })
    },
    signClaims(input, config) {
      // Never sign what verification would refuse: the payload rules run first, as a usage error.
      let eventId: string
      try {
        eventId = checkedPayload(input.body).eventId
      } catch (error) {
        throw optionError('trivialsec', `cannot sign this body: ${(error as Error).message}`)
      }
      return {
        iss: config.issuer,
        aud: config.audience,
        sub: config.subject,
        eid: `urn:uuid:${eventId}`,
      }
    },
    checkPayload(claims, body) {
      const { eventId, timestamp } = checkedPayload(body, claims)
      return { id: eventId, timestamp }
    },
    eventType: (context) => field(context.payload(), 'event_name'),
  }),
)
