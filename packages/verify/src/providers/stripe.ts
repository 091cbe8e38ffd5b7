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
  signature: { header: 'Stripe-Signature', encoding: 'hex', list: { separator: ',', key: 'v1', timestampKey: 't' } },
  timestamp: { toleranceSeconds: 300 },
  eventId: { body: 'id' },
  eventType: { body: 'type' },
})
