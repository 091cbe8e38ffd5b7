/**
 * @module providers/trello
 * `X-Trello-Webhook: base64(HMAC-SHA1(app secret, rawBody + callbackURL))`, no timestamp.
 * @see https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-signatures
 */
import { defineProvider, field, stringOption, utf8Secret } from '../define.ts'
import { hmacKey } from '../schemes/hmac.ts'
import { signContent } from '../schemes/index.ts'
import { encodedSignature, requireHeader } from './_shared.ts'

export interface TrelloOptions {
  /** The callback URL exactly as registered with Trello (query string and trailing slash included). */
  readonly callbackUrl: string
}

/**
 * Trello's documented webhook source addresses ("webhook source" on the webhooks guide). The list has
 * changed over time: use it as optional allowlist data, not as the authentication.
 */
export const TRELLO_SOURCE_IPS: readonly string[] = Object.freeze([
  '107.23.104.115/32',
  '107.23.149.70/32',
  '54.152.166.250/32',
  '54.164.77.56/32',
  '54.209.149.230/32',
  '18.234.32.224/28',
])

/**
 * Trello. The key is the application's API secret (the "OAuth 1.0 secret"), not the API key or a token.
 * Trello signs the callback URL it was given, so a proxy cannot change what is verified. Id: `action.id`.
 */
export const trello = defineProvider<TrelloOptions, { callbackUrl: string }>({
  id: 'trello',
  name: 'Trello',
  scheme: 'X-Trello-Webhook — HMAC-SHA1 base64 of body + callback URL',
  docsUrl: 'https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/',
  optionKeys: ['callbackUrl'],
  signatureHeaders: ['x-trello-webhook'],
  senderIps: {
    cidrs: TRELLO_SOURCE_IPS,
    source:
      'https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-sources',
    asOf: '2026-11',
  },
  sourceUrlOption: 'callbackUrl',
  handshake: {
    description: 'HEAD request when the webhook is created: answered 200',
    example: { method: 'HEAD', answer: { status: 200 } },
    probeMethods: ['HEAD'],
    probe: (request) => (request.method === 'HEAD' ? { status: 200, body: '' } : undefined),
  },
  mismatchHint:
    "Use the application's API secret (not the API key or a token), and set callbackUrl to the URL exactly as registered with Trello.",
  configure: (options) => ({ callbackUrl: stringOption('trello', options, 'callbackUrl', true) }),
  decodeKey: (secret) => hmacKey('hmac-sha1', utf8Secret(secret)),
  parse: (request) => ({
    signatures: [
      encodedSignature(
        'hmac-sha1',
        'base64',
        requireHeader(request.headers, 'x-trello-webhook'),
        'X-Trello-Webhook',
      ),
    ],
  }),
  signedContent: (_request, body, _envelope, config) => [[body, config.callbackUrl]],
  sign: (input, key, config) => ({
    'X-Trello-Webhook': signContent(key, [input.body, config.callbackUrl], 'base64'),
  }),
  eventId: (context) => field(context.payload(), 'action', 'id'),
  eventType: (context) => field(context.payload(), 'action', 'type'),
})
