/**
 * @module providers/catalog/timestamped
 * Presets declared as data (see docs/adding-a-provider.md). Each entry is confirmed against the provider's docs
 * and, where one exists, its official SDK; its vector file is test/vectors/<id>.json.
 */
import type { ProviderFactory } from '../../define.ts'
import { getHeader } from '../../_internal/headers.ts'
import { signedPreset } from '../../families/signed.ts'
import { signContent } from '../../schemes/index.ts'

export const timestamped = {
  /** Airwallex: `x-signature` = hex HMAC-SHA256 of `x-timestamp` (ms) + body. */
  airwallex: signedPreset({
    id: 'airwallex',
    name: 'Airwallex',
    docsUrl: 'https://www.airwallex.com/docs/developer-tools/webhooks/listen-for-webhook-events',
    mismatchHint:
      'Use the secret of this notification URL (Developer > Webhooks), not an API key; sign the raw body.',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}{body}',
    signature: { header: 'x-signature', encoding: 'hex' },
    timestamp: { header: 'x-timestamp', unit: 'ms', toleranceSeconds: 300 },
    eventId: { body: 'id' },
    eventType: { body: 'name' },
  }),
  /** Akeneo PIM Events API: `X-Akeneo-Request-Signature` = hex HMAC-SHA256 of `timestamp.body`. */
  akeneo: signedPreset({
    id: 'akeneo',
    name: 'Akeneo PIM (Events API)',
    docsUrl: 'https://api.akeneo.com/events-documentation/security.html',
    mismatchHint:
      'Use the secret of the event subscription (connection) in Akeneo, not the API client secret.',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: { header: 'X-Akeneo-Request-Signature', encoding: 'hex' },
    timestamp: { header: 'X-Akeneo-Request-Timestamp', toleranceSeconds: 300 },
    eventType: { body: 'events.0.action' },
  }),
  /** Buildkite: `X-Buildkite-Signature: timestamp=<s>,signature=<hex>` over `timestamp.body`, keyed with the webhook token. */
  buildkite: signedPreset({
    id: 'buildkite',
    name: 'Buildkite',
    docsUrl: 'https://buildkite.com/docs/apis/webhooks/pipelines#webhook-signature',
    mismatchHint:
      'Use the webhook\'s Token value as the secret, and choose "X-Buildkite-Signature" (not the plain X-Buildkite-Token) in the webhook settings.',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'X-Buildkite-Signature',
      encoding: 'hex',
      list: { separator: ',', key: 'signature', timestampKey: 'timestamp' },
    },
    timestamp: { toleranceSeconds: 300 },
    eventType: { header: 'X-Buildkite-Event' },
  }),
  /** Cashfree Payments: `x-webhook-signature` = base64 HMAC-SHA256 of `x-webhook-timestamp` (ms) + body. */
  cashfree: signedPreset({
    id: 'cashfree',
    name: 'Cashfree Payments',
    docsUrl: 'https://www.cashfree.com/docs/payments/online/webhooks/signature-verification',
    mismatchHint:
      'Use the PG client secret key (or the partner API key for partner webhooks), not the client id.',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}{body}',
    signature: { header: 'x-webhook-signature', encoding: 'base64' },
    timestamp: { header: 'x-webhook-timestamp', unit: 'ms', toleranceSeconds: 300 },
    eventType: { body: 'type' },
  }),
  /** Close CRM: `close-sig-hash` = hex HMAC-SHA256 of `close-sig-timestamp` + body, keyed with the hex-decoded `signature_key`. */
  close: signedPreset({
    id: 'close',
    name: 'Close CRM',
    docsUrl: 'https://developer.close.com/topics/webhooks/',
    mismatchHint:
      "Use the subscription's signature_key (64 hex characters, returned when the webhook subscription was created), not an API key.",
    algorithm: 'hmac-sha256',
    signed: '{timestamp}{body}',
    signature: { header: 'close-sig-hash', encoding: 'hex' },
    timestamp: { header: 'close-sig-timestamp', toleranceSeconds: 300 },
    secret: 'hex',
    eventId: { body: 'event.id' },
    eventType: { body: 'event.object_type' },
  }),
  /** Customer.io reporting webhooks: `X-CIO-Signature` = hex HMAC-SHA256 of `v0:<X-CIO-Timestamp>:body`. */
  'customer-io': signedPreset({
    id: 'customer-io',
    name: 'Customer.io (reporting webhooks)',
    docsUrl: 'https://customer.io/docs/api/webhooks/#section/Securely-Verifying-Requests',
    mismatchHint:
      "Use the reporting webhook's signing key (Data & Integrations > Reporting Webhooks), not an App or Track API key.",
    algorithm: 'hmac-sha256',
    signed: 'v0:{timestamp}:{body}',
    signature: { header: 'X-CIO-Signature', encoding: 'hex' },
    timestamp: { header: 'X-CIO-Timestamp', toleranceSeconds: 300 },
    eventId: { body: 'event_id' },
    eventType: { body: 'metric' },
  }),
  /** ElevenLabs: `ElevenLabs-Signature: t=<s>,v0=<hex>` over `t.body`; the SDK allows 30 minutes. */
  elevenlabs: signedPreset({
    id: 'elevenlabs',
    name: 'ElevenLabs',
    docsUrl: 'https://elevenlabs.io/docs/product-guides/administration/webhooks',
    mismatchHint:
      "Use the webhook's HMAC secret shown when the webhook was created, not the xi-api-key.",
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'ElevenLabs-Signature',
      encoding: 'hex',
      list: { separator: ',', key: 'v0', timestampKey: 't' },
    },
    timestamp: { toleranceSeconds: 1800 },
    eventType: { body: 'type' },
  }),
  /** Frame.io (V4 and legacy): `X-Frameio-Signature: v0=<hex>` over `v0:<X-Frameio-Request-Timestamp>:body`; 5 minutes. */
  frameio: signedPreset({
    id: 'frameio',
    name: 'Frame.io',
    docsUrl: 'https://developer.frame.io/platform/v4/docs/guides/webhooks',
    mismatchHint:
      "Use the signing secret returned once in the webhook's create response, not the OAuth client secret or a developer token.",
    algorithm: 'hmac-sha256',
    signed: 'v0:{timestamp}:{body}',
    signature: { header: 'X-Frameio-Signature', encoding: 'hex', prefix: 'v0=' },
    timestamp: { header: 'X-Frameio-Request-Timestamp', toleranceSeconds: 300 },
    eventType: { body: 'type' },
  }),
  /**
   * Front application webhooks: `x-front-signature` = base64 HMAC-SHA256 of `<x-front-request-timestamp (ms)>:` + body, keyed
   * with the app secret. The signed validation request that carries `x-front-challenge` is answered with the challenge.
   */
  front: signedPreset({
    id: 'front',
    name: 'Front (application webhooks)',
    docsUrl: 'https://dev.frontapp.com/docs/application-webhooks',
    mismatchHint:
      'Use the App secret from Developers > your app (Basic information), not the OAuth client secret; legacy rule webhooks (HMAC-SHA1 of the body) are a different scheme.',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}:{body}',
    signature: { header: 'x-front-signature', encoding: 'base64' },
    timestamp: { header: 'x-front-request-timestamp', unit: 'ms', toleranceSeconds: 300 },
    eventId: { body: 'payload.id' },
    eventType: { body: 'type' },
    handshake: {
      description:
        'x-front-challenge on the (signed) validation request: answered 200 with the challenge as text/plain, not stored',
      example: {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-front-challenge': 'c8f3e1a2' },
        body: '{"type":"sync"}',
        answer: { status: 200, body: 'c8f3e1a2' },
      },
      reply(context) {
        const challenge = getHeader(context.headers, 'x-front-challenge')
        return challenge === undefined || challenge === ''
          ? undefined
          : { status: 200, contentType: 'text/plain', body: challenge }
      },
    },
  }),
  /** Ghost: `X-Ghost-Signature: sha256=<hex>, t=<ms>` over body + t (the timestamp appended, no separator). */
  ghost: signedPreset({
    id: 'ghost',
    name: 'Ghost',
    docsUrl: 'https://ghost.org/docs/webhooks/',
    mismatchHint:
      "Use the secret set on the custom integration's webhook in Ghost Admin (Settings > Integrations), not the Admin or Content API key.",
    algorithm: 'hmac-sha256',
    signed: '{body}{timestamp}',
    signature: {
      header: 'X-Ghost-Signature',
      encoding: 'hex',
      list: { separator: ', ', key: 'sha256', timestampKey: 't' },
    },
    timestamp: { unit: 'ms', toleranceSeconds: 300 },
  }),
  /**
   * Increase: `Increase-Webhook-Signature: t=<ISO 8601>,v1=<hex>` over `t.body`, keyed with the secret text (whsec_
   * prefix included), as the official SDK increase-node signs it; the ISO time is signed as sent. The SDK checks no
   * window: 300 s here.
   */
  increase: signedPreset({
    id: 'increase',
    name: 'Increase',
    docsUrl: 'https://increase.com/documentation/webhooks',
    mismatchHint:
      'Use the webhook secret of this event subscription exactly as shown (whsec_… included: the text is the key, it is not base64-decoded), not an API key.',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'Increase-Webhook-Signature',
      encoding: 'hex',
      list: { separator: ',', key: 'v1', timestampKey: 't' },
    },
    timestamp: { unit: 'iso', toleranceSeconds: 300 },
    eventId: { body: 'id' },
    eventType: { body: 'category' },
  }),
  /** Mux: `Mux-Signature: t=<s>,v1=<hex>` over `t.body` (Stripe's format); 300 s. */
  mux: signedPreset({
    id: 'mux',
    name: 'Mux',
    docsUrl: 'https://docs.mux.com/core/verify-webhook-signatures',
    mismatchHint:
      'Use the webhook signing secret from Settings > Webhooks, not the API access token.',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'Mux-Signature',
      encoding: 'hex',
      list: { separator: ',', key: 'v1', timestampKey: 't' },
    },
    timestamp: { toleranceSeconds: 300 },
    eventId: { body: 'id' },
    eventType: { body: 'type' },
  }),
  /** Orb: `X-Orb-Signature: v1=<hex>[ v1=…]` over `v1:<X-Orb-Timestamp>:body`; the timestamp is ISO 8601 without a zone (UTC). */
  orb: signedPreset({
    id: 'orb',
    name: 'Orb',
    docsUrl: 'https://docs.withorb.com/guides/integrations-and-exports/webhooks',
    mismatchHint:
      'Use the webhook secret of this endpoint (the text itself is the key), not an Orb API key.',
    algorithm: 'hmac-sha256',
    signed: 'v1:{timestamp}:{body}',
    signature: { header: 'X-Orb-Signature', encoding: 'hex', list: { separator: ' ', key: 'v1' } },
    timestamp: { header: 'X-Orb-Timestamp', unit: 'iso', toleranceSeconds: 300 },
    eventId: { body: 'id' },
    eventType: { body: 'type' },
  }),
  /** Paddle Billing: `Paddle-Signature: ts=<s>;h1=<hex>` over `ts:body`; the SDK allows 5 s. */
  paddle: signedPreset({
    id: 'paddle',
    name: 'Paddle Billing',
    docsUrl: 'https://developer.paddle.com/webhooks/signature-verification',
    mismatchHint:
      'Use the endpoint secret key of this notification destination (pdl_ntfset_…), not an API key; Paddle Classic is a different scheme.',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}:{body}',
    signature: {
      header: 'Paddle-Signature',
      encoding: 'hex',
      list: { separator: ';', key: 'h1', timestampKey: 'ts' },
    },
    timestamp: { toleranceSeconds: 5 },
    eventId: { body: 'event_id' },
    eventType: { body: 'event_type' },
  }),
  /** Persona: `Persona-Signature: t=<s>,v1=<hex>` over `t.body` (docs, "Checking Signatures"); 300 s. */
  persona: signedPreset({
    id: 'persona',
    name: 'Persona',
    docsUrl: 'https://docs.withpersona.com/docs/webhooks-best-practices',
    mismatchHint:
      "Use the webhook's secret (wbhsec_…, Dashboard → Webhooks) as text, not an API key.",
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'Persona-Signature',
      encoding: 'hex',
      list: { separator: ',', key: 'v1', timestampKey: 't' },
    },
    timestamp: { toleranceSeconds: 300 },
    eventId: { body: 'data.id' },
    eventType: { body: 'data.attributes.name' },
  }),
  /** Retell AI: `x-retell-signature: v=<ms>,d=<hex>` over body + v; ±5 minutes. The key is the API key with the webhook badge. */
  retell: signedPreset({
    id: 'retell',
    name: 'Retell AI',
    docsUrl: 'https://docs.retellai.com/features/secure-webhook',
    mismatchHint:
      'Use the Retell API key that has the webhook badge in the dashboard (the API key is the signing key).',
    algorithm: 'hmac-sha256',
    signed: '{body}{timestamp}',
    signature: {
      header: 'x-retell-signature',
      encoding: 'hex',
      anyHexCase: true,
      list: { separator: ',', key: 'd', timestampKey: 'v' },
    },
    timestamp: { unit: 'ms', toleranceSeconds: 300 },
    eventType: { body: 'event' },
  }),
  /** Revolut: `Revolut-Signature: v1=<hex>[,v1=…]` over `v1.<Revolut-Request-Timestamp (ms)>.body`; 5 minutes. */
  revolut: signedPreset({
    id: 'revolut',
    name: 'Revolut (Business & Merchant)',
    docsUrl:
      'https://developer.revolut.com/docs/guides/accept-payments/tutorials/work-with-webhooks/verify-the-payload-signature',
    mismatchHint:
      "Use the webhook's signing secret (wsk_…, the text itself is the key), not the API key; after a rotation both secrets sign until the old one expires.",
    algorithm: 'hmac-sha256',
    signed: 'v1.{timestamp}.{body}',
    signature: {
      header: 'Revolut-Signature',
      encoding: 'hex',
      list: { separator: ',', key: 'v1' },
    },
    timestamp: { header: 'Revolut-Request-Timestamp', unit: 'ms', toleranceSeconds: 300 },
    eventType: { body: 'event' },
  }),
  /** Sanity: `sanity-webhook-signature: t=<ms>,v1=<base64url, no padding>` over `t.body`. */
  sanity: signedPreset({
    id: 'sanity',
    name: 'Sanity',
    docsUrl: 'https://www.sanity.io/docs/webhooks',
    mismatchHint:
      'Use the secret set on the GROQ-powered webhook in sanity.io/manage (the text itself is the key).',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'sanity-webhook-signature',
      encoding: 'base64url',
      list: { separator: ',', key: 'v1', timestampKey: 't' },
    },
    timestamp: { unit: 'ms', toleranceSeconds: 300 },
    eventId: { header: 'idempotency-key' },
    eventType: { header: 'sanity-operation' },
  }),
  /**
   * Sinch Conversation API: `x-sinch-webhook-signature` = base64 HMAC-SHA256 of body + `.` + nonce + `.` + timestamp (s), the
   * nonce and timestamp in their own headers. Only `x-sinch-webhook-signature-algorithm: HmacSHA256` webhooks verify here.
   */
  sinch: signedPreset({
    id: 'sinch',
    name: 'Sinch Conversation API',
    docsUrl:
      'https://developers.sinch.com/docs/conversation/callbacks/#validating-callback-requests',
    mismatchHint:
      "Use the secret set on the Conversation API webhook (not the app's access key secret); webhooks configured for HmacSHA512 are not supported by this preset.",
    algorithm: 'hmac-sha256',
    signed: '{body}.{id}.{timestamp}',
    signature: { header: 'x-sinch-webhook-signature', encoding: 'base64' },
    timestamp: { header: 'x-sinch-webhook-signature-timestamp', toleranceSeconds: 300 },
    idHeader: 'x-sinch-webhook-signature-nonce',
  }),
  /**
   * TabaPay: `X-HMAC-Signature: t=<s>,v1=<hex>[,v2=<hex>]` over `t.body`; v2 is the previous secret's signature during
   * the 48 h rotation (configure both secrets: v1 is checked against each). Delivery id: `Idempotency-Key`.
   */
  tabapay: signedPreset({
    id: 'tabapay',
    name: 'TabaPay',
    docsUrl: 'https://developers.tabapay.com/reference/verifying-webhook-signatures',
    mismatchHint:
      'Use the webhook signing secret returned by POST /v2/clients/{ClientID}/webhooks/secrets (shown once); after a rotation add the new secret.',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'X-HMAC-Signature',
      encoding: 'hex',
      list: { separator: ',', key: 'v1', timestampKey: 't' },
    },
    timestamp: { toleranceSeconds: 300 },
    eventId: { header: 'Idempotency-Key' },
  }),
  /** Tailscale: `Tailscale-Webhook-Signature: t=<s>,v1=<hex>` over `t.body`; the body is a JSON array of events. */
  tailscale: signedPreset({
    id: 'tailscale',
    name: 'Tailscale',
    docsUrl: 'https://tailscale.com/kb/1213/webhooks',
    mismatchHint:
      'Use the webhook secret shown once when the endpoint was added (tskey-webhook-…), not an API access token.',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'Tailscale-Webhook-Signature',
      encoding: 'hex',
      list: { separator: ',', key: 'v1', timestampKey: 't' },
    },
    timestamp: { toleranceSeconds: 300 },
    eventType: { body: '0.type' },
  }),
  /** TikTok for Developers: `TikTok-Signature: t=<s>,s=<hex>` over `t.body`, keyed with the app's client secret. */
  tiktok: signedPreset({
    id: 'tiktok',
    name: 'TikTok for Developers',
    docsUrl: 'https://developers.tiktok.com/doc/webhooks-verification',
    mismatchHint:
      "Use the app's client secret from the TikTok Developer Portal (not the client key); TikTok Shop webhooks are a different scheme.",
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'TikTok-Signature',
      encoding: 'hex',
      list: { separator: ',', key: 's', timestampKey: 't' },
    },
    timestamp: { toleranceSeconds: 300 },
    eventType: { body: 'event' },
  }),
  /**
   * Twitch EventSub (webhook transport): `Twitch-Eventsub-Message-Signature: sha256=<hex>` over message id + timestamp
   * (RFC 3339, as sent) + body; 10 minutes. The subscription's `webhook_callback_verification` is answered with the
   * raw challenge as text/plain.
   */
  twitch: signedPreset({
    id: 'twitch',
    name: 'Twitch EventSub',
    docsUrl: 'https://dev.twitch.tv/docs/eventsub/handling-webhook-events/',
    mismatchHint:
      "Use the `secret` you passed when creating the EventSub subscription, not the app's client secret.",
    algorithm: 'hmac-sha256',
    signed: '{id}{timestamp}{body}',
    signature: { header: 'Twitch-Eventsub-Message-Signature', encoding: 'hex', prefix: 'sha256=' },
    timestamp: { header: 'Twitch-Eventsub-Message-Timestamp', unit: 'iso', toleranceSeconds: 600 },
    idHeader: 'Twitch-Eventsub-Message-Id',
    eventType: { header: 'Twitch-Eventsub-Subscription-Type' },
    handshake: {
      description:
        'webhook_callback_verification (signed): answered with the raw challenge as text/plain, not stored',
      example: {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'Twitch-Eventsub-Message-Type': 'webhook_callback_verification',
        },
        body: '{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"type":"channel.follow"}}',
        answer: { status: 200, body: 'pogchamp-kappa-360noscope-vohiyo' },
      },
      reply(context) {
        if (
          getHeader(context.headers, 'twitch-eventsub-message-type') !==
          'webhook_callback_verification'
        )
          return undefined
        const { challenge } = (context.payload() ?? {}) as { challenge?: unknown }
        return typeof challenge === 'string'
          ? { status: 200, contentType: 'text/plain', body: challenge }
          : undefined
      },
    },
  }),
  /** Webflow: `x-webflow-signature` = hex HMAC-SHA256 of `<x-webflow-timestamp (ms)>:` + body, keyed with the OAuth app's client secret (or the webhook secret). */
  webflow: signedPreset({
    id: 'webflow',
    name: 'Webflow',
    docsUrl: 'https://developers.webflow.com/data/docs/working-with-webhooks',
    mismatchHint:
      "Use the OAuth application's client secret (or the secret of a webhook created in the dashboard); webhooks created with a site API token before signing was added carry no signature.",
    algorithm: 'hmac-sha256',
    signed: '{timestamp}:{body}',
    signature: { header: 'x-webflow-signature', encoding: 'hex' },
    timestamp: { header: 'x-webflow-timestamp', unit: 'ms', toleranceSeconds: 300 },
    eventType: { body: 'triggerType' },
  }),
  /** WorkOS: `WorkOS-Signature: t=<ms>, v1=<hex>` over `t.body`; the SDK allows 180 s. */
  workos: signedPreset({
    id: 'workos',
    name: 'WorkOS',
    docsUrl: 'https://workos.com/docs/events/data-syncing/webhooks',
    mismatchHint:
      "Use the webhook endpoint's secret from the WorkOS dashboard, not the API key (sk_…).",
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'WorkOS-Signature',
      encoding: 'hex',
      list: { separator: ', ', key: 'v1', timestampKey: 't' },
    },
    timestamp: { unit: 'ms', toleranceSeconds: 180 },
    eventId: { body: 'id' },
    eventType: { body: 'event' },
  }),
  /** Zendesk: `X-Zendesk-Webhook-Signature` = base64 HMAC-SHA256 of the ISO 8601 `…-Signature-Timestamp` + body. */
  zendesk: signedPreset({
    id: 'zendesk',
    name: 'Zendesk',
    docsUrl: 'https://developer.zendesk.com/documentation/webhooks/verifying/',
    mismatchHint:
      "Use the webhook's signing secret as shown (the text is the key; it is not base64-decoded). Test requests sent before the webhook exists are signed with Zendesk's static test secret.",
    algorithm: 'hmac-sha256',
    signed: '{timestamp}{body}',
    signature: { header: 'X-Zendesk-Webhook-Signature', encoding: 'base64' },
    timestamp: {
      header: 'X-Zendesk-Webhook-Signature-Timestamp',
      unit: 'iso',
      toleranceSeconds: 300,
    },
    eventId: { header: 'X-Zendesk-Webhook-Invocation-Id' },
    eventType: { body: 'type' },
  }),
  /** Zoho Payments: `X-Zoho-Webhook-Signature: t=<ms>,v=<hex>` over `t.body`. */
  'zoho-payments': signedPreset({
    id: 'zoho-payments',
    name: 'Zoho Payments',
    docsUrl: 'https://www.zoho.com/in/payments/developerdocs/webhooks/verification/',
    mismatchHint:
      'Use the signing key generated when the webhook was configured, not an OAuth token.',
    algorithm: 'hmac-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'X-Zoho-Webhook-Signature',
      encoding: 'hex',
      list: { separator: ',', key: 'v', timestampKey: 't' },
    },
    timestamp: { unit: 'ms', toleranceSeconds: 300 },
    eventId: { body: 'event_id' },
    eventType: { body: 'event_type' },
  }),
  /**
   * Zoom: `x-zm-signature: v0=<hex>` over `v0:<x-zm-request-timestamp>:body` (the Secret Token as key). The signed
   * `endpoint.url_validation` is answered with `{plainToken, encryptedToken: hex HMAC-SHA256(Secret Token, plainToken)}`.
   */
  zoom: signedPreset({
    id: 'zoom',
    name: 'Zoom',
    docsUrl: 'https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events',
    mismatchHint:
      "Use the app's Secret Token (Features > Access > Event Subscriptions), not the deprecated Verification Token or the OAuth client secret.",
    algorithm: 'hmac-sha256',
    signed: 'v0:{timestamp}:{body}',
    signature: { header: 'x-zm-signature', encoding: 'hex', prefix: 'v0=' },
    timestamp: { header: 'x-zm-request-timestamp', toleranceSeconds: 300 },
    eventType: { body: 'event' },
    handshake: {
      description:
        'endpoint.url_validation (signed): answered with plainToken and its HMAC (encryptedToken), not stored',
      example: {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}',
        answer: {
          status: 200,
          bodyMatches:
            '^\\{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"[0-9a-f]{64}"\\}$',
        },
      },
      reply(context, _config, key) {
        const { event, payload } = (context.payload() ?? {}) as {
          event?: unknown
          payload?: { plainToken?: unknown }
        }
        const plainToken = payload?.plainToken
        if (event !== 'endpoint.url_validation' || typeof plainToken !== 'string') return undefined
        return {
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({
            plainToken,
            encryptedToken: signContent(key, [plainToken], 'hex'),
          }),
        }
      },
    },
  }),
} satisfies Record<string, ProviderFactory<object>>
