/**
 * Trivial Security preset vs `jose` 6. The token is an HS256 JWT with fixed issuer and subject, an audience
 * naming the account's endpoint, iat/nbf/exp with 3 s leeway, and an `eid` claim naming the payload's event_id.
 * jose checks the JWT part (jwtVerify with the same requirements); the eid binding and the payload rules are
 * restated here from the provider's documentation, independently of the preset's code.
 */
import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import {
  errors,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose'
import { describe, expect, it } from 'vitest'
import {
  providers,
  safeVerifyWebhook,
  signWebhook,
  TRIVIALSEC_EVENT_NAMES,
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
  textSecret,
  unicodeText,
} from './_support.ts'

const ISSUER = 'https://www.trivialsec.com'
const SUBJECT = 'urn:uuid:bc6e2cd5-1f59-487f-b05b-49946bd078b2'
const ACCOUNT = 'acct-7f3a'
const AUDIENCE = `urn:trivialsec:webhook:client_endpoint:${ACCOUNT}`
const SECRET = 'trivialsec-webhook-secret-0123456789'
const NOW = new Date('2026-11-23T12:00:00Z')
const NOW_S = NOW.getTime() / 1000
const EVENT_ID = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd'
const key = (secret: string) => new TextEncoder().encode(secret)
const b64u = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

const validBody = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    event_id: EVENT_ID,
    event_name: 'report_created',
    timestamp: '2026-11-23T11:59:58.120+00:00',
    payload: { report: 'Q4 ✓' },
    ...overrides,
  })

function verifyOurs(secret: string, token: string, body: string, now = NOW): VerifyResult {
  return safeVerifyWebhook(
    providers.trivialsec({ secrets: secret, account: ACCOUNT }),
    {
      method: 'POST',
      url: 'https://hooks.example.com/ts',
      headers: { authorization: `Bearer ${token}` },
      rawBody: body,
    },
    { now },
  )
}

const JOSE_OPTIONS = (now: Date): JWTVerifyOptions => ({
  algorithms: ['HS256'],
  issuer: ISSUER,
  audience: AUDIENCE,
  subject: SUBJECT,
  requiredClaims: ['iat', 'nbf', 'exp', 'aud', 'iss', 'sub'],
  clockTolerance: 3,
  // iat is required; maxTokenAge adds jose's "iat must not be in the future" check, which the preset makes.
  maxTokenAge: 1e12,
  currentDate: now,
})

async function joseVerify(
  secret: string,
  token: string,
  now = NOW,
): Promise<JWTPayload | undefined> {
  let payload: JWTPayload | undefined
  const ok = await sdkAcceptsAsync(
    async () => {
      payload = (await jwtVerify(token, key(secret), JOSE_OPTIONS(now))).payload
    },
    (error) => error instanceof errors.JOSEError,
  )
  return ok ? payload : undefined
}

function joseSign(
  claims: Record<string, unknown>,
  secret = SECRET,
  alg = 'HS256',
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(key(secret))
}

const validClaims = (overrides: Record<string, unknown> = {}) => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: SUBJECT,
  iat: NOW_S - 2,
  nbf: NOW_S - 2,
  exp: NOW_S + 60,
  eid: `urn:uuid:${EVENT_ID}`,
  ...overrides,
})

describe('trivialsec: jose signs, Hookgate verifies', () => {
  it('a token jose signs with every claim, over a valid payload: id and timestamp come from the payload', async () => {
    const result = verifyOurs(SECRET, await joseSign(validClaims()), validBody())
    expect(outcome(result)).toBe('ok')
    if (!result.ok) return
    expect(result.id).toBe(EVENT_ID)
    expect(result.eventType).toBe('report_created')
    expect(result.timestamp?.toISOString()).toBe('2026-11-23T11:59:58.120Z')
  })

  it("the 3 s leeway on exp, nbf and iat, as jose's clockTolerance", async () => {
    for (const [claim, offset, expected] of [
      ['exp', -2, 'ok'],
      ['exp', -3, 'timestamp_too_old'],
      ['nbf', 3, 'ok'],
      ['nbf', 4, 'timestamp_in_future'],
      ['iat', 3, 'ok'],
      ['iat', 4, 'timestamp_in_future'],
    ] as const) {
      const token = await joseSign(validClaims({ [claim]: NOW_S + offset }))
      const jose = (await joseVerify(SECRET, token)) !== undefined
      expect({
        claim,
        offset,
        jose,
        hookgate: outcome(verifyOurs(SECRET, token, validBody())),
      }).toEqual({ claim, offset, jose: expected === 'ok', hookgate: expected })
    }
  })
})

describe('trivialsec: Hookgate signs, jose verifies', () => {
  it('jwtVerify accepts signWebhook output with the same claim requirements; eid names the event', async () => {
    const headers = signWebhook(providers.trivialsec({ secrets: SECRET, account: ACCOUNT }), {
      body: validBody(),
      timestamp: NOW,
    })
    const token = headers.Authorization!.replace(/^Bearer /, '')
    const payload = await joseVerify(SECRET, token)
    expect(payload).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: SUBJECT,
      iat: NOW_S,
      eid: `urn:uuid:${EVENT_ID}`,
    })
    expect(outcome(verifyOurs(SECRET, token, validBody()))).toBe('ok')
  })
})

describe('trivialsec: refusals with their reasons', () => {
  it('alg none, HS512 and RS256 tokens: unsupported_algorithm (and jose refuses them too)', async () => {
    const claims = validClaims()
    const none = `${b64u({ alg: 'none', typ: 'JWT' })}.${b64u(claims)}.`
    const hs512 = await joseSign(claims, SECRET, 'HS512')
    const { privateKey } = await generateKeyPair('RS256')
    const rs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)
    // An RS256 header over an HMAC made with the shared secret: the algorithm-confusion attempt.
    const signingInput = `${b64u({ alg: 'RS256' })}.${b64u(claims)}`
    const confused = `${signingInput}.${createHmac('sha256', SECRET).update(signingInput).digest('base64url')}`
    for (const [name, token] of [
      ['none', none],
      ['HS512', hs512],
      ['RS256', rs256],
      ['RS256/HMAC', confused],
    ] as const) {
      expect({
        name,
        jose: (await joseVerify(SECRET, token)) !== undefined,
        hookgate: outcome(verifyOurs(SECRET, token, validBody())),
      }).toEqual({ name, jose: false, hookgate: 'unsupported_algorithm' })
    }
  })

  it('each required claim missing: claim_mismatch (jose: missing required claim)', async () => {
    for (const claim of ['iat', 'nbf', 'exp', 'aud', 'iss', 'sub', 'eid']) {
      const claims: Record<string, unknown> = validClaims()
      delete claims[claim]
      const token = await joseSign(claims)
      const jose = (await joseVerify(SECRET, token)) !== undefined
      expect({ claim, jose, hookgate: outcome(verifyOurs(SECRET, token, validBody())) }).toEqual({
        claim,
        jose: claim === 'eid',
        hookgate: 'claim_mismatch',
      })
    }
  })

  it('each identity claim wrong: claim_mismatch (jose: unexpected claim value)', async () => {
    for (const [claim, value] of [
      ['iss', 'https://www.trivialsec.com/'],
      ['aud', 'urn:trivialsec:webhook:client_endpoint:other'],
      ['aud', [AUDIENCE.toUpperCase()]],
      ['sub', 'urn:uuid:00000000-0000-0000-0000-000000000000'],
      ['eid', `urn:uuid:${EVENT_ID.toUpperCase()}`],
      ['eid', EVENT_ID],
    ] as const) {
      const token = await joseSign(validClaims({ [claim]: value }))
      const jose = (await joseVerify(SECRET, token)) !== undefined
      expect({
        claim,
        value,
        jose,
        hookgate: outcome(verifyOurs(SECRET, token, validBody())),
      }).toEqual({ claim, value, jose: claim === 'eid', hookgate: 'claim_mismatch' })
    }
    // An audience list that includes the endpoint is accepted by both.
    const listed = await joseSign(validClaims({ aud: ['urn:other', AUDIENCE] }))
    expect({
      jose: (await joseVerify(SECRET, listed)) !== undefined,
      hookgate: outcome(verifyOurs(SECRET, listed, validBody())),
    }).toEqual({ jose: true, hookgate: 'ok' })
  })

  it('payload validation failures: invalid_payload', async () => {
    const token = await joseSign(validClaims())
    for (const body of [
      'not json',
      '[]',
      validBody({ event_id: 'not-a-uuid' }),
      validBody({ event_id: 42 }),
      validBody({ event_name: 'report_exploded' }),
      validBody({ event_name: undefined }),
      validBody({ timestamp: '2026-11-23 noon' }),
      validBody({ timestamp: '2026-11-23T11:59:58+0000' }),
      validBody({ timestamp: '2026-11-23T11:59' }),
      validBody({ timestamp: 1764000000 }),
      validBody({ payload: [] }),
      validBody({ payload: 'x' }),
      validBody({ payload: undefined }),
    ]) {
      expect({ body, hookgate: outcome(verifyOurs(SECRET, token, body)) }).toEqual({
        body,
        hookgate: 'invalid_payload',
      })
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Differential property: jose for the JWT, the documented payload rules restated independently
// ---------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// ISO 8601 with the offset optional: the provider's model stamps naive datetimes as UTC (issue 9).
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/
const utcMs = (value: string) =>
  Date.parse(
    /([Zz]|[+-]\d{2}:\d{2})$/.test(value) ? value.replace(' ', 'T') : `${value.replace(' ', 'T')}Z`,
  )

/** The payload rules from the provider's documentation: the expected reason, or undefined when the payload is fine. */
function payloadVerdict(
  body: string,
  eid: unknown,
): 'invalid_payload' | 'claim_mismatch' | undefined {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return 'invalid_payload'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'invalid_payload'
  const p = value as Record<string, unknown>
  if (typeof p.event_id !== 'string' || !UUID.test(p.event_id)) return 'invalid_payload'
  if (eid !== `urn:uuid:${p.event_id}`) return 'claim_mismatch'
  if (
    typeof p.event_name !== 'string' ||
    !(TRIVIALSEC_EVENT_NAMES as readonly string[]).includes(p.event_name)
  )
    return 'invalid_payload'
  if (
    typeof p.timestamp !== 'string' ||
    !ISO_DATE_TIME.test(p.timestamp) ||
    Number.isNaN(utcMs(p.timestamp))
  )
    return 'invalid_payload'
  if (typeof p.payload !== 'object' || p.payload === null || Array.isArray(p.payload))
    return 'invalid_payload'
  return undefined
}

type ClaimEdit = { claim: string; edit: 'drop' | 'wrong' | 'shift'; shift: number }
type BodyEdit =
  | 'none'
  | 'event_id'
  | 'event_id_upper'
  | 'event_name'
  | 'timestamp'
  | 'timestamp_offset'
  | 'payload'
  | 'array'
  | 'text'

const caseArb = fc.record({
  secret: textSecret,
  wrongSecret: rarely(textSecret),
  now: nowMs.map((ms) => new Date(ms)),
  eventId: fc.uuid(),
  eventName: fc.constantFrom(...TRIVIALSEC_EVENT_NAMES),
  note: unicodeText({ maxLength: 16 }),
  claimEdits: fc.oneof(
    { weight: 3, arbitrary: fc.constant<ClaimEdit[]>([]) },
    {
      weight: 4,
      arbitrary: fc.array(
        fc.record({
          claim: fc.constantFrom('iat', 'nbf', 'exp', 'aud', 'iss', 'sub', 'eid', 'jti'),
          edit: fc.constantFrom<'drop' | 'wrong' | 'shift'>('drop', 'wrong', 'shift', 'shift'),
          shift: fc.integer({ min: -6, max: 6 }),
        }),
        { minLength: 1, maxLength: 2 },
      ),
    },
  ),
  bodyEdit: fc.oneof(
    { weight: 6, arbitrary: fc.constant<BodyEdit>('none') },
    {
      weight: 3,
      arbitrary: fc.constantFrom<BodyEdit>(
        'event_id',
        'event_id_upper',
        'event_name',
        'timestamp',
        'timestamp_offset',
        'payload',
        'array',
        'text',
      ),
    },
  ),
  tokenEdit: fc.oneof(
    { weight: 8, arbitrary: fc.constant<'none' | 'flip' | 'alg'>('none') },
    { weight: 1, arbitrary: fc.constantFrom<'flip' | 'alg'>('flip', 'alg') },
  ),
  flipIndex: fc.nat(),
})

describe('trivialsec: differential against jose + the documented payload rules', () => {
  it('decides and explains exactly as jose then the payload rules do', async () => {
    const tally = new Tally()
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const nowS = Math.floor(c.now.getTime() / 1000)
        const claims: Record<string, unknown> = {
          iss: ISSUER,
          aud: AUDIENCE,
          sub: SUBJECT,
          iat: nowS - 1,
          nbf: nowS - 1,
          exp: nowS + 300,
          eid: `urn:uuid:${c.eventId}`,
          jti: c.eventId,
        }
        for (const { claim, edit, shift } of c.claimEdits) {
          if (edit === 'drop') delete claims[claim]
          else if (edit === 'wrong')
            claims[claim] =
              claim === 'iat' || claim === 'nbf' || claim === 'exp'
                ? String(claims[claim])
                : `${String(claims[claim])}x`
          else if (claim === 'iat' || claim === 'nbf') claims[claim] = nowS + shift
          else if (claim === 'exp') claims[claim] = nowS + shift
        }
        const bodyObject: Record<string, unknown> = {
          event_id: c.eventId,
          event_name: c.eventName,
          timestamp: new Date(c.now.getTime() - 1500).toISOString(),
          payload: { note: c.note },
        }
        switch (c.bodyEdit) {
          case 'event_id':
            bodyObject.event_id = `${c.eventId}0`
            break
          case 'event_id_upper':
            bodyObject.event_id = c.eventId.toUpperCase()
            break
          case 'event_name':
            bodyObject.event_name = `${c.eventName}_v2`
            break
          case 'timestamp':
            bodyObject.timestamp = String(bodyObject.timestamp).slice(0, 19)
            break
          case 'timestamp_offset':
            bodyObject.timestamp = String(bodyObject.timestamp).replace('Z', '+05:30')
            break
          case 'payload':
            bodyObject.payload = [c.note]
            break
          default:
            break
        }
        const body =
          c.bodyEdit === 'array'
            ? JSON.stringify([bodyObject])
            : c.bodyEdit === 'text'
              ? `event_id=${c.eventId}`
              : JSON.stringify(bodyObject)
        let token = await joseSign(
          claims,
          c.wrongSecret ?? c.secret,
          c.tokenEdit === 'alg' ? 'HS512' : 'HS256',
        )
        const signature = token.slice(token.lastIndexOf('.') + 1)
        if (c.tokenEdit === 'flip')
          token = `${token.slice(0, token.lastIndexOf('.') + 1)}${flipChar(signature, c.flipIndex)}`
        const ours = verifyOurs(c.secret, token, body, c.now)
        const payload = await joseVerify(c.secret, token, c.now)
        if (sameBytesOtherEncoding(signature, token.slice(token.lastIndexOf('.') + 1))) {
          // Deviation non_canonical_signature (named test in jwt.test.ts): the flip only touched unused bits.
          tally.add(
            payload === undefined
              ? 'non_canonical_signature'
              : 'non_canonical_signature:sdk_accepts',
          )
          expect(outcome(ours)).toBe('signature_mismatch')
          return
        }
        if (payload === undefined) {
          // The JWT is refused before the payload is looked at: any reason but ok and invalid_payload.
          tally.add('jose_rejects')
          expect({ claims, reason: outcome(ours) }).not.toMatchObject({
            reason: expect.stringMatching(/^(ok|invalid_payload)$/),
          })
          return
        }
        const expected = payloadVerdict(body, payload.eid) ?? 'ok'
        tally.add(`jose_accepts:${expected}`)
        expect({ claims, body, reason: outcome(ours) }).toEqual({ claims, body, reason: expected })
      }),
      fcParams(1000),
    )
    tally.expectSeen(
      'jose_rejects',
      'jose_accepts:ok',
      'jose_accepts:invalid_payload',
      'jose_accepts:claim_mismatch',
    )
  })
})
