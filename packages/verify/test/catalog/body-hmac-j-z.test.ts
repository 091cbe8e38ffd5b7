/**
 * The endpoint checks of the body-HMAC presets j–z, answered as each provider's docs require, and a few presets
 * cross-checked against the providers' own sample code transcribed from their docs.
 */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { probeHandshake, providers, safeVerifyWebhook, verifyWebhook } from '@hookgate/verify'

const get = (url: string) => ({ method: 'GET', url, headers: {} })

describe('meta: GET hub.challenge with the verify token', () => {
  const preset = providers.meta({
    secrets: ['app-secret'],
    verifyToken: 'my-verify-token',
  } as never)

  it('echoes hub.challenge as plain text when the token matches', () => {
    const answer = probeHandshake(
      preset,
      get(
        '/hooks/meta?hub.mode=subscribe&hub.verify_token=my-verify-token&hub.challenge=1158201444',
      ),
    )
    expect(answer).toEqual({ status: 200, contentType: 'text/plain', body: '1158201444' })
  })

  it('answers 403 to a wrong token, a missing token or another mode', () => {
    expect(
      probeHandshake(preset, get('/m?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1'))
        ?.status,
    ).toBe(403)
    expect(probeHandshake(preset, get('/m?hub.mode=subscribe&hub.challenge=1'))?.status).toBe(403)
    expect(
      probeHandshake(
        preset,
        get('/m?hub.mode=unsubscribe&hub.verify_token=my-verify-token&hub.challenge=1'),
      )?.status,
    ).toBe(403)
  })

  it('answers 403 when no verifyToken is configured, and ignores GETs that are not a subscription check', () => {
    const bare = providers.meta({ secrets: ['app-secret'] })
    expect(
      probeHandshake(bare, get('/m?hub.mode=subscribe&hub.verify_token=&hub.challenge=1'))?.status,
    ).toBe(403)
    expect(probeHandshake(preset, get('/m'))).toBeUndefined()
    expect(
      probeHandshake(preset, {
        method: 'POST',
        url: '/m?hub.mode=subscribe&hub.verify_token=my-verify-token&hub.challenge=1',
        headers: {},
      }),
    ).toBeUndefined()
  })
})

describe('nylas: GET ?challenge=', () => {
  const preset = providers.nylas({ secrets: ['s'] })
  it('echoes the challenge exactly, as plain text', () => {
    expect(
      probeHandshake(preset, get('/nylas?challenge=bc609b38-c81f-47fb-a275-1d9bd61a968b')),
    ).toEqual({
      status: 200,
      contentType: 'text/plain',
      body: 'bc609b38-c81f-47fb-a275-1d9bd61a968b',
    })
    expect(probeHandshake(preset, get('/nylas'))).toBeUndefined()
  })
})

describe('x-twitter: CRC', () => {
  it('answers response_token = sha256= + base64 HMAC-SHA256(consumer secret, crc_token)', () => {
    const secret = 'lQJYbQvbYJjRkCLJgnLmQXkSQWkSfkNlmGWcFMSHzcvfEZeSGm'
    const answer = probeHandshake(
      providers['x-twitter']({ secrets: [secret, 'older'] }),
      get('/x?crc_token=XUrZ4o0oYp9RnYa'),
    )
    expect(answer?.status).toBe(200)
    expect(answer?.contentType).toBe('application/json')
    // Written from the docs: Python's base64.b64encode(hmac.new(secret, crc_token, sha256).digest()).
    const expected =
      'sha256=' + createHmac('sha256', secret).update('XUrZ4o0oYp9RnYa').digest('base64')
    expect(JSON.parse(answer!.body)).toEqual({ response_token: expected })
  })
  it('ignores GETs without crc_token', () => {
    expect(probeHandshake(providers['x-twitter']({ secrets: ['s'] }), get('/x'))).toBeUndefined()
  })
})

describe('xero: intent to receive', () => {
  const key = 'xero-webhook-key'
  const sign = (body: string) => createHmac('sha256', key).update(body).digest('base64')
  const preset = providers.xero({ secrets: [key] })

  it('answers a signed delivery with empty events 200 with an empty body', () => {
    const body =
      '{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}'
    const verified = verifyWebhook(preset, {
      method: 'POST',
      headers: { 'x-xero-signature': sign(body) },
      rawBody: body,
    })
    expect(verified.handshake()).toEqual({ status: 200, body: '' })
  })

  it('refuses a bad signature (the gateway answers 401) and does not treat real events as the check', () => {
    const body = '{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"x"}'
    const bad = safeVerifyWebhook(preset, {
      method: 'POST',
      headers: { 'x-xero-signature': sign(body + ' ') },
      rawBody: body,
    })
    expect(bad.ok ? 'ok' : bad.error.status).toBe(401)
    const real =
      '{"events":[{"resourceId":"r1","eventType":"CREATE","eventCategory":"INVOICE"}],"firstEventSequence":1,"lastEventSequence":1,"entropy":"y"}'
    const verified = verifyWebhook(preset, {
      method: 'POST',
      headers: { 'x-xero-signature': sign(real) },
      rawBody: real,
    })
    expect(verified.handshake()).toBeUndefined()
    expect(verified.eventType).toBe('CREATE')
  })
})

describe("pagerduty: the docs' JavaScript verifier agrees", () => {
  // PagerDuty/developer-docs docs/webhooks/04-Signatures.md, JavaScript tab: split on ",", compare `v1=<hex>` items.
  function docsVerify(key: string, payload: string, signatures: string): boolean {
    const signature = createHmac('sha256', key).update(payload).digest('hex')
    return signatures.split(',').includes('v1=' + signature)
  }
  it('for one and for two signatures, with either secret', () => {
    const body = '{"event":{"id":"E1","event_type":"incident.triggered"}}'
    const header = ['old', 'new']
      .map((k) => 'v1=' + createHmac('sha256', k).update(body).digest('hex'))
      .join(',')
    for (const key of ['old', 'new']) {
      expect(docsVerify(key, body, header)).toBe(true)
      const result = safeVerifyWebhook(providers.pagerduty({ secrets: [key] }), {
        method: 'POST',
        headers: { 'X-PagerDuty-Signature': header },
        rawBody: body,
      })
      expect(result.ok).toBe(true)
      if (result.ok) expect(result.id).toBe('E1')
    }
  })
})

describe('worldline: GET with X-GCS-Webhooks-Endpoint-Verification', () => {
  const preset = providers.worldline({ secrets: ['k'] })
  it('answers the header value as plain text', () => {
    const answer = probeHandshake(preset, {
      method: 'GET',
      url: '/worldline',
      headers: { 'X-GCS-Webhooks-Endpoint-Verification': 'a1b2c3-verification' },
    })
    expect(answer).toEqual({ status: 200, contentType: 'text/plain', body: 'a1b2c3-verification' })
  })
  it('ignores GETs without the header', () => {
    expect(probeHandshake(preset, get('/worldline'))).toBeUndefined()
  })
})
