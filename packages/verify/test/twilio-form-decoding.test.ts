/**
 * The Twilio preset decodes form bodies with its own one-pass decoder (faster than URLSearchParams, see
 * bench/verify.mjs). Differential: for bodies full of the awkward cases (`+`, stray and valid `%XX`, percent-encoded
 * UTF-8 both valid and broken, raw non-ASCII, empty pairs, a leading `?`), a signature made from what
 * `new URLSearchParams(body)` yields must verify, and one made from anything else must not.
 */
import { Buffer } from 'node:buffer'
import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { providers, safeVerifyWebhook } from '@hookgate/verify'

const TOKEN = 'twilio-auth-token-0123456789abcdef'
const URL_SIGNED = 'https://hooks.example.com/twilio/sms'
const preset = providers.twilio({ secrets: TOKEN })

const PIECES = [
  '%',
  '+',
  '&',
  '=',
  '?',
  'a',
  'F',
  '0',
  '9',
  'g',
  'é',
  '✓',
  '😀',
  '%2',
  '%4',
  '%41',
  '%e2%9c%93',
  '%E2%9C',
  '%C3',
  '%ff',
  '%2B',
  '%26',
  '%3D',
  '%ED%A0%80',
  '%F0%9F%98',
  '%00',
  '%c3%a9',
  '~',
  '%+41',
  '%%41',
]
const awkwardBody = fc
  .array(fc.constantFrom(...PIECES), { maxLength: 24 })
  .map((pieces) => pieces.join(''))

/** Twilio's scheme computed from URLSearchParams' reading of the body. */
function referenceSignature(body: string): string {
  const grouped = new Map<string, string[]>()
  // The leading '&' keeps URLSearchParams from dropping a leading '?' (a form body's first name keeps it).
  for (const [name, value] of new URLSearchParams(`&${body}`))
    grouped.set(name, [...(grouped.get(name) ?? []), value])
  let data = URL_SIGNED
  for (const name of [...grouped.keys()].sort()) {
    for (const value of [...new Set(grouped.get(name))].sort()) data += name + value
  }
  return createHmac('sha1', TOKEN).update(Buffer.from(data, 'utf8')).digest('base64')
}

function verify(body: string, signature: string): boolean {
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': signature,
  }
  return safeVerifyWebhook(preset, {
    method: 'POST',
    url: URL_SIGNED,
    headers,
    rawBody: Buffer.from(body, 'utf8'),
  }).ok
}

describe('twilio: form bodies are read exactly as URLSearchParams reads them', () => {
  it('verifies a signature over the URLSearchParams reading of awkward bodies', () => {
    fc.assert(
      fc.property(awkwardBody, (body) => {
        expect(verify(body, referenceSignature(body))).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it("sorts names, then each name's distinct values, as the SDK does (repeated names and pairs)", () => {
    const component = fc.constantFrom('a', 'b', 'B', 'a+b', 'é', '%C3%A9', '😀', '')
    const pair = fc.tuple(component, component).map(([name, value]) => `${name}=${value}`)
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 12 }), (pairs) => {
        const body = pairs.join('&')
        expect(verify(body, referenceSignature(body))).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('reads plain bodies (ASCII, distinct names: what Twilio sends) to the same bytes, in any order', () => {
    const NAMES = [
      'Body',
      'To',
      'From',
      'body',
      'B',
      'Bo',
      '?x',
      'x?',
      'a_b',
      'Z9',
      '~',
      '',
      'MediaUrl0',
    ]
    const VALUE_PIECES = [
      'a',
      '+',
      '%41',
      '%2B',
      '%26',
      '%3D',
      '%C3%A9',
      '%E2%9C%93',
      '%C3',
      '%ff',
      '%80',
      '%',
      '%2',
      '%+41',
      '=',
      '?',
      '~',
    ]
    const value = fc
      .array(fc.constantFrom(...VALUE_PIECES), { maxLength: 8 })
      .map((p) => p.join(''))
    const form = fc
      .uniqueArray(fc.constantFrom(...NAMES), { maxLength: NAMES.length })
      .chain((names) =>
        fc.tuple(
          fc.constant(names),
          fc.array(value, { minLength: names.length, maxLength: names.length }),
          fc.array(fc.constantFrom('=', '', '&'), {
            minLength: names.length,
            maxLength: names.length,
          }),
        ),
      )
      // '' after a name: no `=` (value ''); '&': an empty part before the pair.
      .map(([names, values, joins]) =>
        names
          .map(
            (name, i) =>
              (joins[i] === '&' ? '&' : '') + name + (joins[i] === '' ? '' : '=' + values[i]),
          )
          .join('&'),
      )
    fc.assert(
      fc.property(form, (body) => {
        expect(verify(body, referenceSignature(body))).toBe(true)
        expect(verify(`${body}&zz=1`, referenceSignature(body))).toBe(false)
      }),
      { numRuns: 1000 },
    )
  })

  it('refuses a signature over a different reading (the raw, undecoded text)', () => {
    fc.assert(
      fc.property(awkwardBody, (body) => {
        const raw = createHmac('sha1', TOKEN)
          .update(URL_SIGNED + body.split('&').sort().join(''))
          .digest('base64')
        fc.pre(raw !== referenceSignature(body))
        expect(verify(body, raw)).toBe(false)
      }),
      { numRuns: 200 },
    )
  })

  it('decodes long, heavily encoded values (the fast path) and long plain ones alike', () => {
    for (const text of ['Grüße aus Köln ✓ '.repeat(500), 'plain words only '.repeat(500)]) {
      const body = new URLSearchParams({
        Body: text,
        From: '+14155550100',
        To: '+14155552671',
      }).toString()
      expect(verify(body, referenceSignature(body))).toBe(true)
      expect(verify(body.replace('Body=', 'Body=x'), referenceSignature(body))).toBe(false)
    }
  })
})
