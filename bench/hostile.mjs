/**
 * Bench section `hostile` (issue 12 §1): what a hostile request costs the gateway, and what a flood of them does to
 * valid senders. Loopback only, bounded in time (~1 min with the defaults). Imports the BUILT packages.
 *
 * 1. CPU per request, in process, for a representative preset of every family (HMAC body / timestamped list /
 *    Standard Webhooks / base64 / token / JWT / Ed25519 / ECDSA / Twilio JSON and form): the median time of
 *    `safeVerifyWebhook` accepting a valid ~1 MiB request vs rejecting a hostile one of the same size — the valid
 *    request with one character of its MAC changed (every byte must still be hashed: the dearest rejection), and for
 *    Twilio forms also `a=b&…` (262,144 parameters, refused by the 1000-parameter cap) and 1000 parameters (just under
 *    the cap) behind a URL whose query has six spellings (only two are tried past 64 KiB of params). Target: ratio ≤ ~1× (rejecting costs at most what
 *    accepting does).
 * 2. Flood: `hookgate serve` (child process) gets valid 1 KiB GitHub webhooks at BENCH_HOSTILE_VALID_RATE/s from
 *    127.0.0.1 — first alone (quiet), then while 127.0.0.2 sends the hostile requests above, all families in turn, at
 *    20/s; once with the default per-client rejection limit, once with it off (`burst: 0`: every hostile request is
 *    verified). Target: the valid webhooks' p99 during the flood within 2× of the quiet p99.
 *
 * Knobs (environment): BENCH_HOSTILE_PHASE_SECONDS (8), BENCH_HOSTILE_VALID_RATE (50), BENCH_HOSTILE_RATE (20),
 * BENCH_HOSTILE_CPU_MS (400: time per side and row), BENCH_HOSTILE_FLOOD (0: the CPU table only).
 * Run alone: `npm run build && node bench/hostile.mjs` (or `node bench/run.mjs hostile`).
 */
import { Buffer } from 'node:buffer'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { pathToFileURL } from 'node:url'
import { providers, safeVerifyWebhook, signatureHeadersOf, signWebhook } from '@hookgate/verify'
import {
  exchange,
  launchGateway,
  median,
  openLoop,
  percentile,
  printTable,
} from './lib/gateway-process.mjs'

export const title =
  'hostile input (issue 12): CPU to reject a 1 MiB hostile body vs accept a valid one, per family; valid p99 under a 20 req/s flood'

function envNumber(name, fallback) {
  const value = Number(process.env[name])
  return Number.isFinite(value) && value > 0 ? value : fallback
}

const PHASE_SECONDS = envNumber('BENCH_HOSTILE_PHASE_SECONDS', 8)
const VALID_RATE = envNumber('BENCH_HOSTILE_VALID_RATE', 50)
const HOSTILE_RATE = envNumber('BENCH_HOSTILE_RATE', 20)
const CPU_MS = envNumber('BENCH_HOSTILE_CPU_MS', 400)
const SIZE = 1_048_000
const PUBLIC_URL = 'https://hooks.example.test'
const JWT_OPTIONS = {
  issuer: 'https://sender.example',
  audience: 'https://receiver.example',
  bodyHashClaim: 'payload_hash',
}

function jsonBody(size) {
  const head = '{"type":"bench.hostile","data":"'
  return Buffer.from(head + 'x'.repeat(size - head.length - 2) + '"}')
}

/** One character of `value` at `index` swapped for another of the same class (hex, base64 and base64url stay valid). */
function swapChar(value, index) {
  const c = value[index]
  const next = /[0-8a-eA-Y]/.test(c)
    ? String.fromCharCode(c.charCodeAt(0) + 1)
    : /[9fZg-z]/.test(c)
      ? String.fromCharCode(c.charCodeAt(0) - 1)
      : c
  return next === c
    ? swapChar(value, index - 1)
    : value.slice(0, index) + next + value.slice(index + 1)
}

/** The valid request with a MAC character changed in every signature header (the whole body is still hashed). */
function garbled(preset, request) {
  const names = new Set(signatureHeadersOf(preset).map((name) => name.toLowerCase()))
  const headers = { ...request.headers }
  for (const name of Object.keys(headers))
    if (names.has(name)) headers[name] = swapChar(headers[name], headers[name].length - 3)
  return { ...request, headers }
}

function signed(
  preset,
  {
    source,
    body,
    contentType = 'application/json',
    url = `${PUBLIC_URL}/webhooks/${source}`,
    signer = preset,
    extra = {},
  },
) {
  const headers = { 'content-type': contentType, ...extra }
  for (const [name, value] of Object.entries(signWebhook(signer, { body, url })))
    headers[name.toLowerCase()] = value
  return { method: 'POST', url, headers, rawBody: body }
}

/** Twilio form with `count` parameters filling about `size` bytes. */
function form(count, size) {
  const value = 'v'.repeat(Math.max(1, Math.floor(size / count) - 8))
  return Buffer.from(
    Array.from({ length: count }, (_, i) => `p${String(i).padStart(4, '0')}=${value}`).join('&'),
  )
}

/** Rows: a source for the gateway, and valid + hostile requests of ~1 MiB. Built once. Also used by bench/soak.mjs. */
export function buildRows() {
  const rows = []
  const add = (family, source, provider, secrets, options, make) => {
    const preset = providers[provider]({ secrets, ...options })
    rows.push({
      family,
      source,
      config: {
        id: source,
        provider,
        secrets: [].concat(secrets),
        ...(Object.keys(options).length === 0 ? {} : { options }),
      },
      preset,
      ...make(preset),
    })
  }
  const plain = (source, contentType) => (preset) => {
    const valid = signed(preset, { source, body: jsonBody(SIZE), contentType })
    return { valid, hostile: [['MAC changed', garbled(preset, valid)]] }
  }
  add(
    'HMAC-SHA256 hex of body',
    'gh',
    'github',
    'gh-bench-secret-0123456789abcdef',
    {},
    plain('gh'),
  )
  add(
    'HMAC t=/v1= list, timestamped',
    'st',
    'stripe',
    'whsec_bench0123456789abcdefghij',
    {},
    plain('st'),
  )
  add(
    'HMAC v0:ts:body, timestamped',
    'sl',
    'slack',
    'slack-bench-secret-0123456789ab',
    {},
    plain('sl'),
  )
  add(
    'Standard Webhooks (whsec_)',
    'sw',
    'standard-webhooks',
    `whsec_${Buffer.from('standard-webhooks-bench-key-32b!').toString('base64')}`,
    {},
    plain('sw'),
  )
  add('HMAC base64 of body', 'sh', 'shopify', 'shopify-bench-secret-0123456789ab', {}, plain('sh'))
  add('shared token', 'gl', 'gitlab', 'gitlab-bench-token-0123456789abcdef', {}, plain('gl'))
  add(
    'JWT HS256 + body hash',
    'jw',
    'jwt',
    'jwt-bench-secret-0123456789abcdef',
    JWT_OPTIONS,
    plain('jw'),
  )
  {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519')
    const hex = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('hex')
    const signer = providers.discord({
      secrets: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    })
    add('Ed25519 (Discord)', 'dc', 'discord', hex, {}, (preset) => {
      const valid = signed(preset, { source: 'dc', body: jsonBody(SIZE), signer })
      return { valid, hostile: [['MAC changed', garbled(preset, valid)]] }
    })
  }
  {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
    const signer = providers.sendgrid({
      secrets: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    })
    add('ECDSA P-256 (SendGrid)', 'sg', 'sendgrid', spki, {}, (preset) => {
      const valid = signed(preset, { source: 'sg', body: jsonBody(SIZE), signer })
      // An ECDSA signature is DER: change a byte of its base64 without breaking the structure (the r value).
      return { valid, hostile: [['signature changed', garbled(preset, valid)]] }
    })
  }
  add(
    'Twilio JSON (bodySHA256)',
    'tj',
    'twilio',
    'twilio-bench-token-0123456789abcd',
    {},
    (preset) => {
      const body = jsonBody(SIZE)
      const sha = createHash('sha256').update(body).digest('hex')
      const valid = signed(preset, {
        source: 'tj',
        body,
        url: `${PUBLIC_URL}/webhooks/tj?bodySHA256=${sha}`,
      })
      return {
        valid,
        hostile: [
          [
            'body changed',
            {
              ...valid,
              rawBody: Buffer.concat([body.subarray(0, body.length - 3), Buffer.from('y"}')]),
            },
          ],
        ],
      }
    },
  )
  add('Twilio form', 'tw', 'twilio', 'twilio-bench-token-0123456789abcd', {}, (preset) => {
    const query = "?a=%7e&b='&c=%41"
    const url = `${PUBLIC_URL}/webhooks/tw${query}`
    const contentType = 'application/x-www-form-urlencoded'
    const valid = signed(preset, { source: 'tw', body: form(50, SIZE), contentType, url })
    // Compared with accepting a valid request of the same shape (same URL, same 1000 parameters).
    const valid1000 = signed(preset, { source: 'tw', body: form(1000, SIZE), contentType, url })
    const junk = 'A'.repeat(27) + '='
    const base = {
      method: 'POST',
      url,
      headers: { 'content-type': contentType, 'x-twilio-signature': junk },
    }
    return {
      valid,
      hostile: [
        ['a=b& ×262,144', { ...base, rawBody: Buffer.from('a=b&'.repeat(SIZE / 4)) }],
        ['1000 params, URL of 6 spellings', { ...base, rawBody: valid1000.rawBody }, valid1000],
      ],
    }
  })
  return rows
}

/** Median ms per call of `fn` and `gn`, measured alternately for about CPU_MS each. */
function medianPair(fn, gn) {
  const a = []
  const b = []
  let spentA = 0
  let spentB = 0
  for (let i = 0; i < 3; i++) {
    fn()
    gn()
  }
  const started = performance.now()
  while (
    (spentA < CPU_MS || spentB < CPU_MS || a.length < 15) &&
    performance.now() - started < CPU_MS * 8
  ) {
    let t = performance.now()
    fn()
    let d = performance.now() - t
    a.push(d)
    spentA += d
    t = performance.now()
    gn()
    d = performance.now() - t
    b.push(d)
    spentB += d
  }
  return [median(a), median(b)]
}

function cpuTable(rows) {
  const now = { now: new Date() }
  const lines = []
  const targets = []
  for (const row of rows) {
    const accept = safeVerifyWebhook(row.preset, row.valid, now)
    if (!accept.ok)
      throw new Error(
        `${row.family}: the valid request is refused: ${accept.reason} ${accept.message}`,
      )
    for (const [what, hostile, comparedWith = row.valid] of row.hostile) {
      if (!safeVerifyWebhook(row.preset, comparedWith, now).ok)
        throw new Error(`${row.family} / ${what}: the valid twin is refused`)
      const refused = safeVerifyWebhook(row.preset, hostile, now)
      if (refused.ok) throw new Error(`${row.family} / ${what}: the hostile request is accepted`)
      const [acceptMs, rejectMs] = medianPair(
        () => safeVerifyWebhook(row.preset, comparedWith, now),
        () => safeVerifyWebhook(row.preset, hostile, now),
      )
      const ratio = rejectMs / acceptMs
      lines.push([
        row.family,
        what,
        refused.reason,
        acceptMs.toFixed(2),
        rejectMs.toFixed(2),
        `${ratio.toFixed(2)}×`,
      ])
      // ≤ ~1× (25% for noise), or a difference under 0.05 ms (shared tokens cost microseconds either way).
      targets.push({
        name: `${row.family} / ${what}: reject ≤ ~1× accept (${ratio.toFixed(2)}×)`,
        pass: ratio <= 1.25 || rejectMs - acceptMs < 0.05,
      })
    }
  }
  printTable(
    ['family (preset)', 'hostile 1 MiB request', 'refused as', 'accept ms', 'reject ms', 'ratio'],
    lines,
    3,
  )
  return targets
}

/**
 * One gateway: valid webhooks alone (quiet), then with the hostile requests of `rows` at HOSTILE_RATE/s from another
 * address. Also used by bench/soak.mjs (`seconds` per phase, and RSS samples).
 */
export async function floodPhase(rows, rejectionLimit, seconds = PHASE_SECONDS) {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-hostile-'))
  const config = {
    server: {
      host: '127.0.0.1',
      port: 0,
      publicUrl: PUBLIC_URL,
      ...(rejectionLimit === undefined ? {} : { rejectionLimit }),
    },
    storage: { sqlite: join(dir, 'hookgate.db') },
    log: { level: 'warn' },
    sources: [
      { id: 'valid', provider: 'github', secrets: ['valid-bench-secret-0123456789abcdef'] },
      ...rows.map((row) => row.config),
    ],
  }
  const gateway = await launchGateway(dir, config)
  const validPreset = providers.github({ secrets: ['valid-bench-secret-0123456789abcdef'] })
  const validAgent = new Agent({ keepAlive: true, maxSockets: 16 })
  const hostileAgent = new Agent({ keepAlive: true, maxSockets: 16 })
  const hostile = rows.flatMap((row) => row.hostile.map(([, request]) => request))
  let n = 0
  const sendValid = () => {
    const body = Buffer.from(
      JSON.stringify({ zen: 'valid during a flood', n: n++, pad: 'p'.repeat(900) }),
    )
    return exchange(gateway.url, {
      path: '/webhooks/valid',
      agent: validAgent,
      localAddress: '127.0.0.1',
      headers: {
        'content-type': 'application/json',
        'x-github-delivery': `valid-${process.pid}-${n}`,
        ...signWebhook(validPreset, { body }),
      },
      body,
    })
  }
  const sendHostile = (i) => {
    const request = hostile[i % hostile.length]
    const url = new URL(request.url)
    return exchange(gateway.url, {
      path: url.pathname + url.search,
      agent: hostileAgent,
      localAddress: '127.0.0.2',
      headers: request.headers,
      body: request.rawBody,
    })
  }
  try {
    await openLoop(VALID_RATE, 1, sendValid) // warm-up
    const quiet = await openLoop(VALID_RATE, seconds, sendValid)
    const rssBefore = gateway.rssMiB()
    const [flooded, attacks] = await Promise.all([
      openLoop(VALID_RATE, seconds, sendValid),
      openLoop(HOSTILE_RATE, seconds, sendHostile),
    ])
    const statuses = {}
    for (const answer of attacks) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1
    const bad = [...quiet, ...flooded].filter((answer) => answer.status !== 200).length
    return { quiet, flooded, statuses, bad, rss: [rssBefore, gateway.rssMiB()] }
  } finally {
    validAgent.destroy()
    hostileAgent.destroy()
    await gateway.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function run({ flood = true } = {}) {
  const rows = buildRows()
  console.log(
    `CPU per request, in process (@hookgate/verify dist), ~${(SIZE / 1_048_576).toFixed(2)} MiB bodies, median of alternating calls:\n`,
  )
  const targets = cpuTable(rows)

  if (!flood) return { targets }
  console.log(
    `\nFlood: valid 1 KiB GitHub webhooks at ${VALID_RATE}/s from 127.0.0.1; hostile ~1 MiB requests of every row above, in turn, at ${HOSTILE_RATE}/s from 127.0.0.2; ${PHASE_SECONDS} s per phase, hookgate serve (built):\n`,
  )
  const lines = []
  for (const [label, limit] of [
    ['default rejection limit', undefined],
    ['rejection limit off', { burst: 0 }],
  ]) {
    const r = await floodPhase(rows, limit)
    const quietP99 = percentile(
      r.quiet.map((a) => a.ms),
      99,
    )
    const floodP99 = percentile(
      r.flooded.map((a) => a.ms),
      99,
    )
    const ratio = floodP99 / quietP99
    lines.push([
      label,
      percentile(
        r.quiet.map((a) => a.ms),
        50,
      ).toFixed(1),
      quietP99.toFixed(1),
      percentile(
        r.flooded.map((a) => a.ms),
        50,
      ).toFixed(1),
      floodP99.toFixed(1),
      `${ratio.toFixed(2)}×`,
      Object.entries(r.statuses)
        .map(([status, count]) => `${status}:${count}`)
        .join(' '),
      String(r.bad),
      r.rss.map((v) => (v === undefined ? '?' : v.toFixed(0))).join('→'),
    ])
    // Sub-millisecond quiet p99s make the ratio noisy: 2× or within 5 ms of the quiet p99.
    targets.push({
      name: `${label}: valid p99 under flood ≤ 2× quiet (${ratio.toFixed(2)}×)`,
      pass: ratio <= 2 || floodP99 - quietP99 <= 5,
    })
    targets.push({ name: `${label}: every valid webhook answered 200`, pass: r.bad === 0 })
  }
  printTable(
    [
      'gateway',
      'quiet p50 ms',
      'quiet p99 ms',
      'flood p50 ms',
      'flood p99 ms',
      'p99 ratio',
      'hostile answers',
      'valid non-200',
      'RSS MiB',
    ],
    lines,
    1,
  )
  return { targets }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { targets } = await run({ flood: process.env.BENCH_HOSTILE_FLOOD !== '0' })
  for (const target of targets) console.log(`${target.pass ? 'met   ' : 'MISSED'} ${target.name}`)
}
