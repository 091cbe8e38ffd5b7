/**
 * Bench section `verify` (issues 2 and 11): verifications per second of the built `@hookgate/verify` for a
 * representative set of presets of EVERY family — the signed-template family (`signedPreset`: HMAC md5/sha1/sha256/
 * sha512, Ed25519, ECDSA P-256, RSA; body only, t=/v1= lists, timestamps in seconds, milliseconds and ISO, signed
 * URLs), Standard Webhooks senders, tokens and basic auth, JWT presets and the hand-written ones — each against the
 * raw `node:crypto` floor for its algorithm and against the provider's official SDK on the SAME signed request.
 * The report groups rows by family and gives each family's preset count, derived from the presets' definitions.
 *
 * Fairness rules:
 * - Every input is built once, outside the timed loop: our request as `node:http` gives it (a plain record of
 *   lower-case headers, the body as a Buffer) and a fixed `now`; the SDK's natural inputs (body string or
 *   Buffer, header string, parsed params object for Twilio's form bodies) and its fixed clock where it has one.
 * - Both sides check the same signature over the same bytes; every single call's result is checked inside the
 *   loop (a failure aborts the run), and once before timing.
 * - Async SDKs (octokit, Shopify, jose, and every WebCrypto-based SDK) are awaited call by call, as a handler would.
 * - Twilio form bodies are measured against the SDK twice: given the params parsed once outside the loop (its
 *   natural input; shown, not scored), and parsing them per request with `querystring.parse`, as
 *   `express.urlencoded()` does (scored: a receiver pays that parsing). WorkOS
 *   likewise: its SDK takes the parsed body (`express.json()`) and re-serialises it; once as given, once with the
 *   `JSON.parse` a handler pays per request.
 * - Public keys are given to both sides in the form the provider publishes (Discord hex, Telnyx base64, SendGrid
 *   base64 DER, Wise PEM); the request is signed with the matching private key by a second, signing-only preset.
 * - Floors, the preset's signed content prepared as one Buffer, nothing else:
 *   HMAC: one `createHmac(alg, key).update(content).digest()` and its `timingSafeEqual` against the expected MAC's
 *   bytes, decoded once (Twilio JSON adds the body's SHA-256 it must check, compared the same way);
 *   Ed25519 / ECDSA P-256 / RSA: one `crypto.verify` over the same bytes, key object and signature bytes ready;
 *   tokens and basic auth: one `timingSafeEqual` of the SHA-256 of the token as sent and the secret's SHA-256
 *   (that one computed once, outside the loop);
 *   JWT: the HMAC of the signing input, shown but not scored, their work being mostly JSON.
 * - After the family tables, one summary line per HMAC preset at 1 KiB: % of its floor and ratio to each SDK, every
 *   scored figure below its target flagged.
 * - Per row: warm up, then 5 rounds in which ours, the SDK(s) and the floor are measured one after the other
 *   (the order rotating each round) for ~0.5 s each, so machine noise hits all alike. ops/s are the median of
 *   the rounds; ratios are the median of the per-round ratios (neighbours in time share the machine's load).
 *
 * SDKs: those in the repo's devDependencies are always measured. The others (discord-interactions,
 * @sendgrid/eventwebhook, openai, @workos-inc/node, @mux/mux-node, livekit-server-sdk, @vonage/jwt, @sanity/webhook,
 * square, telnyx) are loaded only if installed — in the repo, or in the folder BENCH_SDK_DIR names (e.g.
 * `mkdir /tmp/bench-sdks && cd /tmp/bench-sdks && npm init -y && npm install <those>`, then
 * `BENCH_SDK_DIR=/tmp/bench-sdks npm run bench`). Rows whose SDK is absent still run (ours and the floor) and say
 * which SDK is missing; rows of providers without an official verifier say so.
 *
 * Knobs (environment): BENCH_ROUNDS (5), BENCH_TIME_MS (500), BENCH_WARMUP_MS (250), BENCH_SDK_DIR,
 * BENCH_FILTER (comma-separated row ids, e.g. `stripe,twilio-form,discord`).
 */
import { Buffer } from 'node:buffer'
import {
  createHash,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  timingSafeEqual,
  verify as cryptoVerify,
} from 'node:crypto'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { parse as parseQuery } from 'node:querystring'
import process from 'node:process'
import { providers, safeVerifyWebhook, signWebhook } from '@hookgate/verify'

export const title =
  "@hookgate/verify, every preset family, vs the providers' SDKs vs the raw node:crypto floor (ops/s, median)"

function envInt(name, fallback) {
  const value = Number(process.env[name])
  return Number.isInteger(value) && value > 0 ? value : fallback
}

const ROUNDS = envInt('BENCH_ROUNDS', 5)
const MEASURE_MS = envInt('BENCH_TIME_MS', 500)
const WARMUP_MS = envInt('BENCH_WARMUP_MS', 250)
const FILTER = process.env.BENCH_FILTER?.split(',')
  .map((id) => id.trim())
  .filter(Boolean)
const SDK_DIR = process.env.BENCH_SDK_DIR
const SIZES = [1024, 64 * 1024]

// Targets of issues 2 and 11: every preset ≥ 1.0× its SDK (≥ 4× an SDK doing SHA-256 in pure JS); every HMAC preset
// ≥ 80% of its floor at 1 KiB. Other floors (public-key, token, JWT) are shown, not scored.
const SDK_RATIO_TARGET = 1
const PURE_JS_SDK_RATIO_TARGET = 4
const FLOOR_SHARE_TARGET = 0.8
const FLOOR_TARGET_SIZE = 1024
const SCORED_FLOORS = new Set(['hmac'])

// ---------------------------------------------------------------------------------------------------------
// Measurement

/**
 * Ops/s of `runner.fn` over ~`ms` milliseconds. Calls run in batches that double until one batch takes about
 * 1/20 of the time, so reading the clock costs nothing measurable. Every result is checked: a falsy result
 * (a failed verification) aborts the bench rather than being counted.
 */
async function measure(runner, ms) {
  const fn = runner.fn
  let ops = 0
  let batch = 1
  let elapsed = 0
  const start = performance.now()
  if (runner.async) {
    do {
      for (let i = 0; i < batch; i++) if (!(await fn())) throw failed(runner)
      ops += batch
      elapsed = performance.now() - start
      if (elapsed * 20 < ms) batch *= 2
    } while (elapsed < ms)
  } else {
    do {
      for (let i = 0; i < batch; i++) if (!fn()) throw failed(runner)
      ops += batch
      elapsed = performance.now() - start
      if (elapsed * 20 < ms) batch *= 2
    } while (elapsed < ms)
  }
  return (ops * 1000) / elapsed
}

function failed(runner) {
  return new Error(`bench: ${runner.label} stopped verifying the benchmark request`)
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Warm every runner up, then interleave the rounds; returns each runner's ops/s, one sample per round. */
async function measureAll(runners) {
  for (const runner of runners) {
    if (!(await runner.fn())) throw failed(runner)
    await measure(runner, WARMUP_MS)
  }
  const samples = runners.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < runners.length; k++) {
      const index = (k + round) % runners.length
      samples[index].push(await measure(runners[index], MEASURE_MS))
    }
  }
  return samples
}

/**
 * Median over rounds of the per-round ratio: the two runners of a round ran back to back, under the same load,
 * so this is steadier on a shared machine than the ratio of the two medians.
 */
function medianRatio(numerator, denominator) {
  return median(numerator.map((value, round) => value / denominator[round]))
}

// ---------------------------------------------------------------------------------------------------------
// Realistic inputs

const DESCRIPTIONS = [
  'Pro plan (monthly)',
  'Café au lait – Zürich Hauptbahnhof',
  'Abonnement Premium (月額プラン)',
  'Extra seat × 3',
  'Señal de prueba ✓ entrega rápida',
  'Usage: API calls over quota',
]
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-northeast-1', 'sa-east-1']

function item(i) {
  return {
    id: `li_1Nq${(0x1f3a5c7 * (i + 11)).toString(36).padStart(10, '0')}`,
    object: 'line_item',
    amount: 1000 + ((i * 7919) % 90000),
    currency: i % 3 === 0 ? 'eur' : 'usd',
    description: DESCRIPTIONS[i % DESCRIPTIONS.length],
    quantity: 1 + (i % 4),
    period: { start: 1_700_000_000 + i * 3600, end: 1_702_592_000 + i * 3600 },
    discountable: i % 2 === 0,
    metadata: { order_ref: `ORD-${100000 + i}`, region: REGIONS[i % REGIONS.length] },
  }
}

/** The largest compact JSON document `envelope(items)` with as many items as fit in `size` bytes. */
function jsonBody(size, envelope) {
  let items = []
  let text = JSON.stringify(envelope(items))
  for (let i = 0; ; i++) {
    const nextItems = [...items, item(i)]
    const next = JSON.stringify(envelope(nextItems))
    if (Buffer.byteLength(next) > size) break
    items = nextItems
    text = next
  }
  return text
}

const SHAPES = {
  stripe: (items) => ({
    id: 'evt_1NqVbH2eZvKYlo2C8cYdXwPq',
    object: 'event',
    api_version: '2024-06-20',
    created: 1_700_000_000,
    data: {
      object: {
        id: 'in_1NqVbG2eZvKYlo2CrX0xT1sB',
        object: 'invoice',
        customer: 'cus_OdnHgkDqfC1x9Z',
        lines: { object: 'list', data: items },
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'invoice.paid',
  }),
  github: (items) => ({
    ref: 'refs/heads/main',
    before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    after: '0000000000000000000000000000000000000000',
    repository: {
      id: 186853002,
      name: 'hookgate',
      full_name: 'octo-org/hookgate',
      private: false,
      default_branch: 'main',
    },
    pusher: { name: 'octocat', email: 'octocat@github.com' },
    sender: { login: 'octocat', id: 583231, type: 'User' },
    commits: items,
  }),
  standardWebhooks: (items) => ({
    type: 'invoice.paid',
    timestamp: '2024-11-23T12:00:00Z',
    data: { id: 'inv_2b7f', lines: items },
  }),
  slack: (items) => ({
    token: 'XXYYZZ',
    team_id: 'T123ABC456',
    api_app_id: 'A123ABC456',
    event: {
      type: 'message',
      channel: 'C123ABC456',
      user: 'U123ABC456',
      text: 'Deploy finished ✓',
      ts: '1700000000.000100',
      blocks: items,
    },
    type: 'event_callback',
    event_id: 'Ev123ABC456',
    event_time: 1_700_000_000,
  }),
  shopify: (items) => ({
    id: 820982911946154500,
    email: 'jon@example.com',
    created_at: '2024-11-23T12:00:00-05:00',
    currency: 'USD',
    total_price: '403.00',
    financial_status: 'paid',
    line_items: items,
  }),
  twilio: (items) => ({
    account_sid: 'AC00000000000000000000000000000000',
    event: 'message.status',
    data: items,
  }),
  jwt: (items) => ({ type: 'order.updated', data: { id: 'ord_42', lines: items } }),
  event: (items) => ({
    id: 'evt_01HGW2BZ5Q0N3XJ7K4M9T6R8YD',
    type: 'order.updated',
    created_at: '2024-11-23T12:00:00Z',
    data: { object: { id: 'ord_42', status: 'paid', lines: items } },
  }),
  discord: (items) => ({
    id: '1181102735430123520',
    application_id: '1105538112345678901',
    type: 2,
    token: 'aW50ZXJhY3Rpb246MTE4MTEwMjczNTQzMDEyMzUyMA',
    version: 1,
    data: { id: '1105540387896721418', name: 'order', type: 1, options: items },
  }),
  sendgrid: (items) =>
    items.map((line, i) => ({
      email: `customer${i}@example.com`,
      timestamp: 1_700_000_000 + i,
      event: i % 2 === 0 ? 'processed' : 'delivered',
      'smtp-id': `<14c5d75ce93.dfd.64b469@ismtpd-555-${i}>`,
      sg_event_id: `sg_event_${line.id}`,
      sg_message_id: `14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.${i}`,
      category: [line.description],
      response: '250 OK',
    })),
  livekit: (items) => ({
    event: 'room_finished',
    room: { sid: 'RM_hycBMAjmt6Ub', name: 'bench-room', creationTime: '1700000000' },
    id: 'EV_3FzMdLUPgTsP',
    createdAt: '1700000000',
    lines: items,
  }),
  gitlab: (items) => ({
    object_kind: 'push',
    event_name: 'push',
    ref: 'refs/heads/main',
    project: { id: 15, name: 'hookgate', path_with_namespace: 'octo-org/hookgate' },
    commits: items,
  }),
  postmark: (items) => ({
    RecordType: 'Delivery',
    ServerID: 23,
    MessageStream: 'outbound',
    MessageID: '00000000-0000-0000-0000-000000000000',
    Recipient: 'john@example.com',
    DeliveredAt: '2024-11-23T12:00:00Z',
    Metadata: { lines: items },
  }),
  trivialsec: (items) => ({
    event_id: '0b8a1f0e-8c3e-4a8e-9a51-5f0c2b1d7e42',
    event_name: 'hosted_scanner',
    timestamp: '2024-11-23T12:00:00Z',
    payload: { findings: items },
  }),
}

/** Twilio's incoming-SMS form fields, the message text grown until the encoded body reaches `size` bytes. */
function twilioFormParams(size) {
  const params = {
    ToCountry: 'US',
    ToState: 'CA',
    SmsMessageSid: 'SM5ef8732a3c49700934481addd5ce1659',
    NumMedia: '0',
    ToCity: 'SAN FRANCISCO',
    FromZip: '94105',
    SmsSid: 'SM5ef8732a3c49700934481addd5ce1659',
    FromState: 'CA',
    SmsStatus: 'received',
    FromCity: 'SAN FRANCISCO',
    Body: '',
    FromCountry: 'US',
    To: '+14155552671',
    MessagingServiceSid: 'MG9752274e9e519418a7406176694466fa',
    ToZip: '94105',
    NumSegments: '1',
    MessageSid: 'SM5ef8732a3c49700934481addd5ce1659',
    AccountSid: 'AC00000000000000000000000000000000',
    From: '+14155550100',
    ApiVersion: '2010-04-01',
  }
  const words = [
    'Hello',
    'from',
    'the',
    'field:',
    'Grüße',
    'aus',
    'Köln',
    '✓',
    'order',
    '#4521',
    'shipped',
    'today.',
  ]
  let text = ''
  for (let i = 0; ; i++) {
    const next = text === '' ? words[0] : `${text} ${words[i % words.length]}`
    if (new URLSearchParams({ ...params, Body: next }).toString().length > size) break
    text = next
  }
  params.Body = text
  return params
}

/** Headers exactly as `node:http` hands them over: a plain record, names lower-case, values strings. */
function nodeHeaders(userAgent, contentType, body, signed) {
  const headers = {
    host: 'hooks.example.com',
    'user-agent': userAgent,
    'content-length': String(body.length),
    accept: '*/*',
    'accept-encoding': 'gzip',
    'content-type': contentType,
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-proto': 'https',
  }
  for (const [name, value] of Object.entries(signed)) headers[name.toLowerCase()] = value
  return headers
}

/**
 * The floor, what no HMAC verification can skip: one HMAC over the signed content, prepared as a single Buffer, and
 * the constant-time comparison of its digest with the expected MAC (decoded once, outside the loop). No parsing.
 */
function hmacFloor(digest, key, chunks) {
  const keyBytes = Buffer.from(key)
  const content = Buffer.concat(
    chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)),
  )
  const expected = createHmac(digest, keyBytes).update(content).digest()
  return () => timingSafeEqual(createHmac(digest, keyBytes).update(content).digest(), expected)
}

function nowSeconds() {
  return Math.floor(Date.now() / 1000)
}

/** Asymmetric floor: one `crypto.verify` over the signed content as one Buffer; key object and signature bytes ready. */
function asymmetricFloor(digest, publicKey, chunks, signature) {
  const content = Buffer.concat(
    chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)),
  )
  return () => cryptoVerify(digest, content, publicKey, signature)
}

/** JWT floor for tokens that bind the body: the HMAC of the signing input plus the body's SHA-256 the claim names. */
function jwtBodyFloor(secret, token, body) {
  const hmac = hmacFloor('sha256', secret, [token.slice(0, token.lastIndexOf('.'))])
  return () => hmac() && createHash('sha256').update(body).digest().length > 0
}

/** Token floor: the SHA-256 of the token as sent against the secret's SHA-256 (computed once), in constant time. */
function tokenFloor(given, secret) {
  const expected = createHash('sha256').update(secret).digest()
  return () => timingSafeEqual(createHash('sha256').update(given).digest(), expected)
}

/** A key pair as the provider hands it out: the public key in the given export form, the private one as PEM. */
function keyPair(type, options = {}) {
  const { publicKey, privateKey } = generateKeyPairSync(type, options)
  return { publicKey, privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) }
}

/** Ed25519 public key as the 32 raw bytes Discord and Telnyx publish. */
function rawEd25519(publicKey) {
  return publicKey.export({ type: 'spki', format: 'der' }).subarray(-32)
}

/**
 * One line per HMAC preset at the floor's target size: ours, the floor and the share of it, each SDK and the ratio
 * to it, with every scored figure below its target flagged.
 */
function hmacSummary(results) {
  const rows = results.filter((r) => r.size === FLOOR_TARGET_SIZE && SCORED_FLOORS.has(r.floorKind))
  const ids = [...new Set(rows.map((r) => r.id))]
  const lines = ids.map((id) => {
    const mine = rows.filter((r) => r.id === id)
    const first = mine[0]
    const low = []
    if (first.floorShare < FLOOR_SHARE_TARGET) low.push('floor')
    const sdks = mine
      .filter((r) => r.ratio !== undefined)
      .map((r) => {
        const goal = r.pureJs ? PURE_JS_SDK_RATIO_TARGET : SDK_RATIO_TARGET
        if (r.scored && r.ratio < goal) low.push(`SDK ${r.sdk}`)
        return `${r.ratio.toFixed(2)}× ${r.sdk}${r.scored ? '' : ' (not scored)'}`
      })
    return [
      id,
      integer.format(first.ours),
      integer.format(first.floor),
      percent(first.floorShare),
      low.length === 0 ? 'ok' : `BELOW TARGET: ${low.join(', ')}`,
      sdks.length === 0 ? '—' : sdks.join('; '),
    ]
  })
  return (
    `\nHMAC presets at ${sizeLabel(FLOOR_TARGET_SIZE)}: ≥ ${FLOOR_SHARE_TARGET * 100}% of the floor (HMAC + timingSafeEqual), ` +
    `≥ ${SDK_RATIO_TARGET.toFixed(1)}× the SDK (≥ ${PURE_JS_SDK_RATIO_TARGET.toFixed(1)}× a pure-JS one)\n` +
    table(['preset', 'hookgate ops/s', 'floor ops/s', '% of floor', 'status', 'vs SDK'], lines, 1)
  )
}

// ---------------------------------------------------------------------------------------------------------
// Optional SDKs: the repo's node_modules first, then BENCH_SDK_DIR. Absent ones are reported, never fatal.

const requireFromRepo = createRequire(import.meta.url)
const requireFromSdkDir =
  SDK_DIR === undefined || SDK_DIR === ''
    ? undefined
    : createRequire(path.join(path.resolve(SDK_DIR), 'package.json'))
const missingSdks = new Set()

/** The SDK's module (CommonJS exports), or undefined when it is installed in neither place. */
function optionalSdk(name) {
  for (const require of [requireFromRepo, requireFromSdkDir]) {
    if (require === undefined) continue
    let resolved
    try {
      resolved = require.resolve(name)
    } catch {
      continue
    }
    return require(resolved)
  }
  missingSdks.add(name)
  return undefined
}

/** The SDK runners `make(module)` returns, or one placeholder saying the SDK is not installed. */
function sdkRunners(name, make) {
  const module = optionalSdk(name)
  return module === undefined ? [{ label: name, missing: true }] : make(module)
}

// ---------------------------------------------------------------------------------------------------------
// Families, derived from each preset's definition: the signed-template and Standard Webhooks factories and the
// token family attach a test profile (tokens: secretKind `token`, basic auth encoded base64); JWT and hand-written
// presets have none, the JWT ones naming the JWT in their scheme.

const FAMILIES = {
  signed: 'signed template (signedPreset)',
  'standard-webhooks': 'Standard Webhooks (standardWebhooksPreset)',
  token: 'token / basic auth (tokenPreset)',
  jwt: 'JWT (jwtDefinition)',
  'hand-written': 'hand-written',
}

function familyOf(definition) {
  const profile = definition.profile
  if (profile === undefined) return /\bJWT\b/.test(definition.scheme) ? 'jwt' : 'hand-written'
  if (profile.secretKind === 'token') return 'token'
  const header = profile.signatureHeader
  if (
    profile.prefix === 'v1,' &&
    header.endsWith('-signature') &&
    profile.signedIdHeader === `${header.slice(0, -'signature'.length)}id`
  ) {
    return 'standard-webhooks'
  }
  return 'signed'
}

/**
 * The variant inside a family, for the counts: `[kind, detail]` — the algorithm, then what the template signs
 * besides the body and how the signature travels (signed family); token or basic auth; the secret's form.
 */
function variantOf(definition, family) {
  const profile = definition.profile
  if (family === 'token') return [profile.encoding === 'base64' ? 'basic auth' : 'token', undefined]
  if (family === 'standard-webhooks')
    return [profile.secretKind === 'whsec' ? 'whsec_ secret' : 'text secret', undefined]
  if (family !== 'signed') return undefined
  const asymmetric = { ed25519: 'Ed25519', 'ecdsa-p256': 'ECDSA P-256', rsa: 'RSA' }[
    profile.secretKind
  ]
  const alg =
    asymmetric ??
    /\bHMAC-(MD5|SHA1|SHA256|SHA512)\b/.exec(definition.scheme)?.[0] ??
    'unknown algorithm'
  const parts = [
    profile.time === undefined
      ? 'body'
      : { s: 'time s', ms: 'time ms', iso: 'time ISO' }[profile.time.unit],
    ...(profile.signatureStart === 'list' ? ['list'] : []),
    ...(profile.url === undefined ? [] : ['URL']),
    ...(profile.signedIdHeader === undefined ? [] : ['id']),
  ]
  return [alg, parts.join('+')]
}

function presetCensus() {
  const census = new Map(
    Object.keys(FAMILIES).map((family) => [family, { count: 0, variants: new Map(), ids: [] }]),
  )
  for (const [id, factory] of Object.entries(providers)) {
    const family = familyOf(factory.definition)
    const entry = census.get(family)
    entry.count++
    entry.ids.push(id)
    const variant = variantOf(factory.definition, family)
    if (variant === undefined) continue
    const [kind, detail] = variant
    const counted = entry.variants.get(kind) ?? { count: 0, details: new Map() }
    counted.count++
    if (detail !== undefined) counted.details.set(detail, (counted.details.get(detail) ?? 0) + 1)
    entry.variants.set(kind, counted)
  }
  return census
}

// ---------------------------------------------------------------------------------------------------------
// One row per preset: ours, the official SDK(s), the floor, on the same signed request.

/** A request signed by `signer` (the preset itself, or a private-key twin of it), as node:http hands it over. */
function signedRequest(
  preset,
  {
    size,
    shape,
    userAgent,
    path,
    contentType = 'application/json',
    message = {},
    extraHeaders = {},
    signer = preset,
  },
) {
  const text = jsonBody(size, shape)
  const body = Buffer.from(text)
  const ts = nowSeconds()
  const signed = signWebhook(signer, { body, timestamp: new Date(ts * 1000), ...message })
  const headers = nodeHeaders(userAgent, contentType, body, { ...extraHeaders, ...signed })
  return {
    text,
    body,
    ts,
    headers,
    request: { method: 'POST', url: path, headers, rawBody: body },
    options: { now: new Date(ts * 1000) },
  }
}

const ROWS = [
  {
    id: 'stripe',
    what: 'HMAC-SHA256 hex, t=/v1= list',
    async build(size) {
      const { default: Stripe } = await import('stripe')
      const stripe = new Stripe('sk_test_bench_not_a_real_key')
      const secret = 'whsec_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH'
      const preset = providers.stripe({ secrets: secret })
      const body = Buffer.from(jsonBody(size, SHAPES.stripe))
      const ts = nowSeconds()
      const signed = signWebhook(preset, { body, timestamp: new Date(ts * 1000) })
      const headers = nodeHeaders(
        'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        'application/json; charset=utf-8',
        body,
        signed,
      )
      const request = { method: 'POST', url: '/webhooks/stripe', headers, rawBody: body }
      const options = { now: new Date(ts * 1000) }
      const header = headers['stripe-signature']
      const receivedAt = ts * 1000
      return {
        body,
        ours: () => safeVerifyWebhook(preset, request, options).ok,
        sdks: [
          {
            label: 'stripe webhooks.constructEvent',
            note: 'also JSON-parses the body',
            fn: () =>
              stripe.webhooks.constructEvent(body, header, secret, 300, undefined, receivedAt) !==
              undefined,
          },
          {
            label: 'stripe webhooks.signature.verifyHeader',
            fn: () =>
              stripe.webhooks.signature.verifyHeader(
                body,
                header,
                secret,
                300,
                undefined,
                receivedAt,
              ),
          },
        ],
        floor: hmacFloor('sha256', secret, [`${ts}.`, body]),
      }
    },
  },
  {
    id: 'github',
    what: 'HMAC-SHA256 hex of the body, sha256= prefix',
    async build(size) {
      const { verify } = await import('@octokit/webhooks-methods')
      const secret = "It's a Secret to Everybody 7f3a9c"
      const preset = providers.github({ secrets: secret })
      const text = jsonBody(size, SHAPES.github)
      const body = Buffer.from(text)
      const signed = signWebhook(preset, { body })
      const headers = nodeHeaders('GitHub-Hookshot/2f1a9b3', 'application/json', body, {
        ...signed,
        'x-github-event': 'push',
        'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        'x-github-hook-id': '292430182',
      })
      const request = { method: 'POST', url: '/webhooks/github', headers, rawBody: body }
      const signature = headers['x-hub-signature-256']
      return {
        body,
        ours: () => safeVerifyWebhook(preset, request).ok,
        sdks: [
          {
            label: '@octokit/webhooks-methods verify',
            async: true,
            note: 'async; payload passed as a string',
            fn: () => verify(secret, text, signature),
          },
        ],
        floor: hmacFloor('sha256', secret, [body]),
      }
    },
  },
  ...['standard-webhooks', 'svix'].map((id) => ({
    id,
    what: 'HMAC-SHA256 base64 of id.timestamp.body',
    async build(size) {
      const { Webhook } = await import(id === 'svix' ? 'svix' : 'standardwebhooks')
      const keyBytes = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=', 'base64')
      const secret = `whsec_${keyBytes.toString('base64')}`
      const preset = providers[id]({ secrets: secret })
      const text = jsonBody(size, SHAPES.standardWebhooks)
      const body = Buffer.from(text)
      const ts = nowSeconds()
      const msgId = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W'
      const signed = signWebhook(preset, { body, id: msgId, timestamp: new Date(ts * 1000) })
      const headers = nodeHeaders('Svix-Webhooks/1.56.0', 'application/json', body, signed)
      const request = { method: 'POST', url: `/webhooks/${id}`, headers, rawBody: body }
      const options = { now: new Date(ts * 1000) }
      // The SDKs read the clock themselves (no injectable now): the request is signed just before its row runs.
      const webhook = new Webhook(secret)
      return {
        body,
        ours: () => safeVerifyWebhook(preset, request, options).ok,
        sdks: [
          {
            label: `${id === 'svix' ? 'svix' : 'standardwebhooks'} Webhook.verify`,
            note: 'pure-JS SHA-256; JSON-parses the body',
            pureJs: true,
            fn: () => webhook.verify(text, headers) !== undefined,
          },
        ],
        floor: hmacFloor('sha256', keyBytes, [`${msgId}.${ts}.`, body]),
      }
    },
  })),
  {
    id: 'slack',
    what: 'HMAC-SHA256 hex of v0:timestamp:body, timestamp header',
    async build(size) {
      const bolt = await import('@slack/bolt')
      const verifySlackRequest = bolt.verifySlackRequest ?? bolt.default.verifySlackRequest
      const signingSecret = '8f742231b10e8888abcd99yyyzzz85a5'
      const preset = providers.slack({ secrets: signingSecret })
      const text = jsonBody(size, SHAPES.slack)
      const body = Buffer.from(text)
      const ts = nowSeconds()
      const signed = signWebhook(preset, { body, timestamp: new Date(ts * 1000) })
      const headers = nodeHeaders(
        'Slackbot 1.0 (+https://api.slack.com/robots)',
        'application/json',
        body,
        signed,
      )
      const request = { method: 'POST', url: '/slack/events', headers, rawBody: body }
      const options = { now: new Date(ts * 1000) }
      const sdkOptions = {
        signingSecret,
        body: text,
        headers: {
          'x-slack-signature': headers['x-slack-signature'],
          'x-slack-request-timestamp': ts,
        },
        nowMilliseconds: ts * 1000,
      }
      return {
        body,
        ours: () => safeVerifyWebhook(preset, request, options).ok,
        sdks: [
          {
            label: '@slack/bolt verifySlackRequest',
            fn: () => (verifySlackRequest(sdkOptions), true),
          },
        ],
        floor: hmacFloor('sha256', signingSecret, [`v0:${ts}:`, body]),
      }
    },
  },
  {
    id: 'shopify',
    what: 'HMAC-SHA256 base64 of the body',
    async build(size) {
      await import('@shopify/shopify-api/adapters/node')
      const { shopifyApi, ApiVersion, LogSeverity } = await import('@shopify/shopify-api')
      const secret = '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'
      const shopify = shopifyApi({
        apiKey: 'bench-api-key',
        apiSecretKey: secret,
        scopes: [],
        hostName: 'hooks.example.com',
        apiVersion: Object.values(ApiVersion)
          .filter((version) => version !== 'unstable')
          .at(-1),
        isEmbeddedApp: false,
        logger: { level: LogSeverity.Error },
      })
      const preset = providers.shopify({ secrets: secret })
      const text = jsonBody(size, SHAPES.shopify)
      const body = Buffer.from(text)
      const signed = signWebhook(preset, { body })
      const headers = nodeHeaders('Shopify-Captain-Hook', 'application/json', body, {
        ...signed,
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': 'bench-shop.myshopify.com',
        'x-shopify-api-version': '2025-01',
        'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
        'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
        'x-shopify-triggered-at': '2024-11-23T12:00:00.000000Z',
      })
      const request = { method: 'POST', url: '/webhooks/shopify', headers, rawBody: body }
      // webhooks.validate needs no network: it reads headers, method and url off the raw request object.
      const validateArgs = {
        rawBody: text,
        rawRequest: { method: 'POST', url: '/webhooks/shopify', headers },
        rawResponse: {},
      }
      return {
        body,
        ours: () => safeVerifyWebhook(preset, request).ok,
        sdks: [
          {
            label: '@shopify/shopify-api webhooks.validate',
            async: true,
            note: 'async; WebCrypto key import per call',
            fn: async () => (await shopify.webhooks.validate(validateArgs)).valid,
          },
        ],
        floor: hmacFloor('sha256', secret, [body]),
      }
    },
  },
  {
    id: 'twilio-form',
    what: 'HMAC-SHA1 base64 of URL + sorted form params',
    provider: 'twilio',
    async build(size) {
      const { default: twilio } = await import('twilio')
      const authToken = '12345678901234567890123456789012'
      const preset = providers.twilio({
        secrets: authToken,
        publicUrl: 'https://hooks.example.com',
      })
      const params = twilioFormParams(size)
      const text = new URLSearchParams(params).toString()
      const body = Buffer.from(text)
      const url = 'https://hooks.example.com/twilio/sms'
      const signed = signWebhook(preset, { body, url })
      const headers = nodeHeaders('TwilioProxy/1.1', 'application/x-www-form-urlencoded', body, {
        ...signed,
        'i-twilio-idempotency-token': 'a3b1c2d4-0000-4000-8000-5f0c2b1d7e42',
      })
      // As node:http gives it: the path only; the preset's publicUrl supplies the origin Twilio called.
      const request = { method: 'POST', url: '/twilio/sms', headers, rawBody: body }
      const signature = headers['x-twilio-signature']
      const signedParams = Object.keys(params)
        .sort()
        .map((name) => name + params[name])
        .join('')
      return {
        body,
        ours: () => safeVerifyWebhook(preset, request).ok,
        sdks: [
          {
            label: 'twilio validateRequest',
            note: 'params parsed once, outside the loop; shown, not scored: a receiver pays the parsing',
            scored: false,
            fn: () => twilio.validateRequest(authToken, signature, url, params),
          },
          {
            // What a handler pays per request: express.urlencoded() (Express 5: extended false) runs querystring.parse.
            label: 'twilio validateRequest + querystring.parse(body)',
            note: 'parsing per request, as express.urlencoded() does',
            fn: () => twilio.validateRequest(authToken, signature, url, parseQuery(text)),
          },
        ],
        floor: hmacFloor('sha1', authToken, [url + signedParams]),
      }
    },
  },
  {
    id: 'twilio-json',
    what: 'HMAC-SHA1 base64 of URL, body SHA-256 in the URL',
    provider: 'twilio',
    async build(size) {
      const { default: twilio } = await import('twilio')
      const authToken = '12345678901234567890123456789012'
      const preset = providers.twilio({
        secrets: authToken,
        publicUrl: 'https://hooks.example.com',
      })
      const text = jsonBody(size, SHAPES.twilio)
      const body = Buffer.from(text)
      const bodyHash = createHash('sha256').update(body).digest('hex')
      const path = `/twilio/status?bodySHA256=${bodyHash}`
      const url = `https://hooks.example.com${path}`
      const signed = signWebhook(preset, { body, url })
      const headers = nodeHeaders('TwilioProxy/1.1', 'application/json', body, signed)
      const request = { method: 'POST', url: path, headers, rawBody: body }
      const signature = headers['x-twilio-signature']
      const keyBytes = Buffer.from(authToken)
      const urlBytes = Buffer.from(url)
      const expectedMac = createHmac('sha1', keyBytes).update(urlBytes).digest()
      const expectedHash = createHash('sha256').update(body).digest()
      return {
        body,
        ours: () => safeVerifyWebhook(preset, request).ok,
        sdks: [
          {
            label: 'twilio validateRequestWithBody',
            fn: () => twilio.validateRequestWithBody(authToken, signature, url, text),
          },
        ],
        // The scheme's irreducible work: the HMAC-SHA1 of the URL plus the SHA-256 of the body it names, each compared.
        floor: () =>
          timingSafeEqual(createHmac('sha1', keyBytes).update(urlBytes).digest(), expectedMac) &&
          timingSafeEqual(createHash('sha256').update(body).digest(), expectedHash),
      }
    },
  },
  {
    id: 'jwt',
    what: 'HS256 JWT, iss/aud/exp claims',
    floorKind: 'jwt',
    async build(size) {
      const { jwtVerify } = await import('jose')
      const secret = 'a-32-byte-shared-secret-for-HS256!'
      const issuer = 'https://sender.example'
      const audience = 'https://hooks.example.com/webhooks/jwt'
      const preset = providers.jwt({ secrets: secret, issuer, audience })
      const text = jsonBody(size, SHAPES.jwt)
      const body = Buffer.from(text)
      const ts = nowSeconds()
      const signed = signWebhook(preset, { body, timestamp: new Date(ts * 1000) })
      const headers = nodeHeaders('sender-webhooks/2.0', 'application/json', body, signed)
      const request = { method: 'POST', url: '/webhooks/jwt', headers, rawBody: body }
      const options = { now: new Date(ts * 1000) }
      const token = headers.authorization.slice('Bearer '.length)
      const key = new TextEncoder().encode(secret)
      const joseOptions = {
        algorithms: ['HS256'],
        issuer,
        audience,
        requiredClaims: ['exp', 'iat'],
        currentDate: new Date(ts * 1000),
      }
      return {
        body,
        ours: () => safeVerifyWebhook(preset, request, options).ok,
        sdks: [
          {
            label: 'jose jwtVerify',
            async: true,
            note: 'async; WebCrypto',
            fn: () => jwtVerify(token, key, joseOptions),
          },
        ],
        floor: hmacFloor('sha256', secret, [token.slice(0, token.lastIndexOf('.'))]),
      }
    },
  },
  {
    id: 'trivialsec',
    what: 'HS256 JWT, claims bound to the payload',
    floorKind: 'jwt',
    async build(size) {
      const { jwtVerify } = await import('jose')
      const secret = 'trivialsec-webhook-signing-secret-0001'
      const account = 'acct_bench'
      const preset = providers.trivialsec({ secrets: secret, account })
      const text = jsonBody(size, SHAPES.trivialsec)
      const body = Buffer.from(text)
      const ts = nowSeconds()
      const signed = signWebhook(preset, { body, timestamp: new Date(ts * 1000) })
      const headers = nodeHeaders('Trivial-Security-Webhooks/1.0', 'application/json', body, signed)
      const request = { method: 'POST', url: '/webhooks/trivialsec', headers, rawBody: body }
      const options = { now: new Date(ts * 1000) }
      const token = headers.authorization.slice('Bearer '.length)
      const key = new TextEncoder().encode(secret)
      const joseOptions = {
        algorithms: ['HS256'],
        issuer: 'https://www.trivialsec.com',
        subject: 'urn:uuid:bc6e2cd5-1f59-487f-b05b-49946bd078b2',
        audience: `urn:trivialsec:webhook:client_endpoint:${account}`,
        requiredClaims: ['iat', 'nbf', 'exp', 'aud', 'iss', 'sub'],
        clockTolerance: 3,
        currentDate: new Date(ts * 1000),
      }
      return {
        body,
        ours: () => safeVerifyWebhook(preset, request, options).ok,
        sdks: [
          {
            label: 'jose jwtVerify + JSON.parse + eid check',
            async: true,
            note: 'no official SDK: jose plus the payload binding the docs require',
            fn: async () => {
              const { payload: claims } = await jwtVerify(token, key, joseOptions)
              return claims.eid === `urn:uuid:${JSON.parse(text).event_id}`
            },
          },
        ],
        floor: hmacFloor('sha256', secret, [token.slice(0, token.lastIndexOf('.'))]),
      }
    },
  },
  // ----- signed-template family: the other HMAC digests and encodings, timestamps in ms and ISO, a signed URL.
  ...[
    {
      id: 'patreon',
      what: 'HMAC-MD5 hex of the body',
      digest: 'md5',
      userAgent: 'Patreon HTTP Robot 2.0',
      event: { 'x-patreon-event': 'members:pledge:create' },
    },
    {
      id: 'paystack',
      what: 'HMAC-SHA512 hex of the body',
      digest: 'sha512',
      userAgent: 'Paystack/1.0',
      event: {},
    },
    {
      id: 'help-scout',
      what: 'HMAC-SHA1 base64 of the body',
      digest: 'sha1',
      userAgent: 'Help Scout Webhooks',
      event: { 'x-helpscout-event': 'convo.created' },
    },
  ].map(({ id, what, digest, userAgent, event }) => ({
    id,
    what,
    async build(size) {
      const secret = `${id}-webhook-secret-4f1c9a7e2b`
      const preset = providers[id]({ secrets: secret })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.event,
        userAgent,
        path: `/webhooks/${id}`,
        extraHeaders: event,
      })
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: [],
        floor: hmacFloor(digest, secret, [r.body]),
      }
    },
  })),
  {
    id: 'square',
    what: 'HMAC-SHA256 base64 of notification URL + body',
    async build(size) {
      const signatureKey = 'Sq9x2kLmP0wR7tVbN4cY8eHf'
      const notificationUrl = 'https://hooks.example.com/webhooks/square'
      const preset = providers.square({ secrets: signatureKey, notificationUrl })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.event,
        userAgent: 'Square Connect v2',
        path: '/webhooks/square',
      })
      const signatureHeader = r.headers['x-square-hmacsha256-signature']
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: sdkRunners('square', ({ WebhooksHelper }) => [
          {
            label: 'square WebhooksHelper.verifySignature',
            async: true,
            note: 'async',
            fn: () =>
              WebhooksHelper.verifySignature({
                requestBody: r.text,
                signatureHeader,
                signatureKey,
                notificationUrl,
              }),
          },
        ]),
        floor: hmacFloor('sha256', signatureKey, [notificationUrl, r.body]),
      }
    },
  },
  {
    id: 'mux',
    what: 'HMAC-SHA256 hex, t=/v1= list',
    async build(size) {
      const secret = 'mux-webhook-signing-secret-0b6e3d'
      const preset = providers.mux({ secrets: secret })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.event,
        userAgent: 'Mux Webhooks',
        path: '/webhooks/mux',
      })
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: sdkRunners('@mux/mux-node', ({ Mux }) => {
          const mux = new Mux({ tokenId: 'bench-token-id', tokenSecret: 'bench-token-secret' })
          return [
            {
              label: '@mux/mux-node webhooks.verifySignature',
              async: true,
              note: 'async; WebCrypto key import per call',
              fn: () => mux.webhooks.verifySignature(r.text, r.headers, secret).then(() => true),
            },
          ]
        }),
        floor: hmacFloor('sha256', secret, [`${r.ts}.`, r.body]),
      }
    },
  },
  {
    id: 'workos',
    what: 'HMAC-SHA256 hex, t=/v1= list, time in ms',
    async build(size) {
      const secret = 'workos-webhook-secret-7d2a91c0'
      const preset = providers.workos({ secrets: secret })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.event,
        userAgent: 'WorkOS Webhooks',
        path: '/webhooks/workos',
      })
      const sigHeader = r.headers['workos-signature']
      const parsed = JSON.parse(r.text)
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: sdkRunners('@workos-inc/node', ({ WorkOS }) => {
          const workos = new WorkOS('sk_test_bench_not_a_real_key', { clientId: 'client_bench' })
          return [
            {
              label: '@workos-inc/node webhooks.verifyHeader',
              async: true,
              note: 'async; body parsed once, outside the loop (express.json()), re-serialised by the SDK',
              fn: () => workos.webhooks.verifyHeader({ payload: parsed, sigHeader, secret }),
            },
            {
              label: '@workos-inc/node webhooks.verifyHeader + JSON.parse(body)',
              async: true,
              note: 'parsing per request, as express.json() does',
              fn: () =>
                workos.webhooks.verifyHeader({ payload: JSON.parse(r.text), sigHeader, secret }),
            },
          ]
        }),
        floor: hmacFloor('sha256', secret, [`${r.ts * 1000}.`, r.body]),
      }
    },
  },
  {
    id: 'sanity',
    what: 'HMAC-SHA256 base64url, t=/v1= list, time in ms',
    async build(size) {
      const secret = 'sanity-groq-webhook-secret-61f0'
      const preset = providers.sanity({ secrets: secret })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.event,
        userAgent: 'Sanity.io webhook delivery',
        path: '/webhooks/sanity',
      })
      const signature = r.headers['sanity-webhook-signature']
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: sdkRunners('@sanity/webhook', ({ isValidSignature }) => [
          {
            label: '@sanity/webhook isValidSignature',
            async: true,
            note: 'async; WebCrypto key import per call; no replay window',
            fn: () => isValidSignature(r.text, signature, secret),
          },
        ]),
        floor: hmacFloor('sha256', secret, [`${r.ts * 1000}.`, r.body]),
      }
    },
  },
  {
    id: 'zendesk',
    what: 'HMAC-SHA256 base64 of timestamp + body, ISO time header',
    async build(size) {
      const secret = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=='
      const preset = providers.zendesk({ secrets: secret })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.event,
        userAgent: 'Zendesk Webhook',
        path: '/webhooks/zendesk',
      })
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: [],
        floor: hmacFloor('sha256', secret, [
          r.headers['x-zendesk-webhook-signature-timestamp'],
          r.body,
        ]),
      }
    },
  },
  // ----- Standard Webhooks senders.
  {
    id: 'openai',
    what: 'HMAC-SHA256 base64 of id.timestamp.body (webhook-*)',
    async build(size) {
      const keyBytes = Buffer.from('c2VjcmV0LWtleS1mb3Itb3BlbmFpLWJlbmNoLTAwMQ==', 'base64')
      const secret = `whsec_${keyBytes.toString('base64')}`
      const preset = providers.openai({ secrets: secret })
      const msgId = 'wh_685342e6c53c8190a1be43f081506c52'
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.event,
        userAgent: 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)',
        path: '/webhooks/openai',
        message: { id: msgId },
      })
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: sdkRunners('openai', ({ OpenAI }) => {
          const openai = new OpenAI({ apiKey: 'sk-bench-not-a-real-key' })
          return [
            {
              label: 'openai webhooks.verifySignature',
              async: true,
              note: 'async; WebCrypto key import per call',
              fn: () => openai.webhooks.verifySignature(r.text, r.headers, secret).then(() => true),
            },
          ]
        }),
        floor: hmacFloor('sha256', keyBytes, [`${msgId}.${r.ts}.`, r.body]),
      }
    },
  },
  {
    id: 'clerk',
    what: 'HMAC-SHA256 base64 of id.timestamp.body (svix-*)',
    async build(size) {
      const { Webhook } = await import('svix')
      const keyBytes = Buffer.from('Y2xlcmstc2lnbmluZy1zZWNyZXQtYmVuY2gtMDAwMQ==', 'base64')
      const secret = `whsec_${keyBytes.toString('base64')}`
      const preset = providers.clerk({ secrets: secret })
      const msgId = 'msg_2aQJ7mZr8yBmC5tG1hX0pLqW3vD'
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.event,
        userAgent: 'Svix-Webhooks/1.56.0',
        path: '/webhooks/clerk',
        message: { id: msgId },
      })
      const webhook = new Webhook(secret)
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: [
          {
            label: 'svix Webhook.verify',
            note: "what Clerk's docs use; pure-JS SHA-256; JSON-parses the body",
            pureJs: true,
            fn: () => webhook.verify(r.text, r.headers) !== undefined,
          },
        ],
        floor: hmacFloor('sha256', keyBytes, [`${msgId}.${r.ts}.`, r.body]),
      }
    },
  },
  // ----- Token family: a shared token in a header, HTTP basic auth.
  {
    id: 'gitlab',
    what: 'shared token in X-Gitlab-Token',
    floorKind: 'token',
    async build(size) {
      const token = 'glwt-3f9c1b7e5a2d4c6e8f0a1b2c3d4e5f6a'
      const preset = providers.gitlab({ secrets: token })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.gitlab,
        userAgent: 'GitLab/17.6.0',
        path: '/webhooks/gitlab',
        extraHeaders: { 'x-gitlab-event': 'Push Hook' },
      })
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: [],
        floor: tokenFloor(Buffer.from(r.headers['x-gitlab-token']), Buffer.from(token)),
      }
    },
  },
  {
    id: 'postmark',
    what: 'HTTP basic auth',
    floorKind: 'token',
    async build(size) {
      const credentials = 'hookgate:9hV2mQ7xK4pT1zR8'
      const preset = providers.postmark({ secrets: credentials })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.postmark,
        userAgent: 'Postmark',
        path: '/webhooks/postmark',
      })
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: [],
        floor: tokenFloor(
          Buffer.from(r.headers.authorization.slice('Basic '.length), 'base64'),
          Buffer.from(credentials),
        ),
      }
    },
  },
  // ----- Public-key schemes of the signed-template family.
  {
    id: 'discord',
    what: 'Ed25519 hex of timestamp + body',
    floorKind: 'ed25519',
    async build(size) {
      const { publicKey, privatePem } = keyPair('ed25519')
      const publicHex = rawEd25519(publicKey).toString('hex')
      const preset = providers.discord({ secrets: publicHex })
      const signer = providers.discord({ secrets: privatePem })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.discord,
        userAgent: 'Discord-Interactions/1.0 (+https://discord.com)',
        path: '/interactions',
        signer,
      })
      const signature = r.headers['x-signature-ed25519']
      const timestamp = r.headers['x-signature-timestamp']
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: sdkRunners('discord-interactions', ({ verifyKey }) => [
          {
            label: 'discord-interactions verifyKey',
            async: true,
            note: 'async; WebCrypto key import per call',
            fn: () => verifyKey(r.body, signature, timestamp, publicHex),
          },
        ]),
        floor: asymmetricFloor(null, publicKey, [timestamp, r.body], Buffer.from(signature, 'hex')),
      }
    },
  },
  {
    id: 'telnyx',
    what: 'Ed25519 base64 of timestamp|body',
    floorKind: 'ed25519',
    async build(size) {
      const { publicKey, privatePem } = keyPair('ed25519')
      const publicBase64 = rawEd25519(publicKey).toString('base64')
      const preset = providers.telnyx({ secrets: publicBase64 })
      const signer = providers.telnyx({ secrets: privatePem })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.event,
        userAgent: 'telnyx-webhooks',
        path: '/webhooks/telnyx',
        signer,
      })
      const signature = r.headers['telnyx-signature-ed25519']
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: sdkRunners('telnyx', ({ Telnyx }) => {
          const telnyx = new Telnyx({ apiKey: 'KEY_bench_not_a_real_key', publicKey: publicBase64 })
          return [
            {
              label: 'telnyx webhooks.unwrap',
              async: true,
              note: 'async; WebCrypto key import per call; also JSON-parses the body',
              fn: async () =>
                (await telnyx.webhooks.unwrap(r.text, { headers: r.headers })) !== undefined,
            },
          ]
        }),
        floor: asymmetricFloor(
          null,
          publicKey,
          [`${r.headers['telnyx-timestamp']}|`, r.body],
          Buffer.from(signature, 'base64'),
        ),
      }
    },
  },
  {
    id: 'sendgrid',
    what: 'ECDSA P-256 SHA-256 base64 of timestamp + body',
    floorKind: 'ecdsa-p256',
    async build(size) {
      const { publicKey, privatePem } = keyPair('ec', { namedCurve: 'prime256v1' })
      const verificationKey = publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
      const preset = providers.sendgrid({ secrets: verificationKey })
      const signer = providers.sendgrid({ secrets: privatePem })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.sendgrid,
        userAgent: 'SendGrid Event API',
        path: '/webhooks/sendgrid',
        signer,
      })
      const signature = r.headers['x-twilio-email-event-webhook-signature']
      const timestamp = r.headers['x-twilio-email-event-webhook-timestamp']
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: sdkRunners('@sendgrid/eventwebhook', ({ EventWebhook }) => {
          const eventWebhook = new EventWebhook()
          const ecPublicKey = eventWebhook.convertPublicKeyToECDSA(verificationKey)
          return [
            {
              label: '@sendgrid/eventwebhook verifySignature',
              note: 'key converted once, outside the loop; pure-JS ECDSA',
              fn: () => eventWebhook.verifySignature(ecPublicKey, r.text, signature, timestamp),
            },
          ]
        }),
        floor: asymmetricFloor(
          'sha256',
          publicKey,
          [timestamp, r.body],
          Buffer.from(signature, 'base64'),
        ),
      }
    },
  },
  {
    id: 'wise',
    what: 'RSA-2048 SHA-256 base64 of the body',
    floorKind: 'rsa',
    async build(size) {
      const { publicKey, privatePem } = keyPair('rsa', { modulusLength: 2048 })
      const publicPem = publicKey.export({ type: 'spki', format: 'pem' })
      const preset = providers.wise({ secrets: publicPem })
      const signer = providers.wise({ secrets: privatePem })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.event,
        userAgent: 'Wise-Webhooks',
        path: '/webhooks/wise',
        signer,
      })
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: [],
        floor: asymmetricFloor(
          'sha256',
          createPublicKey(publicPem),
          [r.body],
          Buffer.from(r.headers['x-signature-sha256'], 'base64'),
        ),
      }
    },
  },
  // ----- JWT presets.
  {
    id: 'livekit',
    what: 'HS256 JWT, iss = API key, sha256 claim of the body',
    floorKind: 'jwt',
    async build(size) {
      const apiKey = 'APIbench7Qx2'
      const apiSecret = 'livekit-api-secret-bench-0123456789abcdef'
      const preset = providers.livekit({ secrets: apiSecret, apiKey })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.livekit,
        userAgent: 'Go-http-client/1.1',
        contentType: 'application/webhook+json',
        path: '/webhooks/livekit',
      })
      // LiveKit sends the bare token, no "Bearer ".
      const token = r.headers.authorization.replace(/^Bearer /, '')
      r.headers.authorization = token
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: sdkRunners('livekit-server-sdk', ({ WebhookReceiver }) => {
          const receiver = new WebhookReceiver(apiKey, apiSecret)
          return [
            {
              label: 'livekit-server-sdk WebhookReceiver.receive',
              async: true,
              note: 'async; jose + WebCrypto; also parses the event',
              fn: async () => (await receiver.receive(r.text, token)) !== undefined,
            },
          ]
        }),
        floor: jwtBodyFloor(apiSecret, token, r.body),
      }
    },
  },
  {
    id: 'vonage',
    what: 'HS256 JWT, payload_hash claim of the body',
    floorKind: 'jwt',
    async build(size) {
      const signatureSecret = 'vonage-signature-secret-bench-0123456789'
      const preset = providers.vonage({ secrets: signatureSecret })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.event,
        userAgent: 'Vonage-Messages/1.0',
        path: '/webhooks/vonage',
      })
      const token = r.headers.authorization.slice('Bearer '.length)
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: sdkRunners('@vonage/jwt', ({ verifySignature }) => [
          {
            label: '@vonage/jwt verifySignature + payload_hash check',
            note: "jsonwebtoken; the body check as Vonage's docs add it",
            fn: () => {
              if (!verifySignature(token, signatureSecret)) return false
              const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
              return claims.payload_hash === createHash('sha256').update(r.text).digest('hex')
            },
          },
        ]),
        floor: jwtBodyFloor(signatureSecret, token, r.body),
      }
    },
  },
  // ----- Hand-written presets (besides Twilio and Shopify above).
  {
    id: 'trello',
    what: 'HMAC-SHA1 base64 of body + callback URL',
    async build(size) {
      const secret = 'trello-app-secret-0f9e8d7c6b5a4938271605f4e3d2c1b0'
      const callbackUrl = 'https://hooks.example.com/webhooks/trello'
      const preset = providers.trello({ secrets: secret, callbackUrl })
      const r = signedRequest(preset, {
        size,
        shape: SHAPES.event,
        userAgent: 'Trello Webhooks',
        path: '/webhooks/trello',
      })
      return {
        body: r.body,
        ours: () => safeVerifyWebhook(preset, r.request, r.options).ok,
        sdks: [],
        floor: hmacFloor('sha1', secret, [r.body, callbackUrl]),
      }
    },
  },
]

// ---------------------------------------------------------------------------------------------------------
// Report

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

function sizeLabel(size) {
  return size >= 1024 ? `${size / 1024} KiB` : `${size} B`
}

function table(header, lines, leftColumns) {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...lines.map((line) => line[i].length)),
  )
  const left = (i, cells) => i < leftColumns || i === cells.length - 1
  const format = (cells) =>
    cells
      .map((cell, i) => (left(i, cells) ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join(' | ')
      .trimEnd()
  return [
    format(header),
    widths.map((width) => '-'.repeat(width)).join('-|-'),
    ...lines.map(format),
  ].join('\n')
}

const FLOOR_LABELS = {
  hmac: 'one HMAC over the signed content and its timingSafeEqual (scored: ≥ 80% at 1 KiB)',
  ed25519: 'one crypto.verify (Ed25519) over the same bytes (shown)',
  'ecdsa-p256': 'one crypto.verify (ECDSA P-256 SHA-256) over the same bytes (shown)',
  rsa: 'one crypto.verify (RSA SHA-256) over the same bytes (shown)',
  token:
    "timingSafeEqual of SHA-256(token as sent) and the secret's SHA-256, computed once (shown)",
  jwt: "the HMAC of the JWT signing input, plus the body's SHA-256 where a claim binds it (shown)",
}

function percent(value) {
  return `${(value * 100).toFixed(0)}%`
}

export async function run() {
  const selected = FILTER === undefined ? ROWS : ROWS.filter((row) => FILTER.includes(row.id))
  const load = () => os.loadavg()[0].toFixed(2)
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs, load ${load()}; ${ROUNDS} rounds × ${MEASURE_MS} ms per runner, ` +
      `warm-up ${WARMUP_MS} ms. ops/s: median of the rounds; ratios: median of the per-round ratios.\n` +
      `Optional SDKs from: the repo's node_modules${requireFromSdkDir === undefined ? ' (BENCH_SDK_DIR unset)' : `, then BENCH_SDK_DIR=${SDK_DIR}`}.\n`,
  )

  const census = presetCensus()
  const total = [...census.values()].reduce((sum, entry) => sum + entry.count, 0)
  console.log(`Presets per family (${total} presets, derived from each preset's definition):`)
  for (const [family, entry] of census) {
    const variants = [...entry.variants]
      .sort((a, b) => b[1].count - a[1].count)
      .map(([kind, { count, details }]) => {
        const parts = [...details]
          .sort((a, b) => b[1] - a[1])
          .map(([detail, n]) => `${detail} ${n}`)
        return parts.length > 0 ? `${kind} ${count} [${parts.join(', ')}]` : `${kind} ${count}`
      })
    const detail = variants.length > 0 ? variants.join('; ') : entry.ids.join(', ')
    console.log(`  ${FAMILIES[family].padEnd(44)} ${String(entry.count).padStart(4)}  (${detail})`)
  }
  console.log('')

  const results = []
  for (const row of selected) {
    const provider = row.provider ?? row.id
    const family = familyOf(providers[provider].definition)
    const floorKind = row.floorKind ?? 'hmac'
    for (const size of SIZES) {
      const built = await row.build(size)
      const present = built.sdks.filter((sdk) => sdk.missing !== true)
      const runners = [
        { label: `hookgate ${row.id}`, fn: built.ours },
        ...present.map((sdk) => ({ ...sdk })),
        { label: `floor ${row.id}`, fn: built.floor },
      ]
      const samples = await measureAll(runners)
      const ours = samples[0]
      const floor = samples.at(-1)
      const base = {
        id: row.id,
        provider,
        family,
        what: row.what,
        floorKind,
        size,
        bytes: built.body.length,
        ours: Math.round(median(ours)),
        floor: Math.round(median(floor)),
        floorShare: medianRatio(ours, floor),
      }
      if (built.sdks.length === 0) {
        results.push({ ...base, sdk: undefined, note: 'no official SDK verifier' })
        process.stderr.write(
          `  ${row.id} ${sizeLabel(size)}: ${percent(base.floorShare)} of floor (no SDK)\n`,
        )
      }
      for (const sdk of built.sdks) {
        if (sdk.missing === true) {
          results.push({
            ...base,
            sdk: sdk.label,
            note: 'not installed: set BENCH_SDK_DIR',
            missing: true,
          })
          process.stderr.write(
            `  ${row.id} ${sizeLabel(size)}: ${percent(base.floorShare)} of floor (${sdk.label} not installed)\n`,
          )
          continue
        }
        const i = present.indexOf(sdk) + 1
        const result = {
          ...base,
          sdk: sdk.label,
          note: sdk.note,
          pureJs: sdk.pureJs === true,
          scored: sdk.scored !== false,
          sdkOps: Math.round(median(samples[i])),
          ratio: medianRatio(ours, samples[i]),
        }
        results.push(result)
        process.stderr.write(
          `  ${row.id} ${sizeLabel(size)} vs ${sdk.label}: ${result.ratio.toFixed(2)}×, ${percent(result.floorShare)} of floor\n`,
        )
      }
    }
  }

  const familyOrder = Object.keys(FAMILIES)
  const rowOrder = (r) => selected.findIndex((row) => row.id === r.id)
  const sorted = [...results].sort(
    (a, b) =>
      familyOrder.indexOf(a.family) - familyOrder.indexOf(b.family) ||
      rowOrder(a) - rowOrder(b) ||
      a.size - b.size,
  )
  for (const family of familyOrder) {
    const rows = sorted.filter((r) => r.family === family)
    if (rows.length === 0) continue
    const floors = [...new Set(rows.map((r) => r.floorKind))].map(
      (kind) => `${kind}: ${FLOOR_LABELS[kind]}`,
    )
    console.log(
      `\n## ${FAMILIES[family]}: ${census.get(family).count} presets; ${new Set(rows.map((r) => r.id)).size} benchmarked`,
    )
    console.log(`floor = ${floors.join('; ')}\n`)
    console.log(
      table(
        [
          'preset',
          'scheme',
          'size',
          'hookgate ops/s',
          'SDK ops/s',
          'ratio vs SDK',
          'floor ops/s',
          '% of floor',
          'SDK call',
        ],
        rows.map((r) => [
          r.id,
          r.what,
          `${sizeLabel(r.size)} (${r.bytes} B)`,
          integer.format(r.ours),
          r.sdkOps === undefined ? '—' : integer.format(r.sdkOps),
          r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}×`,
          integer.format(r.floor),
          percent(r.floorShare),
          r.sdk === undefined
            ? `— (${r.note})`
            : r.note === undefined
              ? r.sdk
              : `${r.sdk} (${r.note})`,
        ]),
        3,
      ),
    )
  }
  const uncovered = familyOrder.filter(
    (family) => census.get(family).count > 0 && !results.some((r) => r.family === family),
  )
  if (FILTER === undefined && uncovered.length > 0)
    console.log(
      `\nWARNING: no benchmarked preset in: ${uncovered.map((family) => FAMILIES[family]).join(', ')}`,
    )
  if (missingSdks.size > 0) {
    console.log(
      `\nSDKs not installed, their rows show ours and the floor only: ${[...missingSdks].join(', ')}.\n` +
        `Install them outside the repo (npm install ${[...missingSdks].join(' ')}) and set BENCH_SDK_DIR to that folder.`,
    )
  }

  const targets = []
  const notes = []
  for (const r of results) {
    if (r.ratio === undefined) continue
    const goal = r.pureJs ? PURE_JS_SDK_RATIO_TARGET : SDK_RATIO_TARGET
    const line = {
      name: `${r.id} ${sizeLabel(r.size)} ≥ ${goal.toFixed(1)}× ${r.sdk}`,
      pass: r.ratio >= goal,
      value: `${r.ratio.toFixed(2)}×`,
    }
    // An SDK call that skips work a receiver must do (Twilio given pre-parsed params) is shown, not scored.
    if (r.scored) targets.push(line)
    else notes.push(line)
  }
  const floorRows = new Map()
  for (const r of results)
    if (r.size === FLOOR_TARGET_SIZE && !floorRows.has(r.id)) floorRows.set(r.id, r)
  for (const r of floorRows.values()) {
    const scored = SCORED_FLOORS.has(r.floorKind)
    const line = {
      name: `${r.id} ${sizeLabel(r.size)} ≥ ${FLOOR_SHARE_TARGET * 100}% of the raw ${scored ? 'HMAC' : r.floorKind} floor`,
      pass: r.floorShare >= FLOOR_SHARE_TARGET,
      value: percent(r.floorShare),
    }
    // Only HMAC presets are scored against their floor; public-key, token and JWT floors are shown.
    if (scored) targets.push(line)
    else notes.push(line)
  }
  console.log(hmacSummary(results))
  console.log(`\n(load average at the end: ${load()})`)
  console.log('\nTargets (issues 2 and 11):')
  for (const target of targets)
    console.log(`${target.pass ? 'PASS' : 'MISS'}  ${target.name}: ${target.value}`)
  for (const note of notes) console.log(`info  ${note.name}: ${note.value} (not scored)`)

  console.log(
    JSON.stringify({
      bench: 'verify',
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg()[0],
      rounds: ROUNDS,
      measureMs: MEASURE_MS,
      families: Object.fromEntries(
        [...census].map(([family, entry]) => [
          family,
          {
            presets: entry.count,
            variants: Object.fromEntries(
              [...entry.variants].map(([kind, { count, details }]) => [
                kind,
                { count, ...Object.fromEntries(details) },
              ]),
            ),
          },
        ]),
      ),
      missingSdks: [...missingSdks],
      rows: results.map((r) => ({
        ...r,
        ...(r.ratio === undefined ? {} : { ratio: Number(r.ratio.toFixed(3)) }),
        floorShare: Number(r.floorShare.toFixed(3)),
      })),
      targets,
    }),
  )
  return { targets }
}
