/**
 * Handshakes of the public-key-and-tokens batch, checked against what the providers' docs require, plus a few
 * scheme checks written from the docs independently of the presets.
 */
import { Buffer } from 'node:buffer'
import { generateKeyPairSync, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { probeHandshake, providers, safeVerifyWebhook, verifyWebhook } from '@hookgate/verify'

describe('discord PING', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const hex = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('hex')
  const preset = providers.discord({ secrets: hex })
  const now = 1_767_225_600
  const signed = (body: string, timestamp = String(now)) => ({
    method: 'POST',
    headers: { 'x-signature-ed25519': sign(null, Buffer.from(timestamp + body), privateKey).toString('hex'), 'x-signature-timestamp': timestamp },
    rawBody: body,
  })

  it('answers a signed PING (type 1) with {"type":1}', () => {
    const verified = verifyWebhook(preset, signed('{"id":"1","type":1,"application_id":"2"}'), { now: new Date(now * 1000) })
    const answer = verified.handshake()
    expect(answer?.status).toBe(200)
    expect(answer?.contentType).toBe('application/json')
    expect(JSON.parse(answer?.body ?? 'null')).toEqual({ type: 1 })
  })

  it('does not answer other interactions', () => {
    const verified = verifyWebhook(preset, signed('{"id":"1","type":2,"data":{"name":"hello"}}'), { now: new Date(now * 1000) })
    expect(verified.handshake()).toBeUndefined()
  })

  it('refuses the invalid signatures Discord sends at registration (the gateway answers them 401)', () => {
    const request = signed('{"id":"1","type":1}')
    const tampered = { ...request, headers: { ...request.headers, 'x-signature-ed25519': '00'.repeat(64) } }
    const result = safeVerifyWebhook(preset, tampered, { now: new Date(now * 1000) })
    expect(result.ok ? 'ok' : result.reason).toBe('signature_mismatch')
  })
})

describe('okta one-time verification', () => {
  const preset = providers.okta({ secrets: 'shared-value' })

  it('answers GET X-Okta-Verification-Challenge with {"verification": <value>}', () => {
    const answer = probeHandshake(preset, { method: 'GET', url: '/hooks/okta', headers: { 'x-okta-verification-challenge': 'rH9sQ4u2p4pTgqcDk1v_0x' } })
    expect(answer?.status).toBe(200)
    expect(answer?.contentType).toBe('application/json')
    expect(JSON.parse(answer?.body ?? 'null')).toEqual({ verification: 'rH9sQ4u2p4pTgqcDk1v_0x' })
  })

  it('does not answer a GET without the challenge header, nor a POST', () => {
    expect(probeHandshake(preset, { method: 'GET', url: '/hooks/okta', headers: {} })).toBeUndefined()
    expect(probeHandshake(preset, { method: 'POST', url: '/hooks/okta', headers: { 'x-okta-verification-challenge': 'x' } })).toBeUndefined()
  })
})
