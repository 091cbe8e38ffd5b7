/**
 * Calendly has no SDK, so this file carries an independent reference implementation written from
 * Calendly's documented algorithm and checks the preset against it in both directions and differentially.
 * @see https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures
 */
import { Buffer } from 'node:buffer'
import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  providers,
  safeVerifyWebhook,
  signWebhook,
  VERIFICATION_FAILURE_REASONS,
} from '@hookgate/verify'
import { anyBody, anyText, textSecret } from '../support/presets.ts'

// ---------------------------------------------------------------------------------------------------
// Reference, from the docs: `Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex>`. Split the header on
// `,`, each element on `=`, take `t` and `v1`; the signed payload is `t + "." + body`; HMAC-SHA256 with the
// webhook signing key, lower-case hex; reject when `t` is more than 3 minutes (180 000 ms) old. The docs'
// sample checks only "too old"; the preset also refuses timestamps more than 180 s in the future.
// ---------------------------------------------------------------------------------------------------

const THREE_MINUTES_MS = 180_000

function referenceSignature(key: string, t: string, body: Uint8Array): string {
  return createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${t}.`, 'utf8'), Buffer.from(body)]))
    .digest('hex')
}

function referenceSign(key: string, t: number, body: Uint8Array): string {
  return `t=${t},v1=${referenceSignature(key, String(t), body)}`
}

function referenceVerify(
  key: string,
  body: Uint8Array,
  header: string | undefined,
  nowMs: number,
): boolean {
  if (header === undefined) return false
  let t = ''
  let signature = ''
  for (const element of header.split(',')) {
    const [name, value = ''] = element.split('=')
    if (name === 't') t = value
    if (name === 'v1') signature = value
  }
  if (t === '' || signature === '') return false
  if (referenceSignature(key, t, body) !== signature) return false
  return !(Number(t) * 1000 < nowMs - THREE_MINUTES_MS)
}

// ---------------------------------------------------------------------------------------------------

const unixSeconds = fc.integer({ min: 1_000_000_000, max: 3_999_999_999 })
const preset = (key: string) => providers.calendly({ secrets: key })
const request = (body: Uint8Array, header: string | undefined) => ({
  method: 'POST',
  headers: header === undefined ? {} : { 'calendly-webhook-signature': header },
  rawBody: body,
})

describe('calendly: independent reference implementation', () => {
  it('the reference reproduces a hand-computed value', () => {
    // `printf '%s' '1700000000.{"event":"invitee.created"}' | openssl dgst -sha256 -hmac calendly-key`
    expect(
      referenceSign('calendly-key', 1_700_000_000, Buffer.from('{"event":"invitee.created"}')),
    ).toBe('t=1700000000,v1=508d3e456d6b6b389f99cedbaf820af5091f0be3bf8f320582682acc40961dc3')
  })

  it('reference signs → the preset verifies anywhere inside ±180 s', () => {
    fc.assert(
      fc.property(
        textSecret,
        anyBody,
        unixSeconds,
        fc.integer({ min: -180, max: 180 }),
        (key, body, t, skew) => {
          const result = safeVerifyWebhook(
            preset(key),
            request(body, referenceSign(key, t, body)),
            { now: new Date((t + skew) * 1000) },
          )
          expect(result.ok ? 'ok' : result.message).toBe('ok')
          expect(result.ok && result.timestamp?.getTime()).toBe(t * 1000)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('the preset signs → the reference verifies, and both produce the same header', () => {
    fc.assert(
      fc.property(
        textSecret,
        anyBody,
        unixSeconds,
        fc.integer({ min: 0, max: 180 }),
        (key, body, t, age) => {
          const headers = signWebhook(preset(key), { body, timestamp: new Date(t * 1000) })
          expect(Object.keys(headers)).toEqual(['Calendly-Webhook-Signature'])
          expect(headers['Calendly-Webhook-Signature']).toBe(referenceSign(key, t, body))
          expect(
            referenceVerify(key, body, headers['Calendly-Webhook-Signature'], (t + age) * 1000),
          ).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('differential: the preset and the reference agree on ~1000 random deliveries', () => {
    const KINDS = ['valid', 'other key', 'other t', 'mutated', 'garbage', 'missing'] as const
    const delivery = fc.record({
      key: textSecret,
      body: anyBody,
      t: unixSeconds,
      // Whole seconds: the reference compares milliseconds, the preset whole seconds (like Stripe's SDK).
      skew: fc.integer({ min: -400, max: 400 }),
      kind: fc.constantFrom(...KINDS),
      otherKey: textSecret,
      i: fc.nat(),
      char: anyText(1, 1),
      garbage: fc.oneof(anyText(40), fc.stringMatching(/^t=\d{1,12},v1=[0-9a-f]{0,64}$/)),
    })
    type Delivery = typeof delivery extends fc.Arbitrary<infer T> ? T : never
    function header(d: Delivery): string | undefined {
      const valid = referenceSign(d.key, d.t, d.body)
      switch (d.kind) {
        case 'valid':
          return valid
        case 'other key':
          return referenceSign(d.otherKey === d.key ? `${d.key}x` : d.otherKey, d.t, d.body)
        case 'other t':
          return `t=${d.t + 1 + (d.i % 100)},v1=${referenceSignature(d.key, String(d.t), d.body)}`
        case 'mutated': {
          const at = d.i % valid.length
          const char = d.char === valid[at] ? '#' : d.char
          return valid.slice(0, at) + char + valid.slice(at + 1)
        }
        case 'garbage':
          return d.garbage
        case 'missing':
          return undefined
      }
    }

    const seen = new Map<string, number>()
    fc.assert(
      fc.property(delivery, (d) => {
        const value = header(d)
        const nowMs = (d.t + d.skew) * 1000
        const reference = referenceVerify(d.key, d.body, value, nowMs)
        const result = safeVerifyWebhook(preset(d.key), request(d.body, value), {
          now: new Date(nowMs),
        })
        // The one documented difference: the preset also refuses timestamps more than 180 s ahead.
        const expected = reference && d.skew >= -180
        expect(result.ok).toBe(expected)
        if (!result.ok) expect(VERIFICATION_FAILURE_REASONS).toContain(result.reason)
        if (reference && !expected)
          expect(result.ok ? 'ok' : result.reason).toBe('timestamp_in_future')
        const key = `${d.kind}:${expected}`
        seen.set(key, (seen.get(key) ?? 0) + 1)
      }),
      { numRuns: 1000 },
    )
    expect([...seen.keys()].sort()).toEqual([
      'garbage:false',
      'missing:false',
      'mutated:false',
      'other key:false',
      'other t:false',
      'valid:false',
      'valid:true',
    ])
  })

  it('the window is 180 s to the second: older is timestamp_too_old, further ahead timestamp_in_future', () => {
    const key = 'calendly-key'
    const body = Buffer.from('{"event":"invitee.created"}')
    const t = 1_700_000_000
    const check = (now: number) => {
      const result = safeVerifyWebhook(preset(key), request(body, referenceSign(key, t, body)), {
        now: new Date(now * 1000),
      })
      return result.ok ? 'ok' : result.reason
    }
    expect([check(t + 180), check(t + 181), check(t - 180), check(t - 181)]).toEqual([
      'ok',
      'timestamp_too_old',
      'ok',
      'timestamp_in_future',
    ])
    expect(referenceVerify(key, body, referenceSign(key, t, body), (t + 181) * 1000)).toBe(false)
  })

  it('stricter than the docs sample where the sample is lax: non-numeric t, uppercase hex, a second t=', () => {
    const key = 'calendly-key'
    const body = Buffer.from('{}')
    const now = { now: new Date(1_700_000_000_000) }
    // The sample computes Number('soon') = NaN, and NaN < x is false, so it accepts this; the preset refuses.
    const nonNumeric = `t=soon,v1=${referenceSignature(key, 'soon', body)}`
    expect(referenceVerify(key, body, nonNumeric, 1_700_000_000_000)).toBe(true)
    expect(safeVerifyWebhook(preset(key), request(body, nonNumeric), now)).toMatchObject({
      ok: false,
      reason: 'malformed_signature',
    })
    const upper = referenceSign(key, 1_700_000_000, body)
      .toUpperCase()
      .replace('T=', 't=')
      .replace('V1=', 'v1=')
    expect(safeVerifyWebhook(preset(key), request(body, upper), now)).toMatchObject({
      ok: false,
      reason: 'malformed_signature',
    })
    const twoTs = `t=1,${referenceSign(key, 1_700_000_000, body)}`
    expect(safeVerifyWebhook(preset(key), request(body, twoTs), now)).toMatchObject({
      ok: false,
      reason: 'malformed_signature',
    })
  })

  it('several v1= entries: any one matching passes (the sample reads only the last)', () => {
    const key = 'calendly-key'
    const body = Buffer.from('{"event":"invitee.canceled"}')
    const t = 1_700_000_000
    const good = referenceSignature(key, String(t), body)
    const header = `t=${t},v1=${good},v1=${'0'.repeat(64)}`
    expect(referenceVerify(key, body, header, t * 1000)).toBe(false)
    expect(
      safeVerifyWebhook(preset(key), request(body, header), { now: new Date(t * 1000) }).ok,
    ).toBe(true)
  })
})
