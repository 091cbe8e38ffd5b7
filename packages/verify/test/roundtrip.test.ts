import { describe, expect, it } from 'vitest'
import { providers, safeVerifyWebhook, signWebhook, type ConfiguredPreset } from '@hookgate/verify'

const now = new Date('2026-11-23T12:00:00Z')
const body = JSON.stringify({
  id: 'evt_1',
  type: 'invoice.paid',
  event_id: 'Ev1',
  action: { id: 'a1', type: 'createCard' },
})

const cases: Record<string, () => ConfiguredPreset> = {
  trello: () =>
    providers.trello({
      secrets: 'app-secret',
      callbackUrl: 'https://hooks.example.com/webhooks/trello?x=1',
    }),
  'hmac-sha256': () => providers['hmac-sha256']({ secrets: 's3cret' }),
  twilio: () => providers.twilio({ secrets: 'auth-token' }),
  jwt: () =>
    providers.jwt({
      secrets: 'jwt-secret',
      issuer: 'https://sender.example',
      bodyHashClaim: 'payload_hash',
    }),
  calendly: () => providers.calendly({ secrets: 'cal-key' }),
  stripe: () => providers.stripe({ secrets: 'whsec_test' }),
  'standard-webhooks': () =>
    providers['standard-webhooks']({ secrets: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
  svix: () => providers.svix({ secrets: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
  slack: () => providers.slack({ secrets: 'slack-signing' }),
  shopify: () => providers.shopify({ secrets: 'shpss_x' }),
  github: () => providers.github({ secrets: 'gh' }),
}

describe('sign → verify round trip (smoke)', () => {
  for (const [id, make] of Object.entries(cases)) {
    it(id, () => {
      const preset = make()
      const url = 'https://hooks.example.com/webhooks/x?a=1'
      const headers = signWebhook(preset, { body, url, timestamp: now })
      const result = safeVerifyWebhook(
        preset,
        { method: 'POST', url, headers, rawBody: body },
        { now },
      )
      expect(result.ok ? 'ok' : result.reason + ': ' + result.message).toBe('ok')
      const tampered = safeVerifyWebhook(
        preset,
        { method: 'POST', url, headers, rawBody: body + ' ' },
        { now },
      )
      expect(tampered.ok).toBe(false)
    })
  }
})
