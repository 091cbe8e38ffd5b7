/**
 * @module providers/catalog/body-hmac-j-z
 * Presets declared as data (see docs/adding-a-provider.md). Each entry is confirmed against the provider's docs
 * and, where one exists, its official SDK; its vector file is test/vectors/<id>.json.
 */
import { Buffer } from 'node:buffer'
import { timingSafeEqual } from 'node:crypto'
import type { ProviderFactory } from '../../define.ts'
import { getHeader } from '../../_internal/headers.ts'
import { signedPreset } from '../../families/signed.ts'
import { signContent } from '../../schemes/index.ts'

/** The first configured secret as key bytes (text is UTF-8), for handshakes that sign a challenge. */
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
    mismatchHint:
      'Use the secret set on the admin webhook (System > WebHooks); Connect and OAuth app webhooks are not signed this way.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Hub-Signature', encoding: 'hex', prefix: 'sha256=' },
    idHeader: 'X-Atlassian-Webhook-Identifier',
    eventType: { body: 'webhookEvent' },
  }),
  /** LaunchDarkly webhooks with "Sign this webhook" and a secret. */
  launchdarkly: signedPreset({
    id: 'launchdarkly',
    name: 'LaunchDarkly',
    docsUrl: 'https://launchdarkly.com/docs/home/infrastructure/webhooks',
    mismatchHint:
      'Use the secret set on the webhook (Integrations > Webhooks, "Sign this webhook"), not an API access token or SDK key.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-LD-Signature', encoding: 'hex' },
    eventId: { body: '_id' },
    eventType: { body: 'kind' },
  }),
  'lemon-squeezy': signedPreset({
    id: 'lemon-squeezy',
    name: 'Lemon Squeezy',
    docsUrl: 'https://docs.lemonsqueezy.com/help/webhooks/signing-requests',
    mismatchHint:
      'Use the signing secret set on the webhook (Settings > Webhooks), not an API key.',
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
    mismatchHint:
      'Use the App Secret (App settings > Basic), not an access token or the verify token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Hub-Signature-256', encoding: 'hex', prefix: 'sha256=' },
    eventType: { body: 'object' },
    extraSignatureHeaders: ['X-Hub-Signature'],
    handshakeOptions: ['verifyToken'],
    handshake: {
      description:
        'GET hub.mode=subscribe with hub.verify_token: answered with hub.challenge when the token is the verifyToken option',
      example: {
        method: 'GET',
        query: '?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock',
        options: { verifyToken: 'meatyhamhock' },
        answer: { status: 200, body: '1158201444' },
      },
      probeMethods: ['GET'],
      probe(request, config) {
        const query = new URL(request.url, 'http://localhost').searchParams
        if (query.get('hub.mode') === null && query.get('hub.challenge') === null) return undefined
        const expected = config.options['verifyToken']
        const token = query.get('hub.verify_token')
        const challenge = query.get('hub.challenge')
        if (
          query.get('hub.mode') === 'subscribe' &&
          typeof expected === 'string' &&
          expected !== '' &&
          token !== null &&
          sameText(token, expected) &&
          challenge !== null
        ) {
          return { status: 200, contentType: 'text/plain', body: challenge }
        }
        return { status: 403, body: '' }
      },
    },
  }),
  /**
   * Microsoft Teams outgoing webhooks: `Authorization: HMAC <base64>`, keyed with the security token Teams shows when
   * the webhook is created, base64-decoded (as Microsoft's samples do).
   */
  'microsoft-teams-outgoing': signedPreset({
    id: 'microsoft-teams-outgoing',
    name: 'Microsoft Teams outgoing webhook',
    docsUrl:
      'https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-outgoing-webhook',
    mismatchHint:
      'Use the security token Teams showed when the outgoing webhook was created (base64, used decoded), not a bot password or an incoming-webhook URL.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Authorization', encoding: 'base64', prefix: 'HMAC ' },
    secret: 'base64',
    eventId: { body: 'id' },
    eventType: { body: 'type' },
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
  /** MongoDB Atlas (and Cloud Manager) alert webhooks with a Webhook Secret. The alert id repeats across states: not used as an id. */
  'mongodb-atlas': signedPreset({
    id: 'mongodb-atlas',
    name: 'MongoDB Atlas',
    docsUrl: 'https://www.mongodb.com/docs/atlas/tutorial/webhook-integration/',
    mismatchHint:
      "Use the Webhook Secret set on the project's webhook integration, not an API key.",
    algorithm: 'hmac-sha1',
    signed: '{body}',
    signature: { header: 'X-MMS-Signature', encoding: 'base64' },
    eventType: [{ header: 'X-MMS-Event' }, { body: 'eventTypeName' }],
  }),
  nango: signedPreset({
    id: 'nango',
    name: 'Nango',
    docsUrl: 'https://docs.nango.dev/guides/webhooks/webhooks-from-nango',
    mismatchHint:
      "Use the environment's webhook signing key (or its secret key on older environments); the legacy X-Nango-Signature header is not accepted.",
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
    mismatchHint:
      'Use the verification_token Notion posted when the subscription was created (secret_…), not the integration token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    // @notionhq/client lower-cases the hex before comparing.
    signature: {
      header: 'X-Notion-Signature',
      encoding: 'hex',
      prefix: 'sha256=',
      anyHexCase: true,
    },
    eventId: { body: 'id' },
    eventType: { body: 'type' },
  }),
  /** Nuvemshop / Tiendanube app webhooks. The key is the app's client secret. */
  nuvemshop: signedPreset({
    id: 'nuvemshop',
    name: 'Nuvemshop / Tiendanube',
    docsUrl:
      'https://github.com/TiendaNube/api-docs/blob/master/resources/webhook.md#verifying-a-webhook',
    mismatchHint: "Use the app's client secret (Partners Portal), not a store access token.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Linkedstore-HMAC-SHA256', encoding: 'hex' },
    eventType: { body: 'event' },
  }),
  /**
   * Nylas v3. Activating a destination sends `GET ?challenge=…`: answered 200 with the challenge exactly as sent, as
   * plain text. Nylas can compress bodies (gzip) when configured to: the signature is checked over the bytes received.
   */
  nylas: signedPreset({
    id: 'nylas',
    name: 'Nylas',
    docsUrl: 'https://developer.nylas.com/docs/v3/notifications/webhooks/',
    mismatchHint:
      'Use the webhook_secret returned when the destination was created (or last rotated), not the API key.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Nylas-Signature', encoding: 'hex' },
    eventId: { body: 'id' },
    eventType: { body: 'type' },
    handshake: {
      description: 'GET ?challenge=…: answered with the challenge as plain text',
      example: {
        method: 'GET',
        query: '?challenge=bc609b38-c81f-47fb-a275-1d9bd61a968b',
        answer: { status: 200, body: 'bc609b38-c81f-47fb-a275-1d9bd61a968b' },
      },
      probeMethods: ['GET'],
      probe(request) {
        const challenge = new URL(request.url, 'http://localhost').searchParams.get('challenge')
        return challenge === null
          ? undefined
          : { status: 200, contentType: 'text/plain', body: challenge }
      },
    },
  }),
  onfido: signedPreset({
    id: 'onfido',
    name: 'Onfido',
    docsUrl: 'https://documentation.onfido.com/api/latest/#webhooks',
    mismatchHint:
      'Use the webhook token returned when the webhook was created, not the API token; the SHA-1 X-Signature header is not accepted.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    // @onfido/api decodes the hex with Buffer.from(…, 'hex'): either case.
    signature: { header: 'X-SHA2-Signature', encoding: 'hex', anyHexCase: true },
    eventId: { body: 'payload.object.id' },
    eventType: { body: 'payload.action' },
    extraSignatureHeaders: ['X-Signature'],
  }),
  /** PagerDuty v3 webhooks. During a secret rotation the header lists one `v1=` signature per secret. */
  pagerduty: signedPreset({
    id: 'pagerduty',
    name: 'PagerDuty',
    docsUrl: 'https://developer.pagerduty.com/docs/webhooks/webhook-signatures/',
    mismatchHint:
      'Use the secret returned when the webhook subscription was created, not an API key or integration key.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: {
      header: 'X-PagerDuty-Signature',
      encoding: 'hex',
      list: { separator: ',', key: 'v1' },
    },
    eventId: { body: 'event.id' },
    eventType: { body: 'event.event_type' },
  }),
  /** Patreon. HMAC-MD5 is what Patreon signs with; X-Patreon-Event names the trigger. */
  patreon: signedPreset({
    id: 'patreon',
    name: 'Patreon',
    docsUrl: 'https://docs.patreon.com/#webhooks',
    mismatchHint:
      'Use the secret shown for this webhook on the Patreon portal (My Webhooks), not the client secret or a creator token.',
    algorithm: 'hmac-md5',
    signed: '{body}',
    signature: { header: 'X-Patreon-Signature', encoding: 'hex' },
    eventType: { header: 'X-Patreon-Event' },
  }),
  /** Paystack (the x-paystack-signature scheme). The key is the integration's secret key (sk_live_… / sk_test_…). */
  paystack: signedPreset({
    id: 'paystack',
    name: 'Paystack',
    docsUrl: 'https://paystack.com/docs/payments/webhooks/',
    mismatchHint:
      'Use the secret key of the same mode as the event (sk_test_… for test events, sk_live_… for live ones), not the public key.',
    algorithm: 'hmac-sha512',
    signed: '{body}',
    signature: { header: 'X-Paystack-Signature', encoding: 'hex' },
    eventType: { body: 'event' },
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
  /** Intuit QuickBooks Online. The key is the app's webhook verifier token. */
  quickbooks: signedPreset({
    id: 'quickbooks',
    name: 'QuickBooks Online',
    docsUrl:
      'https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications',
    mismatchHint:
      "Use the Verifier Token shown on the app's Webhooks page, not the client secret or an OAuth token.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Intuit-Signature', encoding: 'base64' },
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
  /**
   * Twilio Segment Webhooks (Actions) destination with a Shared Secret. With batching on, Segment signs only the first
   * event, not the body sent: batched requests are refused (signature_mismatch); turn batching off for this source.
   */
  segment: signedPreset({
    id: 'segment',
    name: 'Twilio Segment',
    docsUrl: 'https://segment.com/docs/connections/destinations/catalog/actions-webhook/',
    mismatchHint:
      'Use the Shared Secret of the Webhooks destination (Settings > Advanced), not a write key; batched deliveries are not signed over their body.',
    algorithm: 'hmac-sha1',
    signed: '{body}',
    signature: { header: 'X-Signature', encoding: 'hex' },
    eventId: { body: 'messageId' },
    eventType: { body: 'type' },
  }),
  /**
   * Sentry integration platform. Sentry-Hook-Timestamp is not signed, so it is not checked; Sentry's sample signs
   * JSON.stringify(body), which equals the compact body Sentry sends: the raw body is what is verified here.
   */
  sentry: signedPreset({
    id: 'sentry',
    name: 'Sentry',
    docsUrl: 'https://docs.sentry.io/organization/integrations/integration-platform/webhooks/',
    mismatchHint:
      "Use the integration's Client Secret (Settings > Custom Integrations), not an auth token or DSN.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Sentry-Hook-Signature', encoding: 'hex' },
    idHeader: 'Request-ID',
    eventType: { header: 'Sentry-Hook-Resource' },
  }),
  /** SonarQube / SonarCloud project or global webhooks with a secret. */
  sonarqube: signedPreset({
    id: 'sonarqube',
    name: 'SonarQube',
    docsUrl:
      'https://docs.sonarsource.com/sonarqube-server/latest/project-administration/webhooks/',
    mismatchHint:
      'Use the secret set on the webhook (Administration > Webhooks), not a user token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Sonar-Webhook-HMAC-SHA256', encoding: 'hex' },
    eventId: { body: 'taskId' },
    eventType: { body: 'status' },
  }),
  /** Sonatype Nexus Repository global or repository webhook capabilities with a Secret Key. */
  'sonatype-nexus': signedPreset({
    id: 'sonatype-nexus',
    name: 'Sonatype Nexus Repository',
    docsUrl: 'https://help.sonatype.com/en/example-headers-and-payloads.html',
    mismatchHint:
      'Use the Secret Key set on the webhook capability (Administration > Capabilities), not a user token.',
    algorithm: 'hmac-sha1',
    signed: '{body}',
    signature: { header: 'X-Nexus-Webhook-Signature', encoding: 'hex' },
    idHeader: 'X-Nexus-Webhook-Delivery',
    eventType: { header: 'X-Nexus-Webhook-Id' },
  }),
  /** Square. Signs the notification URL as registered on the subscription, then the body. */
  square: signedPreset({
    id: 'square',
    name: 'Square',
    docsUrl: 'https://developer.squareup.com/docs/webhooks/step3validate',
    mismatchHint:
      "Use the subscription's signature key, and set notificationUrl to the URL exactly as registered with Square (scheme, trailing slash and query included).",
    algorithm: 'hmac-sha256',
    signed: '{url}{body}',
    signature: { header: 'X-Square-Hmacsha256-Signature', encoding: 'base64' },
    urlOption: 'notificationUrl',
    eventId: { body: 'event_id' },
    eventType: { body: 'type' },
    extraSignatureHeaders: ['X-Square-Signature'],
    testOptions: { notificationUrl: 'https://example.com/webhooks/square' },
  }),
  /** Squarespace. The subscription secret is hex and is used hex-decoded, as the docs require. */
  squarespace: signedPreset({
    id: 'squarespace',
    name: 'Squarespace',
    docsUrl: 'https://developers.squarespace.com/webhooks/verifying-notifications',
    mismatchHint:
      'Use the hexadecimal secret returned when the webhook subscription was created or its secret rotated.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Squarespace-Signature', encoding: 'hex' },
    secret: 'hex',
    eventId: { body: 'id' },
    eventType: { body: 'topic' },
  }),
  /** Storyblok webhooks with a webhook secret (Settings > Webhooks). */
  storyblok: signedPreset({
    id: 'storyblok',
    name: 'Storyblok',
    docsUrl: 'https://www.storyblok.com/tp/webhook-secret-with-different-technologies',
    mismatchHint:
      'Use the webhook secret set on the webhook (Settings > Webhooks), not an access token.',
    algorithm: 'hmac-sha1',
    signed: '{body}',
    signature: { header: 'webhook-signature', encoding: 'hex' },
    eventType: { body: 'action' },
  }),
  /**
   * SurveyMonkey. The key is `<api key or client id>&<api secret>` (configure that joined text as the secret); Sm-Apikey
   * names the client id. Creating a webhook sends a HEAD to the subscription URL, answered 200.
   */
  surveymonkey: signedPreset({
    id: 'surveymonkey',
    name: 'SurveyMonkey',
    docsUrl: 'https://api.surveymonkey.com/v3/docs#webhooks',
    mismatchHint:
      'Configure "<client id>&<api secret>" (the app\'s client id or API key, an ampersand, then its secret) as the secret, not the access token.',
    algorithm: 'hmac-sha1',
    signed: '{body}',
    signature: { header: 'Sm-Signature', encoding: 'base64' },
    eventId: { body: 'event_id' },
    eventType: { body: 'event_type' },
    handshake: {
      description: 'HEAD request when the webhook is created: answered 200',
      example: { method: 'HEAD', answer: { status: 200 } },
      probeMethods: ['HEAD'],
      probe: (request) => (request.method === 'HEAD' ? { status: 200, body: '' } : undefined),
    },
  }),
  /** Tally form webhooks with a signing secret. */
  tally: signedPreset({
    id: 'tally',
    name: 'Tally',
    docsUrl: 'https://developers.tally.so/api-reference/endpoint/webhooks/post',
    mismatchHint: "Use the signing secret set on the form's webhook (Integrations > Webhooks).",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Tally-Signature', encoding: 'base64' },
    eventId: { body: 'eventId' },
    eventType: { body: 'eventType' },
  }),
  /** HCP Terraform / Terraform Enterprise generic notifications with a token; the creation-time check is signed too. */
  'terraform-cloud': signedPreset({
    id: 'terraform-cloud',
    name: 'HCP Terraform',
    docsUrl:
      'https://developer.hashicorp.com/terraform/cloud-docs/api-docs/notification-configurations#notification-authenticity',
    mismatchHint: 'Use the token set on the notification configuration, not an API token.',
    algorithm: 'hmac-sha512',
    signed: '{body}',
    signature: { header: 'X-TFE-Notification-Signature', encoding: 'hex' },
    eventType: { body: 'notifications.0.trigger' },
  }),
  todoist: signedPreset({
    id: 'todoist',
    name: 'Todoist',
    docsUrl: 'https://developer.todoist.com/sync/v9/#webhooks',
    mismatchHint: "Use the app's client_secret (App Management console), not a user API token.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Todoist-Hmac-SHA256', encoding: 'base64' },
    idHeader: 'X-Todoist-Delivery-ID',
    eventType: { body: 'event_name' },
  }),
  typeform: signedPreset({
    id: 'typeform',
    name: 'Typeform',
    docsUrl: 'https://www.typeform.com/developers/webhooks/secure-your-webhooks/',
    mismatchHint:
      'Use the secret set on the webhook (Webhooks API or Connect panel), not a personal access token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Typeform-Signature', encoding: 'base64', prefix: 'sha256=' },
    eventId: { body: 'event_id' },
    eventType: { body: 'event_type' },
  }),
  /** Unit webhooks with a secret token. Events arrive in a JSON:API `data` array; the first event names the delivery. */
  unit: signedPreset({
    id: 'unit',
    name: 'Unit',
    docsUrl: 'https://docs.unit.co/webhooks/#securing-your-webhooks',
    mismatchHint:
      'Use the secret token set on the webhook (Dashboard > Webhooks), not an API token.',
    algorithm: 'hmac-sha1',
    signed: '{body}',
    signature: { header: 'X-Unit-Signature', encoding: 'base64' },
    eventId: { body: 'data.0.id' },
    eventType: { body: 'data.0.type' },
  }),
  /** Vercel account and integration webhooks. */
  vercel: signedPreset({
    id: 'vercel',
    name: 'Vercel',
    docsUrl: 'https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks',
    mismatchHint:
      "Use the webhook's secret (account webhooks) or the integration's Client Secret (integration webhooks), not an access token.",
    algorithm: 'hmac-sha1',
    signed: '{body}',
    signature: { header: 'X-Vercel-Signature', encoding: 'hex' },
    eventId: { body: 'id' },
    eventType: { body: 'type' },
  }),
  /**
   * Veriff decision and event webhooks. The key is the integration's shared secret key; X-AUTH-CLIENT is the public API
   * key. Session ids repeat across a session's webhooks: not used as an id.
   */
  veriff: signedPreset({
    id: 'veriff',
    name: 'Veriff',
    docsUrl: 'https://devdocs.veriff.com/docs/hmac-authentication-and-endpoint-security',
    mismatchHint:
      "Use the integration's shared secret key (Station > Integrations), not the API key sent in X-AUTH-CLIENT.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-HMAC-SIGNATURE', encoding: 'hex' },
    eventType: [{ body: 'action' }, { body: 'verification.status' }],
  }),
  viber: signedPreset({
    id: 'viber',
    name: 'Viber',
    docsUrl: 'https://developers.viber.com/docs/api/rest-bot-api/#callbacks',
    mismatchHint: "Use the bot's authentication token (X-Viber-Auth-Token of your API calls).",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Viber-Content-Signature', encoding: 'hex' },
    // message_token is a JSON number above 2^53: not usable as an id once parsed.
    eventType: { body: 'event' },
  }),
  /**
   * WooCommerce. The algorithm is a filter in WooCommerce (woocommerce_webhook_hash_algorithm, default sha256): a
   * store that changed it is not covered. The ping sent when a webhook is saved is unsigned and is refused.
   */
  /** Webex (Webhooks API) with a secret set on the webhook. */
  webex: signedPreset({
    id: 'webex',
    name: 'Webex',
    docsUrl: 'https://developer.webex.com/docs/receive-and-verify-webhooks',
    mismatchHint:
      'Use the secret set when the webhook was registered, not the bot or integration access token.',
    algorithm: 'hmac-sha1',
    signed: '{body}',
    signature: { header: 'X-Spark-Signature', encoding: 'hex' },
    eventType: { body: 'resource' },
  }),
  woocommerce: signedPreset({
    id: 'woocommerce',
    name: 'WooCommerce',
    docsUrl: 'https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks',
    mismatchHint:
      'Use the secret set on the webhook (WooCommerce > Settings > Advanced > Webhooks), not the REST API consumer secret.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-WC-Webhook-Signature', encoding: 'base64' },
    idHeader: 'X-WC-Webhook-Delivery-ID',
    eventType: { header: 'X-WC-Webhook-Topic' },
  }),
  /**
   * X (Twitter) Account Activity / webhooks. The Challenge-Response Check, `GET ?crc_token=…` at registration and
   * then periodically, is answered with `{"response_token": "sha256=" + base64(HMAC-SHA256(consumer secret, crc_token))}`
   * computed with the first configured secret.
   */
  /**
   * Worldline (Direct / Online Payments; Connect uses the same headers). X-GCS-KeyId names the key: configure every
   * secret key in use, any one that matches passes. Registering the endpoint sends a GET with
   * X-GCS-Webhooks-Endpoint-Verification, answered with that value as plain text.
   */
  worldline: signedPreset({
    id: 'worldline',
    name: 'Worldline',
    docsUrl: 'https://docs.direct.worldline-solutions.com/en/integration/how-to-integrate/webhooks',
    mismatchHint:
      'Use the webhooks secret key whose id is in X-GCS-KeyId (Merchant Portal > Developer > Webhooks), not the API secret.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-GCS-Signature', encoding: 'base64' },
    eventId: { body: 'id' },
    eventType: { body: 'type' },
    handshake: {
      description:
        'GET with X-GCS-Webhooks-Endpoint-Verification: answered with its value as plain text',
      example: {
        method: 'GET',
        headers: { 'X-GCS-Webhooks-Endpoint-Verification': '1d2f7a3b' },
        answer: { status: 200, body: '1d2f7a3b' },
      },
      probeMethods: ['GET'],
      probe(request) {
        const value = getHeader(request.headers, 'x-gcs-webhooks-endpoint-verification')
        return value === undefined
          ? undefined
          : { status: 200, contentType: 'text/plain', body: value }
      },
    },
  }),
  'x-twitter': signedPreset({
    id: 'x-twitter',
    name: 'X (Twitter)',
    docsUrl: 'https://docs.x.com/x-api/webhooks/quickstart',
    mismatchHint:
      "Use the app's consumer secret (API Key Secret), not the bearer token or a user access token.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Twitter-Webhooks-Signature', encoding: 'base64', prefix: 'sha256=' },
    handshake: {
      description:
        'CRC GET ?crc_token=…: answered with response_token = sha256= + base64 HMAC-SHA256 of the token with the consumer secret',
      example: {
        method: 'GET',
        query: '?crc_token=9b4507b3-9040-4669-9ed2-b2b4a52b5d6b',
        answer: {
          status: 200,
          bodyMatches: '^\\{"response_token":"sha256=[A-Za-z0-9+/]{43}="\\}$',
        },
      },
      probeMethods: ['GET'],
      probe(request, _config, keys) {
        const token = new URL(request.url, 'http://localhost').searchParams.get('crc_token')
        const key = keys[0]
        if (token === null || key === undefined) return undefined
        const responseToken = `sha256=${signContent(key, [token], 'base64')}`
        return {
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({ response_token: responseToken }),
        }
      },
    },
  }),
  /**
   * Xero. "Intent to receive": signed test deliveries with an empty `events` array must get 200 with an empty body
   * (and a bad signature 401, which a signature mismatch already gets).
   */
  xero: signedPreset({
    id: 'xero',
    name: 'Xero',
    docsUrl: 'https://developer.xero.com/documentation/guides/webhooks/overview/',
    mismatchHint:
      "Use the webhook key shown on the app's Webhooks page, not the OAuth client secret.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Xero-Signature', encoding: 'base64' },
    eventType: { body: 'events.0.eventType' },
    handshake: {
      description: 'intent to receive (signed, empty events): answered 200 with an empty body',
      example: {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"S0M3R4ND0M"}',
        answer: { status: 200, body: '' },
      },
      reply(context) {
        const events = (context.payload() as { events?: unknown } | undefined)?.events
        return Array.isArray(events) && events.length === 0 ? { status: 200, body: '' } : undefined
      },
    },
  }),
} satisfies Record<string, ProviderFactory<object>>
