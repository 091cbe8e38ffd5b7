/**
 * Handshakes of the public-key-and-tokens batch, checked against what the providers' docs require, plus a few
 * scheme checks written from the docs independently of the presets.
 */
import { Buffer } from 'node:buffer'
import { generateKeyPairSync, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  probeHandshake,
  providers,
  safeVerifyWebhook,
  signWebhook,
  verifyWebhook,
} from '@hookgate/verify'

describe('discord PING', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const hex = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString(
    'hex',
  )
  const preset = providers.discord({ secrets: hex })
  const now = 1_767_225_600
  const signed = (body: string, timestamp = String(now)) => ({
    method: 'POST',
    headers: {
      'x-signature-ed25519': sign(null, Buffer.from(timestamp + body), privateKey).toString('hex'),
      'x-signature-timestamp': timestamp,
    },
    rawBody: body,
  })

  it('answers a signed PING (type 1) with {"type":1}', () => {
    const verified = verifyWebhook(preset, signed('{"id":"1","type":1,"application_id":"2"}'), {
      now: new Date(now * 1000),
    })
    const answer = verified.handshake()
    expect(answer?.status).toBe(200)
    expect(answer?.contentType).toBe('application/json')
    expect(JSON.parse(answer?.body ?? 'null')).toEqual({ type: 1 })
  })

  it('Webhook Events: the PING (type 0) is answered 204; an event (type 1 in that envelope) is not a PING and is stored', () => {
    const at = { now: new Date(now * 1000) }
    const ping = verifyWebhook(preset, signed('{"version":1,"application_id":"2","type":0}'), at)
    expect(ping.handshake()).toEqual({ status: 204, body: '' })
    const event = verifyWebhook(
      preset,
      signed(
        '{"version":1,"application_id":"2","type":1,"event":{"type":"APPLICATION_AUTHORIZED","timestamp":"2026-01-01T00:00:00Z","data":{}}}',
      ),
      at,
    )
    expect(event.handshake()).toBeUndefined()
  })

  it('does not answer other interactions', () => {
    const verified = verifyWebhook(preset, signed('{"id":"1","type":2,"data":{"name":"hello"}}'), {
      now: new Date(now * 1000),
    })
    expect(verified.handshake()).toBeUndefined()
  })

  it('refuses the invalid signatures Discord sends at registration (the gateway answers them 401)', () => {
    const request = signed('{"id":"1","type":1}')
    const tampered = {
      ...request,
      headers: { ...request.headers, 'x-signature-ed25519': '00'.repeat(64) },
    }
    const result = safeVerifyWebhook(preset, tampered, { now: new Date(now * 1000) })
    expect(result.ok ? 'ok' : result.reason).toBe('signature_mismatch')
  })
})

describe('okta one-time verification', () => {
  const preset = providers.okta({ secrets: 'shared-value' })

  it('answers GET X-Okta-Verification-Challenge with {"verification": <value>}', () => {
    const answer = probeHandshake(preset, {
      method: 'GET',
      url: '/hooks/okta',
      headers: { 'x-okta-verification-challenge': 'rH9sQ4u2p4pTgqcDk1v_0x' },
    })
    expect(answer?.status).toBe(200)
    expect(answer?.contentType).toBe('application/json')
    expect(JSON.parse(answer?.body ?? 'null')).toEqual({ verification: 'rH9sQ4u2p4pTgqcDk1v_0x' })
  })

  it('does not answer a GET without the challenge header, nor a POST', () => {
    expect(
      probeHandshake(preset, { method: 'GET', url: '/hooks/okta', headers: {} }),
    ).toBeUndefined()
    expect(
      probeHandshake(preset, {
        method: 'POST',
        url: '/hooks/okta',
        headers: { 'x-okta-verification-challenge': 'x' },
      }),
    ).toBeUndefined()
  })
})

describe('every preset of the batch signs what it verifies, and refuses a changed body where the body is signed', () => {
  const ed = generateKeyPairSync('ed25519')
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString()
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString()
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString()
  const whsec = `whsec_${Buffer.from('a test key of thirty-two bytes!!').toString('base64')}`
  const cases: Record<string, { secrets: string; options?: object; bodyBound: boolean }> = {
    brex: { secrets: whsec, bodyBound: true },
    bridge: { secrets: rsa, bodyBound: true },
    clerk: { secrets: whsec, bodyBound: true },
    discord: { secrets: ed, bodyBound: true },
    'dodo-payments': { secrets: whsec, bodyBound: true },
    fathom: { secrets: whsec, bodyBound: true },
    folk: { secrets: whsec, bodyBound: true },
    gitlab: { secrets: 'token-1', bodyBound: false },
    goody: { secrets: whsec, bodyBound: true },
    highlevel: { secrets: ed, bodyBound: true },
    'hugging-face': { secrets: 'token-1', bodyBound: false },
    'incident-io': { secrets: whsec, bodyBound: true },
    lithic: { secrets: whsec, bodyBound: true },
    liveblocks: { secrets: whsec, bodyBound: true },
    livekit: { secrets: 'livekit-secret', options: { apiKey: 'APIkey' }, bodyBound: true },
    okta: { secrets: 'token-1', bodyBound: false },
    openai: { secrets: whsec, bodyBound: true },
    openmeter: { secrets: whsec, bodyBound: true },
    polar: { secrets: 'polar-secret', bodyBound: true },
    postmark: { secrets: 'user:pass', bodyBound: false },
    render: { secrets: whsec, bodyBound: true },
    replicate: { secrets: whsec, bodyBound: true },
    resend: { secrets: whsec, bodyBound: true },
    sendgrid: { secrets: ec, bodyBound: true },
    signatureapi: { secrets: whsec, bodyBound: true },
    stytch: { secrets: whsec, bodyBound: true },
    supabase: { secrets: `v1,${whsec}`, bodyBound: true },
    telegram: { secrets: 'token-1', bodyBound: false },
    telnyx: { secrets: ed, bodyBound: true },
    'upstash-qstash': {
      secrets: 'sig_key',
      options: { url: 'https://hooks.example.com/q' },
      bodyBound: true,
    },
    vapi: { secrets: 'token-1', bodyBound: false },
    vonage: { secrets: 'vonage-signature-secret', bodyBound: true },
    wise: { secrets: rsa, bodyBound: true },
    xendit: { secrets: 'token-1', bodyBound: false },
  }

  it('covers every preset of the catalog file', async () => {
    const { publicKeyAndTokens } =
      await import('../../src/providers/catalog/public-key-and-tokens.ts')
    expect(Object.keys(cases).sort()).toEqual(Object.keys(publicKeyAndTokens).sort())
  })

  for (const [id, c] of Object.entries(cases)) {
    it(id, () => {
      const factory = providers[id as keyof typeof providers] as unknown as (
        options: object,
      ) => ReturnType<typeof providers.github>
      const preset = factory({ ...c.options, secrets: c.secrets })
      const body = '{"id":"evt_1","type":"x.created","data":{"n":"héllo 👋"}}'
      const timestamp = new Date(1_767_225_600_000)
      const headers = signWebhook(preset, {
        body,
        timestamp,
        id: 'msg_1',
        url: 'https://hooks.example.com/q',
      })
      const request = { method: 'POST', url: 'https://hooks.example.com/q', headers, rawBody: body }
      const now = { now: timestamp }
      const ok = safeVerifyWebhook(preset, request, now)
      expect(ok.ok ? 'ok' : `${ok.reason}: ${ok.message}`).toBe('ok')
      const changed = safeVerifyWebhook(
        preset,
        { ...request, rawBody: body.replace('x.created', 'x.deleted') },
        now,
      )
      expect(changed.ok ? 'ok' : 'refused').toBe(c.bodyBound ? 'refused' : 'ok')
    })
  }
})
