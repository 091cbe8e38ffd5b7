/**
 * @module providers/catalog/public-key-and-tokens
 * Presets declared as data (see docs/adding-a-provider.md). Each entry is confirmed against the provider's docs
 * and, where one exists, its official SDK; its vector file is test/vectors/<id>.json.
 *
 * Families here: Standard Webhooks / Svix senders, shared tokens and basic auth, public-key signatures
 * (Ed25519, ECDSA P-256, RSA) with a configured key, and JWTs signed with a shared secret.
 */
import { Buffer } from 'node:buffer'
import { createHash, timingSafeEqual } from 'node:crypto'
import { fail } from '../../errors.ts'
import { getHeader } from '../../_internal/headers.ts'
import { defineProvider, field, stringOption, type ProviderDefinition } from '../../define.ts'
import { signedPreset } from '../../families/signed.ts'
import { tokenPreset } from '../../families/token.ts'
import { jwtConfig, jwtDefinition, type JwtConfig } from '../jwt.ts'
import { standardWebhooksPreset } from '../standard-webhooks.ts'

/** Constant-time comparison of two texts (a claim against a digest computed here). */
function sameText(given: unknown, expected: string): boolean {
  const a = Buffer.from(typeof given === 'string' ? given : '', 'utf8')
  const b = Buffer.from(expected, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

function sha256(body: Uint8Array, encoding: 'base64' | 'base64url' | 'hex'): string {
  return createHash('sha256').update(body).digest(encoding)
}

// ---------------------------------------------------------------------------------------------------------------
// JWT with a shared secret
// ---------------------------------------------------------------------------------------------------------------

export interface LivekitOptions {
  /** The API key the webhooks are signed for: the token's `iss`. */
  readonly apiKey: string
}

/**
 * LiveKit: `Authorization: <JWT>` (HS256 with the API secret), `iss` = the API key, `exp` required, and a `sha256`
 * claim holding the base64 SHA-256 of the raw body (livekit-server-sdk `WebhookReceiver.receive`; 10 s clock skew).
 */
const livekit = defineProvider<LivekitOptions, JwtConfig>(
  jwtDefinition<LivekitOptions, JwtConfig>({
    tokenForm: 'bare',
    id: 'livekit',
    name: 'LiveKit',
    scheme:
      'Authorization: <JWT> — HS256 with iss = API key and sha256 = base64 SHA-256 of the body',
    docsUrl: 'https://docs.livekit.io/home/server/webhooks/',
    optionKeys: ['apiKey'],
    mismatchHint:
      'Use the API secret of the API key that signs the webhooks (set apiKey to that key), not another key pair.',
    configure(options) {
      const apiKey = stringOption('livekit', options, 'apiKey', true)
      return jwtConfig('livekit', {
        algorithm: 'HS256',
        issuer: apiKey,
        requiredClaims: ['exp'],
        leewaySeconds: 10,
      })
    },
    signClaims: (input, config) => ({ iss: config.issuer, sha256: sha256(input.body, 'base64') }),
    checkPayload(claims, body) {
      if (!sameText(claims.sha256, sha256(body, 'base64'))) {
        fail(
          'claim_mismatch',
          "The token's sha256 claim does not match the body: the body was changed or re-serialised.",
        )
      }
    },
    eventType: (context) => field(context.payload(), 'event'),
  }),
)

export interface UpstashQstashOptions {
  /** The destination URL as QStash calls it: checked against the token's `sub` when set (as the SDK's `url`). */
  readonly url?: string
}

/**
 * Upstash QStash: `Upstash-Signature: <JWT>` (HS256 with the current or next signing key, both as `secrets`),
 * `iss: "Upstash"`, `sub` = destination URL, `body` = base64url SHA-256 of the body (padding ignored), as
 * `@upstash/qstash` `Receiver.verify` checks it.
 */
const upstashQstash = defineProvider<
  UpstashQstashOptions,
  JwtConfig & { readonly url: string | undefined }
>(
  jwtDefinition<UpstashQstashOptions, JwtConfig & { readonly url: string | undefined }>({
    tokenForm: 'bare',
    id: 'upstash-qstash',
    name: 'Upstash QStash',
    scheme:
      'Upstash-Signature: <JWT> — HS256, iss "Upstash", sub = URL, body = base64url SHA-256 of the body',
    docsUrl: 'https://upstash.com/docs/qstash/howto/signature',
    optionKeys: ['url'],
    mismatchHint:
      'Use the current and the next signing keys of QStash (both as secrets), not the QStash token.',
    configure(options) {
      const url = stringOption('upstash-qstash', options, 'url')
      return {
        ...jwtConfig('upstash-qstash', {
          algorithm: 'HS256',
          issuer: 'Upstash',
          requiredClaims: [],
          header: 'upstash-signature',
        }),
        ...(url === undefined ? {} : { subject: url }),
        url,
      }
    },
    signClaims: (input, config) => ({
      iss: 'Upstash',
      ...(config.url === undefined ? {} : { sub: config.url }),
      body: sha256(input.body, 'base64url'),
      jti: input.id,
    }),
    checkPayload(claims, body) {
      const given = typeof claims.body === 'string' ? claims.body.replace(/=+$/, '') : ''
      if (!sameText(given, sha256(body, 'base64url'))) {
        fail(
          'claim_mismatch',
          "The token's body claim does not match the body's SHA-256: the body was changed or re-serialised.",
        )
      }
    },
  }),
)

/** Vonage: `Authorization: Bearer <JWT>` (HS256, the account's signature secret), `payload_hash` = SHA-256 of the body. */
const vonage = defineProvider<object, JwtConfig>({
  ...jwtDefinition<object, JwtConfig>({
    id: 'vonage',
    name: 'Vonage (signed webhooks)',
    scheme:
      'Authorization: Bearer <JWT> — HS256 with the signature secret, payload_hash = SHA-256 of the body',
    docsUrl: 'https://developer.vonage.com/en/messages/concepts/signed-webhooks',
    optionKeys: [],
    mismatchHint:
      "Use the account's Signature secret (Dashboard → Settings), not the API secret; the signature method setting does not apply to Messages webhooks (always HS256).",
    configure: () => jwtConfig('vonage', { algorithm: 'HS256', requiredClaims: ['iat'] }),
    signClaims: (input) => ({
      iss: 'Vonage',
      jti: input.id,
      payload_hash: sha256(input.body, 'hex'),
    }),
    checkPayload(claims, body) {
      // The docs make the body check optional; it is what binds the token to this body, so it is always made.
      const given = typeof claims.payload_hash === 'string' ? claims.payload_hash.toLowerCase() : ''
      if (!sameText(given, sha256(body, 'hex'))) {
        fail(
          'claim_mismatch',
          "The token's payload_hash claim does not match the body's SHA-256: the body was changed or re-serialised.",
        )
      }
    },
    eventType: (context) =>
      field(context.payload(), 'status') ?? field(context.payload(), 'message_type'),
  }),
  // The token carries no exp: its iat is the signing time, held to the usual window (the docs advise rejecting stale tokens).
  toleranceSeconds: 300,
})

const supabaseBase = standardWebhooksPreset({
  id: 'supabase',
  name: 'Supabase Auth Hooks',
  docsUrl: 'https://supabase.com/docs/guides/auth/auth-hooks',
  headerPrefixes: ['webhook'],
  mismatchHint:
    'Use the hook secret generated for this Auth Hook (v1,whsec_…), not the service role key or the JWT secret.',
}).definition

/** Supabase Auth Hooks (HTTP): Standard Webhooks; the dashboard shows the secret as `v1,whsec_<base64>`, accepted as is. */
const supabase = defineProvider<object, unknown>({
  ...supabaseBase,
  decodeKey: (secret, config) =>
    supabaseBase.decodeKey(
      typeof secret === 'string' ? secret.replace(/^v1,/, '') : secret,
      config,
    ),
})

// ---------------------------------------------------------------------------------------------------------------
// Tokens with a handshake
// ---------------------------------------------------------------------------------------------------------------

const oktaBase = tokenPreset({
  id: 'okta',
  name: 'Okta Event Hooks',
  docsUrl: 'https://developer.okta.com/docs/concepts/event-hooks/',
  mismatchHint:
    'Use the authorization header value set on the event hook (the whole value, scheme included if you set one).',
  header: 'Authorization',
  kind: 'token',
  eventId: { body: 'eventId' },
  eventType: { body: 'eventType' },
}).definition

/**
 * Okta Event Hooks: the hook's configured `Authorization` value (no body signature); one-time verification is a GET
 * with `X-Okta-Verification-Challenge`, answered with `{"verification": "<value>"}`.
 */
const okta = defineProvider<object, unknown>({
  ...oktaBase,
  handshake: {
    description:
      'one-time verification: GET with X-Okta-Verification-Challenge, answered with {"verification": …}',
    example: {
      method: 'GET',
      headers: { 'X-Okta-Verification-Challenge': 'sx8hDxgP4ux2tRNNdN39' },
      answer: { status: 200, body: '{"verification":"sx8hDxgP4ux2tRNNdN39"}' },
    },
    probeMethods: ['GET'],
    probe(request) {
      if (request.method.toUpperCase() !== 'GET') return undefined
      const challenge = getHeader(request.headers, 'x-okta-verification-challenge')
      if (challenge === undefined || challenge === '') return undefined
      return {
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ verification: challenge }),
      }
    },
  },
})

// ---------------------------------------------------------------------------------------------------------------
// The catalog
// ---------------------------------------------------------------------------------------------------------------

export const publicKeyAndTokens = {
  bridge: signedPreset({
    id: 'bridge',
    name: 'Bridge',
    docsUrl: 'https://apidocs.bridge.xyz/platform/additional-information/webhooks/signature',
    mismatchHint: 'Use the public key shown for this webhook endpoint (PEM), not an API key.',
    algorithm: 'rsa-sha256',
    signed: '{timestamp}.{body}',
    signature: {
      header: 'X-Webhook-Signature',
      encoding: 'base64',
      list: { separator: ',', key: 'v0', timestampKey: 't' },
    },
    timestamp: { unit: 'ms', toleranceSeconds: 600 },
    eventId: { body: 'event_id' },
    eventType: { body: 'event_type' },
  }),
  brex: standardWebhooksPreset({
    id: 'brex',
    name: 'Brex',
    docsUrl: 'https://developer.brex.com/docs/webhooks',
    headerPrefixes: ['webhook'],
    mismatchHint:
      'Use the secrets from GET /v1/webhooks/secrets (base64; during a rotation both the ACTIVE and the PENDING_REVOKE one), not the API token.',
    eventTypeField: 'event_type',
  }),
  clerk: standardWebhooksPreset({
    id: 'clerk',
    name: 'Clerk',
    docsUrl: 'https://clerk.com/docs/webhooks/sync-data',
    headerPrefixes: ['svix'],
    mismatchHint:
      "Use the endpoint's Signing Secret (whsec_…) from the Clerk Dashboard → Webhooks, not the Clerk secret key (sk_…).",
  }),
  discord: signedPreset({
    id: 'discord',
    name: 'Discord',
    docsUrl: 'https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint',
    mismatchHint:
      "Use the application's Public Key (General Information page, 64 hex characters), not the bot token or client secret.",
    algorithm: 'ed25519',
    signed: '{timestamp}{body}',
    signature: { header: 'X-Signature-Ed25519', encoding: 'hex' },
    timestamp: { header: 'X-Signature-Timestamp', toleranceSeconds: 300 },
    eventId: { body: 'id' },
    eventType: { body: 'type' },
    handshake: {
      description:
        'PING (signed): an interaction of type 1 is answered {"type":1} (PONG); a Webhook Events PING (type 0) 204; not stored',
      example: {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"type":1,"id":"1","application_id":"2"}',
        answer: { status: 200, body: '{"type":1}' },
      },
      reply(context) {
        const { type, version, event } = (context.payload() ?? {}) as {
          type?: unknown
          version?: unknown
          event?: unknown
        }
        // Webhook Events (a `version` envelope) use type 0 for PING, answered 204; their type 1 is a real event.
        if (version !== undefined || event !== undefined)
          return type === 0 ? { status: 204, body: '' } : undefined
        // Interactions: type 1 is PING, answered with PONG.
        return type === 1
          ? { status: 200, contentType: 'application/json', body: '{"type":1}' }
          : undefined
      },
    },
  }),
  'dodo-payments': standardWebhooksPreset({
    id: 'dodo-payments',
    name: 'Dodo Payments',
    docsUrl: 'https://docs.dodopayments.com/developer-resources/webhooks',
    headerPrefixes: ['webhook'],
  }),
  fathom: standardWebhooksPreset({
    id: 'fathom',
    name: 'Fathom',
    docsUrl: 'https://developers.fathom.ai/webhooks',
    // The docs name webhook-*; the SDK's verifyWebhook is the svix library, which also reads svix-*.
    headerPrefixes: ['webhook', 'svix'],
  }),
  folk: standardWebhooksPreset({
    id: 'folk',
    name: 'folk',
    docsUrl: 'https://developer.folk.app/webhooks/handle-deliveries',
    headerPrefixes: ['webhook'],
  }),
  gitlab: tokenPreset({
    id: 'gitlab',
    name: 'GitLab',
    docsUrl: 'https://docs.gitlab.com/user/project/integrations/webhooks/',
    mismatchHint:
      'Use the Secret token set on the webhook, not a personal or project access token.',
    header: 'X-Gitlab-Token',
    kind: 'token',
    eventId: [{ header: 'Idempotency-Key' }, { header: 'X-Gitlab-Event-UUID' }],
    eventType: { header: 'X-Gitlab-Event' },
  }),
  goody: standardWebhooksPreset({
    id: 'goody',
    name: 'Goody',
    docsUrl: 'https://developer.ongoody.com/webhooks/webhook-security',
    // Sent through Svix; the docs verify with the svix library, which also reads webhook-*.
    headerPrefixes: ['svix', 'webhook'],
    mismatchHint:
      "Use the webhook's Signing Secret (whsec_…) from its configuration page, not a Goody API key.",
  }),
  highlevel: signedPreset({
    id: 'highlevel',
    name: 'HighLevel',
    docsUrl: 'https://marketplace.gohighlevel.com/docs/webhook/WebhookIntegrationGuide',
    mismatchHint:
      "Use HighLevel's Ed25519 webhook public key (PEM, or the raw key in base64/hex), not the legacy RSA key of X-WH-Signature.",
    algorithm: 'ed25519',
    signed: '{body}',
    signature: { header: 'X-GHL-Signature', encoding: 'base64' },
    eventId: { body: 'webhookId' },
    eventType: { body: 'type' },
    // The legacy RSA signature header (no longer sent since July 2026) still carries a signature when present.
    extraSignatureHeaders: ['X-WH-Signature'],
  }),
  'hugging-face': tokenPreset({
    id: 'hugging-face',
    name: 'Hugging Face Hub',
    docsUrl: 'https://huggingface.co/docs/hub/webhooks#webhook-secret',
    mismatchHint:
      'Use the secret set on the webhook (Settings → Webhooks), not a Hugging Face access token (hf_…).',
    header: 'X-Webhook-Secret',
    kind: 'token',
    eventType: { body: 'event.scope' },
  }),
  'incident-io': standardWebhooksPreset({
    id: 'incident-io',
    name: 'incident.io',
    docsUrl: 'https://docs.incident.io/api-reference/webhooks',
    // Sent through Svix with unbranded webhook-* headers (docs); the Svix libraries they point to read svix-* too.
    headerPrefixes: ['webhook', 'svix'],
    mismatchHint:
      "Use the endpoint's Signing secret (whsec_…, Settings → Webhooks), not an incident.io API key.",
    eventTypeField: 'event_type',
  }),
  lithic: standardWebhooksPreset({
    id: 'lithic',
    name: 'Lithic',
    docsUrl: 'https://docs.lithic.com/docs/events-api',
    headerPrefixes: ['webhook'],
    eventTypeField: 'event_type',
  }),
  liveblocks: standardWebhooksPreset({
    id: 'liveblocks',
    name: 'Liveblocks',
    docsUrl: 'https://liveblocks.io/docs/platform/webhooks',
    headerPrefixes: ['webhook'],
  }),
  livekit,
  okta,
  openai: standardWebhooksPreset({
    id: 'openai',
    name: 'OpenAI',
    docsUrl: 'https://platform.openai.com/docs/guides/webhooks',
    headerPrefixes: ['webhook'],
    mismatchHint:
      "Use the webhook's signing secret (whsec_…) shown when the endpoint was created, not an API key (sk-…).",
  }),
  openmeter: standardWebhooksPreset({
    id: 'openmeter',
    name: 'OpenMeter',
    docsUrl: 'https://openmeter.io/docs/guides/webhooks',
    // Sent through Svix; the docs verify with the svix library, which also reads webhook-*.
    headerPrefixes: ['svix', 'webhook'],
    mismatchHint:
      "Use the webhook endpoint's signing secret (whsec_…), not an OpenMeter API token.",
  }),
  polar: standardWebhooksPreset({
    id: 'polar',
    name: 'Polar',
    docsUrl: 'https://docs.polar.sh/integrate/webhooks/delivery',
    headerPrefixes: ['webhook'],
    secret: 'utf8',
  }),
  postmark: tokenPreset({
    id: 'postmark',
    name: 'Postmark',
    docsUrl: 'https://postmarkapp.com/developer/webhooks/webhooks-overview',
    mismatchHint:
      'Postmark does not sign webhooks: put user:password in the webhook URL and configure the same user:password here.',
    header: 'Authorization',
    kind: 'basic',
    eventId: { body: 'MessageID' },
    eventType: { body: 'RecordType' },
  }),
  render: standardWebhooksPreset({
    id: 'render',
    name: 'Render',
    docsUrl: 'https://render.com/docs/webhooks',
    headerPrefixes: ['webhook'],
  }),
  replicate: standardWebhooksPreset({
    id: 'replicate',
    name: 'Replicate',
    docsUrl: 'https://replicate.com/docs/topics/webhooks/verify-webhook',
    headerPrefixes: ['webhook'],
    mismatchHint:
      'Use the signing secret from GET /v1/webhooks/default/secret (whsec_…), not the API token.',
    eventTypeField: 'status',
  }),
  resend: standardWebhooksPreset({
    id: 'resend',
    name: 'Resend',
    docsUrl: 'https://resend.com/docs/dashboard/webhooks/verify-webhooks-requests',
    headerPrefixes: ['svix'],
    mismatchHint: "Use the webhook's Signing Secret (whsec_…), not the Resend API key (re_…).",
  }),
  sendgrid: signedPreset({
    id: 'sendgrid',
    name: 'Twilio SendGrid Event Webhook',
    docsUrl:
      'https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features',
    mismatchHint:
      "Use the Verification Key of the signed Event Webhook (base64 DER public key), not an API key; keep the body's trailing CRLF.",
    algorithm: 'ecdsa-p256-sha256',
    signed: '{timestamp}{body}',
    signature: { header: 'X-Twilio-Email-Event-Webhook-Signature', encoding: 'base64' },
    timestamp: { header: 'X-Twilio-Email-Event-Webhook-Timestamp', toleranceSeconds: 300 },
  }),
  signatureapi: standardWebhooksPreset({
    id: 'signatureapi',
    name: 'SignatureAPI',
    docsUrl: 'https://signatureapi.com/docs/api/guides/how-to/verify-webhooks',
    headerPrefixes: ['webhook'],
    mismatchHint:
      "Use the endpoint's signing secret (whsec_…) from the dashboard, not a SignatureAPI API key.",
  }),
  stytch: standardWebhooksPreset({
    id: 'stytch',
    name: 'Stytch',
    docsUrl: 'https://stytch.com/docs/workspace-management/webhooks',
    headerPrefixes: ['svix'],
    eventTypeField: 'action',
  }),
  supabase,
  telegram: tokenPreset({
    id: 'telegram',
    name: 'Telegram Bot API',
    docsUrl: 'https://core.telegram.org/bots/api#setwebhook',
    mismatchHint: 'Use the secret_token passed to setWebhook, not the bot token.',
    header: 'X-Telegram-Bot-Api-Secret-Token',
    kind: 'token',
    eventId: { body: 'update_id' },
  }),
  telnyx: signedPreset({
    id: 'telnyx',
    name: 'Telnyx',
    docsUrl: 'https://developers.telnyx.com/docs/development/api-fundamentals/webhooks',
    mismatchHint:
      "Use the account's Public Key (Mission Control → Keys & Credentials, base64), not the API key.",
    algorithm: 'ed25519',
    signed: '{timestamp}|{body}',
    signature: { header: 'Telnyx-Signature-Ed25519', encoding: 'base64' },
    timestamp: { header: 'Telnyx-Timestamp', toleranceSeconds: 300 },
    eventId: { body: 'data.id' },
    eventType: { body: 'data.event_type' },
  }),
  'upstash-qstash': upstashQstash,
  vapi: tokenPreset({
    id: 'vapi',
    name: 'Vapi',
    docsUrl: 'https://docs.vapi.ai/server-url/server-authentication',
    mismatchHint:
      'Use the token of the server credential (header X-Vapi-Secret, no Bearer prefix), not your Vapi API key.',
    header: 'X-Vapi-Secret',
    kind: 'token',
    eventType: { body: 'message.type' },
  }),
  vonage,
  wise: signedPreset({
    id: 'wise',
    name: 'Wise',
    docsUrl: 'https://docs.wise.com/api-docs/features/webhooks-notifications/event-handling',
    mismatchHint:
      "Use Wise's webhook public key for the environment (production or sandbox, PEM), not an API token.",
    algorithm: 'rsa-sha256',
    signed: '{body}',
    signature: { header: 'X-Signature-SHA256', encoding: 'base64' },
    idHeader: 'X-Delivery-Id',
    eventType: { body: 'event_type' },
  }),
  xendit: tokenPreset({
    id: 'xendit',
    name: 'Xendit',
    docsUrl: 'https://docs.xendit.co/api-integration/callback/setup',
    mismatchHint:
      'Use the Callback Verification Token (Settings → Callbacks) of the same mode (test or live), not an API key.',
    header: 'X-Callback-Token',
    kind: 'token',
    eventType: { body: 'event' },
  }),
} satisfies Record<string, { readonly definition: ProviderDefinition<object, unknown> }>
