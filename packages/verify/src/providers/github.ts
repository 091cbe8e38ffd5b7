/**
 * @module providers/github
 * `X-Hub-Signature-256: sha256=<hex>` over the raw body; id `X-GitHub-Delivery`, type `X-GitHub-Event`.
 * @see https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
import { signedPreset } from '../families/signed.ts'

/** GitHub (repository, organisation and App webhooks). */
export const github = signedPreset({
  id: 'github',
  name: 'GitHub',
  docsUrl: 'https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries',
  mismatchHint: 'Use the webhook secret set on the hook, not a personal access token or the App private key.',
  algorithm: 'hmac-sha256',
  signed: '{body}',
  signature: { header: 'X-Hub-Signature-256', encoding: 'hex', prefix: 'sha256=' },
  idHeader: 'X-GitHub-Delivery',
  eventType: { header: 'X-GitHub-Event' },
  // The legacy SHA-1 header carries a signature too: redacted wherever requests are kept.
  extraSignatureHeaders: ['X-Hub-Signature'],
})
