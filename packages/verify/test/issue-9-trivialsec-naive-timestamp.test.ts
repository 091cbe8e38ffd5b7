/**
 * Issue 9, seed bug: Trivial Security stamps naive datetimes (no UTC offset) as UTC. A payload `timestamp`
 * without an offset was refused as invalid_payload and the event lost (the sender does not retry).
 * The tokens are signed with jose, independently of the preset's signer.
 */
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { providers, safeVerifyWebhook, signWebhook } from '@hookgate/verify'

const SECRET = 'trivialsec-webhook-secret-0123456789'
const ACCOUNT = 'acct-7f3a'
const EVENT_ID = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd'
const NOW = new Date('2025-12-31T23:59:31Z')
const NOW_S = NOW.getTime() / 1000
const preset = providers.trivialsec({ secrets: SECRET, account: ACCOUNT })

const body = (timestamp: unknown) =>
  JSON.stringify({
    event_id: EVENT_ID,
    event_name: 'report_created',
    timestamp,
    payload: { report: 'Q4' },
  })

async function joseToken(): Promise<string> {
  return new SignJWT({
    iss: 'https://www.trivialsec.com',
    aud: `urn:trivialsec:webhook:client_endpoint:${ACCOUNT}`,
    sub: 'urn:uuid:bc6e2cd5-1f59-487f-b05b-49946bd078b2',
    iat: NOW_S - 1,
    nbf: NOW_S - 1,
    exp: NOW_S + 60,
    eid: `urn:uuid:${EVENT_ID}`,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(SECRET))
}

function verify(token: string, rawBody: string) {
  return safeVerifyWebhook(
    preset,
    {
      method: 'POST',
      url: 'https://hooks.example.com/ts',
      headers: { authorization: `Bearer ${token}` },
      rawBody,
    },
    { now: NOW },
  )
}

describe('issue 9: Trivial Security timestamps', () => {
  it.each([
    ['naive', '2025-12-31T23:59:30', '2025-12-31T23:59:30.000Z'],
    ['naive, milliseconds', '2025-12-31T23:59:30.120', '2025-12-31T23:59:30.120Z'],
    [
      'naive, microseconds (Python isoformat)',
      '2025-12-31T23:59:30.123456',
      '2025-12-31T23:59:30.123Z',
    ],
    ['naive, space separator', '2025-12-31 23:59:30', '2025-12-31T23:59:30.000Z'],
    ['Z', '2025-12-31T23:59:30Z', '2025-12-31T23:59:30.000Z'],
    ['+00:00 with microseconds', '2025-12-31T23:59:30.5+00:00', '2025-12-31T23:59:30.500Z'],
    ['+05:30', '2026-01-01T05:29:30+05:30', '2025-12-31T23:59:30.000Z'],
    ['-08:00', '2025-12-31T15:59:30-08:00', '2025-12-31T23:59:30.000Z'],
  ])('%s: accepted, read in UTC', async (_name, timestamp, utc) => {
    const result = verify(await joseToken(), body(timestamp))
    expect(result.ok ? 'ok' : result.reason).toBe('ok')
    expect(result.ok && result.timestamp?.toISOString()).toBe(utc)
  })

  it("a naive time is UTC whatever the machine's zone (never Date.parse's local reading)", async () => {
    const token = await joseToken()
    const zone = process.env.TZ
    process.env.TZ = 'America/Los_Angeles' // Node re-reads TZ when it is assigned
    try {
      expect(new Date(2025, 5, 30, 12).getTime()).not.toBe(Date.UTC(2025, 5, 30, 12)) // the zone took effect
      const result = verify(token, body('2025-06-30T12:00:00'))
      expect(result.ok && result.timestamp?.getTime()).toBe(Date.UTC(2025, 5, 30, 12, 0, 0))
    } finally {
      if (zone === undefined) delete process.env.TZ
      else process.env.TZ = zone
    }
  })

  it.each([
    ['2025-12-31T23:59'],
    ['2025-12-31'],
    ['2025-12-31T23:59:30+0000'],
    ['yesterday'],
    [1767225570],
    [null],
  ])('not a date-time (%s): still invalid_payload', async (timestamp) => {
    const result = verify(await joseToken(), body(timestamp))
    expect(result.ok ? 'ok' : result.reason).toBe('invalid_payload')
  })

  it('signWebhook signs naive timestamps (and they verify), and refuses to sign a body verify would refuse', () => {
    const naive = body('2025-12-31T23:59:30.123456')
    const headers = signWebhook(preset, { body: naive, timestamp: NOW })
    const token = headers.Authorization!.replace(/^Bearer /, '')
    expect(verify(token, naive).ok).toBe(true)
    for (const bad of [body('not a time'), JSON.stringify({ event_id: 'x' }), 'not json']) {
      expect(() => signWebhook(preset, { body: bad, timestamp: NOW })).toThrow(
        /cannot sign this body/,
      )
    }
  })
})
