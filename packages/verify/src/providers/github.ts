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
  mismatchHint:
    'Use the webhook secret set on the hook, not a personal access token or the App private key.',
  algorithm: 'hmac-sha256',
  signed: '{body}',
  signature: { header: 'X-Hub-Signature-256', encoding: 'hex', prefix: 'sha256=' },
  idHeader: 'X-GitHub-Delivery',
  eventType: { header: 'X-GitHub-Event' },
  // The legacy SHA-1 header carries a signature too: redacted wherever requests are kept.
  extraSignatureHeaders: ['X-Hub-Signature'],
  senderIps: {
    // The `hooks` ranges of https://api.github.com/meta; GitHub advises monitoring that endpoint rather than pinning.
    cidrs: [
      '192.30.252.0/22',
      '185.199.108.0/22',
      '140.82.112.0/20',
      '143.55.64.0/20',
      '2a0a:a440::/29',
      '2606:50c0::/32',
    ],
    source: 'https://api.github.com/meta',
    asOf: '2025',
  },
})
