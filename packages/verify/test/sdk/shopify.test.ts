/**
 * Shopify preset vs the official `@shopify/shopify-api` 13 (node adapter):
 * `shopifyApi({ apiSecretKey }).webhooks.validate({ rawBody, rawRequest })`, with real `node:http`
 * IncomingMessage objects (a real server round trip in the first tests, constructed ones in the property).
 * The SDK has no public signer, so "Shopify signs" uses node:crypto as Shopify's docs describe
 * (base64 HMAC-SHA256 of the raw body, the app's client secret as a UTF-8 key).
 * Intentional deviations are listed in docs/deviations.md and each has a named test below.
 */
import '@shopify/shopify-api/adapters/node'
import { Buffer } from 'node:buffer'
import { createHmac } from 'node:crypto'
import { createServer, IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Socket } from 'node:net'
import { ApiVersion, LogSeverity, shopifyApi, type Shopify } from '@shopify/shopify-api'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  providers,
  safeVerifyWebhook,
  signWebhook,
  type HeadersLike,
  type VerifyResult,
} from '@hookgate/verify'
import {
  base64Of,
  byteBody,
  fcParams,
  flipChar,
  isUtf8,
  lossyText,
  mutations,
  outcome,
  rarely,
  Tally,
  textSecret,
} from './_support.ts'

const SECRET = 'shpss_0123456789abcdef0123456789abcdef'

const apis = new Map<string, Shopify>()
/** One SDK instance per secret (the SDK takes a single apiSecretKey). */
function api(secret: string): Shopify {
  let instance = apis.get(secret)
  if (instance === undefined) {
    instance = shopifyApi({
      apiKey: 'test-api-key',
      apiSecretKey: secret,
      apiVersion: ApiVersion.October25,
      isEmbeddedApp: false,
      hostName: 'app.example.com',
      logger: { level: LogSeverity.Error },
    })
    apis.set(secret, instance)
  }
  return instance
}

type Kind = 'webhooks' | 'events'
const NAMES = {
  webhooks: {
    hmac: 'x-shopify-hmac-sha256',
    topic: 'x-shopify-topic',
    domain: 'x-shopify-shop-domain',
    apiVersion: 'x-shopify-api-version',
    webhookId: 'x-shopify-webhook-id',
    eventId: 'x-shopify-event-id',
  },
  events: {
    hmac: 'shopify-hmac-sha256',
    topic: 'shopify-topic',
    domain: 'shopify-shop-domain',
    apiVersion: 'shopify-api-version',
    webhookId: 'shopify-webhook-id',
    eventId: 'shopify-event-id',
  },
} as const
type Meta = Exclude<keyof (typeof NAMES)['webhooks'], 'hmac'>

/** Shopify's signer, per its docs. */
const shopifySign = (secret: string, body: string | Uint8Array) =>
  createHmac('sha256', secret).update(body).digest('base64')

function deliveryHeaders(kind: Kind, hmac: string): Record<string, string> {
  const n = NAMES[kind]
  return {
    [n.hmac]: hmac,
    [n.topic]: 'orders/create',
    [n.domain]: 'shop-1.myshopify.com',
    [n.apiVersion]: '2025-10',
    [n.webhookId]: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    [n.eventId]: '98880550-7158-44d4-b7cd-2c97c8a091b5',
  }
}

const socket = new Socket()
/** A real IncomingMessage as node:http builds it (lower-case header names), without a network round trip. */
function incoming(headers: Record<string, string>): IncomingMessage {
  const request = new IncomingMessage(socket)
  request.method = 'POST'
  request.url = '/webhooks/shopify'
  request.headers = Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]),
  )
  return request
}

function verifyOurs(secret: string, headers: HeadersLike, body: Uint8Array | string): VerifyResult {
  return safeVerifyWebhook(providers.shopify({ secrets: secret }), {
    method: 'POST',
    url: 'https://app.example.com/webhooks/shopify',
    headers,
    rawBody: body,
  })
}

interface SdkResult {
  valid: boolean
  reason?: string
}
async function sdkValidate(
  secret: string,
  rawBody: string,
  request: IncomingMessage,
): Promise<SdkResult> {
  return (await api(secret).webhooks.validate({ rawBody, rawRequest: request })) as SdkResult
}

describe('shopify: over a real HTTP request, Shopify-signed and Hookgate-signed deliveries', () => {
  let server: Server
  let url: string
  beforeAll(async () => {
    // Both verifiers see the very IncomingMessage and bytes node:http produced.
    server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const raw = Buffer.concat(chunks)
        void sdkValidate(SECRET, raw.toString('utf8'), request).then((sdk) => {
          const ours = verifyOurs(SECRET, request.headers, new Uint8Array(raw))
          response.setHeader('content-type', 'application/json')
          response.end(
            JSON.stringify({
              sdk,
              ours: outcome(ours),
              id: ours.ok ? ours.id : undefined,
              type: ours.ok ? ours.eventType : undefined,
            }),
          )
        })
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/shopify`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  const post = async (headers: Record<string, string>, body: string) =>
    (await (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      })
    ).json()) as {
      sdk: SdkResult
      ours: string
      id?: string
      type?: string
    }

  it('a classic delivery signed as Shopify signs it: both accept; id and topic are read', async () => {
    const body = JSON.stringify({
      id: 820982911946154500,
      email: 'jon@example.com',
      note: 'Ünïcode ✓ \u2028 <b>&amp;</b>',
    })
    const result = await post(deliveryHeaders('webhooks', shopifySign(SECRET, body)), body)
    expect(result).toMatchObject({
      sdk: { valid: true },
      ours: 'ok',
      id: '98880550-7158-44d4-b7cd-2c97c8a091b5',
      type: 'orders/create',
    })
  })

  it('an Events delivery (shopify-* headers) signed by Hookgate: both accept', async () => {
    const body = '{"handle":"orders","emoji":"🛍️"}'
    const signed = signWebhook(providers.shopify({ secrets: SECRET }), { body })
    const hmac = signed['X-Shopify-Hmac-Sha256']!
    expect(hmac).toBe(shopifySign(SECRET, body))
    const result = await post(deliveryHeaders('events', hmac), body)
    expect(result).toMatchObject({ sdk: { valid: true }, ours: 'ok', type: 'orders/create' })
  })

  it('a body changed in transit, or another secret: both reject', async () => {
    const body = '{"id":1}'
    expect(
      await post(deliveryHeaders('webhooks', shopifySign(SECRET, body)), '{"id":2}'),
    ).toMatchObject({ sdk: { valid: false, reason: 'invalid_hmac' }, ours: 'signature_mismatch' })
    expect(await post(deliveryHeaders('webhooks', shopifySign('other', body)), body)).toMatchObject(
      { sdk: { valid: false, reason: 'invalid_hmac' }, ours: 'signature_mismatch' },
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Differential property
// ---------------------------------------------------------------------------------------------

type Mutation =
  | {
      kind:
        | 'drop-hmac'
        | 'empty-hmac'
        | 'upper'
        | 'lower'
        | 'base64url'
        | 'strip-padding'
        | 'long-header'
        | 'move-hmac'
    }
  | { kind: 'truncate'; n: number }
  | { kind: 'flip'; index: number }
  | { kind: 'space'; where: 'leading' | 'trailing' }
  | { kind: 'append'; text: string }
  | { kind: 'drop-meta'; field: Meta }
  | { kind: 'add-other-hmac'; value: string }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom<Mutation>(
    { kind: 'drop-hmac' },
    { kind: 'empty-hmac' },
    { kind: 'upper' },
    { kind: 'lower' },
    { kind: 'base64url' },
    { kind: 'strip-padding' },
    { kind: 'long-header' },
    { kind: 'move-hmac' },
  ),
  fc.record({ kind: fc.constant('truncate' as const), n: fc.integer({ min: 1, max: 44 }) }),
  fc.record({ kind: fc.constant('flip' as const), index: fc.nat() }),
  fc.record({
    kind: fc.constant('space' as const),
    where: fc.constantFrom<'leading' | 'trailing'>('leading', 'trailing'),
  }),
  fc.record({
    kind: fc.constant('append' as const),
    text: fc.oneof(
      base64Of(32).map((b) => `,${b}`),
      base64Of(32).map((b) => `, ${b}`),
      fc.constant('='),
    ),
  }),
  fc.record({
    kind: fc.constant('drop-meta' as const),
    field: fc.constantFrom<Meta>('topic', 'domain', 'apiVersion', 'webhookId', 'eventId'),
  }),
  fc.record({
    kind: fc.constant('add-other-hmac' as const),
    value: fc.oneof(base64Of(32), fc.constant('')),
  }),
)

/** Structural: the same mutation applies to two deliveries that differ only in the HMAC value. */
function mutate(headers: Record<string, string>, m: Mutation, kind: Kind): Record<string, string> {
  const out = { ...headers }
  const name = NAMES[kind].hmac
  const other = NAMES[kind === 'webhooks' ? 'events' : 'webhooks'].hmac
  const hmac = out[name]
  const set = (value: string) => {
    if (hmac !== undefined) out[name] = value
  }
  switch (m.kind) {
    case 'drop-hmac':
      delete out[name]
      break
    case 'empty-hmac':
      set('')
      break
    case 'upper':
      set(hmac?.toUpperCase() ?? '')
      break
    case 'lower':
      set(hmac?.toLowerCase() ?? '')
      break
    case 'base64url':
      set(Buffer.from(hmac ?? '', 'base64').toString('base64url'))
      break
    case 'strip-padding':
      set(hmac?.replace(/=+$/, '') ?? '')
      break
    case 'long-header':
      set(`${hmac}${' '.repeat(8200)}`)
      break
    case 'move-hmac':
      if (hmac !== undefined) {
        delete out[name]
        out[other] = hmac
      }
      break
    case 'truncate':
      set(hmac?.slice(0, Math.max(0, hmac.length - m.n)) ?? '')
      break
    case 'flip':
      set(flipChar(hmac ?? '', m.index))
      break
    case 'space':
      set(m.where === 'leading' ? ` ${hmac}` : `${hmac} `)
      break
    case 'append':
      set(`${hmac}${m.text}`)
      break
    case 'drop-meta':
      delete out[NAMES[kind][m.field]]
      break
    case 'add-other-hmac':
      out[other] = m.value
      break
  }
  return out
}

describe('shopify: differential against @shopify/shopify-api', () => {
  it('accepts and rejects exactly what webhooks.validate does, except the documented deviations', async () => {
    const tally = new Tally()
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          secret: textSecret,
          wrongSecret: rarely(textSecret),
          kind: fc.constantFrom<Kind>('webhooks', 'events'),
          // Empty bodies are excluded: the SDK returns missing_body (deviation empty_body, named test below).
          body: byteBody({ minLength: 1 }),
          mutations: mutations(mutation),
          tamper: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
        }),
        async (c) => {
          const signingSecret = c.wrongSecret ?? c.secret
          const body = c.tamper ? new Uint8Array([...c.body, 0x0a]) : c.body
          // What an app hands the SDK: the raw body decoded as UTF-8 (rawBody is typed string).
          const text = lossyText(body)
          const apply = (hmac: string) =>
            c.mutations.reduce((h, m) => mutate(h, m, c.kind), deliveryHeaders(c.kind, hmac))
          const sdkSigned = apply(shopifySign(signingSecret, lossyText(c.body)))
          const ourSigned = apply(
            signWebhook(providers.shopify({ secrets: signingSecret }), { body: c.body })[
              'X-Shopify-Hmac-Sha256'
            ]!,
          )
          const utf8Body = isUtf8(c.body)
          // Signing is deterministic: "what we sign, the SDK verifies" holds on every UTF-8 case.
          if (utf8Body) expect(ourSigned).toEqual(sdkSigned)
          const sdk = await sdkValidate(c.secret, text, incoming(sdkSigned))
          const ourRequest = incoming(ourSigned)
          const ours = verifyOurs(c.secret, ourRequest.headers, body)
          const label = utf8Body ? '' : 'non_utf8_body+'
          if (ourRequest.headers['shopify-hmac-sha256'] === '') {
            // empty_events_hmac: an empty shopify-hmac-sha256 header selects the Events header set here (and fails);
            // the SDK treats an empty value as absent and falls back to X-Shopify-Hmac-Sha256.
            tally.add(`${label}empty_events_hmac${sdk.valid ? ':sdk_accepts' : ''}`)
            expect(outcome(ours)).toBe('missing_signature')
            return
          }
          let expected = sdk.valid
          if (sdk.reason === 'missing_headers') {
            // metadata_not_required: the SDK checked the HMAC, then refused for a missing topic/domain/… header.
            // Hookgate verifies the signature only and accepts.
            tally.add(`${label}metadata_not_required`)
            expected = true
          }
          if (!utf8Body) {
            // non_utf8_body: paired as in the GitHub test; crossed signatures never verify.
            tally.add(expected ? 'non_utf8_body:paired_accepts' : 'non_utf8_body:paired_rejects')
            expect(verifyOurs(c.secret, incoming(sdkSigned).headers, body).ok).toBe(false)
            expect((await sdkValidate(c.secret, text, incoming(ourSigned))).valid).toBe(false)
          } else {
            tally.add(sdk.valid ? 'sdk_accepts' : 'sdk_rejects')
          }
          expect({ ourSigned, sdk, reason: outcome(ours), ours: ours.ok }).toMatchObject({
            ours: expected,
          })
        },
      ),
      fcParams(1500),
    )
    tally.expectSeen(
      'sdk_accepts',
      'sdk_rejects',
      'non_utf8_body:paired_accepts',
      'non_utf8_body:paired_rejects',
      'metadata_not_required',
      'empty_events_hmac',
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Intentional deviations, one test each (docs/deviations.md)
// ---------------------------------------------------------------------------------------------

describe('shopify: intentional deviations from @shopify/shopify-api', () => {
  const body = '{"id":1,"total":"9.99"}'

  it('metadata_not_required: a valid HMAC without X-Shopify-Topic verifies; the SDK answers missing_headers', async () => {
    const headers = deliveryHeaders('webhooks', shopifySign(SECRET, body))
    delete headers['x-shopify-topic']
    expect(await sdkValidate(SECRET, body, incoming(headers))).toMatchObject({
      valid: false,
      reason: 'missing_headers',
    })
    expect(outcome(verifyOurs(SECRET, incoming(headers).headers, body))).toBe('ok')
  })

  it('empty_body: an empty body with a valid HMAC verifies; the SDK answers missing_body before any HMAC', async () => {
    const headers = deliveryHeaders('webhooks', shopifySign(SECRET, ''))
    expect(await sdkValidate(SECRET, '', incoming(headers))).toMatchObject({
      valid: false,
      reason: 'missing_body',
    })
    expect(outcome(verifyOurs(SECRET, incoming(headers).headers, ''))).toBe('ok')
  })

  it('empty_events_hmac: an empty shopify-hmac-sha256 header is not skipped in favour of X-Shopify-Hmac-Sha256', async () => {
    const headers = {
      ...deliveryHeaders('webhooks', shopifySign(SECRET, body)),
      'shopify-hmac-sha256': '',
    }
    expect(await sdkValidate(SECRET, body, incoming(headers))).toMatchObject({ valid: true })
    expect(outcome(verifyOurs(SECRET, incoming(headers).headers, body))).toBe('missing_signature')
  })

  it('duplicate_header: a signature header given twice is refused; the SDK takes the first value', async () => {
    const hmac = shopifySign(SECRET, body)
    const request = incoming(deliveryHeaders('webhooks', hmac))
    // node:http joins a repeated custom header into one value; an array arrives from frameworks that keep them apart.
    ;(request.headers as Record<string, string | string[]>)['x-shopify-hmac-sha256'] = [
      hmac,
      'AAAA',
    ]
    expect(await sdkValidate(SECRET, body, request)).toMatchObject({ valid: true })
    expect(outcome(verifyOurs(SECRET, request.headers, body))).toBe('malformed_signature')
  })

  it('non_utf8_body: the HMAC covers the bytes; the SDK can only be given text (rawBody: string)', async () => {
    const raw = new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]) // {"n":"\xe9"} (latin-1)
    const genuine = deliveryHeaders('webhooks', shopifySign(SECRET, raw))
    expect(outcome(verifyOurs(SECRET, incoming(genuine).headers, raw))).toBe('ok')
    expect(await sdkValidate(SECRET, lossyText(raw), incoming(genuine))).toMatchObject({
      valid: false,
      reason: 'invalid_hmac',
    })
    const overText = deliveryHeaders('webhooks', shopifySign(SECRET, lossyText(raw)))
    expect(await sdkValidate(SECRET, lossyText(raw), incoming(overText))).toMatchObject({
      valid: true,
    })
    expect(outcome(verifyOurs(SECRET, incoming(overText).headers, raw))).toBe('signature_mismatch')
  })
})
