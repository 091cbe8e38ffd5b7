/**
 * End to end over real HTTP, for EVERY preset of @hookgate/verify: a valid request is stored byte-exact (checked
 * through the admin API); a tampered body, a wrong secret and a stale timestamp (where the scheme has one) are
 * refused with the right reason and store nothing; a duplicate is stored once; signature headers are redacted.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  providers,
  REASON_STATUS,
  signWebhook,
  type ConfiguredPreset,
  type VerificationFailureReason,
} from '@hookgate/verify'
import { startGateway, type Running } from './harness.ts'

const NOW = new Date('2026-11-23T12:00:00Z')
const STALE = new Date(NOW.getTime() - 3_600_000)
const PUBLIC_URL = 'https://hooks.example.test'

interface PresetCase {
  readonly provider: keyof typeof providers
  readonly options?: Record<string, unknown>
  readonly secret: string
  readonly wrongSecret: string
  readonly body: string
  readonly contentType: string
  /** Unsigned headers the provider sends alongside (ids, topics). */
  readonly extraHeaders?: Record<string, string>
  /** The header carrying the signature (or token): must be stored as [redacted]. */
  readonly signatureHeader: string
  readonly tamper: (body: string) => string
  readonly tamperReason: VerificationFailureReason
  /** Does the scheme sign a time (so a stale request must be refused)? */
  readonly timestamped: boolean
  readonly expectId: string | undefined
  readonly expectType: string | undefined
}

const b64 = (text: string) => Buffer.from(text).toString('base64')
const flip = (body: string) => body.replace('✓', '✗')

const CASES: readonly PresetCase[] = [
  {
    provider: 'trello',
    secret: 'trello-app-secret-0123456789abcdef',
    wrongSecret: 'trello-other-secret-0123456789abc',
    body: '{"action":{"id":"5f1a","type":"createCard","data":{"text":"ok ✓"}},"model":{"id":"b1"}}',
    contentType: 'application/json',
    signatureHeader: 'x-trello-webhook',
    tamper: flip,
    tamperReason: 'signature_mismatch',
    timestamped: false,
    expectId: '5f1a',
    expectType: 'createCard',
  },
  {
    provider: 'hmac-sha256',
    options: {
      header: 'X-Signature',
      prefix: '',
      encoding: 'base64',
      idHeader: 'X-Delivery-Id',
      eventTypeHeader: 'X-Event',
    },
    secret: 'generic-hmac-secret-0123456789ab',
    wrongSecret: 'generic-hmac-other-0123456789ab',
    body: '{"hello":"world ✓"}',
    contentType: 'application/json',
    extraHeaders: { 'X-Delivery-Id': 'dlv-1', 'X-Event': 'thing.happened' },
    signatureHeader: 'x-signature',
    tamper: flip,
    tamperReason: 'signature_mismatch',
    timestamped: false,
    expectId: 'dlv-1',
    expectType: 'thing.happened',
  },
  {
    provider: 'twilio',
    secret: 'twilio-auth-token-0123456789abcdef',
    wrongSecret: 'twilio-other-token-0123456789abcd',
    body: 'AccountSid=AC123&Body=Hello+%E2%9C%93&From=%2B15550001111&MessageSid=SM1&To=%2B15550002222',
    contentType: 'application/x-www-form-urlencoded',
    extraHeaders: { 'I-Twilio-Idempotency-Token': 'idem-twilio-1' },
    signatureHeader: 'x-twilio-signature',
    tamper: (body) => body.replace('Hello', 'Hullo'),
    tamperReason: 'signature_mismatch',
    timestamped: false,
    expectId: 'idem-twilio-1',
    expectType: undefined,
  },
  {
    provider: 'jwt',
    options: { issuer: 'https://sender.example', bodyHashClaim: 'payload_hash' },
    secret: 'jwt-shared-secret-0123456789abcdef',
    wrongSecret: 'jwt-other-secret-0123456789abcdef',
    body: '{"kind":"jwt","text":"ok ✓"}',
    contentType: 'application/json',
    signatureHeader: 'authorization',
    tamper: flip,
    tamperReason: 'claim_mismatch',
    timestamped: true,
    expectId: 'msg_jwt',
    expectType: undefined,
  },
  {
    provider: 'trivialsec',
    options: { account: 'acct-1234' },
    secret: 'trivialsec-secret-0123456789abcdef',
    wrongSecret: 'trivialsec-other-0123456789abcdef',
    body: '{"event_id":"3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f","event_name":"report_created","timestamp":"2026-11-23T11:59:00Z","payload":{"report":"r1 ✓"}}',
    contentType: 'application/json',
    signatureHeader: 'authorization',
    // The token binds the payload's event_id (eid), not the whole body: change the id.
    tamper: (body) => body.replace('3f1c2d4e', '4f1c2d4e'),
    tamperReason: 'claim_mismatch',
    timestamped: true,
    expectId: '3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f',
    expectType: 'report_created',
  },
  {
    provider: 'calendly',
    secret: 'calendly-signing-key-0123456789ab',
    wrongSecret: 'calendly-other-key-0123456789abcd',
    body: '{"event":"invitee.created","payload":{"uri":"https://api.calendly.com/invitees/AAA","name":"Zoë ✓"}}',
    contentType: 'application/json',
    signatureHeader: 'calendly-webhook-signature',
    tamper: flip,
    tamperReason: 'signature_mismatch',
    timestamped: true,
    expectId: 'invitee.created:https://api.calendly.com/invitees/AAA',
    expectType: 'invitee.created',
  },
  {
    provider: 'stripe',
    secret: 'whsec_stripeTestSecret0123456789',
    wrongSecret: 'whsec_stripeOtherSecret012345678',
    body: '{\n  "id": "evt_1Abc",\n  "type": "invoice.paid",\n  "data": {"object": {"memo": "ok ✓"}}\n}',
    contentType: 'application/json',
    signatureHeader: 'stripe-signature',
    tamper: flip,
    tamperReason: 'signature_mismatch',
    timestamped: true,
    expectId: 'evt_1Abc',
    expectType: 'invoice.paid',
  },
  {
    provider: 'standard-webhooks',
    secret: `whsec_${b64('standard-webhooks-e2e-key-0123456')}`,
    wrongSecret: `whsec_${b64('standard-webhooks-other-key-01234')}`,
    body: '{"type":"user.created","data":{"name":"Ünïcode ✓"}}',
    contentType: 'application/json',
    signatureHeader: 'webhook-signature',
    tamper: flip,
    tamperReason: 'signature_mismatch',
    timestamped: true,
    expectId: 'msg_standard-webhooks',
    expectType: 'user.created',
  },
  {
    provider: 'svix',
    secret: `whsec_${b64('svix-e2e-key-0123456789abcdef0123')}`,
    wrongSecret: `whsec_${b64('svix-other-key-0123456789abcdef01')}`,
    body: '{"type":"email.sent","data":{"to":"a@example.com ✓"}}',
    contentType: 'application/json',
    signatureHeader: 'svix-signature',
    tamper: flip,
    tamperReason: 'signature_mismatch',
    timestamped: true,
    expectId: 'msg_svix',
    expectType: 'email.sent',
  },
  {
    provider: 'slack',
    secret: 'slack-signing-secret-0123456789ab',
    wrongSecret: 'slack-other-secret-0123456789abcd',
    body: '{"type":"event_callback","event_id":"Ev0001","event":{"type":"app_mention","text":"hi ✓"}}',
    contentType: 'application/json',
    signatureHeader: 'x-slack-signature',
    tamper: flip,
    tamperReason: 'signature_mismatch',
    timestamped: true,
    expectId: 'Ev0001',
    expectType: 'app_mention',
  },
  {
    provider: 'shopify',
    secret: 'shpss_shopifyClientSecret0123456',
    wrongSecret: 'shpss_shopifyOtherSecret01234567',
    body: '{"id":820982911946154500,"note":"ok ✓"}',
    contentType: 'application/json',
    extraHeaders: { 'X-Shopify-Event-Id': 'shop-evt-1', 'X-Shopify-Topic': 'orders/create' },
    signatureHeader: 'x-shopify-hmac-sha256',
    tamper: flip,
    tamperReason: 'signature_mismatch',
    timestamped: false,
    expectId: 'shop-evt-1',
    expectType: 'orders/create',
  },
  {
    provider: 'github',
    secret: 'github-webhook-secret-0123456789',
    wrongSecret: 'github-other-secret-0123456789ab',
    body: '{"zen":"Keep it logically awesome ✓","hook_id":1}',
    contentType: 'application/json',
    extraHeaders: {
      'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'X-GitHub-Event': 'ping',
    },
    signatureHeader: 'x-hub-signature-256',
    tamper: flip,
    tamperReason: 'signature_mismatch',
    timestamped: false,
    expectId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    expectType: 'ping',
  },
]

function sourceId(c: PresetCase): string {
  return `src-${c.provider}`
}

function presetFor(c: PresetCase, secret: string): ConfiguredPreset {
  const options: Record<string, unknown> = { ...c.options }
  // What the gateway defaults Trello's callbackUrl to: publicUrl + the source's path.
  if (c.provider === 'trello') options.callbackUrl = `${PUBLIC_URL}/webhooks/${sourceId(c)}`
  return (providers[c.provider] as (o: object) => ConfiguredPreset)({
    ...options,
    secrets: [secret],
  })
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

let gw: Running
const secretsAndSignatures: string[] = []

beforeAll(async () => {
  gw = await startGateway(
    {
      server: { publicUrl: PUBLIC_URL },
      sources: CASES.map((c) => ({
        id: sourceId(c),
        provider: c.provider,
        secrets: [c.secret],
        options: c.options ?? {},
      })),
    },
    { now: () => NOW },
  )
  for (const c of CASES) secretsAndSignatures.push(c.secret, c.wrongSecret)
})

afterAll(async () => {
  await gw?.close()
})

async function send(
  c: PresetCase,
  options: { body?: string; secret?: string; timestamp?: Date } = {},
) {
  const body = options.body ?? c.body
  const path = `/webhooks/${sourceId(c)}`
  const signed = signWebhook(presetFor(c, options.secret ?? c.secret), {
    body: c.body,
    url: PUBLIC_URL + path,
    timestamp: options.timestamp ?? NOW,
    id: `msg_${c.provider}`,
  })
  for (const value of Object.values(signed))
    secretsAndSignatures.push(value.replace(/^Bearer /, ''))
  const response = await fetch(gw.url + path, {
    method: 'POST',
    headers: { 'content-type': c.contentType, ...c.extraHeaders, ...signed },
    body,
  })
  return { status: response.status, json: (await response.json()) as any, signed }
}

describe.each(CASES)('preset $provider over HTTP', (c) => {
  it('stores a valid request byte-exact, once; refuses tampered, wrong-secret and stale requests', async () => {
    const source = sourceId(c)

    const first = await send(c)
    expect(first.status, JSON.stringify(first.json)).toBe(200)
    expect(first.json).toEqual({ id: expect.stringMatching(/^evt_/), duplicate: false })

    const stored = await gw.admin(`/api/events/${first.json.id}`)
    expect(stored.status).toBe(200)
    expect(stored.body.encoding).toBe('utf8')
    expect(stored.body.body).toBe(c.body)
    expect(stored.body.bodySize).toBe(Buffer.byteLength(c.body))
    expect(stored.body.sourceId).toBe(source)
    expect(stored.body.provider).toBe(c.provider)
    expect(stored.body.providerEventId).toBe(c.expectId ?? null)
    expect(stored.body.eventType).toBe(c.expectType ?? null)
    expect(stored.body.dedupeKey).toBe(c.expectId ?? `sha256:${sha256(c.body)}`)
    expect(stored.body.receivedAt).toBe(NOW.toISOString())
    // The signature (or token) is redacted; no stored header holds any signature value.
    expect(stored.body.headers[c.signatureHeader]).toBe('[redacted]')
    for (const value of Object.values(first.signed)) {
      if (value.length >= 16 && !/^\d+$/.test(value) && !value.startsWith('msg_')) {
        expect(JSON.stringify(stored.body.headers)).not.toContain(value.replace(/^Bearer /, ''))
      }
    }

    const again = await send(c)
    expect(again.status).toBe(200)
    expect(again.json).toEqual({ id: first.json.id, duplicate: true })

    const tampered = await send(c, { body: c.tamper(c.body) })
    expect(c.tamper(c.body)).not.toBe(c.body)
    expect(tampered.json.error.code).toBe(c.tamperReason)
    expect(tampered.status).toBe(REASON_STATUS[c.tamperReason])
    expect(tampered.json.error.message).toEqual(expect.any(String))

    const wrong = await send(c, { secret: c.wrongSecret })
    expect(wrong.status).toBe(401)
    expect(wrong.json.error.code).toBe('signature_mismatch')

    const expectedReasons = [c.tamperReason, 'signature_mismatch']
    if (c.timestamped) {
      const stale = await send(c, { timestamp: STALE })
      expect(stale.status).toBe(401)
      expect(stale.json.error.code).toBe('timestamp_too_old')
      expectedReasons.push('timestamp_too_old')
    }

    const events = await gw.admin(`/api/events?source=${source}`)
    expect(events.body.items.map((e: { id: string }) => e.id)).toEqual([first.json.id])

    const rejections = await gw.admin(`/api/rejections?source=${source}`)
    const reasons = rejections.body.items.map((r: { reason: string }) => r.reason)
    expect([...reasons].sort()).toEqual([...expectedReasons].sort())
    // Newest first: the tampered request was refused before the wrong-secret one (same reason for most presets).
    const tamperedRecord = rejections.body.items
      .filter((r: { reason: string }) => r.reason === c.tamperReason)
      .at(-1)
    expect(tamperedRecord.bodySha256).toBe(sha256(c.tamper(c.body)))
    expect(tamperedRecord.bodySize).toBe(Buffer.byteLength(c.tamper(c.body)))
    expect(tamperedRecord.headers[c.signatureHeader]).toBe('[redacted]')
    expect(JSON.stringify(rejections.body)).not.toContain(c.tamper(c.body))
  })
})

describe('after every preset ran', () => {
  it('no secret, signature or token appears in the logs or the stored rows', async () => {
    const events = await gw.admin('/api/events?limit=500')
    const rejections = await gw.admin('/api/rejections?limit=500')
    const haystacks = [
      gw.logs.join(''),
      JSON.stringify(events.body),
      JSON.stringify(rejections.body),
    ]
    expect(gw.logs.length).toBeGreaterThan(CASES.length * 3)
    expect(rejections.body.items.length).toBeGreaterThanOrEqual(CASES.length * 2)
    const needles = secretsAndSignatures.filter(
      (s) => s.length >= 16 && !/^\d+$/.test(s) && !s.startsWith('msg_') && !s.startsWith('t='),
    )
    expect(needles.length).toBeGreaterThan(CASES.length * 3)
    for (const needle of needles) {
      for (const hay of haystacks)
        expect(hay.includes(needle), `leaked: ${needle.slice(0, 12)}…`).toBe(false)
    }
    // Stripe/Calendly signature headers start with t=…; check their v1 parts instead.
    for (const needle of secretsAndSignatures.filter((s) => s.startsWith('t='))) {
      const v1 = needle.split('v1=')[1] as string
      for (const hay of haystacks) expect(hay.includes(v1)).toBe(false)
    }
  })
})
