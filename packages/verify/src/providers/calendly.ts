/**
 * @module providers/calendly
 * `Calendly-Webhook-Signature: t=<unix>,v1=<hex>`, HMAC-SHA256 over `${t}.${body}`; 3-minute window.
 * @see https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures
 */
import { defineProvider, field } from '../define.ts'
import { signedDefinition } from '../families/signed.ts'

/**
 * Calendly (API v2). Several `v1=` entries are accepted, like Stripe's. Replay window 180 s.
 * Calendly sends no delivery id: the id reported is `<event>:<payload.uri>`, stable across retries.
 */
export const calendly = defineProvider({
  ...signedDefinition({
    id: 'calendly',
    name: 'Calendly',
    docsUrl: 'https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures',
    mismatchHint:
      "Use the webhook signing key you set on the subscription (or your OAuth app's key), not the API token.",
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'Calendly-Webhook-Signature',
      encoding: 'hex',
      list: { separator: ',', key: 'v1', timestampKey: 't' },
    },
    timestamp: { toleranceSeconds: 180 },
    eventType: { body: 'event' },
  }),
  eventId(context) {
    const payload = context.payload()
    const event = field(payload, 'event')
    const uri = field(payload, 'payload', 'uri')
    return event !== undefined && uri !== undefined ? `${event}:${uri}` : undefined
  },
})
