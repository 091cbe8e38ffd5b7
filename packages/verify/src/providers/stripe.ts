/**
 * @module providers/stripe
 * `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, HMAC-SHA256 over `${t}.${body}`.
 * @see https://docs.stripe.com/webhooks/signature
 */
import { signedPreset } from '../families/signed.ts'

/**
 * Stripe. The `whsec_…` endpoint secret is the key verbatim (not base64-decoded). Replay window 300 s.
 * Only `v1` entries count, so a downgraded scheme (`v0`) cannot be smuggled in.
 * @example providers.stripe({ secrets: [process.env.STRIPE_WEBHOOK_SECRET!] })
 */
export const stripe = signedPreset({
  id: 'stripe',
  name: 'Stripe',
  docsUrl: 'https://docs.stripe.com/webhooks/signature',
  mismatchHint:
    'Use the endpoint signing secret (whsec_…) of this endpoint, not an API key; `stripe listen` prints a different secret than the Dashboard.',
  algorithm: 'hmac-sha256',
  signed: '{timestamp}.{body}',
  signature: {
    header: 'Stripe-Signature',
    encoding: 'hex',
    list: { separator: ',', key: 'v1', timestampKey: 't' },
  },
  timestamp: { toleranceSeconds: 300 },
  eventId: { body: 'id' },
  eventType: { body: 'type' },
  senderIps: {
    // https://stripe.com/files/ips/ips_webhooks.txt as published in 2026 (Stripe gives seven days' notice of changes).
    cidrs: [
      '3.18.12.63/32',
      '3.69.109.8/32',
      '3.120.168.93/32',
      '3.130.192.231/32',
      '13.235.14.237/32',
      '13.235.122.149/32',
      '18.211.135.69/32',
      '35.154.171.200/32',
      '35.157.207.129/32',
      '52.15.183.38/32',
      '54.88.130.119/32',
      '54.88.130.237/32',
      '54.187.174.169/32',
      '54.187.205.235/32',
      '54.187.216.72/32',
    ],
    source: 'https://docs.stripe.com/ips#webhook-notifications',
    asOf: '2026-05',
  },
})
