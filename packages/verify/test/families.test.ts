/**
 * The family factories themselves (issue 11), on presets declared here, so each feature is pinned whatever the
 * catalog holds: templates, `t=…,v1=…` lists, ms and ISO timestamps, upper-case hex, secret forms, public keys of
 * the wrong type or curve, tokens and basic auth. Expected signatures are computed here with node:crypto.
 */
import { Buffer } from 'node:buffer'
import { createHash, createHmac, generateKeyPairSync, sign as cryptoSign } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  safeVerifyWebhook,
  signedPreset,
  signWebhook,
  tokenPreset,
  type VerifyResult,
} from '@hookgate/verify'

const verdict = (result: VerifyResult) => (result.ok ? 'ok' : result.reason)
const BODY = '{"id":"evt_1","type":"thing.happened","n":1}'
const base = {
  name: 'Test',
  docsUrl: 'https://example.com/docs',
  mismatchHint: 'Check the secret.',
}

describe('signed template family', () => {
  const listPreset = signedPreset({
    ...base,
    id: 'list-ms',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'X-Sig',
      encoding: 'hex',
      list: { separator: ', ', key: 'v1', timestampKey: 't' },
    },
    timestamp: { unit: 'ms', toleranceSeconds: 180 },
    eventId: { body: 'id' },
    eventType: [{ header: 'X-Type' }, { body: 'type' }],
  })({ secrets: 'list-secret-0123456789' })

  it('a t=<ms>, v1= list: verifies what node:crypto signs, in the window, with ids and types from their sources', () => {
    const t = 1_700_000_000_123
    const mac = createHmac('sha256', 'list-secret-0123456789').update(`${t}.${BODY}`).digest('hex')
    const request = { headers: { 'x-sig': `t=${t}, v1=${mac}` }, rawBody: BODY }
    const result = safeVerifyWebhook(listPreset, request, { now: new Date(t + 5_000) })
    expect(verdict(result)).toBe('ok')
    expect(result.ok && [result.id, result.eventType, result.timestamp?.getTime()]).toEqual([
      'evt_1',
      'thing.happened',
      t,
    ])
    expect(verdict(safeVerifyWebhook(listPreset, request, { now: new Date(t + 181_000) }))).toBe(
      'timestamp_too_old',
    )
    expect(
      verdict(
        safeVerifyWebhook(
          listPreset,
          { ...request, headers: { 'x-sig': `v1=${mac}` } },
          { now: new Date(t) },
        ),
      ),
    ).toBe('timestamp_missing')
    expect(
      verdict(
        safeVerifyWebhook(
          listPreset,
          { ...request, headers: { 'x-sig': `t=${t}, v0=${mac}` } },
          { now: new Date(t) },
        ),
      ),
    ).toBe('missing_signature')
    // The header signWebhook writes is the same one.
    expect(signWebhook(listPreset, { body: BODY, timestamp: new Date(t - 123) })).toEqual({
      'X-Sig': `t=${t - 123}, v1=${createHmac('sha256', 'list-secret-0123456789')
        .update(`${t - 123}.${BODY}`)
        .digest('hex')}`,
    })
  })

  it('an ISO timestamp header is signed as sent, and a naive one is UTC', () => {
    const preset = signedPreset({
      ...base,
      id: 'iso',
      algorithm: 'hmac-sha256',
      signed: '{body}{timestamp}',
      signature: { header: 'X-Sig', encoding: 'base64' },
      timestamp: { header: 'X-Time', unit: 'iso', toleranceSeconds: 300 },
    })({ secrets: 'iso-secret-0123456789' })
    for (const [sent, utc] of [
      ['2026-12-04T10:00:00Z', '2026-12-04T10:00:00.000Z'],
      ['2026-12-04T10:00:00.5', '2026-12-04T10:00:00.500Z'],
      ['2026-12-04T12:00:00+02:00', '2026-12-04T10:00:00.000Z'],
    ] as const) {
      const mac = createHmac('sha256', 'iso-secret-0123456789')
        .update(BODY + sent)
        .digest('base64')
      const result = safeVerifyWebhook(
        preset,
        { headers: { 'x-sig': mac, 'x-time': sent }, rawBody: BODY },
        { now: new Date('2026-12-04T10:01:00Z') },
      )
      expect({
        sent,
        verdict: verdict(result),
        at: result.ok ? result.timestamp?.toISOString() : undefined,
      }).toEqual({ sent, verdict: 'ok', at: utc })
    }
    expect(
      verdict(
        safeVerifyWebhook(preset, {
          headers: { 'x-sig': 'AAAA', 'x-time': 'yesterday' },
          rawBody: BODY,
        }),
      ),
    ).toBe('malformed_signature')
  })

  it('ISO timestamps are read as Date.parse reads the normalised text (in-range fields take a faster path)', () => {
    const preset = signedPreset({
      ...base,
      id: 'iso-law',
      algorithm: 'hmac-sha256',
      signed: '{timestamp}{body}',
      signature: { header: 'X-Sig', encoding: 'base64' },
      // A window wider than any date, so that only the reading of the time decides.
      timestamp: { header: 'X-Time', unit: 'iso', toleranceSeconds: 1e12 },
    })({ secrets: 'iso-secret-0123456789' })
    // The reading before the fast path: the regex, the normalised text, Date.parse.
    const reference = (text: string): number => {
      const match =
        /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)([Zz]|[+-]\d{2}:?\d{2})?$/.exec(
          text,
        )
      if (match === null) return Number.NaN
      const offset = match[3]
      return Date.parse(
        `${match[1]}T${match[2]}${offset === undefined ? 'Z' : offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset.toUpperCase()}`,
      )
    }
    const digits = (n: number, max: number) =>
      fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'))
    const iso = fc
      .tuple(
        fc.oneof(digits(4, 9999), fc.constantFrom('0000', '1970', '1969', '2000', '2100', '2024')),
        digits(2, 14),
        digits(2, 33),
        fc.constantFrom('T', 't', ' ', 'x', ''),
        digits(2, 25),
        digits(2, 61),
        digits(2, 61),
        fc.oneof(fc.constant(''), fc.stringMatching(/^\.[0-9]{0,11}$/)),
        fc.oneof(
          fc.constantFrom('', 'Z', 'z', 'UTC', '+', '-'),
          fc
            .tuple(
              fc.constantFrom('+', '-'),
              digits(2, 25),
              fc.constantFrom(':', '', '::'),
              digits(2, 61),
            )
            .map((parts) => parts.join('')),
          fc.stringMatching(/^[+-][0-9:]{0,6}$/),
        ),
        fc.constantFrom('', '', '', ' ', 'Z', '0'),
      )
      .map(
        ([y, mo, d, sep, h, mi, s, frac, zone, tail]) =>
          `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${zone}${tail}`,
      )
    /** The timestamp verified for `sent` (or the failure reason), beside what the old reading gives. */
    const readBoth = (sent: string) => {
      const mac = createHmac('sha256', 'iso-secret-0123456789')
        .update(sent + BODY)
        .digest('base64')
      const result = safeVerifyWebhook(
        preset,
        { headers: { 'x-sig': mac, 'x-time': sent }, rawBody: BODY },
        { now: new Date(0) },
      )
      const ms = reference(sent)
      return {
        actual: { sent, at: result.ok ? result.timestamp?.getTime() : result.reason },
        expected: {
          sent,
          at: Number.isFinite(ms) ? new Date((ms / 1000) * 1000).getTime() : 'malformed_signature',
        },
      }
    }
    fc.assert(
      fc.property(iso, (sent) => {
        const { actual, expected } = readBoth(sent)
        expect(actual).toEqual(expected)
      }),
      { numRuns: 5000 },
    )
    // Calendar edges: leap days, month ends, the first and last years, offsets at their limits.
    for (const sent of [
      '2024-02-29T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2000-02-29T23:59:59.999999999Z',
      '2024-04-30T12:00:00+23:59',
      '2024-04-31T12:00:00-2359',
      '2024-12-31T24:00:00Z',
      '0000-01-01T00:00:00Z',
      '0000-02-29T00:00:00Z',
      '9999-12-31T23:59:59.9-00:00',
      '1969-12-31T23:59:59.001Z',
    ]) {
      const { actual, expected } = readBoth(sent)
      expect(actual).toEqual(expected)
    }
  })

  it('upper-case hex only where the preset allows it; a different algorithm prefix is unsupported_algorithm', () => {
    const spec = {
      ...base,
      id: 'hex',
      algorithm: 'hmac-sha1',
      signed: '{body}',
      signature: { header: 'X-Sig', encoding: 'hex', prefix: 'sha1=' },
    } as const
    const mac = createHmac('sha1', 'hex-secret-0123456789').update(BODY).digest('hex').toUpperCase()
    const strict = signedPreset(spec)({ secrets: 'hex-secret-0123456789' })
    const lenient = signedPreset({ ...spec, signature: { ...spec.signature, anyHexCase: true } })({
      secrets: 'hex-secret-0123456789',
    })
    expect(
      verdict(safeVerifyWebhook(strict, { headers: { 'x-sig': `sha1=${mac}` }, rawBody: BODY })),
    ).toBe('malformed_signature')
    expect(
      verdict(safeVerifyWebhook(lenient, { headers: { 'x-sig': `sha1=${mac}` }, rawBody: BODY })),
    ).toBe('ok')
    expect(
      verdict(safeVerifyWebhook(strict, { headers: { 'x-sig': `sha256=${mac}` }, rawBody: BODY })),
    ).toBe('unsupported_algorithm')
  })

  it('secret forms: base64, hex and whsec_ decode to the key bytes; text that is not in the form is refused at configuration', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex')
    const mac = createHmac('sha256', key).update(BODY).digest('hex')
    for (const [secret, text] of [
      ['base64', key.toString('base64')],
      ['hex', key.toString('hex')],
      ['whsec', `whsec_${key.toString('base64')}`],
    ] as const) {
      const preset = signedPreset({
        ...base,
        id: `secret-${secret}`,
        algorithm: 'hmac-sha256',
        signed: '{body}',
        signature: { header: 'X-Sig', encoding: 'hex' },
        secret,
      })({ secrets: text })
      expect({
        secret,
        verdict: verdict(safeVerifyWebhook(preset, { headers: { 'x-sig': mac }, rawBody: BODY })),
      }).toEqual({ secret, verdict: 'ok' })
    }
    expect(() =>
      signedPreset({
        ...base,
        id: 'secret-hex',
        algorithm: 'hmac-sha256',
        signed: '{body}',
        signature: { header: 'X-Sig', encoding: 'hex' },
        secret: 'hex',
      })({ secrets: 'not hex at all' }),
    ).toThrow(TypeError)
  })

  it('{url} from the request behind publicUrl, and {url} from a configured option', () => {
    const fromRequest = signedPreset({
      ...base,
      id: 'url-req',
      algorithm: 'hmac-sha256',
      signed: '{url}{body}',
      signature: { header: 'X-Sig', encoding: 'base64' },
    })
    const mac = createHmac('sha256', 'url-secret-0123456789')
      .update(`https://hooks.example.com/in?x=1${BODY}`)
      .digest('base64')
    expect(
      verdict(
        safeVerifyWebhook(
          fromRequest({
            secrets: 'url-secret-0123456789',
            publicUrl: 'https://hooks.example.com',
          } as never),
          { url: 'http://localhost:3000/in?x=1', headers: { 'x-sig': mac }, rawBody: BODY },
        ),
      ),
    ).toBe('ok')
    expect(
      verdict(
        safeVerifyWebhook(fromRequest({ secrets: 'url-secret-0123456789' }), {
          url: 'http://localhost:3000/in?x=1',
          headers: { 'x-sig': mac },
          rawBody: BODY,
        }),
      ),
    ).toBe('signature_mismatch')
    const registered = signedPreset({
      ...base,
      id: 'url-opt',
      algorithm: 'hmac-sha256',
      signed: '{url}{body}',
      signature: { header: 'X-Sig', encoding: 'base64' },
      urlOption: 'notificationUrl',
    })
    expect(registered.definition.sourceUrlOption).toBe('notificationUrl')
    expect(
      verdict(
        safeVerifyWebhook(
          registered({
            secrets: 'url-secret-0123456789',
            notificationUrl: 'https://hooks.example.com/in?x=1',
          } as never),
          { headers: { 'x-sig': mac }, rawBody: BODY },
        ),
      ),
    ).toBe('ok')
    expect(() => registered({ secrets: 'url-secret-0123456789' })).toThrow(/notificationUrl/)
  })
})

describe('public keys', () => {
  const ed = generateKeyPairSync('ed25519')
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const ecP384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = (key: typeof ed.publicKey) => key.export({ type: 'spki', format: 'pem' }).toString()
  const edPreset = signedPreset({
    ...base,
    id: 'ed',
    algorithm: 'ed25519',
    signed: '{timestamp}{body}',
    signature: { header: 'X-Signature-Ed25519', encoding: 'hex' },
    timestamp: { header: 'X-Signature-Timestamp', toleranceSeconds: 300 },
  })
  const ecPreset = signedPreset({
    ...base,
    id: 'ec',
    algorithm: 'ecdsa-p256-sha256',
    signed: '{timestamp}{body}',
    signature: { header: 'X-Sig', encoding: 'base64' },
    timestamp: { header: 'X-Time', toleranceSeconds: 300 },
  })
  const rsaPreset = signedPreset({
    ...base,
    id: 'rsa',
    algorithm: 'rsa-sha256',
    signed: '{body}',
    signature: { header: 'X-Sig', encoding: 'base64' },
  })
  const t = 1_700_000_000
  const now = { now: new Date(t * 1000) }

  it("Ed25519 with the raw 32-byte public key in hex (Discord's form), PEM and JWK; a wrong key is a mismatch", () => {
    const signature = cryptoSign(null, Buffer.from(`${t}${BODY}`), ed.privateKey).toString('hex')
    const raw = ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('hex')
    const jwk = JSON.stringify(ed.publicKey.export({ format: 'jwk' }))
    const request = {
      headers: { 'x-signature-ed25519': signature, 'x-signature-timestamp': String(t) },
      rawBody: BODY,
    }
    for (const key of [raw, pem(ed.publicKey), jwk])
      expect(verdict(safeVerifyWebhook(edPreset({ secrets: key }), request, now))).toBe('ok')
    const other = pem(generateKeyPairSync('ed25519').publicKey)
    expect(verdict(safeVerifyWebhook(edPreset({ secrets: other }), request, now))).toBe(
      'signature_mismatch',
    )
    // Rotation: the old and the new public key configured together.
    expect(verdict(safeVerifyWebhook(edPreset({ secrets: [other, raw] }), request, now))).toBe('ok')
  })

  it("ECDSA P-256 with a base64 DER public key (SendGrid's form); a P-384 or RSA key is refused when configured", () => {
    const signature = cryptoSign('sha256', Buffer.from(`${t}${BODY}`), ec.privateKey).toString(
      'base64',
    )
    const der = ec.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
    const request = { headers: { 'x-sig': signature, 'x-time': String(t) }, rawBody: BODY }
    expect(verdict(safeVerifyWebhook(ecPreset({ secrets: der }), request, now))).toBe('ok')
    expect(
      verdict(
        safeVerifyWebhook(ecPreset({ secrets: der }), { ...request, rawBody: `${BODY} ` }, now),
      ),
    ).toBe('signature_mismatch')
    expect(() => ecPreset({ secrets: pem(ecP384.publicKey) })).toThrow(/ECDSA P-256/)
    expect(() => ecPreset({ secrets: pem(rsa.publicKey) })).toThrow(TypeError)
    expect(() => edPreset({ secrets: der })).toThrow(TypeError)
    // Garbage in the signature is a mismatch, never an exception.
    expect(
      verdict(
        safeVerifyWebhook(
          ecPreset({ secrets: der }),
          {
            ...request,
            headers: { ...request.headers, 'x-sig': Buffer.from('not DER').toString('base64') },
          },
          now,
        ),
      ),
    ).toBe('signature_mismatch')
  })

  it('RSA SHA-256; a public key cannot sign, a private key signs and verifies', () => {
    const signature = cryptoSign('sha256', Buffer.from(BODY), rsa.privateKey).toString('base64')
    expect(
      verdict(
        safeVerifyWebhook(rsaPreset({ secrets: pem(rsa.publicKey) }), {
          headers: { 'x-sig': signature },
          rawBody: BODY,
        }),
      ),
    ).toBe('ok')
    expect(() => signWebhook(rsaPreset({ secrets: pem(rsa.publicKey) }), { body: BODY })).toThrow(
      /private key/,
    )
    const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const headers = signWebhook(rsaPreset({ secrets: privatePem }), { body: BODY })
    expect(
      verdict(
        safeVerifyWebhook(rsaPreset({ secrets: pem(rsa.publicKey) }), { headers, rawBody: BODY }),
      ),
    ).toBe('ok')
  })
})

describe('token family', () => {
  const gitlabLike = tokenPreset({ ...base, id: 'tok', header: 'X-Token', kind: 'token' })
  const bearer = tokenPreset({
    ...base,
    id: 'bearer',
    header: 'Authorization',
    kind: 'token',
    prefix: 'Bearer ',
  })
  const basic = tokenPreset({ ...base, id: 'basic', header: 'Authorization', kind: 'basic' })

  it('a token compares equal only when it is the secret; the body is not bound (documented in the scheme)', () => {
    const preset = gitlabLike({ secrets: 'tok-secret-0123456789' })
    expect(
      verdict(
        safeVerifyWebhook(preset, {
          headers: { 'x-token': 'tok-secret-0123456789' },
          rawBody: BODY,
        }),
      ),
    ).toBe('ok')
    expect(
      verdict(
        safeVerifyWebhook(preset, {
          headers: { 'x-token': 'tok-secret-0123456788' },
          rawBody: BODY,
        }),
      ),
    ).toBe('signature_mismatch')
    expect(
      verdict(
        safeVerifyWebhook(preset, {
          headers: { 'x-token': 'tok-secret-0123456789x' },
          rawBody: BODY,
        }),
      ),
    ).toBe('signature_mismatch')
    expect(verdict(safeVerifyWebhook(preset, { headers: {}, rawBody: BODY }))).toBe(
      'missing_signature',
    )
    expect(preset.definition.scheme).toMatch(/no body signature/)
  })

  it('Bearer is case-insensitive like HTTP auth schemes; basic auth compares user:password', () => {
    expect(
      verdict(
        safeVerifyWebhook(bearer({ secrets: 'bearer-secret-012345' }), {
          headers: { authorization: 'bearer bearer-secret-012345' },
          rawBody: BODY,
        }),
      ),
    ).toBe('ok')
    const credentials = `Basic ${Buffer.from('hookuser:p4ss-w0rd-012345').toString('base64')}`
    expect(
      verdict(
        safeVerifyWebhook(basic({ secrets: 'hookuser:p4ss-w0rd-012345' }), {
          headers: { authorization: credentials },
          rawBody: BODY,
        }),
      ),
    ).toBe('ok')
    expect(
      verdict(
        safeVerifyWebhook(basic({ secrets: 'hookuser:other-password' }), {
          headers: { authorization: credentials },
          rawBody: BODY,
        }),
      ),
    ).toBe('signature_mismatch')
    expect(signWebhook(basic({ secrets: 'hookuser:p4ss-w0rd-012345' }), { body: BODY })).toEqual({
      Authorization: credentials,
    })
    // The compare is over SHA-256 digests (no length oracle): the digest is computed once per key.
    expect(createHash('sha256').update('x').digest()).toHaveLength(32)
  })
})
