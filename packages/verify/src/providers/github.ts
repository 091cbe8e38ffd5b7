/**
 * @module providers/github
 * `X-Hub-Signature-256: sha256=<hex>` over the raw body; id `X-GitHub-Delivery`, type `X-GitHub-Event`.
 * @see https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
import { defineProvider } from '../define.ts'
import { bodyHmac, hmacConfig, hmacEventType, type HmacConfig } from './hmac-sha256.ts'

/** GitHub (repository, organisation and App webhooks). */
export const github = defineProvider<object, HmacConfig>({
  id: 'github',
  name: 'GitHub',
  scheme: 'X-Hub-Signature-256 sha256= — HMAC-SHA256 hex of the body',
  docsUrl: 'https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries',
  optionKeys: [],
  mismatchHint: 'Use the webhook secret set on the hook, not a personal access token or the App private key.',
  configure: () =>
    hmacConfig('github', { idHeader: 'X-GitHub-Delivery', eventTypeHeader: 'X-GitHub-Event' }, { header: 'X-Hub-Signature-256', encoding: 'hex' }),
  ...bodyHmac,
  eventType: (context, config) => hmacEventType(context.headers, config),
})
