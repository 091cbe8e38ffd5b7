/**
 * Fuzz: arbitrary strings, bytes, arrays and numbers as every header each preset reads (and sometimes
 * as the body or URL), starting from a validly signed request. `safeVerifyWebhook` must never throw and
 * must only ever answer with a reason from the closed set; `verifyWebhook` must only throw its own error.
 */
import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  isWebhookError,
  safeVerifyWebhook,
  signWebhook,
  VERIFICATION_FAILURE_REASONS,
  verifyWebhook,
  WebhookVerificationError,
  type BuiltinProviderId,
  type HeadersLike,
  type WebhookRequest,
} from '@hookgate/verify'
import { anyText, HEADER_SIGNED_IDS, PRESET_CASES, requestHeaders } from './support/presets.ts'

const T = 1_800_000_000
const NOW = new Date(T * 1000)
const RUNS_PER_PRESET = 300

type HeaderValue = string | readonly string[] | number | undefined

/** Text that looks like what the presets parse, so the fuzzer gets past the first checks. */
const tokenish = fc.stringMatching(/^[A-Za-z0-9+/=_,.:; -]{0,80}$/)
const listish = fc
  .tuple(
    fc.array(
      fc.tuple(
        fc.constantFrom('t', 'v1', 'v0', 'v1a', 'T', '', ' t', 'sha256'),
        fc.oneof(tokenish, fc.nat().map(String)),
      ),
      { maxLength: 20 },
    ),
    fc.constantFrom(',', ', ', ' '),
  )
  .map(([pairs, separator]) => pairs.map(([k, v]) => `${k}=${v}`).join(separator))
const jwtish = fc
  .tuple(
    fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.constant('{"alg":"HS256"}'),
      fc.constant('{"alg":"none"}'),
      anyText(60),
    ),
    fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      anyText(60),
    ),
    fc.oneof(
      tokenish,
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64url')),
    ),
    fc.constantFrom('Bearer ', 'bearer ', 'JWT ', '', 'Basic ', 'Bearer  '),
  )
  .map(
    ([h, c, s, scheme]) =>
      `${scheme}${Buffer.from(h).toString('base64url')}.${Buffer.from(c).toString('base64url')}.${s}`,
  )

/** Arbitrary values for one header, sometimes derived from its valid value. */
function fuzzedValue(valid: string | undefined): fc.Arbitrary<HeaderValue> {
  const from = valid ?? ''
  return fc.oneof(
    anyText(100),
    fc.string({ unit: 'grapheme', maxLength: 100 }),
    fc.uint8Array({ maxLength: 120 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    tokenish,
    listish,
    jwtish,
    // One edit of the valid value: insert, delete or replace a character.
    fc.tuple(fc.nat(), anyText(2), fc.nat({ max: 2 })).map(([i, s, drop]) => {
      const at = from.length === 0 ? 0 : i % from.length
      return from.slice(0, at) + s + from.slice(at + drop)
    }),
    // Long: past the 8192-character bound (the MAC repeated, or any short text).
    fc
      .tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 1, max: 1200 }))
      .map(([s, n]) => (s === '' ? from : s).repeat(s === '' ? Math.ceil(n / 8) : n)),
    fc.array(fc.oneof(fc.constant(from), fc.string({ maxLength: 20 })), { maxLength: 3 }),
    fc.integer(),
    fc.constant(undefined),
  )
}

const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  anyText(200),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
)

function asFetchHeaders(record: Readonly<Record<string, HeaderValue>>): Headers | undefined {
  try {
    const headers = new Headers()
    for (const [name, value] of Object.entries(record)) {
      if (value === undefined) continue
      for (const v of Array.isArray(value) ? value : [String(value)]) headers.append(name, v)
    }
    return headers
  } catch {
    return undefined // not representable in Fetch (control characters, code points above U+00FF)
  }
}

/** A plain assertion: thousands of runs, so no matcher machinery on the passing path. */
function assert(condition: boolean, what: string, detail?: unknown): asserts condition {
  if (!condition) throw new Error(`${what}: ${JSON.stringify(detail)}`)
}

const REASONS: ReadonlySet<string> = new Set(VERIFICATION_FAILURE_REASONS)

function check(id: BuiltinProviderId, request: WebhookRequest): string {
  const c = PRESET_CASES[id]
  const preset = c.make(c.fixedSecret)
  // Any exception here fails the property with the input that caused it.
  const result = safeVerifyWebhook(preset, request, { now: NOW })
  if (!result.ok) {
    assert(REASONS.has(result.reason), 'unknown reason', result.reason)
    assert(typeof result.message === 'string' && result.message.length > 0, 'empty message')
    assert(
      result.error instanceof WebhookVerificationError && result.error.reason === result.reason,
      'error does not match the result',
    )
    assert(!result.message.includes(c.fixedSecret), 'the message holds the secret')
  }
  let thrown: unknown
  try {
    verifyWebhook(preset, request, { now: NOW })
  } catch (error) {
    thrown = error
  }
  assert(
    result.ok ? thrown === undefined : isWebhookError(thrown),
    'verifyWebhook disagrees with safeVerifyWebhook',
    String(thrown),
  )
  return result.ok ? 'ok' : result.reason
}

describe('fuzz: arbitrary values in every signature-related header', () => {
  // Body-signed presets (AWS SNS) carry no signature header: test/aws-sns.test.ts covers them.
  const ids = HEADER_SIGNED_IDS

  for (const id of ids) {
    it(`${id}: never throws, always a known reason (${RUNS_PER_PRESET} runs)`, () => {
      const c = PRESET_CASES[id]
      const preset = c.make(c.fixedSecret)
      const message = c.fixedMessage
      const signed = requestHeaders(
        signWebhook(preset, {
          body: message.body,
          timestamp: NOW,
          id: 'msg_fuzz',
          ...(message.url === undefined ? {} : { url: message.url }),
        }),
        message,
      )
      const changes = fc.record(
        Object.fromEntries(
          c.relatedHeaders.map((name) => [
            name,
            fc.option(fuzzedValue(signed[name]), { freq: 2, nil: null }),
          ]),
        ) as Record<string, fc.Arbitrary<HeaderValue | null>>,
      )
      // The starting point is valid: every refusal below comes from the fuzzed values.
      expect(
        check(id, {
          method: 'POST',
          headers: signed,
          rawBody: message.body,
          ...(message.url === undefined ? {} : { url: message.url }),
        }),
      ).toBe('ok')
      const outcomes = new Map<string, number>()
      fc.assert(
        fc.property(
          changes,
          fc.option(bodies, { freq: 3, nil: null }),
          fc.option(
            fc.oneof(
              fc.constantFrom(
                'https://hooks.example.com:443/x?a=1',
                'http://[::1]:3000/',
                '/relative?x',
                'https://u:p@h.example/',
              ),
              anyText(60),
            ),
            { freq: 5, nil: null },
          ),
          fc.boolean(),
          (change, body, url, fetch) => {
            const headers: Record<string, HeaderValue> = { ...signed }
            for (const [name, value] of Object.entries(change)) {
              if (value === null) continue // keep the valid value
              if (value === undefined) delete headers[name]
              else headers[name] = value
            }
            const carried: HeadersLike = (fetch ? asFetchHeaders(headers) : undefined) ?? headers
            const outcome = check(id, {
              method: 'POST',
              url: url ?? message.url ?? 'https://hooks.example.com/webhooks',
              headers: carried,
              rawBody: body ?? message.body,
            })
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
          },
        ),
        { numRuns: RUNS_PER_PRESET },
      )
      // The fuzzer got past the first checks: several kinds of refusal were reached, not just "missing".
      // (A shared token has fewer: missing, malformed or not matching.)
      outcomes.delete('ok')
      expect(outcomes.size).toBeGreaterThanOrEqual(c.body === 'unbound' ? 2 : 3)
    })
  }
})
