/**
 * @module test/support/presets
 * One description per built-in preset: how to configure it, what a realistic message looks like, and
 * which parts of a request are signed. The property, malformed and fuzz tests are written once against
 * this table. The presets that need code have a hand-written entry; every other preset's entry is derived from
 * the test profile its family declares, so a new preset is covered without editing the suites.
 */
import { Buffer } from 'node:buffer'
import { createHash, createHmac, generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import {
  providers,
  TRIVIALSEC_EVENT_NAMES,
  type BuiltinProviderId,
  type ConfiguredPreset,
  type ProviderFactory,
  type Secret,
} from '@hookgate/verify'

export type MacEncoding = 'hex' | 'base64' | 'base64url' | 'utf8'

/** A message to sign. `params` is kept for Twilio form bodies, which are signed as decoded params. */
export interface Message {
  readonly body: Uint8Array
  readonly url?: string
  readonly params?: readonly (readonly [string, string])[]
  readonly contentType?: string
}

/** How the signing time travels and is checked. */
export type TimeRule =
  | {
      readonly kind: 'window'
      readonly seconds: number
      readonly where: { header: string } | 'in-signature'
      readonly unit?: 's' | 'ms' | 'iso'
      readonly key?: string
    }
  | { readonly kind: 'token'; readonly lifetimeSeconds: number; readonly leewaySeconds: number }
  | undefined

export interface PresetCase {
  readonly id: BuiltinProviderId
  /** Configures the preset with the options it needs besides secrets. */
  make(secrets: Secret | readonly Secret[], toleranceSeconds?: number): ConfiguredPreset
  /** Random secrets in the form the provider issues them. */
  readonly secret: fc.Arbitrary<string>
  /** The same secret as raw key bytes (what `Uint8Array` secrets mean for this preset). */
  secretBytes(secret: string): Uint8Array
  /** A fixed secret for table-driven tests. */
  readonly fixedSecret: string
  readonly message: fc.Arbitrary<Message>
  /** A fixed, realistic message for table-driven tests. */
  readonly fixedMessage: Message
  /** The signature header, lower-case. */
  readonly signatureHeader: string
  readonly encoding: MacEncoding
  /** Splits the signature header value into what precedes the MAC and the MAC itself. */
  split(value: string): { readonly head: string; readonly mac: string }
  /** Where a mutation of the signature header must land to be meaningful (JWT: not the `Bearer` word). */
  readonly mutableFrom: (value: string) => number
  readonly time: TimeRule
  /** Header holding an id covered by the signature (Standard Webhooks), if any. */
  readonly signedIdHeader?: string
  /** How the body is bound to the signature (`unbound`: a shared token, which does not cover the body). */
  readonly body: 'bytes' | 'twilio' | 'event-id' | 'unbound'
  /** The URL that is signed: the request's (Twilio) or the configured callback (Trello). */
  readonly url?: 'request' | 'config'
  /** For `url: 'config'`: the preset configured with that URL. */
  configUrl?(secrets: Secret | readonly Secret[], url: string): ConfiguredPreset
  /** Upper-case hex is accepted as the same bytes. */
  readonly anyHexCase?: boolean
  /** ECDSA signatures vary in length (DER), so length-based expectations do not apply. */
  readonly variableLength?: boolean
  /** The closest wrong secret, where dropping a character would not give a usable secret (base64, hex, keys). */
  nearMiss?(secret: string): string
  /** Scale of the property tests' run counts: derived entries run fewer (their family is shared and proven). */
  readonly runScale: number
  /** Every header the preset reads (fuzzed). */
  readonly relatedHeaders: readonly string[]
}

const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'))
const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** A secret as the providers hand them out: non-blank text, unicode included. */
export const textSecret: fc.Arbitrary<string> = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((s) => s.trim().length > 0)

/** `whsec_<base64>` as Standard Webhooks / Svix issue them (24–64 random bytes). */
export const whsecSecret: fc.Arbitrary<string> = fc
  .uint8Array({ minLength: 24, maxLength: 64 })
  .map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`)

/**
 * Any UTF-16 text: controls, lone surrogates, everything. (`fc.string({ unit: 'binary' })` does the same but
 * costs over a second on first use, more than the tests that use it.)
 */
export function anyText(maxLength: number, minLength = 0): fc.Arbitrary<string> {
  const unit = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xffff }))
  return fc.array(unit, { minLength, maxLength }).map((codes) => String.fromCharCode(...codes))
}

/** Bodies: unicode text (emoji, combining marks), JSON, and raw bytes that need not be UTF-8. */
export const anyBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }).map(utf8),
  fc.jsonValue({ maxDepth: 3 }).map((value) => utf8(JSON.stringify(value))),
  fc.uint8Array({ maxLength: 300 }),
)

/** A URL-safe segment (no normalisation can map one to another). */
export const segment: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9_~-]{1,10}$/)

/** Callback/webhook URLs: with and without query strings, trailing slashes, ports. */
export const webhookUrl: fc.Arbitrary<string> = fc
  .record({
    scheme: fc.constantFrom('https', 'http'),
    host: fc.constantFrom(
      'hooks.example.com',
      'example.com:8443',
      'api.example.net',
      'h.example.org:8080',
    ),
    path: fc.array(segment, { maxLength: 4 }),
    slash: fc.boolean(),
    query: fc.array(fc.tuple(segment, segment), { maxLength: 3 }),
  })
  .map(({ scheme, host, path, slash, query }) => {
    const pathname = `/${path.join('/')}${slash && path.length > 0 ? '/' : ''}`
    const search = query.length === 0 ? '' : `?${query.map(([k, v]) => `${k}=${v}`).join('&')}`
    return `${scheme}://${host}${pathname}${search}`
  })

/** Twilio form params: unicode values, repeated names, names with `+`/`&`/`=` that need encoding. */
const twilioParams = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom('Body', 'From', 'To', 'CallSid', 'Digits', 'MessageSid'),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,8}$/),
    ),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
  ),
  { maxLength: 8 },
)

export function twilioFormMessage(
  url: string,
  params: readonly (readonly [string, string])[],
): Message {
  return { url, params, body: utf8(new URLSearchParams(params.map(([k, v]) => [k, v])).toString()) }
}

export function twilioJsonMessage(url: string, body: Uint8Array): Message {
  const joiner = url.includes('?') ? '&' : '?'
  return {
    url: `${url}${joiner}bodySHA256=${sha256Hex(body)}`,
    body,
    contentType: 'application/json',
  }
}

const twilioMessage: fc.Arbitrary<Message> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(webhookUrl, twilioParams)
      .map(([url, params]) => twilioFormMessage(url, params)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(webhookUrl, fc.jsonValue({ maxDepth: 2 }))
      .map(([url, json]) => twilioJsonMessage(url, utf8(JSON.stringify(json)))),
  },
)

/** A Trivial Security payload: what its verifier requires of the body. */
export const trivialsecBody: fc.Arbitrary<Uint8Array> = fc
  .record({
    event_id: fc.uuid(),
    event_name: fc.constantFrom(...TRIVIALSEC_EVENT_NAMES),
    timestamp: fc
      .date({
        min: new Date('2001-01-01T00:00:00Z'),
        max: new Date('2099-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
    payload: fc.dictionary(
      fc.string({ maxLength: 8 }),
      fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.integer()),
    ),
  })
  .map((value) => utf8(JSON.stringify(value)))

const FIXED_JSON = utf8(
  JSON.stringify({
    id: 'evt_1',
    type: 'invoice.paid',
    event_id: 'Ev1',
    note: 'héllo 👋',
    action: { id: 'a1', type: 'createCard' },
  }),
)
const FIXED_TRIVIALSEC = utf8(
  JSON.stringify({
    event_id: '6f1c2a8e-3b7d-4c2e-9a51-0d4e8f7b6c3a',
    event_name: 'report_created',
    timestamp: '2026-11-23T12:00:00Z',
    payload: { report: 'r1' },
  }),
)

const whole = (value: string) => ({ head: '', mac: value })
const afterPrefix = (prefix: string) => (value: string) =>
  value.startsWith(prefix) ? { head: prefix, mac: value.slice(prefix.length) } : whole(value)
const afterLast = (marker: string) => (value: string) => {
  const at = value.lastIndexOf(marker)
  return at === -1
    ? whole(value)
    : { head: value.slice(0, at + marker.length), mac: value.slice(at + marker.length) }
}
const fromStart = () => 0
const afterScheme = (value: string) => value.indexOf(' ') + 1

const utf8Bytes = (secret: string) => utf8(secret)
const whsecBytes = (secret: string) =>
  new Uint8Array(Buffer.from(secret.replace(/^whsec_/, ''), 'base64'))

export const TRELLO_CALLBACK = 'https://hooks.example.com/trello/?board=5f1&mainModel=true'
export const JWT_OPTIONS = {
  issuer: 'https://sender.example',
  audience: 'https://receiver.example',
  bodyHashClaim: 'payload_hash',
} as const
export const TRIVIALSEC_ACCOUNT = 'acct-1234'

/** A preset factory by id, taking any options (the catalog's option types are not needed in this table). */
const presetById = (id: string) =>
  (providers as unknown as Record<string, (options: object) => ConfiguredPreset>)[id]!

const tol = (toleranceSeconds: number | undefined) =>
  toleranceSeconds === undefined ? {} : { toleranceSeconds }

/** The table. Keys are exactly the provider ids. */
/** A JWT preset of the catalog: the token in `header`, signed for 300 s, checked with `leewaySeconds`. */
function jwtCatalogCase(
  id: string,
  header: string,
  options: object,
  fixedSecret: string,
  leewaySeconds: number,
): Omit<PresetCase, 'runScale'> {
  return {
    id: id as BuiltinProviderId,
    make: (secrets) => presetById(id)({ secrets, ...options }),
    secret: textSecret,
    secretBytes: utf8Bytes,
    fixedSecret,
    message: anyBody.map((body) => ({ body })),
    fixedMessage: { body: FIXED_JSON },
    signatureHeader: header,
    encoding: 'base64url',
    split: afterLast('.'),
    mutableFrom: afterScheme,
    time: { kind: 'token', lifetimeSeconds: 300, leewaySeconds },
    body: 'bytes',
    relatedHeaders: [header],
  }
}

const HAND_WRITTEN: Readonly<Record<string, Omit<PresetCase, 'runScale'>>> = {
  trello: {
    id: 'trello',
    make: (secrets) => providers.trello({ secrets, callbackUrl: TRELLO_CALLBACK }),
    secret: textSecret,
    secretBytes: utf8Bytes,
    fixedSecret: 'trello-app-secret-7f3a9c',
    message: anyBody.map((body) => ({ body })),
    fixedMessage: { body: FIXED_JSON },
    signatureHeader: 'x-trello-webhook',
    encoding: 'base64',
    split: whole,
    mutableFrom: fromStart,
    time: undefined,
    body: 'bytes',
    url: 'config',
    relatedHeaders: ['x-trello-webhook'],
    configUrl: (secrets, callbackUrl) => providers.trello({ secrets, callbackUrl }),
  },
  'hmac-sha256': {
    id: 'hmac-sha256',
    make: (secrets) => providers['hmac-sha256']({ secrets }),
    secret: textSecret,
    secretBytes: utf8Bytes,
    fixedSecret: 'generic-hmac-secret-51be',
    message: anyBody.map((body) => ({ body })),
    fixedMessage: { body: FIXED_JSON },
    signatureHeader: 'x-hub-signature-256',
    encoding: 'hex',
    split: afterPrefix('sha256='),
    mutableFrom: fromStart,
    time: undefined,
    body: 'bytes',
    relatedHeaders: ['x-hub-signature-256'],
  },
  twilio: {
    id: 'twilio',
    make: (secrets) => providers.twilio({ secrets }),
    secret: textSecret,
    secretBytes: utf8Bytes,
    fixedSecret: 'twilio-auth-token-0c4d1e',
    message: twilioMessage,
    fixedMessage: twilioFormMessage('https://hooks.example.com/twilio/sms?x=1', [
      ['Body', 'héllo 👋'],
      ['From', '+14158675309'],
      ['To', '+18005551212'],
    ]),
    signatureHeader: 'x-twilio-signature',
    encoding: 'base64',
    split: whole,
    mutableFrom: fromStart,
    time: undefined,
    body: 'twilio',
    url: 'request',
    relatedHeaders: ['x-twilio-signature', 'content-type', 'i-twilio-idempotency-token'],
  },
  jwt: {
    id: 'jwt',
    make: (secrets) => providers.jwt({ secrets, ...JWT_OPTIONS }),
    secret: textSecret,
    secretBytes: utf8Bytes,
    fixedSecret: 'jwt-shared-secret-9d2f6b',
    message: anyBody.map((body) => ({ body })),
    fixedMessage: { body: FIXED_JSON },
    signatureHeader: 'authorization',
    encoding: 'base64url',
    split: afterLast('.'),
    mutableFrom: afterScheme,
    time: { kind: 'token', lifetimeSeconds: 300, leewaySeconds: 0 },
    body: 'bytes',
    relatedHeaders: ['authorization'],
  },
  // JWT presets of the catalog: their claims and clocks differ, so they are described by hand.
  livekit: jwtCatalogCase(
    'livekit',
    'authorization',
    { apiKey: 'APIk3yL1vek1t' },
    'livekit-api-secret-0c1d2e3f',
    10,
  ),
  'upstash-qstash': jwtCatalogCase(
    'upstash-qstash',
    'upstash-signature',
    { url: 'https://hooks.example.com/qstash' },
    'sig_upstash_current_key_7Yx',
    0,
  ),
  vonage: jwtCatalogCase('vonage', 'authorization', {}, 'vonage-signature-secret-51aa', 0),
  trivialsec: {
    id: 'trivialsec',
    make: (secrets, toleranceSeconds) =>
      providers.trivialsec({ secrets, account: TRIVIALSEC_ACCOUNT, ...tol(toleranceSeconds) }),
    secret: textSecret,
    secretBytes: utf8Bytes,
    fixedSecret: 'trivialsec-signing-secret-3a8e',
    message: trivialsecBody.map((body) => ({ body })),
    fixedMessage: { body: FIXED_TRIVIALSEC },
    signatureHeader: 'authorization',
    encoding: 'base64url',
    split: afterLast('.'),
    mutableFrom: afterScheme,
    time: { kind: 'token', lifetimeSeconds: 300, leewaySeconds: 3 },
    body: 'event-id',
    relatedHeaders: ['authorization'],
  },
  calendly: {
    id: 'calendly',
    make: (secrets, toleranceSeconds) => providers.calendly({ secrets, ...tol(toleranceSeconds) }),
    secret: textSecret,
    secretBytes: utf8Bytes,
    fixedSecret: 'calendly-signing-key-c0ffee',
    message: anyBody.map((body) => ({ body })),
    fixedMessage: { body: FIXED_JSON },
    signatureHeader: 'calendly-webhook-signature',
    encoding: 'hex',
    split: afterLast('v1='),
    mutableFrom: fromStart,
    time: { kind: 'window', seconds: 180, where: 'in-signature' },
    body: 'bytes',
    relatedHeaders: ['calendly-webhook-signature'],
  },
  stripe: {
    id: 'stripe',
    make: (secrets, toleranceSeconds) => providers.stripe({ secrets, ...tol(toleranceSeconds) }),
    secret: textSecret.map((s) => `whsec_${s}`),
    secretBytes: utf8Bytes,
    fixedSecret: 'whsec_stripe_fixed_8b1d5e',
    message: anyBody.map((body) => ({ body })),
    fixedMessage: { body: FIXED_JSON },
    signatureHeader: 'stripe-signature',
    encoding: 'hex',
    split: afterLast('v1='),
    mutableFrom: fromStart,
    time: { kind: 'window', seconds: 300, where: 'in-signature' },
    body: 'bytes',
    relatedHeaders: ['stripe-signature'],
  },
  'standard-webhooks': {
    id: 'standard-webhooks',
    make: (secrets, toleranceSeconds) =>
      providers['standard-webhooks']({ secrets, ...tol(toleranceSeconds) }),
    secret: whsecSecret,
    secretBytes: whsecBytes,
    fixedSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    message: anyBody.map((body) => ({ body })),
    fixedMessage: { body: FIXED_JSON },
    signatureHeader: 'webhook-signature',
    encoding: 'base64',
    split: afterPrefix('v1,'),
    mutableFrom: fromStart,
    time: { kind: 'window', seconds: 300, where: { header: 'webhook-timestamp' } },
    signedIdHeader: 'webhook-id',
    body: 'bytes',
    relatedHeaders: ['webhook-signature', 'webhook-id', 'webhook-timestamp'],
  },
  svix: {
    id: 'svix',
    make: (secrets, toleranceSeconds) => providers.svix({ secrets, ...tol(toleranceSeconds) }),
    secret: whsecSecret,
    secretBytes: whsecBytes,
    fixedSecret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
    message: anyBody.map((body) => ({ body })),
    fixedMessage: { body: FIXED_JSON },
    signatureHeader: 'svix-signature',
    encoding: 'base64',
    split: afterPrefix('v1,'),
    mutableFrom: fromStart,
    time: { kind: 'window', seconds: 300, where: { header: 'svix-timestamp' } },
    signedIdHeader: 'svix-id',
    body: 'bytes',
    relatedHeaders: [
      'svix-signature',
      'svix-id',
      'svix-timestamp',
      'webhook-signature',
      'webhook-id',
      'webhook-timestamp',
    ],
  },
  slack: {
    id: 'slack',
    make: (secrets, toleranceSeconds) => providers.slack({ secrets, ...tol(toleranceSeconds) }),
    secret: textSecret,
    secretBytes: utf8Bytes,
    fixedSecret: '8f742231b10e8888abcd99yyyzzz85a5',
    message: anyBody.map((body) => ({ body })),
    fixedMessage: { body: FIXED_JSON },
    signatureHeader: 'x-slack-signature',
    encoding: 'hex',
    split: afterPrefix('v0='),
    mutableFrom: fromStart,
    time: { kind: 'window', seconds: 300, where: { header: 'x-slack-request-timestamp' } },
    body: 'bytes',
    relatedHeaders: ['x-slack-signature', 'x-slack-request-timestamp'],
  },
  shopify: {
    id: 'shopify',
    make: (secrets) => providers.shopify({ secrets }),
    secret: textSecret,
    secretBytes: utf8Bytes,
    fixedSecret: 'shpss_fixed_client_secret_4e2a',
    message: anyBody.map((body) => ({ body })),
    fixedMessage: { body: FIXED_JSON },
    signatureHeader: 'x-shopify-hmac-sha256',
    encoding: 'base64',
    split: whole,
    mutableFrom: fromStart,
    time: undefined,
    body: 'bytes',
    relatedHeaders: [
      'x-shopify-hmac-sha256',
      'shopify-hmac-sha256',
      'x-shopify-event-id',
      'x-shopify-topic',
    ],
  },
  github: {
    id: 'github',
    make: (secrets) => providers.github({ secrets }),
    secret: textSecret,
    secretBytes: utf8Bytes,
    fixedSecret: "It's a Secret to Everybody",
    message: anyBody.map((body) => ({ body })),
    fixedMessage: { body: FIXED_JSON },
    signatureHeader: 'x-hub-signature-256',
    encoding: 'hex',
    split: afterPrefix('sha256='),
    mutableFrom: fromStart,
    time: undefined,
    body: 'bytes',
    relatedHeaders: ['x-hub-signature-256', 'x-github-delivery', 'x-github-event'],
  },
}

/** Key pairs made once (RSA generation is slow); the private key signs, and verifies as its public half. */
const PRIVATE_KEYS = {
  ed25519: [0, 1].map(() =>
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  ),
  'ecdsa-p256': [0, 1].map(() =>
    generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  ),
  rsa: [0, 1].map(() =>
    generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  ),
}

const randomBytesSecret = (encoding: 'base64' | 'hex') =>
  fc
    .uint8Array({ minLength: 16, maxLength: 48 })
    .map((bytes) => Buffer.from(bytes).toString(encoding))

/** The entry of a preset whose family declares a test profile. */
function derivedCase(id: string): PresetCase {
  const factory = (providers as Record<string, ProviderFactory<object>>)[id]!
  const profile = factory.definition.profile
  if (profile === undefined)
    throw new Error(`${id}: neither a hand-written test entry nor a test profile`)
  const options = profile.options ?? {}
  const urlOption = factory.definition.sourceUrlOption
  const make = (secrets: Secret | readonly Secret[], toleranceSeconds?: number) =>
    factory({
      ...options,
      ...(urlOption === undefined ? {} : { [urlOption]: TRELLO_CALLBACK }),
      secrets,
      ...tol(toleranceSeconds),
    })
  const kind = profile.secretKind
  const asymmetric = kind === 'ed25519' || kind === 'ecdsa-p256' || kind === 'rsa'
  const secret: fc.Arbitrary<string> = asymmetric
    ? fc.constantFrom(...PRIVATE_KEYS[kind])
    : kind === 'whsec'
      ? whsecSecret
      : kind === 'base64' || kind === 'hex'
        ? randomBytesSecret(kind)
        : kind === 'token'
          ? fc.stringMatching(/^[!-~]{8,40}$/)
          : textSecret.filter((s) => s.length >= 2)
  const secretBytes = (text: string): Uint8Array =>
    kind === 'whsec'
      ? whsecBytes(text)
      : kind === 'base64'
        ? new Uint8Array(Buffer.from(text, 'base64'))
        : kind === 'hex'
          ? new Uint8Array(Buffer.from(text, 'hex'))
          : utf8(text)
  const fixedSecret = asymmetric
    ? PRIVATE_KEYS[kind][0]!
    : kind === 'whsec'
      ? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
      : kind === 'base64'
        ? 'c2VjcmV0LWtleS1ieXRlcy0wMTIzNDU2Nzg5'
        : kind === 'hex'
          ? '0123456789abcdef0123456789abcdef'
          : `${id}-signing-secret-4f2a`
  const byRequestUrl = profile.url === 'request'
  const prefix = profile.prefix ?? ''
  return {
    id: id as BuiltinProviderId,
    make,
    secret,
    secretBytes,
    fixedSecret,
    message: byRequestUrl
      ? fc.tuple(webhookUrl, anyBody).map(([url, body]) => ({ url, body }))
      : anyBody.map((body) => ({ body })),
    fixedMessage: byRequestUrl
      ? { body: FIXED_JSON, url: 'https://hooks.example.com/in/x?y=1' }
      : { body: FIXED_JSON },
    signatureHeader: profile.signatureHeader,
    encoding: profile.encoding,
    split:
      profile.signatureStart === 'list'
        ? afterLast(prefix)
        : profile.signatureStart === 'prefix'
          ? afterPrefix(prefix)
          : whole,
    // A token's auth scheme (`Bearer `) is case-insensitive, like HTTP's: mutations start after it.
    mutableFrom: profile.encoding === 'utf8' ? () => prefix.length : fromStart,
    time:
      profile.time === undefined
        ? undefined
        : {
            kind: 'window',
            seconds: profile.time.seconds,
            where: profile.time.where,
            unit: profile.time.unit,
            ...(profile.signatureStart === 'list' ? { key: profile.timestampKey } : {}),
          },
    ...(profile.signedIdHeader === undefined ? {} : { signedIdHeader: profile.signedIdHeader }),
    body: profile.bodySigned ? 'bytes' : 'unbound',
    ...(profile.url === undefined ? {} : { url: profile.url }),
    ...(urlOption === undefined
      ? {}
      : {
          configUrl: (secrets: Secret | readonly Secret[], url: string) =>
            factory({ ...options, [urlOption]: url, secrets }),
        }),
    ...(profile.anyHexCase === true ? { anyHexCase: true } : {}),
    ...(kind === 'ecdsa-p256' ? { variableLength: true } : {}),
    relatedHeaders: profile.relatedHeaders,
    ...(asymmetric
      ? { nearMiss: (key: string) => PRIVATE_KEYS[kind].find((other) => other !== key)! }
      : kind === 'base64' || kind === 'hex'
        ? {
            nearMiss: (text: string) => {
              const bytes = Buffer.from(text, kind)
              bytes[0] = (bytes[0] ?? 0) ^ 1
              return bytes.toString(kind)
            },
          }
        : {}),
    runScale: 0.25,
  }
}

/**
 * Presets whose signature travels inside the body, with keys fetched at run time: `signWebhook` cannot sign them
 * (it returns headers) and the header-signature laws of the shared property, malformed and fuzz suites do not apply.
 * Each names the test file that covers it instead; they have no entry in {@link PRESET_CASES}.
 */
export const BODY_SIGNED_PRESETS: Readonly<Record<string, string>> = {
  'aws-sns': 'aws-sns.test.ts',
}

/** Every preset the shared header-signature suites run over: the keys of `providers` but the body-signed ones. */
export const HEADER_SIGNED_IDS = (Object.keys(providers) as BuiltinProviderId[]).filter(
  (id) => !Object.hasOwn(BODY_SIGNED_PRESETS, id),
)

/** The table: every key of `providers` but {@link BODY_SIGNED_PRESETS}, hand-written where the preset needs code, derived otherwise. */
export const PRESET_CASES = Object.fromEntries(
  HEADER_SIGNED_IDS.map((id) => {
    const hand = HAND_WRITTEN[id]
    return [id, hand === undefined ? derivedCase(id) : { ...hand, runScale: 1 }]
  }),
) as Readonly<Record<BuiltinProviderId, PresetCase>>

/** A property test's run count for a case. */
export const runs = (c: PresetCase, numRuns: number): number =>
  Math.max(5, Math.round(numRuns * c.runScale))

/** Lower-cases a signed header record (what node:http hands over). */
export function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
}

/** The request headers a message travels with: the signature headers plus its content type. */
export function requestHeaders(
  signed: Readonly<Record<string, string>>,
  message: Message,
): Record<string, string> {
  const headers = lowerCased(signed)
  if (message.contentType !== undefined) headers['content-type'] = message.contentType
  return headers
}

/** A compact JWS built here, independently of the library (for malformed-token cases). */
export function hsJwt(
  header: object | string,
  claims: object | string,
  secret: string,
  alg: 'sha256' | 'sha512' = 'sha256',
): string {
  const part = (value: object | string) =>
    Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString(
      'base64url',
    )
  const signed = `${part(header)}.${part(claims)}`
  return `${signed}.${createHmac(alg, secret).update(signed).digest('base64url')}`
}

/** Deterministic small PRNG for re-casing from a fast-check seed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function recase(name: string, random: () => number): string {
  return [...name].map((c) => (random() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('')
}
