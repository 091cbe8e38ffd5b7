/**
 * Handshakes of the timestamped catalog, checked against what each provider's docs require, with signatures made
 * here with node:crypto from the docs (never with signWebhook).
 */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { providers, verifyWebhook } from '@hookgate/verify'

const NOW = new Date(1_700_000_000_000)

describe('zoom endpoint.url_validation', () => {
  // https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint
  const secret = 'zoom_secret_token_demo_9f8e'
  const body =
    '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1700000000000,"event":"endpoint.url_validation"}'
  const ts = '1700000000'
  const headers = {
    'x-zm-request-timestamp': ts,
    'x-zm-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`,
  }

  it('answers {plainToken, encryptedToken = hex HMAC-SHA256(Secret Token, plainToken)}', () => {
    const verified = verifyWebhook(
      providers.zoom({ secrets: secret }),
      { method: 'POST', headers, rawBody: body },
      { now: NOW },
    )
    const answer = verified.handshake()
    expect(answer?.status).toBe(200)
    expect(answer?.contentType).toBe('application/json')
    expect(JSON.parse(answer?.body ?? '')).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: createHmac('sha256', secret).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'),
    })
  })

  it('answers with the key that matched when several secrets are configured', () => {
    const verified = verifyWebhook(
      providers.zoom({ secrets: ['old-secret-token', secret] }),
      { method: 'POST', headers, rawBody: body },
      { now: NOW },
    )
    expect(JSON.parse(verified.handshake()?.body ?? '').encryptedToken).toBe(
      createHmac('sha256', secret).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'),
    )
  })

  it('leaves ordinary events alone', () => {
    const event =
      '{"event":"meeting.started","payload":{"object":{"id":"1"}},"event_ts":1700000000000}'
    const signed = {
      'x-zm-request-timestamp': ts,
      'x-zm-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${event}`).digest('hex')}`,
    }
    const verified = verifyWebhook(
      providers.zoom({ secrets: secret }),
      { method: 'POST', headers: signed, rawBody: event },
      { now: NOW },
    )
    expect(verified.handshake()).toBeUndefined()
    expect(verified.eventType).toBe('meeting.started')
  })
})

describe('twitch webhook_callback_verification', () => {
  // https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#responding-to-a-challenge-request
  const secret = 'twitch-subscription-secret-0123'
  const id = 'e76c6bd4-55c9-4987-8304-da1588d8988b'
  const ts = '2023-11-14T22:13:20.123456789Z'
  const body =
    '{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"webhook_callback_verification_pending","type":"channel.follow","version":"2"}}'
  const headers = (type: string) => ({
    'Twitch-Eventsub-Message-Id': id,
    'Twitch-Eventsub-Message-Timestamp': ts,
    'Twitch-Eventsub-Message-Type': type,
    'Twitch-Eventsub-Message-Signature': `sha256=${createHmac('sha256', secret)
      .update(id + ts + body)
      .digest('hex')}`,
  })

  it('answers 200 with the raw challenge as text/plain', () => {
    const verified = verifyWebhook(
      providers.twitch({ secrets: secret }),
      { method: 'POST', headers: headers('webhook_callback_verification'), rawBody: body },
      { now: NOW },
    )
    expect(verified.handshake()).toEqual({
      status: 200,
      contentType: 'text/plain',
      body: 'pogchamp-kappa-360noscope-vohiyo',
    })
    expect(verified.id).toBe(id)
  })

  it('does not answer a notification even if its body has a challenge field', () => {
    const verified = verifyWebhook(
      providers.twitch({ secrets: secret }),
      { method: 'POST', headers: headers('notification'), rawBody: body },
      { now: NOW },
    )
    expect(verified.handshake()).toBeUndefined()
  })
})

describe('front x-front-challenge', () => {
  // https://dev.frontapp.com/docs/application-webhooks#application-webhook-validation
  const secret = 'front_app_secret_demo_1a2b'
  const ts = '1700000000000'
  const body = '{"type":"sync","authorization":{"id":"cmp_abc"}}'
  const signature = createHmac('sha256', secret).update(`${ts}:${body}`).digest('base64')

  it('answers the signed validation request with the challenge', () => {
    const headers = {
      'x-front-request-timestamp': ts,
      'x-front-signature': signature,
      'x-front-challenge': 'a5ef9c1e-3f',
    }
    const verified = verifyWebhook(
      providers.front({ secrets: secret }),
      { method: 'POST', headers, rawBody: body },
      { now: NOW },
    )
    expect(verified.handshake()).toEqual({
      status: 200,
      contentType: 'text/plain',
      body: 'a5ef9c1e-3f',
    })
  })

  it('has no answer for an event without the challenge header', () => {
    const headers = { 'x-front-request-timestamp': ts, 'x-front-signature': signature }
    const verified = verifyWebhook(
      providers.front({ secrets: secret }),
      { method: 'POST', headers, rawBody: body },
      { now: NOW },
    )
    expect(verified.handshake()).toBeUndefined()
  })
})
