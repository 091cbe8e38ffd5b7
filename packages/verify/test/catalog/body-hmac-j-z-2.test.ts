/**
 * Second-round body-HMAC presets j–z: the SurveyMonkey creation check, and a few presets cross-checked against the
 * providers' own sample code transcribed from their docs (independent of Hookgate's signer).
 */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { probeHandshake, providers, safeVerifyWebhook, verifyWebhook } from '@hookgate/verify'

const post = (headers: Record<string, string>, rawBody: string) => ({
  method: 'POST',
  url: '/hooks',
  headers,
  rawBody,
})

describe('surveymonkey: HEAD when the webhook is created', () => {
  const preset = providers.surveymonkey({ secrets: ['client-id&api-secret'] })
  it('answers HEAD 200 with an empty body, and leaves other requests to verification', () => {
    expect(probeHandshake(preset, { method: 'HEAD', url: '/sm', headers: {} })).toEqual({
      status: 200,
      body: '',
    })
    expect(probeHandshake(preset, { method: 'GET', url: '/sm', headers: {} })).toBeUndefined()
  })
  it('keys the HMAC with "<api key>&<api secret>" as the docs\' Python example does', () => {
    const body = '{"event_type":"response_completed","event_id":"42"}'
    // hmac.new(key='%s&%s' % (api_key, api_secret), msg=payload, digestmod=hashlib.sha1) → base64
    const signature = createHmac('sha1', 'client-id&api-secret').update(body).digest('base64')
    const verified = verifyWebhook(
      preset,
      post({ 'sm-signature': signature, 'sm-apikey': 'client-id' }, body),
    )
    expect(verified.id).toBe('42')
    expect(verified.eventType).toBe('response_completed')
    const secretOnly = safeVerifyWebhook(
      providers.surveymonkey({ secrets: ['api-secret'] }),
      post({ 'sm-signature': signature }, body),
    )
    expect(secretOnly.ok ? 'ok' : secretOnly.reason).toBe('signature_mismatch')
  })
})

describe("microsoft-teams-outgoing: Microsoft's sample", () => {
  // OfficeDev/msteams-samples-outgoing-webhook-nodejs app.js:
  //   bufSecret = Buffer(sharedSecret, "base64"); "HMAC " + createHmac('sha256', bufSecret).update(msgBuf).digest("base64") === auth
  const token = '+ZaRRMC8+mpnfGaGsBOmkIFt98bttL5YQRq3p2tXgcE='
  const body = '{"type":"message","id":"1","text":"<at>Bot</at> hi"}'
  const auth =
    'HMAC ' +
    createHmac('sha256', Buffer.from(token, 'base64'))
      .update(Buffer.from(body, 'utf8'))
      .digest('base64')
  it('accepts what the sample accepts, and reads the activity id and type', () => {
    const verified = verifyWebhook(
      providers['microsoft-teams-outgoing']({ secrets: [token] }),
      post({ authorization: auth }, body),
    )
    expect(verified.id).toBe('1')
    expect(verified.eventType).toBe('message')
  })
  it('refuses another scheme word in Authorization', () => {
    const result = safeVerifyWebhook(
      providers['microsoft-teams-outgoing']({ secrets: [token] }),
      post({ authorization: auth.replace('HMAC ', 'Bearer ') }, body),
    )
    expect(result.ok).toBe(false)
  })
})

describe('segment: the actions-webhook destination', () => {
  // segmentio/action-destinations webhook/index.ts: createHmac('sha1', sharedSecret).update(JSON.stringify(payload.data), 'utf8').digest('hex')
  const data = { type: 'identify', messageId: 'm-1', traits: { name: 'Zoë' } }
  const body = JSON.stringify(data)
  const signature = createHmac('sha1', 'shh').update(JSON.stringify(data), 'utf8').digest('hex')
  it('accepts an unbatched delivery (the body is JSON.stringify(data))', () => {
    const verified = verifyWebhook(
      providers.segment({ secrets: ['shh'] }),
      post({ 'x-signature': signature }, body),
    )
    expect(verified.id).toBe('m-1')
    expect(verified.eventType).toBe('identify')
  })
  it('refuses a batched delivery, which Segment signs over its first event only', () => {
    const batched = JSON.stringify([data, { type: 'track', messageId: 'm-2' }])
    const result = safeVerifyWebhook(
      providers.segment({ secrets: ['shh'] }),
      post({ 'x-signature': signature }, batched),
    )
    expect(result.ok ? 'ok' : result.reason).toBe('signature_mismatch')
  })
})

describe('event types and ids read from the documented places', () => {
  it('sonatype-nexus: X-Nexus-Webhook-Delivery and X-Nexus-Webhook-Id', () => {
    const body = '{"action":"CREATED"}'
    const verified = verifyWebhook(
      providers['sonatype-nexus']({ secrets: ['k'] }),
      post(
        {
          'x-nexus-webhook-signature': createHmac('sha1', 'k').update(body).digest('hex'),
          'x-nexus-webhook-id': 'rm:repository:component',
          'x-nexus-webhook-delivery': 'd-1',
        },
        body,
      ),
    )
    expect([verified.id, verified.eventType]).toEqual(['d-1', 'rm:repository:component'])
  })
  it('mongodb-atlas: X-MMS-Event, else eventTypeName', () => {
    const body = '{"id":"a1","eventTypeName":"HOST_DOWN"}'
    const signature = createHmac('sha1', 'k').update(body).digest('base64')
    const preset = providers['mongodb-atlas']({ secrets: ['k'] })
    expect(
      verifyWebhook(
        preset,
        post({ 'x-mms-signature': signature, 'x-mms-event': 'alert.close' }, body),
      ).eventType,
    ).toBe('alert.close')
    expect(verifyWebhook(preset, post({ 'x-mms-signature': signature }, body)).eventType).toBe(
      'HOST_DOWN',
    )
  })
  it('veriff: action for event webhooks, verification.status for decisions', () => {
    const body = '{"status":"success","verification":{"id":"s-1","status":"approved"}}'
    const verified = verifyWebhook(
      providers.veriff({ secrets: ['k'] }),
      post({ 'x-hmac-signature': createHmac('sha256', 'k').update(body).digest('hex') }, body),
    )
    expect(verified.eventType).toBe('approved')
  })
})
