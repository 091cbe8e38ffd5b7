/**
 * @module providers/shopify
 * `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the body>`; id `X-Shopify-Event-Id`, type `X-Shopify-Topic`.
 * Also the un-prefixed `shopify-*` header set of Shopify's newer Events delivery.
 * @see https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-2-validate-the-origin-of-your-webhook-to-ensure-its-coming-from-shopify
 */
import { getHeader } from '../_internal/headers.ts'
import { defineProvider } from '../define.ts'
import {
  bodyHmac,
  hmacConfig,
  hmacEventType,
  parseHmacHeader,
  type HmacConfig,
} from './hmac-sha256.ts'

/** Shopify. The key is the app's client secret (or the store's webhook signing secret for admin-created hooks). */
export const shopify = defineProvider<object, HmacConfig>({
  id: 'shopify',
  name: 'Shopify',
  scheme: 'X-Shopify-Hmac-Sha256 — HMAC-SHA256 base64 of the body',
  docsUrl: 'https://shopify.dev/docs/apps/build/webhooks/subscribe/https',
  optionKeys: [],
  signatureHeaders: ['x-shopify-hmac-sha256', 'shopify-hmac-sha256'],
  mismatchHint:
    'Use the app\'s client secret (API secret key). Test webhooks sent from the store admin ("Send test notification") are signed with a different key.',
  configure: () => ({
    ...hmacConfig(
      'shopify',
      {},
      { header: 'X-Shopify-Hmac-Sha256', encoding: 'base64', prefix: '' },
    ),
    idHeaders: [
      'x-shopify-event-id',
      'shopify-event-id',
      'x-shopify-webhook-id',
      'shopify-webhook-id',
    ],
    eventTypeHeaders: ['x-shopify-topic', 'shopify-topic'],
  }),
  ...bodyHmac,
  parse(request, _body, config) {
    // Shopify's Events delivery sends `shopify-hmac-sha256`; its SDK picks that set when present.
    const events = getHeader(request.headers, 'shopify-hmac-sha256') !== undefined
    return parseHmacHeader(request.headers, config, events ? 'shopify-hmac-sha256' : config.header)
  },
  eventType: (context, config) => hmacEventType(context.headers, config),
})
