/**
 * Type tests for the public API (issue 10 §3): checked by `npm run typecheck` (tsc over src and test) and by
 * `vitest --typecheck`. Each `@ts-expect-error` must stay an error: if the API loosens, the build fails.
 */
import { describe, expectTypeOf, it } from 'vitest'
import {
  RawBodyUnavailableError,
  VerifiedWebhook as VerifiedWebhookClass,
  WebhookError,
  providers,
  safeVerifyWebhook,
  signWebhook,
  verifyWebhook,
  type BuiltinProviderId,
  type ConfiguredPreset,
  type VerificationFailureReason,
  type VerifiedWebhook,
  type VerifyResult,
} from '@hookgate/verify'
import { verifyWebhooks as expressVerify } from '@hookgate/verify/express'
import { verifyWebhooks as fetchVerify } from '@hookgate/verify/fetch'
import { RawBodyUnavailableError as NodeRawBodyUnavailableError } from '@hookgate/verify/node'

describe('@hookgate/verify public types', () => {
  it('presets, results and reasons', () => {
    const stripe = providers.stripe({ secrets: ['whsec_x'] })
    expectTypeOf(stripe).toEqualTypeOf<ConfiguredPreset>()
    expectTypeOf<'stripe'>().toExtend<BuiltinProviderId>()
    expectTypeOf<'discord'>().toExtend<BuiltinProviderId>()
    expectTypeOf<'not-a-provider'>().not.toExtend<BuiltinProviderId>()

    const result = safeVerifyWebhook(stripe, { headers: {}, rawBody: new Uint8Array() })
    expectTypeOf(result).toEqualTypeOf<VerifyResult>()
    if (result.ok) {
      expectTypeOf(result).toExtend<VerifiedWebhook>()
      expectTypeOf(result.id).toEqualTypeOf<string | undefined>()
      expectTypeOf(result.json<{ id: string }>()).toEqualTypeOf<{ id: string }>()
    } else {
      expectTypeOf(result.reason).toEqualTypeOf<VerificationFailureReason>()
      expectTypeOf(result.message).toBeString()
    }
    expectTypeOf(verifyWebhook).returns.toExtend<VerifiedWebhook>()
    expectTypeOf(signWebhook(stripe, { body: '{}' })).toEqualTypeOf<Record<string, string>>()
  })

  it('refuses what would be a bug', () => {
    const github = providers.github({ secrets: 's3cret-s3cret-s3cret' })
    // @ts-expect-error a parsed body is not the raw bytes
    safeVerifyWebhook(github, { headers: {}, rawBody: { parsed: true } })
    // @ts-expect-error presets need their secrets
    providers.github({})
    // @ts-expect-error `secret` is not an option (it is `secrets`)
    providers.github({ secret: 'x' })
    // @ts-expect-error a VerifiedWebhook is made by the verify functions only
    new VerifiedWebhookClass()
  })

  it('RawBodyUnavailableError is one class, from the root and the adapters', () => {
    expectTypeOf<RawBodyUnavailableError>().toExtend<WebhookError>()
    expectTypeOf(NodeRawBodyUnavailableError).toEqualTypeOf(RawBodyUnavailableError)
  })

  it('adapters take the same options and give the verified webhook', () => {
    const preset = providers.github({ secrets: 's3cret-s3cret-s3cret' })
    expectTypeOf(expressVerify).parameter(0).toHaveProperty('preset')
    const handler = fetchVerify({ preset }, (_request, webhook) => {
      expectTypeOf(webhook).toExtend<VerifiedWebhook>()
      return new Response('ok')
    })
    expectTypeOf(handler).toBeFunction()
    expectTypeOf(handler).returns.resolves.toEqualTypeOf<Response>()
  })
})
