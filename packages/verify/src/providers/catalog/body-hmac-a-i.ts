/**
 * @module providers/catalog/body-hmac-a-i
 * Presets declared as data (see docs/adding-a-provider.md). Each entry is confirmed against the provider's docs
 * and, where one exists, its official SDK; its vector file is test/vectors/<id>.json.
 */
import type { ProviderFactory } from '../../define.ts'
import { signedPreset } from '../../families/signed.ts'

/** Dropbox's `GET ?challenge=…` endpoint check: the challenge echoed as text/plain. */
function dropboxChallenge(request: { readonly method: string; readonly url: string }) {
  if (request.method.toUpperCase() !== 'GET') return undefined
  let challenge: string | null
  try {
    challenge = new URL(request.url, 'http://localhost').searchParams.get('challenge')
  } catch {
    return undefined
  }
  // Dropbox asks for nosniff on the echoed challenge, so a browser never renders it as HTML.
  return challenge === null
    ? undefined
    : {
        status: 200,
        contentType: 'text/plain',
        headers: { 'X-Content-Type-Options': 'nosniff' },
        body: challenge,
      }
}

export const bodyHmacAI = {
  /** Acuity Scheduling: base64 HMAC-SHA256 of the (form-encoded) body, keyed with the account's API key. */
  acuity: signedPreset({
    id: 'acuity',
    name: 'Acuity Scheduling',
    docsUrl: 'https://developers.acuityscheduling.com/docs/webhooks',
    mismatchHint:
      "The key is the Acuity API key (the main admin's for static webhooks, the creating user's for API webhooks), not a separate webhook secret; verify the form body before parsing it.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Acuity-Signature', encoding: 'base64' },
  }),
  /** AfterShip Tracking: `aftership-hmac-sha256`, base64 HMAC-SHA256 of the body. */
  aftership: signedPreset({
    id: 'aftership',
    name: 'AfterShip',
    docsUrl: 'https://www.aftership.com/docs/tracking/webhook/webhook-signature',
    mismatchHint:
      'Use the webhook secret from Settings > Webhooks; AfterShip Returns and Warranty sign in as-signature-hmac-sha256 instead and are not this preset.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'aftership-hmac-sha256', encoding: 'base64' },
  }),
  /** Airtable: `X-Airtable-Content-MAC: hmac-sha256=<hex>`, keyed with the base64-decoded `macSecretBase64`. */
  airtable: signedPreset({
    id: 'airtable',
    name: 'Airtable',
    docsUrl: 'https://airtable.com/developers/web/api/webhooks-overview',
    mismatchHint:
      'Use the macSecretBase64 returned when the webhook was created (it is base64-decoded to key bytes), not the personal access token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Airtable-Content-MAC', encoding: 'hex', prefix: 'hmac-sha256=' },
    secret: 'base64',
  }),
  /** Alchemy Notify: `X-Alchemy-Signature`, hex HMAC-SHA256 of the body with the webhook's signing key. */
  alchemy: signedPreset({
    id: 'alchemy',
    name: 'Alchemy Notify',
    docsUrl: 'https://www.alchemy.com/docs/reference/notify-api-quickstart',
    mismatchHint:
      "Use the signing key shown on that webhook's page in the Notify dashboard, not the app's API key or auth token.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Alchemy-Signature', encoding: 'hex' },
    eventId: { body: 'id' },
    eventType: { body: 'type' },
  }),
  /** Attio: `Attio-Signature` (duplicated as `X-Attio-Signature`), hex HMAC-SHA256 of the body. */
  attio: signedPreset({
    id: 'attio',
    name: 'Attio',
    docsUrl: 'https://docs.attio.com/rest-api/how-to/webhooks',
    mismatchHint:
      'Use the webhook secret from the developer settings (or the create-webhook response), not an API token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Attio-Signature', encoding: 'hex' },
    // Same value, sent for legacy middleware: a signature, so redacted.
    extraSignatureHeaders: ['X-Attio-Signature'],
    eventId: { header: 'Idempotency-Key' },
  }),
  /** Autodesk Platform Services webhooks: `x-adsk-signature: sha1hash=<hex>`, HMAC-SHA1 of the body with the hook's secret token. */
  autodesk: signedPreset({
    id: 'autodesk',
    name: 'Autodesk Platform Services',
    docsUrl: 'https://aps.autodesk.com/en/docs/webhooks/v1/overview/basics',
    mismatchHint:
      'Use the secret token set with POST /webhooks/v1/tokens (or on the hook), not an OAuth client secret or access token; a hook without a token is not signed.',
    algorithm: 'hmac-sha1',
    signed: '{body}',
    signature: { header: 'x-adsk-signature', encoding: 'hex', prefix: 'sha1hash=' },
    eventType: { body: 'hook.event' },
  }),
  /** Bitbucket Cloud and Data Center: `X-Hub-Signature: sha256=<hex>` (the un-suffixed name carries SHA-256). */
  bitbucket: signedPreset({
    id: 'bitbucket',
    name: 'Bitbucket',
    docsUrl: 'https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/',
    mismatchHint:
      'Use the secret set on the webhook (a webhook without a secret is not signed); Bitbucket sends sha256 in X-Hub-Signature, not X-Hub-Signature-256.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Hub-Signature', encoding: 'hex', prefix: 'sha256=' },
    eventId: [{ header: 'X-Request-UUID' }, { header: 'X-Request-Id' }],
    eventType: { header: 'X-Event-Key' },
  }),
  /** Bolt: `X-Bolt-Hmac-Sha256`, base64 HMAC-SHA256 of the body with the merchant signing secret. */
  bolt: signedPreset({
    id: 'bolt',
    name: 'Bolt',
    docsUrl: 'https://help.bolt.com/developers/webhooks/hook-verification/',
    mismatchHint:
      'Use the Signing Secret (Merchant Dashboard > Administration > API), not the API key or publishable key.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Bolt-Hmac-Sha256', encoding: 'base64' },
  }),
  /** BTCPay Server: `BTCPay-Sig: sha256=<hex>` = HMAC-SHA256(UTF8(secret), body). */
  btcpay: signedPreset({
    id: 'btcpay',
    name: 'BTCPay Server',
    docsUrl: 'https://docs.btcpayserver.org/API/Greenfield/v1/#tag/Webhooks',
    mismatchHint:
      "Use the webhook's secret (shown when the webhook is created in the store settings), not the API key.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'BTCPay-Sig', encoding: 'hex', prefix: 'sha256=' },
    eventId: [{ body: 'originalDeliveryId' }, { body: 'deliveryId' }],
    eventType: { body: 'type' },
  }),
  /** Cal.com: `X-Cal-Signature-256`, hex HMAC-SHA256 of the body with the webhook's secret. */
  'cal-com': signedPreset({
    id: 'cal-com',
    name: 'Cal.com',
    docsUrl: 'https://cal.com/docs/developing/guides/automation/webhooks',
    mismatchHint:
      'Use the secret set on the webhook (a webhook without one sends the literal "no-secret-provided"), not an API key; a custom payload template changes the body, which is still what is signed.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Cal-Signature-256', encoding: 'hex' },
    eventType: { body: 'triggerEvent' },
  }),
  /** Castle: `X-Castle-Signature`, base64 HMAC-SHA256 of the body with the API secret (castle-rb `Castle::Webhooks::Verify`). */
  castle: signedPreset({
    id: 'castle',
    name: 'Castle',
    docsUrl: 'https://docs.castle.io/docs/webhooks',
    mismatchHint: 'Use the Castle API secret (Settings > API), not the publishable key (pk_…).',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Castle-Signature', encoding: 'base64' },
    eventType: { body: 'type' },
  }),
  /** Checkout.com (workflow webhooks): `Cko-Signature`, hex HMAC-SHA256 of the body with the webhook action's key. */
  'checkout-com': signedPreset({
    id: 'checkout-com',
    name: 'Checkout.com',
    docsUrl:
      'https://www.checkout.com/docs/developer-resources/webhooks/manage-webhooks/set-up-your-webhook-receiver',
    mismatchHint:
      "Use the signature key set in the workflow's webhook action, not the secret API key or the optional Authorization header value.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Cko-Signature', encoding: 'hex' },
    eventId: { body: 'id' },
    eventType: { body: 'type' },
  }),
  /** CircleCI: `circleci-signature: v1=<hex>` (a comma list; only v1 counts), HMAC-SHA256 of the body. */
  circleci: signedPreset({
    id: 'circleci',
    name: 'CircleCI',
    docsUrl: 'https://circleci.com/docs/webhooks/',
    mismatchHint:
      "Use the webhook's secret token (set on the webhook in Project Settings), not a CircleCI API token.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: {
      header: 'circleci-signature',
      encoding: 'hex',
      list: { separator: ',', key: 'v1' },
    },
    eventId: { body: 'id' },
    eventType: { body: 'type' },
  }),
  /** ClickUp: `X-Signature`, hex HMAC-SHA256 of the body with the `webhook.secret` from the create response. */
  clickup: signedPreset({
    id: 'clickup',
    name: 'ClickUp',
    docsUrl: 'https://developer.clickup.com/docs/webhooksignature',
    mismatchHint:
      'Use the webhook.secret returned when the webhook was created, not the API token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Signature', encoding: 'hex' },
    eventType: { body: 'event' },
  }),
  /** Coinbase Commerce: `X-CC-Webhook-Signature`, hex HMAC-SHA256 of the body (coinbase-commerce-node `Webhook`). */
  'coinbase-commerce': signedPreset({
    id: 'coinbase-commerce',
    name: 'Coinbase Commerce',
    docsUrl: 'https://docs.cdp.coinbase.com/commerce/api-arcitecture/webhooks-security',
    mismatchHint: 'Use the shared webhook secret from Settings > Notifications, not the API key.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-CC-Webhook-Signature', encoding: 'hex' },
    eventId: { body: 'event.id' },
    eventType: { body: 'event.type' },
  }),
  /** Coinify: `X-Coinify-Webhook-Signature`, lower-case hex HMAC-SHA256 of the body. */
  coinify: signedPreset({
    id: 'coinify',
    name: 'Coinify',
    docsUrl: 'https://coinify.readme.io/docs/webhook-signature',
    mismatchHint: 'Use the webhook shared secret, not the API key.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Coinify-Webhook-Signature', encoding: 'hex' },
    eventId: { body: 'id' },
    eventType: { body: 'event' },
  }),
  /** Commerce Layer: `X-CommerceLayer-Signature`, base64 HMAC-SHA256 of the body with the webhook's shared secret. */
  commercelayer: signedPreset({
    id: 'commercelayer',
    name: 'Commerce Layer',
    docsUrl: 'https://docs.commercelayer.io/core/callbacks-security',
    mismatchHint:
      "Use the webhook's shared_secret (returned when the webhook is created), not the API client id or secret.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-CommerceLayer-Signature', encoding: 'base64' },
    eventType: { header: 'X-CommerceLayer-Topic' },
  }),
  /** Cursor (Cloud/background agents): `X-Webhook-Signature: sha256=<hex>`, HMAC-SHA256 of the body. */
  cursor: signedPreset({
    id: 'cursor',
    name: 'Cursor',
    docsUrl: 'https://cursor.com/docs/cloud-agent/api/webhooks',
    mismatchHint:
      'Use the webhook secret given when the agent was created with a webhook URL, not a Cursor API key.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Webhook-Signature', encoding: 'hex', prefix: 'sha256=' },
    eventId: { header: 'X-Webhook-ID' },
    eventType: { header: 'X-Webhook-Event' },
  }),
  /** Dropbox: `X-Dropbox-Signature`, hex HMAC-SHA256 of the body with the app secret; `GET ?challenge=` echoed. */
  dropbox: signedPreset({
    id: 'dropbox',
    name: 'Dropbox',
    docsUrl: 'https://www.dropbox.com/developers/reference/webhooks',
    mismatchHint: 'Use the app secret from the App Console, not the app key or an access token.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Dropbox-Signature', encoding: 'hex' },
    handshake: {
      description:
        'GET ?challenge=… when the webhook URL is added: the challenge echoed as text/plain',
      example: {
        method: 'GET',
        query: '?challenge=MWxHf5mRdGM',
        answer: { status: 200, body: 'MWxHf5mRdGM' },
      },
      probeMethods: ['GET'],
      probe: dropboxChallenge,
    },
  }),
  /** Dwolla: `X-Request-Signature-SHA-256`, hex HMAC-SHA256 of the body with the subscription secret. */
  dwolla: signedPreset({
    id: 'dwolla',
    name: 'Dwolla',
    docsUrl: 'https://developers.dwolla.com/docs/balance/webhooks/process-validate',
    mismatchHint:
      'Use the secret you passed when creating the webhook subscription, not the API key or secret.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Request-Signature-SHA-256', encoding: 'hex' },
    eventId: { body: 'id' },
    eventType: { body: 'topic' },
  }),
  /** Expo (EAS build and submit webhooks): `expo-signature: sha1=<hex>`, HMAC-SHA1 of the body. */
  expo: signedPreset({
    id: 'expo',
    name: 'Expo (EAS)',
    docsUrl: 'https://docs.expo.dev/eas/webhooks/',
    mismatchHint:
      'Use the signing secret given to eas webhook:create (at least 16 characters), not an Expo access token.',
    algorithm: 'hmac-sha1',
    signed: '{body}',
    signature: { header: 'expo-signature', encoding: 'hex', prefix: 'sha1=' },
    eventId: { body: 'id' },
  }),
  /** FastSpring: `X-FS-Signature`, base64 HMAC-SHA256 of the body with the webhook's HMAC SHA256 Secret. */
  fastspring: signedPreset({
    id: 'fastspring',
    name: 'FastSpring',
    docsUrl: 'https://developer.fastspring.com/docs/message-security',
    mismatchHint:
      'Use the HMAC SHA256 Secret set on the webhook (Developer Tools > Webhooks), not the API username or password; one POST carries several events.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-FS-Signature', encoding: 'base64' },
  }),
  /** Gitea (and Gogs-compatible headers): `X-Gitea-Signature`, hex HMAC-SHA256 of the body, no prefix. */
  gitea: signedPreset({
    id: 'gitea',
    name: 'Gitea',
    docsUrl: 'https://docs.gitea.com/usage/webhooks',
    mismatchHint:
      'Use the secret set on the webhook; only POST webhooks with content type application/json are verifiable this way (form and GET deliveries sign the JSON payload, not the request body).',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'X-Gitea-Signature', encoding: 'hex' },
    // Same HMAC sent again for Gogs and GitHub-style receivers (and SHA-1 in X-Hub-Signature): redacted too.
    extraSignatureHeaders: ['X-Gogs-Signature', 'X-Hub-Signature', 'X-Hub-Signature-256'],
    eventId: { header: 'X-Gitea-Delivery' },
    eventType: { header: 'X-Gitea-Event' },
  }),
  /** GoCardless: `Webhook-Signature`, hex HMAC-SHA256 of the body (gocardless-nodejs `webhooks.parse`). */
  gocardless: signedPreset({
    id: 'gocardless',
    name: 'GoCardless',
    docsUrl: 'https://developer.gocardless.com/getting-started/staying-up-to-date-with-webhooks',
    mismatchHint:
      "Use the webhook endpoint's secret (Developers > Webhook endpoints), not the access token.",
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Webhook-Signature', encoding: 'hex' },
    eventId: { body: 'meta.webhook_id' },
  }),
  /** Help Scout (Mailbox webhooks): `X-HelpScout-Signature`, base64 HMAC-SHA1 of the body; event in `X-HelpScout-Event`. */
  'help-scout': signedPreset({
    id: 'help-scout',
    name: 'Help Scout',
    docsUrl: 'https://developer.helpscout.com/webhooks/',
    mismatchHint:
      'Use the secret key entered in the Webhooks app settings, not an API key or an app secret for callback signatures.',
    algorithm: 'hmac-sha1',
    signed: '{body}',
    signature: { header: 'X-HelpScout-Signature', encoding: 'base64' },
    eventType: { header: 'X-HelpScout-Event' },
  }),
  /** Heroku app webhooks: `Heroku-Webhook-Hmac-SHA256`, base64 HMAC-SHA256 of the body with the subscription secret. */
  heroku: signedPreset({
    id: 'heroku',
    name: 'Heroku',
    docsUrl: 'https://devcenter.heroku.com/articles/app-webhooks',
    mismatchHint:
      'Use the secret given when the webhook subscription was created (heroku webhooks:add --secret, or the one returned), not an API key.',
    algorithm: 'hmac-sha256',
    signed: '{body}',
    signature: { header: 'Heroku-Webhook-Hmac-SHA256', encoding: 'base64' },
    eventId: { header: 'Heroku-Webhook-Id' },
  }),
  /** Intercom: `X-Hub-Signature: sha1=<hex>`, HMAC-SHA1 of the body with the app's client secret. */
  intercom: signedPreset({
    id: 'intercom',
    name: 'Intercom',
    docsUrl: 'https://developers.intercom.com/docs/references/webhooks/webhook-models',
    mismatchHint:
      "Use the app's client_secret (Developer Hub > Basic information), not an access token.",
    algorithm: 'hmac-sha1',
    signed: '{body}',
    signature: { header: 'X-Hub-Signature', encoding: 'hex', prefix: 'sha1=' },
    eventId: { body: 'id' },
    eventType: { body: 'topic' },
  }),
} satisfies Record<string, ProviderFactory<object>>
