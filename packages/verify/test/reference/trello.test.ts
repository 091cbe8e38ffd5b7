/**
 * Trello has no SDK that verifies webhooks, so this file carries an independent reference implementation
 * written from Trello's documented algorithm and checks the preset against it in both directions and
 * differentially over random deliveries.
 * @see https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-signatures
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
import { anyBody, anyText, textSecret, webhookUrl } from '../support/presets.ts'

// ---------------------------------------------------------------------------------------------------
// Reference, from the docs: the header `X-Trello-Webhook` is base64(HMAC-SHA1(app secret, body + callbackURL)),
// the callbackURL exactly as passed when the webhook was created, the body as received (UTF-8 JSON), no
// separator. The docs' sample compares by HMAC-ing both sides again ("double HMAC") to avoid timing leaks.
// ---------------------------------------------------------------------------------------------------

function referenceContent(body: Uint8Array, callbackUrl: string): Buffer {
  return Buffer.concat([Buffer.from(body), Buffer.from(callbackUrl, 'utf8')])
}

function referenceSign(secret: string, body: Uint8Array, callbackUrl: string): string {
  return createHmac('sha1', secret).update(referenceContent(body, callbackUrl)).digest('base64')
}

function referenceVerify(
  secret: string,
  body: Uint8Array,
  callbackUrl: string,
  header: string | undefined,
): boolean {
  if (header === undefined) return false
  const base64Digest = (data: string | Uint8Array) =>
    createHmac('sha1', secret).update(data).digest('base64')
  const doubleHash = base64Digest(base64Digest(referenceContent(body, callbackUrl)))
  return doubleHash === base64Digest(header)
}

// ---------------------------------------------------------------------------------------------------

/** Callback URLs as people register them: query strings, trailing slashes, escapes and raw unicode. */
const callbackUrl = fc.oneof(
  webhookUrl,
  fc
    .tuple(
      webhookUrl,
      fc.constantFrom('/é', '/%C3%A9', '/caf%C3%A9/', '/ñ?q=ü', '/?a=1&a=2', '//', '/#frag', '/?'),
    )
    .map(([base, tail]) => base.replace(/[?].*$/, '').replace(/\/$/, '') + tail),
)

/** Near-miss URLs: what proxies and typos do to a registered URL. */
function urlVariants(url: string): string[] {
  const variants = [
    url.endsWith('/') ? url.slice(0, -1) : `${url}/`,
    url.includes('?') ? url.slice(0, url.indexOf('?')) : `${url}?x=1`,
    url.replace(/^https:/, 'http:').replace(/^http:(?!\/\/.*https)/, 'https:'),
    url.toUpperCase(),
    `${url} `,
  ]
  return variants.filter((v) => v !== url)
}

const preset = (secret: string, url: string) =>
  providers.trello({ secrets: secret, callbackUrl: url })
const request = (body: Uint8Array, header: string | undefined) => ({
  method: 'POST',
  url: 'http://localhost:3000/trello', // what the app sees behind a proxy: Trello's scheme ignores it
  headers: header === undefined ? {} : { 'x-trello-webhook': header },
  rawBody: body,
})

describe('trello: independent reference implementation', () => {
  it('the reference reproduces a hand-computed value (secret "secret", body {"hello":"world"})', () => {
    // Computed with `printf '%s' '{"hello":"world"}https://example.com/webhooks' | openssl dgst -sha1 -hmac secret -binary | base64`.
    expect(
      referenceSign('secret', Buffer.from('{"hello":"world"}'), 'https://example.com/webhooks'),
    ).toBe('FwPAcuGe9EP/+SbXFWjnEVTa0zw=')
  })

  it('reference signs → the preset verifies', () => {
    fc.assert(
      fc.property(textSecret, anyBody, callbackUrl, (secret, body, url) => {
        const result = safeVerifyWebhook(
          preset(secret, url),
          request(body, referenceSign(secret, body, url)),
        )
        expect(result.ok ? 'ok' : result.message).toBe('ok')
      }),
      { numRuns: 200 },
    )
  })

  it('the preset signs → the reference verifies, and both produce the same header', () => {
    fc.assert(
      fc.property(textSecret, anyBody, callbackUrl, (secret, body, url) => {
        const headers = signWebhook(preset(secret, url), { body })
        expect(Object.keys(headers)).toEqual(['X-Trello-Webhook'])
        expect(referenceVerify(secret, body, url, headers['X-Trello-Webhook'])).toBe(true)
        expect(headers['X-Trello-Webhook']).toBe(referenceSign(secret, body, url))
      }),
      { numRuns: 200 },
    )
  })

  it('differential: the preset and the reference agree on ~1000 random deliveries', () => {
    const KINDS = ['valid', 'other url', 'other secret', 'mutated', 'garbage', 'missing'] as const
    const delivery = fc.record({
      secret: textSecret,
      body: anyBody,
      url: callbackUrl,
      kind: fc.constantFrom(...KINDS),
      otherSecret: textSecret,
      i: fc.nat(),
      char: anyText(1, 1),
      garbage: anyText(40),
    })
    /** The header a delivery of this kind carries. */
    type Delivery = typeof delivery extends fc.Arbitrary<infer T> ? T : never
    function header(d: Delivery): string | undefined {
      const valid = referenceSign(d.secret, d.body, d.url)
      switch (d.kind) {
        case 'valid':
          return valid
        case 'other url': {
          const variants = urlVariants(d.url)
          return referenceSign(d.secret, d.body, variants[d.i % variants.length]!)
        }
        case 'other secret':
          return referenceSign(
            d.otherSecret === d.secret ? `${d.secret}x` : d.otherSecret,
            d.body,
            d.url,
          )
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
        const expected = referenceVerify(d.secret, d.body, d.url, value)
        const result = safeVerifyWebhook(preset(d.secret, d.url), request(d.body, value))
        expect(result.ok).toBe(expected)
        if (!result.ok) expect(VERIFICATION_FAILURE_REASONS).toContain(result.reason)
        const key = `${d.kind}:${expected}`
        seen.set(key, (seen.get(key) ?? 0) + 1)
      }),
      { numRuns: 1000 },
    )
    // Both verdicts really occurred: valid deliveries passed, every kind of forgery was seen and refused.
    expect([...seen.keys()].sort()).toEqual([
      'garbage:false',
      'missing:false',
      'mutated:false',
      'other secret:false',
      'other url:false',
      'valid:true',
    ])
  })

  it('the callback URL is used exactly as registered: trailing slash, query string and escapes all count', () => {
    const secret = 'app-secret'
    const body = Buffer.from('{"action":{"id":"5f1","type":"updateCard"}}')
    for (const url of [
      'https://hooks.example.com/trello/?memberID=14&mainModel=true',
      'https://hooks.example.com/caf%C3%A9/',
    ]) {
      const header = referenceSign(secret, body, url)
      expect(safeVerifyWebhook(preset(secret, url), request(body, header)).ok).toBe(true)
      for (const other of urlVariants(url)) {
        expect(referenceVerify(secret, body, other, header)).toBe(false)
        const result = safeVerifyWebhook(preset(secret, other), request(body, header))
        expect(result.ok ? 'ok' : result.reason).toBe('signature_mismatch')
      }
    }
  })

  it('a unicode body is signed as its UTF-8 bytes (not latin-1, not re-serialised JSON)', () => {
    const secret = 'app-secret'
    const url = 'https://hooks.example.com/trello'
    const text = '{"action":{"data":{"text":"naïve café 👋 \\u2028"}}}'
    const header = referenceSign(secret, Buffer.from(text, 'utf8'), url)
    expect(
      safeVerifyWebhook(preset(secret, url), request(Buffer.from(text, 'utf8'), header)).ok,
    ).toBe(true)
    expect(
      safeVerifyWebhook(preset(secret, url), {
        ...request(Buffer.from(text, 'utf8'), header),
        rawBody: text,
      }).ok,
    ).toBe(true)
    expect(
      safeVerifyWebhook(preset(secret, url), request(Buffer.from(text, 'latin1'), header)).ok,
    ).toBe(false)
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(text)), 'utf8')
    expect(safeVerifyWebhook(preset(secret, url), request(reserialised, header)).ok).toBe(false)
  })
})
