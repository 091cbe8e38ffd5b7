/**
 * Issue 12 §1: rejecting a hostile Twilio form body must cost no more than accepting a valid one. The signature header
 * is checked (present, bounded, base64) before the body is looked at, a form body with more than 1000
 * `&`-separated parts is refused as `invalid_payload` before any decoding or sorting, and params over 64 KiB are
 * HMACed after two URL candidates at most instead of six.
 */
import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { providers, safeVerifyWebhook, signWebhook } from '@hookgate/verify'

const TOKEN = 'twilio-auth-token-issue-12'
const URL_SIGNED = 'https://hooks.example.com/twilio/sms'
const preset = providers.twilio({ secrets: TOKEN })
const FORM = 'application/x-www-form-urlencoded'

function form(count: number): string {
  return Array.from({ length: count }, (_, i) => `p${String(i).padStart(4, '0')}=v`).join('&')
}

function verify(body: string, signature: string) {
  const headers = { 'content-type': FORM, 'x-twilio-signature': signature }
  return safeVerifyWebhook(preset, {
    method: 'POST',
    url: URL_SIGNED,
    headers,
    rawBody: Buffer.from(body, 'utf8'),
  })
}

function sign(body: string): string {
  const headers = signWebhook(preset, { body, url: URL_SIGNED, method: 'POST' })
  return headers['X-Twilio-Signature'] ?? ''
}

describe('issue 12: twilio bounds its work on hostile input', () => {
  it('accepts a form of exactly 1000 parameters and refuses 1001 as invalid_payload, unverified', () => {
    expect(verify(form(1000), sign(form(1000))).ok).toBe(true)
    const result = verify(form(1001), sign(form(1001)))
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.reason).toBe('invalid_payload')
      expect(result.message).toContain('more than 1000 parameters')
    }
  })

  it('counts empty parts too, so `&&&…` cannot slip past the cap', () => {
    const result = verify('a=b' + '&'.repeat(1000), 'A'.repeat(27) + '=')
    expect(result.ok ? 'ok' : result.reason).toBe('invalid_payload')
  })

  it('a JSON body (bodySHA256 in the URL) is not a form and is not capped', () => {
    const body = JSON.stringify({ list: Array.from({ length: 2000 }, () => 'a&b') })
    const sha = createHash('sha256').update(body).digest('hex')
    const result = safeVerifyWebhook(preset, {
      method: 'POST',
      url: `${URL_SIGNED}?bodySHA256=${sha}`,
      headers: { 'content-type': 'application/json', 'x-twilio-signature': 'A'.repeat(27) + '=' },
      rawBody: Buffer.from(body),
    })
    expect(result.ok ? 'ok' : result.reason).toBe('signature_mismatch')
  })

  it.each([
    ['absent', undefined, 'missing_signature'],
    ['not base64', '!!!!', 'malformed_signature'],
    ['over 8192 characters', 'A'.repeat(8196), 'malformed_signature'],
  ] as const)(
    'refuses a signature header that is %s before reading a hostile 1 MiB body',
    (_, signature, reason) => {
      const hostile = 'a=b&'.repeat(262_144)
      const headers: Record<string, string> = { 'content-type': FORM }
      if (signature !== undefined) headers['x-twilio-signature'] = signature
      const result = safeVerifyWebhook(preset, {
        method: 'POST',
        url: URL_SIGNED,
        headers,
        rawBody: Buffer.from(hostile),
      })
      // The header's reason, not the body's invalid_payload: the header is judged before the body is counted or parsed.
      expect(result.ok ? 'ok' : result.reason).toBe(reason)
    },
  )

  it('a well-formed junk signature over a 1 MiB form of few parameters is a plain mismatch', () => {
    const body = `Body=${'x'.repeat(1_048_000)}&From=%2B15550001111`
    expect(verify(body, sign(body)).ok).toBe(true)
    const result = verify(body, 'A'.repeat(27) + '=')
    expect(result.ok ? 'ok' : result.reason).toBe('signature_mismatch')
  })

  it('past 64 KiB of params only the URL as received is tried (with and without its port), not its normalised spellings', () => {
    const received = "https://hooks.example.com/twilio/sms?a=%7e&b='"
    const normalised = new URL(received).toString() // ' becomes %27: what a proxy that re-encodes would have Twilio sign
    expect(normalised).not.toBe(received)
    const check = (body: string, signedUrl: string) => {
      const signature =
        signWebhook(preset, { body, url: signedUrl, method: 'POST' })['X-Twilio-Signature'] ?? ''
      const headers = { 'content-type': FORM, 'x-twilio-signature': signature }
      const result = safeVerifyWebhook(preset, {
        method: 'POST',
        url: received,
        headers,
        rawBody: Buffer.from(body),
      })
      return result.ok ? 'ok' : result.reason
    }
    const small = `Body=${'x'.repeat(60_000)}`
    const large = `Body=${'x'.repeat(70_000)}`
    expect(check(small, normalised)).toBe('ok')
    expect(check(large, normalised)).toBe('signature_mismatch')
    expect(check(large, received)).toBe('ok')
    expect(check(large, received.replace('hooks.example.com', 'hooks.example.com:443'))).toBe('ok')
  })
})
