/**
 * @module providers/calendly
 * `Calendly-Webhook-Signature: t=<unix>,v1=<hex>`, HMAC-SHA256 over `${t}.${body}`; 3-minute window.
 * @see https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures
 */
import { defineProvider, field, utf8Secret } from '../define.ts'
import { hmacKey } from '../schemes/hmac.ts'
import { signContent } from '../schemes/index.ts'
import { parseTimestampedList, requireHeader } from './_shared.ts'

const HEADER = 'calendly-webhook-signature'

/**
 * Calendly (API v2). Several `v1=` entries are accepted, like Stripe's. Replay window 180 s.
 * Calendly sends no delivery id: the id reported is `<event>:<payload.uri>`, stable across retries.
 */
export const calendly = defineProvider<object, undefined>({
  id: 'calendly',
  name: 'Calendly',
  scheme: 'Calendly-Webhook-Signature t=,v1= — HMAC-SHA256 hex of `t.body`',
  docsUrl: 'https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures',
  toleranceSeconds: 180,
  optionKeys: [],
  mismatchHint:
    'Use the webhook signing key you set on the subscription (or your OAuth app\'s key), not the API token.',
  configure: () => undefined,
  decodeKey: (secret) => hmacKey('hmac-sha256', utf8Secret(secret)),
  parse(request) {
    return parseTimestampedList(requireHeader(request.headers, HEADER), 'Calendly-Webhook-Signature')
  },
  signedContent: (_request, body, envelope) => [[`${envelope.timestamp}.`, body]],
  sign(input, key) {
    return {
      'Calendly-Webhook-Signature': `t=${input.timestamp},v1=${signContent(key, [`${input.timestamp}.`, input.body], 'hex')}`,
    }
  },
  eventId(context) {
    const payload = context.payload()
    const event = field(payload, 'event')
    const uri = field(payload, 'payload', 'uri')
    return event !== undefined && uri !== undefined ? `${event}:${uri}` : undefined
  },
  eventType: (context) => field(context.payload(), 'event'),
})
