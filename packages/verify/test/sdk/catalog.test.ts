/**
 * Catalog presets against their providers' official SDKs (issue 11), both ways, over random bodies:
 * what Hookgate signs, the SDK accepts; what the SDK signs (or, for SDKs without a signer, what node:crypto signs
 * from the provider's documentation), Hookgate accepts; and a one-character change of the body is refused by both.
 * SDKs that check a replay window use the real clock, so every message is signed "now".
 */
import { Buffer } from 'node:buffer'
import { createHash, createHmac, generateKeyPairSync, sign as cryptoSign } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { verifyKey } from 'discord-interactions'
import { EventWebhook } from '@sendgrid/eventwebhook'
import { signWebhookPayload, verifyWebhookSignature } from '@notionhq/client'
import { validateWebhook } from 'replicate'
import { Paddle } from '@paddle/paddle-node-sdk'
import Mux from '@mux/mux-node'
import { AccessToken, WebhookReceiver } from 'livekit-server-sdk'
import { Receiver } from '@upstash/qstash'
import { providers, safeVerifyWebhook, signWebhook, type ConfiguredPreset } from '@hookgate/verify'
import { fcParams } from './_support.ts'

type Headers = Record<string, string>

interface SdkCase {
  readonly id: string
  /** The preset that signs (a private key for public-key schemes) and the one that verifies (as deployed). */
  readonly signer: ConfiguredPreset
  readonly verifier: ConfiguredPreset
  /** The SDK's verdict on a request. */
  sdkAccepts(body: string, headers: Headers): Promise<boolean>
  /** Headers made by the SDK's own signer, or by node:crypto from the provider's docs where the SDK has none. */
  independentSign(body: string): Promise<Headers>
  readonly url?: string
}

const anyPreset = (id: string) =>
  (providers as unknown as Record<string, (options: object) => ConfiguredPreset>)[id]!
const lower = (headers: Headers): Headers =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
const nowSeconds = () => Math.floor(Date.now() / 1000)
async function accepts(check: () => Promise<unknown>): Promise<boolean> {
  try {
    return (await check()) !== false
  } catch {
    return false
  }
}

function discord(): SdkCase {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const publicHex = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex')
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  return {
    id: 'discord',
    signer: anyPreset('discord')({ secrets: privatePem }),
    verifier: anyPreset('discord')({ secrets: publicHex }),
    sdkAccepts: (body, h) =>
      verifyKey(body, h['x-signature-ed25519'] ?? '', h['x-signature-timestamp'] ?? '', publicHex),
    async independentSign(body) {
      const t = String(nowSeconds())
      return {
        'X-Signature-Ed25519': cryptoSign(null, Buffer.from(t + body), privateKey).toString('hex'),
        'X-Signature-Timestamp': t,
      }
    },
  }
}

function sendgrid(): SdkCase {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const publicDer = publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
  const sdk = new EventWebhook()
  const sdkKey = sdk.convertPublicKeyToECDSA(publicDer)
  return {
    id: 'sendgrid',
    signer: anyPreset('sendgrid')({
      secrets: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    }),
    verifier: anyPreset('sendgrid')({ secrets: publicDer }),
    sdkAccepts: async (body, h) =>
      sdk.verifySignature(
        sdkKey,
        body,
        h['x-twilio-email-event-webhook-signature'] ?? '',
        h['x-twilio-email-event-webhook-timestamp'] ?? '',
      ),
    async independentSign(body) {
      const t = String(nowSeconds())
      return {
        'X-Twilio-Email-Event-Webhook-Signature': cryptoSign(
          'sha256',
          Buffer.from(t + body),
          privateKey,
        ).toString('base64'),
        'X-Twilio-Email-Event-Webhook-Timestamp': t,
      }
    },
  }
}

function notion(): SdkCase {
  const token = 'secret_notionVerificationToken0123456789'
  const preset = anyPreset('notion')({ secrets: token })
  return {
    id: 'notion',
    signer: preset,
    verifier: preset,
    sdkAccepts: (body, h) =>
      verifyWebhookSignature({
        body,
        signature: h['x-notion-signature'],
        verificationToken: token,
      }),
    independentSign: async (body) => ({
      'X-Notion-Signature': await signWebhookPayload({ body, verificationToken: token }),
    }),
  }
}

function replicate(): SdkCase {
  const secret = `whsec_${Buffer.from('replicate-webhook-signing-key-0123').toString('base64')}`
  const preset = anyPreset('replicate')({ secrets: secret })
  return {
    id: 'replicate',
    signer: preset,
    verifier: preset,
    sdkAccepts: (body, h) =>
      accepts(() =>
        validateWebhook({
          id: h['webhook-id'] ?? '',
          timestamp: h['webhook-timestamp'] ?? '',
          signature: h['webhook-signature'] ?? '',
          body,
          secret,
        }),
      ),
    async independentSign(body) {
      const id = `msg_${createHash('sha256').update(body).digest('hex').slice(0, 16)}`
      const t = String(nowSeconds())
      const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
      return {
        'webhook-id': id,
        'webhook-timestamp': t,
        'webhook-signature': `v1,${createHmac('sha256', key).update(`${id}.${t}.${body}`).digest('base64')}`,
      }
    },
  }
}

function paddle(): SdkCase {
  const secret = 'pdl_ntfset_01abcdefghijklmnopqrstuvwx_0123456789abcdefghijkl'
  const preset = anyPreset('paddle')({ secrets: secret })
  const sdk = new Paddle('pdl_sdbx_apikey_01abcdefghijklmnopqrstuvwx_0123456789abcdefghijkl')
  return {
    id: 'paddle',
    signer: preset,
    verifier: preset,
    sdkAccepts: (body, h) =>
      accepts(() => sdk.webhooks.isSignatureValid(body, secret, h['paddle-signature'] ?? '')),
    async independentSign(body) {
      const t = String(nowSeconds())
      return {
        'Paddle-Signature': `ts=${t};h1=${createHmac('sha256', secret).update(`${t}:${body}`).digest('hex')}`,
      }
    },
  }
}

function mux(): SdkCase {
  const secret = 'mux-webhook-signing-secret-0123456789'
  const preset = anyPreset('mux')({ secrets: secret })
  const sdk = new Mux({ tokenId: 'token-id', tokenSecret: 'token-secret' })
  return {
    id: 'mux',
    signer: preset,
    verifier: preset,
    sdkAccepts: (body, h) => accepts(() => sdk.webhooks.verifySignature(body, h, secret)),
    async independentSign(body) {
      const t = String(nowSeconds())
      return {
        'Mux-Signature': `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`,
      }
    },
  }
}

function livekit(): SdkCase {
  const apiKey = 'APIlivekitKey01'
  const apiSecret = 'livekit-api-secret-0123456789abcdef'
  const preset = anyPreset('livekit')({ secrets: apiSecret, apiKey })
  const receiver = new WebhookReceiver(apiKey, apiSecret)
  return {
    id: 'livekit',
    signer: preset,
    verifier: preset,
    sdkAccepts: (body, h) => accepts(() => receiver.receive(body, h.authorization)),
    async independentSign(body) {
      const token = new AccessToken(apiKey, apiSecret)
      token.sha256 = createHash('sha256').update(body).digest('base64')
      return { Authorization: await token.toJwt() }
    },
  }
}

function upstash(): SdkCase {
  const current = 'sig_upstashCurrentSigningKey0123'
  const next = 'sig_upstashNextSigningKey456789'
  const url = 'https://hooks.example.com/api/qstash'
  const preset = anyPreset('upstash-qstash')({ secrets: [current, next], url })
  const receiver = new Receiver({ currentSigningKey: current, nextSigningKey: next })
  return {
    id: 'upstash-qstash',
    signer: preset,
    verifier: preset,
    url,
    sdkAccepts: (body, h) =>
      accepts(() => receiver.verify({ signature: h['upstash-signature'] ?? '', body, url })),
    async independentSign(body) {
      // QStash's documented token: HS256, iss Upstash, sub = the URL, body = base64url SHA-256 of the body.
      const t = nowSeconds()
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
      const claims = {
        iss: 'Upstash',
        sub: url,
        exp: t + 300,
        nbf: t,
        iat: t,
        jti: `jwt_${t}`,
        body: createHash('sha256').update(body).digest('base64url'),
      }
      const signingInput = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`
      return {
        'Upstash-Signature': `${signingInput}.${createHmac('sha256', next).update(signingInput).digest('base64url')}`,
      }
    },
  }
}

const CASES: readonly (() => SdkCase)[] = [
  discord,
  sendgrid,
  notion,
  replicate,
  paddle,
  mux,
  livekit,
  upstash,
]

/** JSON bodies with unicode, as providers send them. */
const body = fc
  .record({
    id: fc.uuid(),
    type: fc.constantFrom('created', 'updated', 'deleted'),
    note: fc.string({ unit: 'grapheme', maxLength: 40 }),
    n: fc.integer(),
  })
  .map((value) => JSON.stringify(value))

describe('catalog presets vs their official SDKs', () => {
  for (const make of CASES) {
    const c = make()
    it(`${c.id}: Hookgate signs → the SDK accepts; the SDK (or the documented algorithm) signs → Hookgate accepts; a changed body → both refuse`, async () => {
      await fc.assert(
        fc.asyncProperty(body, fc.nat(), async (text, at) => {
          const ours = lower(
            signWebhook(c.signer, { body: text, ...(c.url === undefined ? {} : { url: c.url }) }),
          )
          expect({ sdk: await c.sdkAccepts(text, ours) }).toEqual({ sdk: true })

          const theirs = await c.independentSign(text)
          const verified = safeVerifyWebhook(c.verifier, {
            method: 'POST',
            headers: theirs,
            rawBody: text,
            ...(c.url === undefined ? {} : { url: c.url }),
          })
          expect(verified.ok ? 'ok' : verified.reason).toBe('ok')

          const index = at % text.length
          const changed =
            text.slice(0, index) + (text[index] === 'x' ? 'y' : 'x') + text.slice(index + 1)
          const ourVerdict = safeVerifyWebhook(c.verifier, {
            method: 'POST',
            headers: ours,
            rawBody: changed,
            ...(c.url === undefined ? {} : { url: c.url }),
          })
          expect({ ours: ourVerdict.ok, sdk: await c.sdkAccepts(changed, ours) }).toEqual({
            ours: false,
            sdk: false,
          })
        }),
        fcParams(25),
      )
    })
  }
})
