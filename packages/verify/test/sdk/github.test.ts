/**
 * GitHub preset vs the official `@octokit/webhooks-methods` 6 (ESM, Node build): sign() signs,
 * verify()/verifyWithFallback() verify. The Node build takes the payload as a string only.
 * Intentional deviations are listed in docs/deviations.md and each has a named test below.
 */
import { Buffer } from 'node:buffer'
import { createHmac } from 'node:crypto'
import { sign, verify, verifyWithFallback } from '@octokit/webhooks-methods'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { providers, safeVerifyWebhook, signWebhook, type VerifyResult } from '@hookgate/verify'
import {
  byteBody,
  fcParams,
  flipChar,
  isUtf8,
  lossyText,
  lowerHex,
  mutations,
  outcome,
  rarely,
  sdkAcceptsAsync,
  Tally,
  textSecret,
} from './_support.ts'

const SECRET = "It's a Secret to Everybody"

function verifyOurs(
  secret: string | string[],
  header: string | undefined,
  body: Uint8Array | string,
  extra: Record<string, string> = {},
): VerifyResult {
  const headers = header === undefined ? { ...extra } : { 'x-hub-signature-256': header, ...extra }
  return safeVerifyWebhook(providers.github({ secrets: secret }), {
    method: 'POST',
    url: 'https://hooks.example.com/gh',
    headers,
    rawBody: body,
  })
}

/** The SDK throws a TypeError for a missing argument or a non-string payload; a mismatch returns false. */
const octokitRejects = (error: unknown): boolean =>
  error instanceof TypeError && error.message.startsWith('[@octokit/webhooks-methods]')

function sdkVerifies(
  secret: string,
  payload: unknown,
  header: string | undefined,
): Promise<boolean> {
  return sdkAcceptsAsync(() => verify(secret, payload as string, header as string), octokitRejects)
}

const ourHeader = (secret: string, body: Uint8Array | string) =>
  signWebhook(providers.github({ secrets: secret }), { body })['X-Hub-Signature-256']!

describe('github: the SDK signs, Hookgate verifies', () => {
  it("accepts the signature of GitHub's documented example (sign() agrees with the docs)", async () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const expected = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'
    expect(await sign(SECRET, 'Hello, World!')).toBe(expected)
    expect(outcome(verifyOurs(SECRET, expected, 'Hello, World!'))).toBe('ok')
  })

  it('accepts a JSON delivery with multi-byte UTF-8 and reads the delivery id and event', async () => {
    const body = JSON.stringify({
      zen: 'Keep it logically awesome. 🐙',
      sender: { login: 'Ünïcødé' },
    })
    const result = verifyOurs(SECRET, await sign(SECRET, body), body, {
      'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'X-GitHub-Event': 'ping',
    })
    expect(outcome(result)).toBe('ok')
    if (!result.ok) return
    expect(result.id).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958')
    expect(result.eventType).toBe('ping')
  })

  it('rejects what the SDK rejects: uppercase hex, sha1= header, other secret, changed body', async () => {
    const body = '{"action":"opened"}'
    const header = await sign(SECRET, body)
    const upper = `sha256=${header.slice(7).toUpperCase()}`
    expect(await verify(SECRET, body, upper)).toBe(false)
    expect(outcome(verifyOurs(SECRET, upper, body))).toBe('malformed_signature')
    const sha1 = `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`
    expect(await verify(SECRET, body, sha1)).toBe(false)
    expect(outcome(verifyOurs(SECRET, sha1, body))).toBe('unsupported_algorithm')
    expect(outcome(verifyOurs('other', header, body))).toBe('signature_mismatch')
    expect(outcome(verifyOurs(SECRET, header, `${body} `))).toBe('signature_mismatch')
  })
})

describe('github: Hookgate signs, the SDK verifies', () => {
  it('verify() accepts signWebhook output', async () => {
    const body = '{"ref":"refs/heads/main","emoji":"🚀","cjk":"漢字"}'
    expect(await verify(SECRET, body, ourHeader(SECRET, body))).toBe(true)
  })

  it('rotation: verifyWithFallback and a secrets list accept the same deliveries', async () => {
    const body = '{"hook_id":1}'
    const header = await sign('old-secret', body)
    expect(await verifyWithFallback('new-secret', body, header, ['old-secret'])).toBe(true)
    expect(outcome(verifyOurs(['new-secret', 'old-secret'], header, body))).toBe('ok')
    expect(await verifyWithFallback('new-secret', body, header, ['third'])).toBe(false)
    expect(verifyOurs(['new-secret', 'third'], header, body).ok).toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// Differential property
// ---------------------------------------------------------------------------------------------

type Mutation =
  | { kind: 'drop-header' | 'empty-header' | 'upper-sig' | 'upper-prefix' }
  | { kind: 'truncate-sig'; n: number }
  | { kind: 'flip-sig'; index: number }
  | { kind: 'prefix'; to: string }
  | { kind: 'space'; where: 'leading' | 'trailing' | 'after-eq' }
  | { kind: 'append'; text: string }
  | { kind: 'second-signature'; hex: string; separator: string }
  | { kind: 'long-header' }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom<Mutation>(
    { kind: 'drop-header' },
    { kind: 'empty-header' },
    { kind: 'upper-sig' },
    { kind: 'upper-prefix' },
    { kind: 'long-header' },
  ),
  fc.record({ kind: fc.constant('truncate-sig' as const), n: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('flip-sig' as const), index: fc.nat() }),
  fc.record({
    kind: fc.constant('prefix' as const),
    to: fc.constantFrom('sha1=', 'sha512=', '', 'sha256:', 'sha256=='),
  }),
  fc.record({
    kind: fc.constant('space' as const),
    where: fc.constantFrom<'leading' | 'trailing' | 'after-eq'>('leading', 'trailing', 'after-eq'),
  }),
  fc.record({
    kind: fc.constant('append' as const),
    text: fc.constantFrom('0', '00', '=', '\n', 'é'),
  }),
  fc.record({
    kind: fc.constant('second-signature' as const),
    hex: lowerHex(32),
    separator: fc.constantFrom(',', ' ', ', '),
  }),
)

/** Structural: applied to `sha256=<hex>` by position, so the same mutation can be applied to two signatures. */
function mutate(header: string | undefined, m: Mutation): string | undefined {
  if (header === undefined) return undefined
  const eq = header.indexOf('=')
  const prefix = eq === -1 ? '' : header.slice(0, eq + 1)
  const sig = header.slice(eq + 1)
  switch (m.kind) {
    case 'drop-header':
      return undefined
    case 'empty-header':
      return ''
    case 'upper-sig':
      return prefix + sig.toUpperCase()
    case 'upper-prefix':
      return prefix.toUpperCase() + sig
    case 'truncate-sig':
      return prefix + sig.slice(0, Math.max(0, sig.length - m.n))
    case 'flip-sig':
      return prefix + flipChar(sig, m.index)
    case 'prefix':
      return m.to + sig
    case 'space':
      if (m.where === 'leading') return ` ${header}`
      if (m.where === 'trailing') return `${header} `
      return `${prefix} ${sig}`
    case 'append':
      return header + m.text
    case 'second-signature':
      return `${header}${m.separator}sha256=${m.hex}`
    case 'long-header':
      return `${header}${' '.repeat(8200)}`
  }
}

describe('github: differential against @octokit/webhooks-methods', () => {
  it('accepts and rejects exactly what verify() does; non-UTF-8 bodies are paired (see non_utf8_body)', async () => {
    const tally = new Tally()
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          secret: textSecret,
          wrongSecret: rarely(textSecret),
          // Empty bodies are excluded: the SDK throws on them (deviation empty_body, named test below).
          body: byteBody({ minLength: 1 }),
          mutations: mutations(mutation),
          tamper: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
        }),
        async (c) => {
          const signingSecret = c.wrongSecret ?? c.secret
          const body = c.tamper ? new Uint8Array([...c.body, 0x21]) : c.body
          const apply = (header: string) => c.mutations.reduce<string | undefined>(mutate, header)
          if (isUtf8(c.body)) {
            const text = lossyText(c.body)
            const sdkSigned = await sign(signingSecret, text)
            // Signing is deterministic: "what we sign, the SDK verifies" holds on every case.
            expect(ourHeader(signingSecret, c.body)).toBe(sdkSigned)
            const header = apply(sdkSigned)
            const sdk = await sdkVerifies(c.secret, lossyText(body), header)
            const ours = verifyOurs(c.secret, header, body)
            tally.add(sdk ? 'sdk_accepts' : 'sdk_rejects')
            expect({ header, reason: outcome(ours), ours: ours.ok }).toMatchObject({ ours: sdk })
            return
          }
          // Deviation non_utf8_body. GitHub signs the bytes; the SDK can only be given `body.toString()`, which
          // replaces invalid sequences with U+FFFD. Pairing: Hookgate on the bytes with a mutated signature over
          // the bytes must decide like the SDK on its text with the same mutation of a signature over that text.
          const text = lossyText(body)
          const sdkSigned = apply(await sign(signingSecret, lossyText(c.body)))
          const ourSigned = apply(ourHeader(signingSecret, c.body))
          const sdk = await sdkVerifies(c.secret, text, sdkSigned)
          const ours = verifyOurs(c.secret, ourSigned, body)
          tally.add(sdk ? 'non_utf8_body:paired_accepts' : 'non_utf8_body:paired_rejects')
          expect({ ourSigned, reason: outcome(ours), ours: ours.ok }).toMatchObject({ ours: sdk })
          // Crossed: neither accepts the other's signature, because the signed bytes differ.
          expect(verifyOurs(c.secret, sdkSigned, body).ok).toBe(false)
          expect(await sdkVerifies(c.secret, text, ourSigned)).toBe(false)
        },
      ),
      fcParams(1500),
    )
    tally.expectSeen(
      'sdk_accepts',
      'sdk_rejects',
      'non_utf8_body:paired_accepts',
      'non_utf8_body:paired_rejects',
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Intentional deviations, one test each (docs/deviations.md)
// ---------------------------------------------------------------------------------------------

describe('github: intentional deviations from @octokit/webhooks-methods', () => {
  it('non_utf8_body: bytes that are not UTF-8 verify on the raw bytes; the Node SDK needs a string payload', async () => {
    const raw = new Uint8Array([0x7b, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]) // {"x":"\xc3(\xff"}
    const genuine = `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}` // what GitHub computes over the bytes
    expect(outcome(verifyOurs(SECRET, genuine, raw))).toBe('ok')
    await expect(verify(SECRET, Buffer.from(raw) as unknown as string, genuine)).rejects.toThrow(
      'eventPayload must be a string',
    )
    const text = Buffer.from(raw).toString('utf8')
    expect(await verify(SECRET, text, genuine)).toBe(false)
    // …and the SDK accepts a signature over the replacement characters, which Hookgate refuses for these bytes.
    const overText = await sign(SECRET, text)
    expect(await verify(SECRET, text, overText)).toBe(true)
    expect(outcome(verifyOurs(SECRET, overText, raw))).toBe('signature_mismatch')
  })

  it('empty_body: an empty body with a valid signature verifies; the SDK throws on an empty payload', async () => {
    const genuine = `sha256=${createHmac('sha256', SECRET).update('').digest('hex')}`
    expect(outcome(verifyOurs(SECRET, genuine, ''))).toBe('ok')
    await expect(verify(SECRET, '', genuine)).rejects.toThrow(TypeError)
    await expect(sign(SECRET, '')).rejects.toThrow(TypeError)
  })

  it('blank_secret: a whitespace-only secret is refused at construction; the SDK signs with it', async () => {
    expect(() => providers.github({ secrets: '   ' })).toThrow(TypeError)
    expect(await sign('   ', 'x')).toMatch(/^sha256=[0-9a-f]{64}$/)
  })
})
