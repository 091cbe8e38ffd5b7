/**
 * Laws every preset must obey (fast-check), run for every key of `providers`:
 * sign → verify round trip; any single-byte change of body, signature, timestamp, signed id or signed URL
 * is rejected; header-name case never matters; replay windows hold to the second in both directions;
 * several secrets: any one passes, and a failure reads the same whichever wrong secrets are configured.
 */
import { Buffer } from 'node:buffer'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  providers,
  safeVerifyWebhook,
  signWebhook,
  type ConfiguredPreset,
  type VerifyResult,
  type WebhookRequest,
} from '@hookgate/verify'
import {
  BODY_SIGNED_PRESETS,
  HEADER_SIGNED_IDS,
  PRESET_CASES,
  prng,
  recase,
  requestHeaders,
  segment,
  twilioFormMessage,
  webhookUrl,
  type Message,
  type PresetCase,
  runs,
} from './support/presets.ts'

/** Unix seconds from 2001 to 2096: ten digits, like every real provider timestamp. */
const unixSeconds = fc.integer({ min: 1_000_000_000, max: 3_999_999_999 })
const deliveryId = fc.stringMatching(/^msg_[A-Za-z0-9]{1,32}$/)
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const HEX = '0123456789abcdef'

const at = (seconds: number, ms = 0) => new Date(seconds * 1000 + ms)

function sign(
  preset: ConfiguredPreset,
  message: Message,
  timestamp: number,
  id: string,
): WebhookRequest {
  const headers = signWebhook(preset, {
    body: message.body,
    timestamp: at(timestamp),
    id,
    ...(message.url === undefined ? {} : { url: message.url }),
  })
  return {
    method: 'POST',
    headers: requestHeaders(headers, message),
    rawBody: message.body,
    ...(message.url === undefined ? {} : { url: message.url }),
  }
}

function verdict(result: VerifyResult): string {
  return result.ok ? 'ok' : `${result.reason}: ${result.message}`
}

/** Everything a failure shows the outside world. */
function outward(result: VerifyResult) {
  if (result.ok) return { ok: true }
  return {
    ok: false,
    reason: result.reason,
    message: result.message,
    status: result.error.status,
    provider: result.error.provider,
    json: result.error.toJSON(),
    errorMessage: result.error.message,
  }
}

/** Replaces the character at `index` with `replacement`. */
const replaceAt = (text: string, index: number, replacement: string) =>
  text.slice(0, index) + replacement + text.slice(index + 1)

/** A different character from `alphabet` than `current` (k picks which). */
function otherOf(alphabet: string, current: string, k: number): string {
  const choices = alphabet.replace(current, '')
  return choices[k % choices.length] ?? '?'
}

/** One replacement character: printable ASCII, controls (NUL, CR, LF), latin-1 or any BMP letter. */
const replacementChar = fc
  .oneof(
    fc.integer({ min: 0x20, max: 0x7e }),
    fc.constantFrom(0x00, 0x09, 0x0a, 0x0d, 0x7f),
    fc.integer({ min: 0x80, max: 0xff }),
    fc.integer({ min: 0x100, max: 0xd7ff }),
  )
  .map((code) => String.fromCharCode(code))

/**
 * How to replace one character: any character from {@link replacementChar}, or a "latin-1 twin" of the
 * original (same low byte, U+0100 or above): a comparison that truncates to bytes would take the twin for it.
 */
const replacement: fc.Arbitrary<(original: string) => string> = fc.oneof(
  replacementChar.map((char) => () => char),
  fc
    .integer({ min: 1, max: 0xd7 })
    .map(
      (n) => (original: string) => String.fromCharCode((original.charCodeAt(0) & 0xff) + 0x100 * n),
    ),
)

/** A secret differing from `secret` in one place: the closest possible wrong secret. */
function nearMiss(c: PresetCase, secret: string): string {
  if (c.nearMiss !== undefined) return c.nearMiss(secret)
  if (secret.startsWith('whsec_')) {
    const bytes = Buffer.from(c.secretBytes(secret))
    bytes[0] = (bytes[0] ?? 0) ^ 0x01
    return `whsec_${bytes.toString('base64')}`
  }
  return secret.slice(0, -1) + (secret.endsWith('x') ? 'y' : 'x')
}

const sameKey = (c: PresetCase, a: string, b: string) =>
  Buffer.from(c.secretBytes(a)).equals(Buffer.from(c.secretBytes(b)))

const ids = HEADER_SIGNED_IDS

describe('every preset has a test description', () => {
  it('covers exactly the keys of `providers`, but the body-signed presets, which name their own test file', () => {
    expect(Object.keys(PRESET_CASES).sort()).toEqual([...ids].sort())
    for (const [id, file] of Object.entries(BODY_SIGNED_PRESETS)) {
      expect(Object.keys(providers)).toContain(id)
      expect(existsSync(new URL(file, import.meta.url))).toBe(true)
    }
  })
})

for (const id of ids) {
  const c = PRESET_CASES[id]

  describe(`${id}: properties`, () => {
    it('sign → verify round trip (string or byte secrets)', () => {
      fc.assert(
        fc.property(
          c.secret,
          c.message,
          unixSeconds,
          deliveryId,
          fc.boolean(),
          (secret, message, t, msgId, asBytes) => {
            const request = sign(c.make(secret), message, t, msgId)
            const verifier = c.make(asBytes ? c.secretBytes(secret) : secret)
            const result = safeVerifyWebhook(verifier, request, { now: at(t) })
            expect(verdict(result)).toBe('ok')
            if (!result.ok) return
            expect(Buffer.from(result.rawBody).equals(Buffer.from(message.body))).toBe(true)
            expect(result.provider).toBe(id)
            if (c.time?.kind === 'window') expect(result.timestamp?.getTime()).toBe(t * 1000)
            if (c.signedIdHeader !== undefined) expect(result.id).toBe(msgId)
          },
        ),
        { numRuns: runs(c, 100) },
      )
    })

    if (c.body === 'bytes' || c.body === 'twilio') {
      it('any single-byte change of the body is rejected', () => {
        fc.assert(
          fc.property(
            c.secret,
            c.message,
            unixSeconds,
            deliveryId,
            fc.nat(),
            fc.nat(),
            (secret, message, t, msgId, i, k) => {
              const preset = c.make(secret)
              const request = sign(preset, message, t, msgId)
              let tampered: Message
              if (message.params !== undefined) {
                // Twilio signs decoded form params: `a+b` and `a%20b` are the same value, so change a value itself.
                const withValue = message.params
                  .map((p, index) => [p, index] as const)
                  .filter(([[, v]]) => v.length > 0)
                fc.pre(withValue.length > 0)
                const [[name, value], index] = withValue[i % withValue.length]!
                const points = [...value]
                const at_ = k % points.length
                points[at_] = otherOf(ALNUM, points[at_]!, k)
                const params = message.params.map((p, j) =>
                  j === index ? ([name, points.join('')] as const) : p,
                )
                tampered = twilioFormMessage(message.url!, params)
              } else {
                fc.pre(message.body.length > 0)
                const body = Uint8Array.from(message.body)
                const index = i % body.length
                body[index] = (body[index]! + 1 + (k % 255)) % 256
                tampered = { ...message, body }
              }
              const result = safeVerifyWebhook(
                preset,
                { ...request, rawBody: tampered.body },
                { now: at(t) },
              )
              expect(result.ok).toBe(false)
              if (!result.ok)
                expect(['signature_mismatch', 'claim_mismatch']).toContain(result.reason)
            },
          ),
          { numRuns: runs(c, 80) },
        )
      })
    }

    if (c.body === 'event-id') {
      it('a change of the event_id the token is bound to is rejected (the token binds the event, not the bytes)', () => {
        fc.assert(
          fc.property(
            c.secret,
            c.message,
            unixSeconds,
            deliveryId,
            fc.nat(),
            fc.nat(),
            (secret, message, t, msgId, i, k) => {
              const preset = c.make(secret)
              const request = sign(preset, message, t, msgId)
              const text = Buffer.from(message.body).toString('utf8')
              const eventId = (JSON.parse(text) as { event_id: string }).event_id
              const start = text.indexOf(eventId)
              const hexPositions = [...eventId]
                .map((ch, p) => (ch === '-' ? -1 : p))
                .filter((p) => p >= 0)
              const p = start + hexPositions[i % hexPositions.length]!
              const tampered = replaceAt(text, p, otherOf(HEX, text[p]!.toLowerCase(), k))
              const result = safeVerifyWebhook(
                preset,
                { ...request, rawBody: tampered },
                { now: at(t) },
              )
              expect(verdict(result)).toMatch(/^claim_mismatch/)
            },
          ),
          { numRuns: runs(c, 60) },
        )
      })
    }

    it('any single-character change of the signature header value is rejected', () => {
      fc.assert(
        fc.property(
          c.secret,
          c.message,
          unixSeconds,
          deliveryId,
          fc.nat(),
          replacement,
          (secret, message, t, msgId, i, replace) => {
            const preset = c.make(secret)
            const request = sign(preset, message, t, msgId)
            const headers = request.headers as Record<string, string>
            const value = headers[c.signatureHeader]!
            const from = c.mutableFrom(value)
            const index = from + (i % (value.length - from))
            const char = replace(value[index]!)
            fc.pre(value[index] !== char)
            const tampered = { ...headers, [c.signatureHeader]: replaceAt(value, index, char) }
            expect(
              safeVerifyWebhook(preset, { ...request, headers: tampered }, { now: at(t) }).ok,
            ).toBe(false)
          },
        ),
        { numRuns: runs(c, 150) },
      )
    })

    const time = c.time
    if (time?.kind === 'window') {
      const inSignature = new RegExp(`(?:^|[,; ])${time.key ?? 't'}=(\\d+)`)
      // ISO timestamps have other digits (month, day…); their window law below still runs.
      if (time.unit !== 'iso')
        it('any single-digit change of the timestamp is rejected', () => {
          fc.assert(
            fc.property(
              c.secret,
              c.message,
              unixSeconds,
              deliveryId,
              fc.nat(),
              fc.nat(),
              (secret, message, t, msgId, i, k) => {
                const preset = c.make(secret)
                const request = sign(preset, message, t, msgId)
                const headers = { ...(request.headers as Record<string, string>) }
                const name = time.where === 'in-signature' ? c.signatureHeader : time.where.header
                const value = headers[name]!
                const digits =
                  time.where === 'in-signature' ? inSignature.exec(value)! : /^(\d+)$/.exec(value)!
                const start = digits.index + digits[0].length - digits[1]!.length
                const index = start + (i % digits[1]!.length)
                headers[name] = replaceAt(value, index, otherOf('0123456789', value[index]!, k))
                const moved =
                  Number(
                    (time.where === 'in-signature'
                      ? inSignature.exec(headers[name]!)!
                      : /^(\d+)$/.exec(headers[name]!)!)[1],
                  ) / (time.unit === 'ms' ? 1000 : 1)
                const result = safeVerifyWebhook(preset, { ...request, headers }, { now: at(t) })
                expect(result.ok).toBe(false)
                // Inside the window, only the signature can catch it.
                if (Math.abs(moved - t) <= time.seconds && !result.ok)
                  expect(result.reason).toBe('signature_mismatch')
              },
            ),
            { numRuns: runs(c, 80) },
          )
        })

      it('the window holds to the second, in both directions, for any tolerance', () => {
        fc.assert(
          fc.property(
            c.secret,
            c.message,
            unixSeconds,
            deliveryId,
            fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
            fc.integer({ min: 0, max: 999 }),
            (secret, message, t, msgId, override, ms) => {
              const tolerance = override ?? time.seconds
              const preset = c.make(secret, override)
              expect(preset.toleranceSeconds).toBe(tolerance)
              const request = sign(preset, message, t, msgId)
              const check = (seconds: number) =>
                verdict(safeVerifyWebhook(preset, request, { now: at(seconds, ms) })).split(':')[0]
              expect(check(t + tolerance)).toBe('ok')
              expect(check(t + tolerance + 1)).toBe('timestamp_too_old')
              expect(check(t - tolerance)).toBe('ok')
              expect(check(t - tolerance - 1)).toBe('timestamp_in_future')
            },
          ),
          { numRuns: runs(c, 60) },
        )
      })
    } else if (time?.kind === 'token') {
      it(`the token's lifetime holds to the second (exp exclusive, ${time.leewaySeconds}s leeway), and nbf/iat in the future fail`, () => {
        fc.assert(
          fc.property(
            c.secret,
            c.message,
            unixSeconds,
            deliveryId,
            fc.integer({ min: 0, max: 999 }),
            (secret, message, t, msgId, ms) => {
              const preset = c.make(secret)
              const request = sign(preset, message, t, msgId)
              const check = (seconds: number) =>
                verdict(safeVerifyWebhook(preset, request, { now: at(seconds, ms) })).split(':')[0]
              const exp = t + time.lifetimeSeconds
              expect(check(exp + time.leewaySeconds - 1)).toBe('ok')
              expect(check(exp + time.leewaySeconds)).toBe('timestamp_too_old')
              expect(check(t - time.leewaySeconds)).toBe('ok')
              expect(check(t - time.leewaySeconds - 1)).toBe('timestamp_in_future')
            },
          ),
          { numRuns: runs(c, 60) },
        )
      })
    } else {
      it('has no replay window: an old delivery still verifies (the scheme carries no timestamp)', () => {
        fc.assert(
          fc.property(c.secret, c.message, unixSeconds, deliveryId, (secret, message, t, msgId) => {
            const preset = c.make(secret)
            expect(preset.toleranceSeconds).toBeUndefined()
            const request = sign(preset, message, t, msgId)
            expect(
              verdict(safeVerifyWebhook(preset, request, { now: at(t + 10 * 365 * 86_400) })),
            ).toBe('ok')
          }),
          { numRuns: runs(c, 20) },
        )
      })
    }

    const idHeader = c.signedIdHeader
    if (idHeader !== undefined) {
      it('any single-character change of the signed delivery id is rejected', () => {
        fc.assert(
          fc.property(
            c.secret,
            c.message,
            unixSeconds,
            deliveryId,
            fc.nat(),
            fc.nat(),
            (secret, message, t, msgId, i, k) => {
              const preset = c.make(secret)
              const request = sign(preset, message, t, msgId)
              const headers = { ...(request.headers as Record<string, string>) }
              const index = i % msgId.length
              headers[idHeader] = replaceAt(msgId, index, otherOf(ALNUM + '_', msgId[index]!, k))
              expect(
                verdict(safeVerifyWebhook(preset, { ...request, headers }, { now: at(t) })),
              ).toMatch(/^signature_mismatch/)
            },
          ),
          { numRuns: runs(c, 80) },
        )
      })
    }

    if (c.url === 'request') {
      it('any single-character change of the signed URL path or query is rejected', () => {
        fc.assert(
          fc.property(
            c.secret,
            c.message,
            unixSeconds,
            deliveryId,
            fc.nat(),
            fc.nat(),
            (secret, message, t, msgId, i, k) => {
              const preset = c.make(secret)
              const request = sign(preset, message, t, msgId)
              const url = message.url!
              const pathStart = url.indexOf('/', url.indexOf('://') + 3)
              // Alphanumerics only: no URL normalisation (the SDK's candidate URLs) maps one to another.
              const positions = [...url]
                .map((ch, p) => (p > pathStart && ALNUM.includes(ch) ? p : -1))
                .filter((p) => p >= 0)
              fc.pre(positions.length > 0)
              const p = positions[i % positions.length]!
              const tampered = replaceAt(url, p, otherOf(ALNUM, url[p]!, k))
              expect(
                safeVerifyWebhook(preset, { ...request, url: tampered }, { now: at(t) }).ok,
              ).toBe(false)
            },
          ),
          { numRuns: runs(c, 80) },
        )
      })
    }

    const configUrl = c.configUrl
    if (c.url === 'config' && configUrl !== undefined) {
      it('any single-character change of the configured callback URL is rejected', () => {
        fc.assert(
          fc.property(
            c.secret,
            c.message,
            webhookUrl,
            fc.nat(),
            replacementChar,
            (secret, message, callbackUrl, i, char) => {
              const index = i % callbackUrl.length
              fc.pre(callbackUrl[index] !== char)
              const request = sign(configUrl(secret, callbackUrl), message, 0, 'x')
              const other = configUrl(secret, replaceAt(callbackUrl, index, char))
              expect(verdict(safeVerifyWebhook(other, request))).toMatch(/^signature_mismatch/)
            },
          ),
          { numRuns: runs(c, 80) },
        )
      })
    }

    it('header-name case never matters (plain object or Fetch Headers)', () => {
      fc.assert(
        fc.property(
          c.secret,
          c.message,
          unixSeconds,
          deliveryId,
          fc.integer(),
          fc.boolean(),
          (secret, message, t, msgId, seed, fetchHeaders) => {
            const preset = c.make(secret)
            const request = sign(preset, message, t, msgId)
            const random = prng(seed)
            const entries = Object.entries(request.headers as Record<string, string>).map(
              ([k, v]) => [recase(k, random), v] as const,
            )
            const headers = fetchHeaders
              ? new Headers(entries.map(([k, v]): [string, string] => [k, v]))
              : Object.fromEntries(entries)
            expect(
              verdict(safeVerifyWebhook(preset, { ...request, headers }, { now: at(t) })),
            ).toBe('ok')
          },
        ),
        { numRuns: runs(c, 60) },
      )
    })

    it('several secrets: any one matching passes; failures read the same whatever wrong secrets are configured', () => {
      fc.assert(
        fc.property(
          c.secret,
          fc.array(c.secret, { minLength: 1, maxLength: 3 }),
          fc.array(c.secret, { minLength: 1, maxLength: 4 }),
          c.message,
          unixSeconds,
          deliveryId,
          fc.nat(),
          (right, wrongA, wrongB, message, t, msgId, k) => {
            fc.pre([...wrongA, ...wrongB].every((w) => !sameKey(c, w, right)))
            const request = sign(c.make(right), message, t, msgId)
            const now = { now: at(t) }
            const rotation = [...wrongA]
            rotation.splice(k % (rotation.length + 1), 0, right)
            expect(verdict(safeVerifyWebhook(c.make(rotation), request, now))).toBe('ok')

            const a = outward(safeVerifyWebhook(c.make(wrongA), request, now))
            const b = outward(safeVerifyWebhook(c.make(wrongB), request, now))
            // The closest possible wrong secret must not read any differently from random ones.
            const near = outward(
              safeVerifyWebhook(c.make([...wrongB, nearMiss(c, right)]), request, now),
            )
            expect(a).toMatchObject({ ok: false, reason: 'signature_mismatch' })
            expect(b).toEqual(a)
            expect(near).toEqual(a)
          },
        ),
        { numRuns: runs(c, 40) },
      )
    })
  })
}

describe('standard-webhooks with Ed25519 (v1a) keys', () => {
  const keyPair = fc.integer().map(() => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32)
    const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
    return {
      secret: `whsk_${Buffer.from(seed).toString('base64')}`,
      public: `whpk_${Buffer.from(pub).toString('base64')}`,
    }
  })
  const c = PRESET_CASES['standard-webhooks']

  it('signs with whsk_, verifies with whpk_; any single-character change of the signature is rejected', () => {
    fc.assert(
      fc.property(
        keyPair,
        keyPair,
        c.message,
        unixSeconds,
        deliveryId,
        fc.nat(),
        replacementChar,
        (pair, other, message, t, msgId, i, char) => {
          const request = sign(
            providers['standard-webhooks']({ secrets: pair.secret }),
            message,
            t,
            msgId,
          )
          const headers = request.headers as Record<string, string>
          expect(headers['webhook-signature']).toMatch(/^v1a,/)
          const verifier = providers['standard-webhooks']({ secrets: [other.public, pair.public] })
          expect(verdict(safeVerifyWebhook(verifier, request, { now: at(t) }))).toBe('ok')
          expect(
            verdict(
              safeVerifyWebhook(
                providers['standard-webhooks']({ secrets: other.public }),
                request,
                { now: at(t) },
              ),
            ),
          ).toMatch(/^signature_mismatch/)
          const value = headers['webhook-signature']!
          const index = i % value.length
          fc.pre(value[index] !== char)
          const tampered = { ...headers, 'webhook-signature': replaceAt(value, index, char) }
          expect(
            safeVerifyWebhook(verifier, { ...request, headers: tampered }, { now: at(t) }).ok,
          ).toBe(false)
        },
      ),
      { numRuns: runs(c, 40) },
    )
  })
})

describe('twilio: URL variants the SDK accepts', () => {
  it('verifies when the URL Twilio signed carried the default port and the request does not (and vice versa)', () => {
    fc.assert(
      fc.property(
        PRESET_CASES.twilio.secret,
        fc.array(segment, { maxLength: 3 }),
        (secret, path) => {
          const preset = providers.twilio({ secrets: secret })
          const bare = `https://hooks.example.com/${path.join('/')}`
          const withPort = `https://hooks.example.com:443/${path.join('/')}`
          const message = twilioFormMessage(bare, [['Body', 'x']])
          const headers = signWebhook(preset, { body: message.body, url: withPort })
          expect(
            verdict(safeVerifyWebhook(preset, { url: bare, headers, rawBody: message.body })),
          ).toBe('ok')
          const headers2 = signWebhook(preset, { body: message.body, url: bare })
          expect(
            verdict(
              safeVerifyWebhook(preset, {
                url: withPort,
                headers: headers2,
                rawBody: message.body,
              }),
            ),
          ).toBe('ok')
        },
      ),
      { numRuns: 30 },
    )
  })
})
