/**
 * Svix preset vs the official `svix` SDK 1.99.1 (the last line that runs on Node 20; it wraps
 * `standardwebhooks` 1.0.0): Webhook#sign signs, Webhook#verify verifies `svix-*` headers, falling back
 * to `webhook-*` per header. Shared harness: ./_standard-webhooks.ts.
 * Intentional deviations are listed in docs/deviations.md and each has a named test below.
 */
import { Buffer } from 'node:buffer'
import { Webhook, WebhookVerificationError } from 'svix'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
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

const construct = (secret: Secret) =>
  secret instanceof Uint8Array ? new Webhook(secret, { format: 'raw' }) : new Webhook(secret)

const flavour: Flavour = {
  id: 'svix',
  prefix: 'svix',
  sdk: construct,
  // svix 1.99.1 webhook.js: each header is svix-* ?? webhook-* ?? "" (an empty value is then "missing").
  sdkSelection: (headers) => ({
    id: lookup(headers, 'svix-id') ?? lookup(headers, 'webhook-id'),
    timestamp: lookup(headers, 'svix-timestamp') ?? lookup(headers, 'webhook-timestamp'),
    signature: lookup(headers, 'svix-signature') ?? lookup(headers, 'webhook-signature'),
  }),
  rejects: (error) => error instanceof WebhookVerificationError,
}
/**
 * svix's verify always JSON-parses the body once a signature matched, so a SyntaxError means "signature
 * accepted, body not JSON" (deviation json_parse). The differential compares signature decisions.
 */
const sdkFlavour: Flavour = {
  ...flavour,
  sdk: (secret) => {
    const webhook = construct(secret)
    return {
      sign: (id, at, payload) => webhook.sign(id, at, payload),
      verify(payload, headers) {
        try {
          return webhook.verify(payload, headers)
        } catch (error) {
          if (error instanceof SyntaxError) return 'signature accepted; body is not JSON'
          throw error
        }
      },
    }
  },
}

// Svix's documented example.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const MSG_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek'
const TIMESTAMP = 1614265330
const PAYLOAD = '{"test": 2432232314}'
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
const NOW_MS = TIMESTAMP * 1000 + 1

const svixHeaders = (signature = SIGNATURE): Headers => ({
  'svix-id': MSG_ID,
  'svix-timestamp': String(TIMESTAMP),
  'svix-signature': signature,
})
const both = (headers: Headers, body: string | Uint8Array = PAYLOAD, secret: Secret = SECRET) => ({
  sdk: sdkVerifies(sdkFlavour, secret, headers, Buffer.from(body), NOW_MS),
  hookgate: outcome(verifyOurs(flavour, secret, headers, body, NOW_MS)),
})

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('svix: the SDK signs, Hookgate verifies', () => {
  it('the documented example, under svix-* and under webhook-* headers', () => {
    expect(new Webhook(SECRET).sign(MSG_ID, new Date(TIMESTAMP * 1000), PAYLOAD)).toBe(SIGNATURE)
    expect(both(svixHeaders())).toEqual({ sdk: true, hookgate: 'ok' })
    const unbranded = {
      'webhook-id': MSG_ID,
      'webhook-timestamp': String(TIMESTAMP),
      'webhook-signature': SIGNATURE,
    }
    expect(both(unbranded)).toEqual({ sdk: true, hookgate: 'ok' })
  })

  it('accepts SDK signatures with Clerk-style JSON and reads id and type', () => {
    const body = JSON.stringify({ type: 'user.created', data: { first_name: 'Zoë', emoji: '🦊' } })
    const headers = sdkHeaders(flavour, SECRET, body, 'msg_2ab', TIMESTAMP - 60)
    const result = verifyOurs(flavour, SECRET, headers, body, NOW_MS)
    expect(outcome(result)).toBe('ok')
    if (result.ok) {
      expect(result.id).toBe('msg_2ab')
      expect(result.eventType).toBe('user.created')
    }
  })

  it('prefers svix-* over webhook-* when both sets are present, like the SDK', () => {
    const stale = {
      'webhook-id': 'msg_old',
      'webhook-timestamp': String(TIMESTAMP - 5000),
      'webhook-signature': 'v1,AAAA',
    }
    expect(both({ ...stale, ...svixHeaders() })).toEqual({ sdk: true, hookgate: 'ok' })
  })
})

describe('svix: Hookgate signs, the SDK verifies', () => {
  it('Webhook#verify accepts signWebhook output and returns the parsed JSON', () => {
    const body = '{"type":"email.sent","to":"ü@example.com"}'
    const headers = ourHeaders(flavour, SECRET, body, 'msg_ours', TIMESTAMP)
    expect(Object.keys(headers).sort()).toEqual(['svix-id', 'svix-signature', 'svix-timestamp'])
    vi.setSystemTime(NOW_MS)
    expect(new Webhook(SECRET).verify(Buffer.from(body), headers)).toEqual(JSON.parse(body))
  })
})

describe('svix: differential against svix', () => {
  it('accepts and rejects exactly what Webhook#verify does, except the documented deviations', () => {
    const tally = runDifferential(sdkFlavour, ['svix', 'webhook'], 1500)
    tally.expectSeen(
      'sdk_accepts',
      'sdk_rejects',
      'non_utf8_body:paired_accepts',
      'non_utf8_body:paired_rejects',
      'mixed_header_sets',
      'lenient_timestamp',
      'entry_without_version',
      'malformed_signature_entry',
      'too_many_signatures',
      'header_too_long',
    )
  })
})

describe('svix: intentional deviations from svix', () => {
  it('mixed_header_sets: svix-signature with webhook-id/-timestamp is refused; the SDK mixes the two sets', () => {
    const mixed = {
      'svix-signature': SIGNATURE,
      'webhook-id': MSG_ID,
      'webhook-timestamp': String(TIMESTAMP),
    }
    expect(both(mixed)).toEqual({ sdk: true, hookgate: 'missing_signature' })
    // The opposite direction: a coherent webhook-* set plus a stray svix-id. Hookgate verifies the set it reads;
    // the SDK combines the stray id with the other set's signature and fails.
    const stray = {
      'webhook-id': MSG_ID,
      'webhook-timestamp': String(TIMESTAMP),
      'webhook-signature': SIGNATURE,
      'svix-id': 'msg_other',
    }
    expect(both(stray)).toEqual({ sdk: false, hookgate: 'ok' })
  })

  it('json_parse: the SDK throws SyntaxError for a valid signature over a non-JSON (or empty) body; Hookgate verifies', () => {
    for (const body of ['plain text ✓', '']) {
      const headers = sdkHeaders(flavour, SECRET, body, MSG_ID, TIMESTAMP)
      vi.setSystemTime(NOW_MS)
      expect(() => new Webhook(SECRET).verify(body, headers)).toThrow(SyntaxError)
      expect(outcome(verifyOurs(flavour, SECRET, headers, body, NOW_MS))).toBe('ok')
    }
  })

  // The classes svix inherits from standardwebhooks (named tests with explanations in standard-webhooks.test.ts).
  it('lenient_timestamp: svix-timestamp must be digits only; the SDK parseInt()s " 1614265330"', () => {
    expect(both({ ...svixHeaders(), 'svix-timestamp': ` ${TIMESTAMP}` })).toEqual({
      sdk: true,
      hookgate: 'malformed_signature',
    })
  })

  it('entry_without_version: a list entry without "," is refused; the SDK skips it', () => {
    expect(both(svixHeaders(`junk ${SIGNATURE}`))).toEqual({
      sdk: true,
      hookgate: 'malformed_signature',
    })
  })

  it('malformed_signature_entry: "v1,<sig>,x" is refused; the SDK reads the part before the second comma', () => {
    expect(both(svixHeaders(`${SIGNATURE},x`))).toEqual({
      sdk: true,
      hookgate: 'malformed_signature',
    })
  })

  it('too_many_signatures: more than 16 v1/v1a entries are refused', () => {
    expect(
      both(
        svixHeaders(
          [...Array.from({ length: 16 }, () => `v1,${'B'.repeat(43)}=`), SIGNATURE].join(' '),
        ),
      ),
    ).toEqual({ sdk: true, hookgate: 'malformed_signature' })
  })

  it('header_too_long: a svix-signature header over 8192 characters is refused', () => {
    expect(both(svixHeaders(`${SIGNATURE}${' '.repeat(8200)}`))).toEqual({
      sdk: true,
      hookgate: 'malformed_signature',
    })
  })

  it('non_utf8_body: the signature covers the bytes; the SDK hashes payload.toString() (U+FFFD)', () => {
    const raw = new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]) // a JSON string holding an encoded lone surrogate
    expect(both(ourHeaders(flavour, SECRET, raw, MSG_ID, TIMESTAMP), raw)).toEqual({
      sdk: false,
      hookgate: 'ok',
    })
    expect(both(sdkHeaders(flavour, SECRET, raw, MSG_ID, TIMESTAMP), raw)).toEqual({
      sdk: true,
      hookgate: 'signature_mismatch',
    })
  })
})
