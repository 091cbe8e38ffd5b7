/** @module providers  The registry: a frozen object of preset factories, keyed by provider id. */
import { awsSns } from './aws-sns.ts'
import { calendly } from './calendly.ts'
import { github } from './github.ts'
import { hmacSha256 } from './hmac-sha256.ts'
import { jwt } from './jwt.ts'
import { shopify } from './shopify.ts'
import { slack } from './slack.ts'
import { standardWebhooks, svix } from './standard-webhooks.ts'
import { stripe } from './stripe.ts'
import { trello } from './trello.ts'
import { trivialsec } from './trivialsec.ts'
import { twilio } from './twilio.ts'
import { bodyHmacAI } from './catalog/body-hmac-a-i.ts'
import { bodyHmacJZ } from './catalog/body-hmac-j-z.ts'
import { publicKeyAndTokens } from './catalog/public-key-and-tokens.ts'
import { timestamped } from './catalog/timestamped.ts'

/**
 * Every built-in preset. `providers.<id>(options)` returns a configured preset for {@link verifyWebhook}.
 * @example const preset = providers.github({ secrets: [process.env.GITHUB_WEBHOOK_SECRET!] })
 */
export const providers = Object.freeze({
  trello,
  'hmac-sha256': hmacSha256,
  twilio,
  jwt,
  trivialsec,
  calendly,
  stripe,
  'standard-webhooks': standardWebhooks,
  svix,
  slack,
  shopify,
  github,
  'aws-sns': awsSns,
  ...bodyHmacAI,
  ...bodyHmacJZ,
  ...timestamped,
  ...publicKeyAndTokens,
})

export type BuiltinProviderId = keyof typeof providers

export function isBuiltinProviderId(value: unknown): value is BuiltinProviderId {
  return typeof value === 'string' && Object.hasOwn(providers, value)
}
