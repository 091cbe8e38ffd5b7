/**
 * Standard Webhooks preset vs the reference JS library `standardwebhooks` 1.1.1: Webhook#sign signs,
 * Webhook#verify verifies (its clock is Date.now(), faked here). Shared harness: ./_standard-webhooks.ts.
 * Intentional deviations are listed in docs/deviations.md and each has a named test below.
 */
import { Buffer } from 'node:buffer'
import { generateKeyPairSync, sign as edSign } from 'node:crypto'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { outcome } from './_support.ts'
import {
  lookup,
  ourHeaders,
  runDifferential,
  sdkHeaders,
  sdkVerifies,
  verifyOurs,
  type Flavour,
  type Headers,
  type Secret,
} from './_standard-webhooks.ts'

const flavour: Flavour = {
  id: 'standard-webhooks',
  prefix: 'webhook',
  sdk: (secret: Secret) =>
    secret instanceof Uint8Array ? new Webhook(secret, { format: 'raw' }) : new Webhook(secret),
  sdkSelection: (headers) => ({
    id: lookup(headers, 'webhook-id'),
    timestamp: lookup(headers, 'webhook-timestamp'),
    signature: lookup(headers, 'webhook-signature'),
  }),
  rejects: (error) => error instanceof WebhookVerificationError,
}
// The differential compares signatures, not JSON parsing: verify with jsonParse off (see json_parse below).
const sdkFlavour: Flavour = {
  ...flavour,
  sdk: (secret) => {
    const webhook = flavour.sdk(secret) as Webhook
    return {
      sign: (id, at, payload) => webhook.sign(id, at, payload),
      verify: (payload, headers) => webhook.verify(payload, headers, { jsonParse: false }),
    }
  },
}

// The example from the Standard Webhooks / Svix documentation.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const MSG_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek'
const TIMESTAMP = 1614265330
const PAYLOAD = '{"test": 2432232314}'
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
const NOW_MS = TIMESTAMP * 1000 + 999

const headersOf = (signature: string, id = MSG_ID, timestamp = String(TIMESTAMP)): Headers => ({
  'webhook-id': id,
  'webhook-timestamp': timestamp,
  'webhook-signature': signature,
})
const both = (
  headers: Headers,
  body: string | Uint8Array = PAYLOAD,
  secret: Secret = SECRET,
  now = NOW_MS,
) => ({
  sdk: sdkVerifies(sdkFlavour, secret, headers, Buffer.from(body), now),
  hookgate: outcome(verifyOurs(flavour, secret, headers, body, now)),
})

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('standard-webhooks: the SDK signs, Hookgate verifies', () => {
  it('the documented example: the SDK signs it, both verify it', () => {
    expect(new Webhook(SECRET).sign(MSG_ID, new Date(TIMESTAMP * 1000), PAYLOAD)).toBe(SIGNATURE)
    expect(both(headersOf(SIGNATURE))).toEqual({ sdk: true, hookgate: 'ok' })
  })

  it('accepts SDK signatures for whsec_, bare base64 and raw-byte secrets, with unicode bodies', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef')
    const body = '{"type":"user.created","name":"Zoë 🦄","ja":"日本"}'
    for (const secret of [
      `whsec_${key.toString('base64')}`,
      key.toString('base64'),
      new Uint8Array(key),
    ]) {
      const headers = sdkHeaders(flavour, secret, body, 'msg_1', TIMESTAMP)
      const result = verifyOurs(flavour, secret, headers, body, NOW_MS)
      expect(outcome(result)).toBe('ok')
      if (result.ok) {
        expect(result.id).toBe('msg_1')
        expect(result.eventType).toBe('user.created')
      }
    }
  })

  it('agrees on the ±300 s window in both directions', () => {
    for (const offset of [-301, -300, 300, 301]) {
      const headers = sdkHeaders(flavour, SECRET, PAYLOAD, MSG_ID, TIMESTAMP + offset)
      const result = both(headers)
      expect({ offset, ...result }).toEqual({
        offset,
        sdk: Math.abs(offset) <= 300,
        hookgate:
          Math.abs(offset) <= 300 ? 'ok' : offset < 0 ? 'timestamp_too_old' : 'timestamp_in_future',
      })
    }
  })

  it('rotation: any v1 entry of a space-separated list may match; unknown versions are skipped by both', () => {
    const other = new Webhook(
      'whsec_' + Buffer.from('another key of 24 bytes!').toString('base64'),
    ).sign(MSG_ID, new Date(TIMESTAMP * 1000), PAYLOAD)
    expect(both(headersOf(`${other} v2,zzzz ${SIGNATURE}`))).toEqual({ sdk: true, hookgate: 'ok' })
    expect(both(headersOf(`${other} v2,zzzz`))).toEqual({
      sdk: false,
      hookgate: 'signature_mismatch',
    })
  })
})

describe('standard-webhooks: Hookgate signs, the SDK verifies', () => {
  it('Webhook#verify accepts signWebhook output and returns the parsed JSON', () => {
    const body = '{"type":"invoice.paid","amount":4200,"note":"€ ✓"}'
    const headers = ourHeaders(flavour, SECRET, body, 'msg_ours', TIMESTAMP)
    vi.setSystemTime(NOW_MS)
    expect(new Webhook(SECRET).verify(body, headers)).toEqual(JSON.parse(body))
    expect(new Webhook(SECRET).verify(Buffer.from(body), headers)).toEqual(JSON.parse(body))
  })
})

describe('standard-webhooks: differential against standardwebhooks', () => {
  it('accepts and rejects exactly what Webhook#verify does, except the documented deviations', () => {
    const tally = runDifferential(sdkFlavour, ['webhook'], 1500)
    tally.expectSeen(
      'sdk_accepts',
      'sdk_rejects',
      'non_utf8_body:paired_accepts',
      'non_utf8_body:paired_rejects',
      'lenient_timestamp',
      'entry_without_version',
      'malformed_signature_entry',
      'too_many_signatures',
      'header_too_long',
    )
  })
})

describe('standard-webhooks: intentional deviations from standardwebhooks', () => {
  it('lenient_timestamp: webhook-timestamp must be digits only; the SDK parseInt()s " 1614265330", "1614265330abc", "+1614265330"', () => {
    for (const t of [` ${TIMESTAMP}`, `${TIMESTAMP}abc`, `+${TIMESTAMP}`, `${TIMESTAMP}.9`]) {
      expect({ t, ...both(headersOf(SIGNATURE, MSG_ID, t)) }).toEqual({
        t,
        sdk: true,
        hookgate: 'malformed_signature',
      })
    }
  })

  it('entry_without_version: a list entry without "," is refused; the SDK skips it', () => {
    expect(both(headersOf(`garbage ${SIGNATURE}`))).toEqual({
      sdk: true,
      hookgate: 'malformed_signature',
    })
  })

  it('malformed_signature_entry: a v1/v1a entry that is not padded base64 fails the header, even next to a valid one', () => {
    expect(both(headersOf(`v1,not*base64 ${SIGNATURE}`))).toEqual({
      sdk: true,
      hookgate: 'malformed_signature',
    })
    // "v1,<sig>,extra": the SDK reads only the part before a second comma.
    expect(both(headersOf(`${SIGNATURE},extra`))).toEqual({
      sdk: true,
      hookgate: 'malformed_signature',
    })
  })

  it('too_many_signatures: more than 16 v1/v1a entries are refused; the SDK tries them all', () => {
    const filler = Array.from({ length: 16 }, () => `v1,${'A'.repeat(43)}=`)
    expect(both(headersOf([...filler, SIGNATURE].join(' ')))).toEqual({
      sdk: true,
      hookgate: 'malformed_signature',
    })
    expect(both(headersOf([...filler.slice(1), SIGNATURE].join(' ')))).toEqual({
      sdk: true,
      hookgate: 'ok',
    })
  })

  it('header_too_long: a webhook-signature header over 8192 characters is refused before any HMAC', () => {
    expect(both(headersOf(`${SIGNATURE}${' '.repeat(8200)}`))).toEqual({
      sdk: true,
      hookgate: 'malformed_signature',
    })
  })

  it('non_utf8_body: the signature covers the bytes; the SDK hashes payload.toString() (U+FFFD)', () => {
    const raw = new Uint8Array([0x7b, 0x7d, 0xc0, 0xaf, 0xff])
    const overBytes = ourHeaders(flavour, SECRET, raw, MSG_ID, TIMESTAMP)
    expect(both(overBytes, raw)).toEqual({ sdk: false, hookgate: 'ok' })
    const overText = sdkHeaders(flavour, SECRET, raw, MSG_ID, TIMESTAMP) // the SDK signs the decoded text
    expect(both(overText, raw)).toEqual({ sdk: true, hookgate: 'signature_mismatch' })
  })

  it('json_parse: with default options the SDK throws SyntaxError for a valid signature over a non-JSON body; Hookgate verifies', () => {
    const body = 'not json ✓'
    const headers = sdkHeaders(flavour, SECRET, body, MSG_ID, TIMESTAMP)
    vi.setSystemTime(NOW_MS)
    expect(() => new Webhook(SECRET).verify(body, headers)).toThrow(SyntaxError)
    expect(new Webhook(SECRET).verify(body, headers, { jsonParse: false })).toBeUndefined()
    const result = verifyOurs(flavour, SECRET, headers, body, NOW_MS)
    expect(outcome(result)).toBe('ok')
    if (result.ok) expect(() => result.json()).toThrow(SyntaxError)
  })

  it('v1a (extension): Ed25519 entries verify with a whpk_ key; the SDK skips v1a and cannot take the key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
    const whpk = `whpk_${raw.toString('base64')}`
    const v1a = `v1a,${edSign(null, Buffer.from(`${MSG_ID}.${TIMESTAMP}.${PAYLOAD}`), privateKey).toString('base64')}`
    expect(outcome(verifyOurs(flavour, whpk, headersOf(v1a), PAYLOAD, NOW_MS))).toBe('ok')
    expect(() => new Webhook(whpk)).toThrow()
    // With the HMAC secret the SDK ignores the v1a entry, as Hookgate does (its key is not Ed25519).
    expect(both(headersOf(v1a))).toEqual({ sdk: false, hookgate: 'signature_mismatch' })
    const whsk = `whsk_${privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32).toString('base64')}`
    const signed = signWebhook(providers['standard-webhooks']({ secrets: whsk }), {
      body: PAYLOAD,
      id: MSG_ID,
      timestamp: new Date(TIMESTAMP * 1000),
    })
    expect(signed['webhook-signature']).toBe(v1a)
  })
})
