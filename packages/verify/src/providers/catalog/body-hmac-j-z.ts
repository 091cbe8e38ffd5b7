/**
 * @module providers/catalog/body-hmac-j-z
 * Presets declared as data (see docs/adding-a-provider.md). Each entry is confirmed against the provider's docs
 * and, where one exists, its official SDK; its vector file is test/vectors/<id>.json.
 */
import type { ProviderFactory } from '../../define.ts'
import { Buffer } from 'node:buffer'
import { timingSafeEqual } from 'node:crypto'
import { signedPreset } from '../../families/signed.ts'

/** Constant-time text comparison (a handshake token). */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}

export const bodyHmacJZ = {
  /** Jira Cloud admin webhooks with a secret (WebSub `method=signature`). Connect/OAuth app webhooks are JWTs, not this. */
  jira: signedPreset({
    id: 'jira',
    name: 'Jira',
    docsUrl: 'https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks',
    mismatchHint: 'Use the secret set on the admin webhook (System > WebHooks); Connect and OAuth app webhooks are not signed this way.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Hub-Signature', encoding: 'hex', prefix: 'sha256=' },
    idHeader: 'X-Atlassian-Webhook-Identifier',
    eventType: { body: 'webhookEvent' },
  }),
  'lemon-squeezy': signedPreset({
    id: 'lemon-squeezy',
    name: 'Lemon Squeezy',
    docsUrl: 'https://docs.lemonsqueezy.com/help/webhooks/signing-requests',
    mismatchHint: 'Use the signing secret set on the webhook (Settings > Webhooks), not an API key.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Signature', encoding: 'hex' },
    eventType: [{ header: 'X-Event-Name' }, { body: 'meta.event_name' }],
  }),
  /** LINE Messaging API. The console's "Verify" button sends a signed body with an empty `events` array. */
  line: signedPreset({
    id: 'line',
    name: 'LINE',
    docsUrl: 'https://developers.line.biz/en/reference/messaging-api/#signature-validation',
    mismatchHint: 'Use the channel secret (Basic settings), not the channel access token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Line-Signature', encoding: 'base64' },
    eventId: { body: 'events.0.webhookEventId' },
    eventType: { body: 'events.0.type' },
  }),
  mailersend: signedPreset({
    id: 'mailersend',
    name: 'MailerSend',
    docsUrl: 'https://developers.mailersend.com/api/v1/webhooks.html#security',
    mismatchHint: 'Use the signing secret shown on the webhook, not an API token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Signature', encoding: 'hex' },
    eventId: { body: 'id' },
    eventType: { body: 'type' },
  }),
  /**
   * Meta (Facebook, Instagram, Messenger, WhatsApp Cloud API). The body is signed as sent (escaped unicode included).
   * Subscribing sends `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`: answered with the challenge when
   * the token equals the `verifyToken` option, 403 otherwise.
   */
  meta: signedPreset({
    id: 'meta',
    name: 'Meta',
    docsUrl: 'https://developers.facebook.com/docs/graph-api/webhooks/getting-started',
    mismatchHint: 'Use the App Secret (App settings > Basic), not an access token or the verify token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Hub-Signature-256', encoding: 'hex', prefix: 'sha256=' },
    eventType: { body: 'object' },
    extraSignatureHeaders: ['X-Hub-Signature'],
    handshakeOptions: ['verifyToken'],
    handshake: {
      description: 'GET hub.mode=subscribe with hub.verify_token: answered with hub.challenge when the token is the verifyToken option',
      probeMethods: ['GET'],
      probe(request, config) {
        const query = new URL(request.url, 'http://localhost').searchParams
        if (query.get('hub.mode') === null && query.get('hub.challenge') === null) return undefined
        const expected = config.options['verifyToken']
        const token = query.get('hub.verify_token')
        const challenge = query.get('hub.challenge')
        if (query.get('hub.mode') === 'subscribe' && typeof expected === 'string' && expected !== '' && token !== null && sameText(token, expected) && challenge !== null) {
          return { status: 200, contentType: 'text/plain', body: challenge }
        }
        return { status: 403, body: '' }
      },
    },
  }),
  'modern-treasury': signedPreset({
    id: 'modern-treasury',
    name: 'Modern Treasury',
    docsUrl: 'https://docs.moderntreasury.com/platform/reference/verify-webhooks',
    mismatchHint: 'Use the webhook key (Developers > Webhooks), not the API key.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Signature', encoding: 'hex' },
    eventId: { body: 'data.id' },
    eventType: { body: 'event' },
  }),
  nango: signedPreset({
    id: 'nango',
    name: 'Nango',
    docsUrl: 'https://docs.nango.dev/guides/webhooks/webhooks-from-nango',
    mismatchHint: 'Use the environment\'s webhook signing key (or its secret key on older environments); the legacy X-Nango-Signature header is not accepted.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Nango-Hmac-Sha256', encoding: 'hex' },
    eventType: { body: 'type' },
    // The deprecated plain-SHA-256 signature travels too: redacted wherever requests are kept.
    extraSignatureHeaders: ['X-Nango-Signature'],
  }),
  notion: signedPreset({
    id: 'notion',
    name: 'Notion',
    docsUrl: 'https://developers.notion.com/reference/webhooks',
    mismatchHint: 'Use the verification_token Notion posted when the subscription was created (secret_…), not the integration token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    // @notionhq/client lower-cases the hex before comparing.
    signature: { header: 'X-Notion-Signature', encoding: 'hex', prefix: 'sha256=', anyHexCase: true },
    eventId: { body: 'id' },
    eventType: { body: 'type' },
  }),
  onfido: signedPreset({
    id: 'onfido',
    name: 'Onfido',
    docsUrl: 'https://documentation.onfido.com/api/latest/#webhooks',
    mismatchHint: 'Use the webhook token returned when the webhook was created, not the API token; the SHA-1 X-Signature header is not accepted.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    // @onfido/api decodes the hex with Buffer.from(…, 'hex'): either case.
    signature: { header: 'X-SHA2-Signature', encoding: 'hex', anyHexCase: true },
    eventId: { body: 'payload.object.id' },
    eventType: { body: 'payload.action' },
    extraSignatureHeaders: ['X-Signature'],
  }),
  plain: signedPreset({
    id: 'plain',
    name: 'Plain',
    docsUrl: 'https://plain.com/docs/request-signing',
    mismatchHint: 'Use the workspace HMAC secret (Settings > Request signing).',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Plain-Request-Signature', encoding: 'hex' },
    eventId: { body: 'id' },
    eventType: [{ body: 'type' }, { body: 'payload.eventType' }],
  }),
  /** Pusher Channels. X-Pusher-Key names the app key; configure the matching app secret. */
  pusher: signedPreset({
    id: 'pusher',
    name: 'Pusher Channels',
    docsUrl: 'https://pusher.com/docs/channels/server_api/webhooks/',
    mismatchHint: 'Use the app secret of the app whose key is in X-Pusher-Key, not the app key.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Pusher-Signature', encoding: 'hex' },
    eventType: { body: 'events.0.name' },
  }),
  razorpay: signedPreset({
    id: 'razorpay',
    name: 'Razorpay',
    docsUrl: 'https://razorpay.com/docs/webhooks/validate-test/',
    mismatchHint: 'Use the webhook secret set on the webhook, not the API key secret.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Razorpay-Signature', encoding: 'hex' },
    idHeader: 'X-Razorpay-Event-Id',
    eventType: { body: 'event' },
  }),
  /** Square. Signs the notification URL as registered on the subscription, then the body. */
  square: signedPreset({
    id: 'square',
    name: 'Square',
    docsUrl: 'https://developer.squareup.com/docs/webhooks/step3validate',
    mismatchHint: 'Use the subscription\'s signature key, and set notificationUrl to the URL exactly as registered with Square (scheme, trailing slash and query included).',
    algorithm: 'hmac-sha256',
    signed: '{url}{body}',
    signature: { header: 'X-Square-Hmacsha256-Signature', encoding: 'base64' },
    urlOption: 'notificationUrl',
    eventId: { body: 'event_id' },
    eventType: { body: 'type' },
    extraSignatureHeaders: ['X-Square-Signature'],
    testOptions: { notificationUrl: 'https://example.com/webhooks/square' },
  }),
  typeform: signedPreset({
    id: 'typeform',
    name: 'Typeform',
    docsUrl: 'https://www.typeform.com/developers/webhooks/secure-your-webhooks/',
    mismatchHint: 'Use the secret set on the webhook (Webhooks API or Connect panel), not a personal access token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Typeform-Signature', encoding: 'base64', prefix: 'sha256=' },
    eventId: { body: 'event_id' },
    eventType: { body: 'event_type' },
  }),
  viber: signedPreset({
    id: 'viber',
    name: 'Viber',
    docsUrl: 'https://developers.viber.com/docs/api/rest-bot-api/#callbacks',
    mismatchHint: 'Use the bot\'s authentication token (X-Viber-Auth-Token of your API calls).',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Viber-Content-Signature', encoding: 'hex' },
    // message_token is a JSON number above 2^53: not usable as an id once parsed.
    eventType: { body: 'event' },
  }),
  /**
   * Xero. "Intent to receive": signed test deliveries with an empty `events` array must get 200 with an empty body
   * (and a bad signature 401, which a signature mismatch already gets).
   */
  xero: signedPreset({
    id: 'xero',
    name: 'Xero',
    docsUrl: 'https://developer.xero.com/documentation/guides/webhooks/overview/',
    mismatchHint: 'Use the webhook key shown on the app\'s Webhooks page, not the OAuth client secret.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Xero-Signature', encoding: 'base64' },
    eventType: { body: 'events.0.eventType' },
    handshake: {
      description: 'intent to receive (signed, empty events): answered 200 with an empty body',
      reply(context) {
        const events = (context.payload() as { events?: unknown } | undefined)?.events
        return Array.isArray(events) && events.length === 0 ? { status: 200, body: '' } : undefined
      },
    },
  }),
} satisfies Record<string, ProviderFactory<object>>
