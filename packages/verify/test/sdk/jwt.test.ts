/**
 * Generic JWT preset vs `jose` 6 (SignJWT signs, jwtVerify verifies with the same requirements: pinned
 * algorithm, issuer/audience/subject, required claims, clock tolerance = leeway, `currentDate` = now).
 * The body-hash claim is not a JOSE feature: the jose side checks it explicitly, as Vonage's docs tell callers to.
 * Intentional deviations are listed in docs/deviations.md and each has a named test below.
 */
import { Buffer } from 'node:buffer'
import { createHash, createHmac } from 'node:crypto'
import fc from 'fast-check'
import { errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyOptions } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  providers,
  safeVerifyWebhook,
  signWebhook,
  type JwtOptions,
  type VerifyResult,
} from '@hookgate/verify'
import {
  fcParams,
  flipChar,
  nowMs,
  outcome,
  rarely,
  sameBytesOtherEncoding,
  sdkAcceptsAsync,
  Tally,
  textBody,
  textSecret,
  unicodeText,
} from './_support.ts'

const SECRET = 'jwt-shared-secret-0123456789abcdef'
const NOW = new Date('2026-11-23T12:00:00Z')
const NOW_S = NOW.getTime() / 1000
const key = (secret: string) => new TextEncoder().encode(secret)
const sha256hex = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex')
const b64u = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

type Alg = 'HS256' | 'HS512'

function verifyOurs(
  options: JwtOptions & { secrets: string },
  token: string,
  body: string | Uint8Array,
  now: Date,
  scheme = 'Bearer ',
): VerifyResult {
  return safeVerifyWebhook(
    providers.jwt(options),
    {
      method: 'POST',
      url: 'https://hooks.example.com/jwt',
      headers: { authorization: `${scheme}${token}` },
      rawBody: body,
    },
    { now },
  )
}

/** jose with the requirements the preset options express; the body hash checked as a caller of jose must. */
async function joseAccepts(
  options: JwtOptions & { secrets: string },
  token: string,
  body: string | Uint8Array,
  now: Date,
  iatFuture = true,
): Promise<boolean> {
  const required = options.requiredClaims ?? ['exp', 'iat']
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [options.algorithm ?? 'HS256'],
    currentDate: now,
    clockTolerance: options.leewaySeconds ?? 0,
    requiredClaims: [...required],
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    // maxTokenAge makes jose refuse an iat in the future (beyond the tolerance), as the preset does; it also
    // makes iat required, so it is set only where iat is required anyway (see iat_in_future).
    ...(iatFuture && required.includes('iat') ? { maxTokenAge: 1e12 } : {}),
  }
  let payload: JWTPayload | undefined
  const accepted = await sdkAcceptsAsync(
    async () => {
      payload = (await jwtVerify(token, key(options.secrets), verifyOptions)).payload
    },
    (error) => error instanceof errors.JOSEError,
  )
  if (!accepted || options.bodyHashClaim === undefined) return accepted
  return payload?.[options.bodyHashClaim] === sha256hex(body)
}

/** A compact JWS made by hand, for algorithms and headers jose will not produce with an HMAC key. */
function craft(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  secret: string,
  digest: 'sha256' | 'sha512' = 'sha256',
): string {
  const signingInput = `${b64u(header)}.${b64u(claims)}`
  return `${signingInput}.${createHmac(digest, secret).update(signingInput).digest('base64url')}`
}

describe('jwt: jose signs, Hookgate verifies', () => {
  const body = '{"message_uuid":"aaaaaaaa-bbbb-cccc-dddd-123456789abc","text":"héllo ✓"}'

  it('an HS256 token with iss, aud, sub, jti and a payload_hash claim (Vonage-style)', async () => {
    const token = await new SignJWT({ payload_hash: sha256hex(body) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(NOW_S - 5)
      .setExpirationTime(NOW_S + 60)
      .setIssuer('https://sender.example')
      .setAudience('urn:hookgate:test')
      .setSubject('app-1')
      .setJti('evt-123')
      .sign(key(SECRET))
    const options = {
      secrets: SECRET,
      issuer: 'https://sender.example',
      audience: 'urn:hookgate:test',
      subject: 'app-1',
      bodyHashClaim: 'payload_hash',
    }
    const result = verifyOurs(options, token, body, NOW)
    expect(outcome(result)).toBe('ok')
    if (!result.ok) return
    expect(result.id).toBe('evt-123')
    expect(result.timestamp?.getTime()).toBe((NOW_S - 5) * 1000)
    expect(await joseAccepts(options, token, body, NOW)).toBe(true)
    expect(outcome(verifyOurs(options, token, `${body} `, NOW))).toBe('claim_mismatch')
  })

  it('HS512 when the preset pins HS512; `JWT ` scheme (Atlassian Connect) as well as `Bearer `', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS512' })
      .setIssuedAt(NOW_S)
      .setExpirationTime(NOW_S + 180)
      .sign(key(SECRET))
    expect(
      outcome(verifyOurs({ secrets: SECRET, algorithm: 'HS512' }, token, body, NOW, 'JWT ')),
    ).toBe('ok')
    expect(outcome(verifyOurs({ secrets: SECRET }, token, body, NOW))).toBe('unsupported_algorithm')
  })
})

describe('jwt: Hookgate signs, jose verifies', () => {
  it('jwtVerify accepts signWebhook output with the same claim requirements', async () => {
    const options = {
      secrets: SECRET,
      issuer: 'https://sender.example',
      audience: 'urn:hookgate:test',
      subject: 'app-1',
      bodyHashClaim: 'payload_hash',
    }
    const body = '{"status":"delivered","emoji":"📦"}'
    const headers = signWebhook(providers.jwt(options), { body, timestamp: NOW, id: 'msg-77' })
    const token = headers.Authorization!.replace(/^Bearer /, '')
    const { payload, protectedHeader } = await jwtVerify(token, key(SECRET), {
      algorithms: ['HS256'],
      issuer: options.issuer,
      audience: options.audience,
      subject: options.subject,
      requiredClaims: ['exp', 'iat', 'jti'],
      currentDate: NOW,
    })
    expect(protectedHeader.alg).toBe('HS256')
    expect(payload).toMatchObject({ jti: 'msg-77', iat: NOW_S, payload_hash: sha256hex(body) })
    expect(await joseAccepts(options, token, body, NOW)).toBe(true)
  })
})

// ---------------------------------------------------------------------------------------------
// Differential property
// ---------------------------------------------------------------------------------------------

/** A time claim as an offset from now: mostly valid, often at the leeway boundary, sometimes absent or not a number. */
function timeClaim(
  valid: fc.Arbitrary<number>,
  weights: { valid: number; absent: number },
): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: weights.valid, arbitrary: valid },
    { weight: 4, arbitrary: fc.integer({ min: -8, max: 8 }) },
    { weight: 1, arbitrary: fc.integer({ min: -8, max: 8 }).map((n) => n + 0.5) },
    { weight: weights.absent, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('10', null, true) },
  )
}
type ClaimChoice = 'absent' | 'expected' | 'other' | 'odd'
const choice = fc.oneof(
  { weight: 25, arbitrary: fc.constant<ClaimChoice>('expected') },
  { weight: 3, arbitrary: fc.constantFrom<ClaimChoice>('absent', 'other', 'odd') },
)

type TokenMutation =
  | 'none'
  | 'flip'
  | 'twin-last'
  | 'pad'
  | 'truncate'
  | 'swap-claims'
  | 'crit-b64'
  | 'crit-other'
  | 'b64-false'
  | 'kid'

const caseArb = fc.record({
  secret: textSecret,
  wrongSecret: rarely(textSecret),
  alg: fc.constantFrom<Alg>('HS256', 'HS512'),
  tokenAlg: fc.oneof(
    { weight: 30, arbitrary: fc.constant<'same'>('same') },
    { weight: 2, arbitrary: fc.constantFrom('HS256', 'HS512', 'none', 'RS256', 'hs256') },
  ),
  now: nowMs.map((ms) => new Date(ms)),
  iat: timeClaim(fc.integer({ min: -300, max: 0 }), { valid: 10, absent: 1 }),
  exp: timeClaim(fc.integer({ min: 1, max: 600 }), { valid: 10, absent: 1 }),
  nbf: timeClaim(fc.integer({ min: -300, max: 0 }), { valid: 3, absent: 8 }),
  issuer: fc.option(fc.constant('https://sender.example'), { nil: undefined }),
  iss: choice,
  audience: fc.option(fc.constant('urn:hookgate:test'), { nil: undefined }),
  aud: fc.oneof(
    {
      weight: 25,
      arbitrary: fc.constant<ClaimChoice | 'array-with' | 'array-without'>('expected'),
    },
    {
      weight: 5,
      arbitrary: fc.constantFrom<ClaimChoice | 'array-with' | 'array-without'>(
        'absent',
        'other',
        'odd',
        'array-with',
        'array-without',
      ),
    },
  ),
  subject: fc.option(fc.constant('app-1'), { nil: undefined }),
  sub: choice,
  jti: fc.option(unicodeText({ minLength: 1, maxLength: 12 }), { nil: undefined }),
  requiredClaims: fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.subarray(['exp', 'iat', 'nbf', 'jti', 'iss', 'sub']) },
  ),
  leewaySeconds: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  bodyHashClaim: fc.option(fc.constant('payload_hash'), { nil: undefined }),
  hash: fc.oneof(
    { weight: 25, arbitrary: fc.constant<'correct' | 'wrong' | 'absent' | 'upper'>('correct') },
    {
      weight: 3,
      arbitrary: fc.constantFrom<'correct' | 'wrong' | 'absent' | 'upper'>(
        'wrong',
        'absent',
        'upper',
      ),
    },
  ),
  body: textBody(),
  mutation: fc.oneof(
    { weight: 20, arbitrary: fc.constant<TokenMutation>('none') },
    {
      weight: 6,
      arbitrary: fc.constantFrom<TokenMutation>(
        'flip',
        'twin-last',
        'pad',
        'truncate',
        'swap-claims',
        'crit-b64',
        'crit-other',
        'b64-false',
        'kid',
      ),
    },
  ),
  flipIndex: fc.nat(),
})

const OTHER = { iss: 'https://evil.example', aud: 'urn:other', sub: 'app-2' }
const ODD = { iss: 42, aud: 7, sub: null }

function claimValue(
  name: 'iss' | 'aud' | 'sub',
  pick: string,
  expected: string | undefined,
): unknown {
  const fallback = { iss: 'https://sender.example', aud: 'urn:hookgate:test', sub: 'app-1' }[name]
  switch (pick) {
    case 'expected':
      return expected ?? fallback
    case 'other':
      return OTHER[name]
    case 'odd':
      return ODD[name]
    case 'array-with':
      return [OTHER.aud, expected ?? fallback]
    case 'array-without':
      return [OTHER.aud]
    default:
      return undefined
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

describe('jwt: differential against jose', () => {
  it('accepts and rejects exactly what jwtVerify (+ the body-hash check) does, except the documented deviations', async () => {
    const tally = new Tally()
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const nowS = Math.floor(c.now.getTime() / 1000)
        const claims: Record<string, unknown> = {}
        for (const name of ['iat', 'exp', 'nbf'] as const) {
          const v = c[name]
          if (v !== undefined) claims[name] = typeof v === 'number' ? nowS + v : v
        }
        for (const [name, pick, expected] of [
          ['iss', c.iss, c.issuer],
          ['aud', c.aud, c.audience],
          ['sub', c.sub, c.subject],
        ] as const) {
          const value = claimValue(name, pick, expected)
          if (value !== undefined) claims[name] = value
        }
        if (c.jti !== undefined) claims.jti = c.jti
        if (c.bodyHashClaim !== undefined && c.hash !== 'absent') {
          const hash = sha256hex(c.body)
          claims[c.bodyHashClaim] =
            c.hash === 'correct'
              ? hash
              : c.hash === 'upper'
                ? hash.toUpperCase()
                : sha256hex(`${c.body}x`)
        }
        const options: JwtOptions & { secrets: string } = {
          secrets: c.secret,
          algorithm: c.alg,
          ...(c.issuer === undefined ? {} : { issuer: c.issuer }),
          ...(c.audience === undefined ? {} : { audience: c.audience }),
          ...(c.subject === undefined ? {} : { subject: c.subject }),
          ...(c.requiredClaims === undefined ? {} : { requiredClaims: c.requiredClaims }),
          ...(c.leewaySeconds === undefined ? {} : { leewaySeconds: c.leewaySeconds }),
          ...(c.bodyHashClaim === undefined ? {} : { bodyHashClaim: c.bodyHashClaim }),
        }
        const signingSecret = c.wrongSecret ?? c.secret
        const tokenAlg = c.tokenAlg === 'same' ? c.alg : c.tokenAlg
        const header: Record<string, unknown> = { alg: tokenAlg, typ: 'JWT' }
        if (c.mutation === 'crit-b64') Object.assign(header, { crit: ['b64'], b64: true })
        if (c.mutation === 'crit-other') Object.assign(header, { crit: ['exp'] })
        if (c.mutation === 'b64-false') header.b64 = false
        if (c.mutation === 'kid') header.kid = 'key-1'
        let token: string
        if (
          (tokenAlg === 'HS256' || tokenAlg === 'HS512') &&
          !String(header.crit ?? '').includes('exp')
        ) {
          // jose signs whatever it can sign (it refuses an unknown crit itself).
          token = await new SignJWT(claims)
            .setProtectedHeader(header as { alg: string })
            .sign(key(signingSecret))
        } else {
          token = craft(header, claims, signingSecret, tokenAlg === 'HS512' ? 'sha512' : 'sha256')
          if (tokenAlg === 'none') token = `${token.slice(0, token.lastIndexOf('.'))}.`
        }
        const [head = '', payload = '', sig = ''] = token.split('.')
        switch (c.mutation) {
          case 'flip':
            token = `${head}.${payload}.${flipChar(sig, c.flipIndex)}`
            break
          case 'twin-last':
            token = `${head}.${payload}.${sig.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(sig.at(-1) ?? 'A') ^ 1]}`
            break
          case 'pad':
            token = `${token}=`
            break
          case 'truncate':
            token = `${head}.${payload}.${sig.slice(0, -2)}`
            break
          case 'swap-claims':
            token = `${head}.${b64u({ ...claims, exp: nowS + 3600, iat: nowS })}.${sig}`
            break
          default:
            break
        }
        const ours = verifyOurs(options, token, c.body, c.now)
        const jose = await joseAccepts(options, token, c.body, c.now)
        tally.add(jose ? 'sdk_accepts' : 'sdk_rejects')
        const leeway = c.leewaySeconds ?? 0
        const required = c.requiredClaims ?? ['exp', 'iat']
        const classes: string[] = []
        if (sig !== '' && sameBytesOtherEncoding(sig, token.slice(token.lastIndexOf('.') + 1)))
          classes.push('non_canonical_signature')
        if (c.mutation === 'crit-b64') classes.push('crit_header')
        if (
          typeof claims.iat === 'number' &&
          !required.includes('iat') &&
          nowS + leeway < claims.iat
        )
          classes.push('iat_in_future')
        if (classes.length > 0) {
          for (const name of classes) tally.add(jose ? `${name}:sdk_accepts` : name)
          expect({ classes, token, reason: outcome(ours) }).not.toMatchObject({ reason: 'ok' })
          return
        }
        expect({
          claims,
          header,
          options: { ...options, secrets: undefined },
          reason: outcome(ours),
          ours: ours.ok,
        }).toMatchObject({ ours: jose })
      }),
      fcParams(1500),
    )
    tally.expectSeen(
      'sdk_accepts',
      'sdk_rejects',
      'non_canonical_signature:sdk_accepts',
      'crit_header:sdk_accepts',
      'iat_in_future:sdk_accepts',
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Intentional deviations, one test each (docs/deviations.md)
// ---------------------------------------------------------------------------------------------

describe('jwt: intentional deviations from jose', () => {
  const options = { secrets: SECRET }
  const body = '{}'
  const claims = { iat: NOW_S, exp: NOW_S + 60 }

  it('non_canonical_signature: a signature whose unused low bits differ, or with "=" padding, is refused; jose decodes it to the same bytes', async () => {
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key(SECRET))
    const last = token.at(-1)!
    const twin = `${token.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(last) ^ 1]}`
    for (const variant of [twin, `${token}=`]) {
      expect({
        jose: await joseAccepts(options, variant, body, NOW),
        hookgate: outcome(verifyOurs(options, variant, body, NOW)),
      }).toEqual({
        jose: true,
        hookgate: variant === twin ? 'signature_mismatch' : 'malformed_signature',
      })
    }
  })

  it('iat_in_future: an iat beyond the leeway is refused even when iat is not required; jose checks it only with maxTokenAge', async () => {
    const future = { iat: NOW_S + 60, exp: NOW_S + 120 }
    const token = await new SignJWT(future).setProtectedHeader({ alg: 'HS256' }).sign(key(SECRET))
    const notRequired = { secrets: SECRET, requiredClaims: ['exp'] }
    expect({
      jose: await joseAccepts(notRequired, token, body, NOW, false),
      hookgate: outcome(verifyOurs(notRequired, token, body, NOW)),
    }).toEqual({ jose: true, hookgate: 'timestamp_in_future' })
    // With iat required (the default), jose's maxTokenAge check and Hookgate agree.
    expect({
      jose: await joseAccepts(options, token, body, NOW),
      hookgate: outcome(verifyOurs(options, token, body, NOW)),
    }).toEqual({ jose: false, hookgate: 'timestamp_in_future' })
  })

  it('crit_header: any crit header is refused; jose accepts crit ["b64"] (an extension it implements)', async () => {
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', crit: ['b64'], b64: true })
      .sign(key(SECRET))
    expect({
      jose: await joseAccepts(options, token, body, NOW),
      hookgate: outcome(verifyOurs(options, token, body, NOW)),
    }).toEqual({ jose: true, hookgate: 'invalid_token' })
  })

  it('agreement on algorithms: none, RS256 and a lower-case alg are refused before any crypto, as jose refuses them', async () => {
    for (const alg of ['none', 'RS256', 'hs256', 'HS512']) {
      const token =
        alg === 'none' ? `${b64u({ alg })}.${b64u(claims)}.` : craft({ alg }, claims, SECRET)
      expect({
        alg,
        jose: await joseAccepts(options, token, body, NOW),
        hookgate: outcome(verifyOurs(options, token, body, NOW)),
      }).toEqual({
        alg,
        jose: false,
        hookgate: 'unsupported_algorithm',
      })
    }
  })
})
