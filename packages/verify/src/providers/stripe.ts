/**
 * @module providers/stripe
 * `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, HMAC-SHA256 over `${t}.${body}`.
 * @see https://docs.stripe.com/webhooks/signature
 */
import { defineProvider, field, utf8Secret } from '../define.ts'
import { hmacKey } from '../schemes/hmac.ts'
import { signContent } from '../schemes/index.ts'
import { parseTimestampedList, requireHeader } from './_shared.ts'

const HEADER = 'stripe-signature'

/**
 * Stripe. The `whsec_…` endpoint secret is the key verbatim (not base64-decoded). Replay window 300 s.
 * @example providers.stripe({ secrets: [process.env.STRIPE_WEBHOOK_SECRET!] })
 */
export const stripe = defineProvider<object, undefined>({
  id: 'stripe',
  name: 'Stripe',
  scheme: 'Stripe-Signature t=,v1= — HMAC-SHA256 hex of `t.body`',
  docsUrl: 'https://docs.stripe.com/webhooks/signature',
  toleranceSeconds: 300,
  optionKeys: [],
  mismatchHint:
    'Use the endpoint signing secret (whsec_…) of this endpoint, not an API key; `stripe listen` prints a different secret than the Dashboard.',
  configure: () => undefined,
  decodeKey: (secret) => hmacKey('hmac-sha256', utf8Secret(secret)),
  parse(request) {
    return parseTimestampedList(requireHeader(request.headers, HEADER), 'Stripe-Signature')
  },
  signedContent: (_request, body, envelope) => [[`${envelope.timestamp}.`, body]],
  sign(input, key) {
    return { 'Stripe-Signature': `t=${input.timestamp},v1=${signContent(key, [`${input.timestamp}.`, input.body], 'hex')}` }
  },
  eventId: (context) => field(context.payload(), 'id'),
  eventType: (context) => field(context.payload(), 'type'),
})
