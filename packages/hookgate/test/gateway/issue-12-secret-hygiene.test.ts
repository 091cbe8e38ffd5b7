/**
 * Issue 12, the battery: the secret-hygiene grep. A gateway on a SQLite file (WAL mode) with distinctive secrets for
 * several presets and a destination receives valid, invalid (wrong secret, garbled signature) and duplicate
 * webhooks and delivers them. Then every log line (debug level), the database file with its -wal and -shm, every
 * admin API answer and /metrics are searched, byte for byte, for each secret (as configured and as key bytes), the
 * admin token, and each signature header value sent (whole, and each MAC-like token in it). None may appear: stored
 * events keep their signature headers as `[redacted]`; bodies are stored as is, so the bodies here hold no secret.
 */
import { Buffer } from 'node:buffer'
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, signWebhook, signatureHeadersOf, type ConfiguredPreset } from '@hookgate/verify'
import { startSink, type Sink } from '../delivery/sink.ts'
import { ADMIN_TOKEN, startGateway, type Running } from './harness.ts'

const PUBLIC_URL = 'https://hooks.example.test'
const b64 = (text: string) => Buffer.from(text).toString('base64')

/** Distinctive secrets (the raw-key text of the whsec_ ones is distinctive too). */
const SOURCES = [
  { id: 'gh', provider: 'github', secret: 'gh-SECRET-7f3a9c2e5b1d4f60aa' },
  { id: 'st', provider: 'stripe', secret: 'whsec_STRIPEsecret7f3a9c2e5b1d' },
  { id: 'sl', provider: 'slack', secret: 'slack-SECRET-c0ffee1234567890' },
  { id: 'tw', provider: 'twilio', secret: 'twilio-SECRET-b16b00b5deadbeef' },
  {
    id: 'sw',
    provider: 'standard-webhooks',
    secret: `whsec_${b64('stdwh-SECRET-0123456789abcdef!')}`,
  },
  { id: 'sh', provider: 'shopify', secret: 'shpss-SECRET-9a8b7c6d5e4f3a2b1c' },
  {
    id: 'pp',
    provider: 'hmac-sha256',
    secret: 'generic-SECRET-55aa55aa55aa55aa',
    options: { header: 'X-Api_Key-Signature' },
  },
] as const
const DEST_SECRET = `whsec_${b64('dest-SECRET-fedcba9876543210!!')}`
const WRONG_SECRET = 'wrong-SECRET-0000111122223333'
/** The wrong secret in the form the preset takes (Standard Webhooks keys are whsec_ + base64). */
const wrongFor = (source: (typeof SOURCES)[number]): string =>
  source.provider === 'standard-webhooks' ? `whsec_${b64(WRONG_SECRET)}` : WRONG_SECRET

let sink: Sink
let gw: Running
/** Every string that must never be found. */
const needles = new Set<string>([
  ADMIN_TOKEN,
  DEST_SECRET,
  WRONG_SECRET,
  b64(WRONG_SECRET),
  'dest-SECRET-fedcba9876543210!!',
  DEST_SECRET.slice('whsec_'.length),
])

function presetFor(source: (typeof SOURCES)[number], secret: string): ConfiguredPreset {
  return providers[source.provider]({
    secrets: [secret],
    ...('options' in source ? source.options : {}),
  } as never) as ConfiguredPreset
}

/** Records the signature header values (whole, and their MAC-like tokens) of `headers` as needles. */
function remember(preset: ConfiguredPreset, headers: Record<string, string>): void {
  const names = new Set(signatureHeadersOf(preset).map((name) => name.toLowerCase()))
  for (const [name, value] of Object.entries(headers)) {
    if (!names.has(name.toLowerCase())) continue
    needles.add(value)
    for (const token of value.match(/[A-Za-z0-9+/=_-]{16,}/g) ?? []) needles.add(token)
  }
}

async function post(
  source: (typeof SOURCES)[number],
  n: number,
  secret: string,
  garble = false,
): Promise<number> {
  const body =
    source.provider === 'twilio'
      ? `From=%2B1555000${n}&Body=hygiene+${n}`
      : JSON.stringify({ hygiene: n, source: source.id })
  const url = `${PUBLIC_URL}/webhooks/${source.id}`
  const preset = presetFor(source, secret)
  const signed = signWebhook(preset, { body, url, id: `msg_hygiene_${source.id}_${n}` })
  if (garble)
    for (const name of signatureHeadersOf(preset))
      for (const key of Object.keys(signed))
        if (key.toLowerCase() === name) signed[key] = `${signed[key]}x`
  remember(preset, signed)
  const response = await fetch(`${gw.url}/webhooks/${source.id}`, {
    method: 'POST',
    headers: {
      'content-type':
        source.provider === 'twilio' ? 'application/x-www-form-urlencoded' : 'application/json',
      'x-github-delivery': `hygiene-${n}`,
      'x-shopify-webhook-id': `hygiene-${n}`,
      ...signed,
    },
    body,
  })
  await response.arrayBuffer()
  return response.status
}

beforeAll(async () => {
  for (const source of SOURCES) {
    needles.add(source.secret)
    if (source.secret.startsWith('whsec_')) needles.add(source.secret.slice('whsec_'.length))
  }
  needles.add('stdwh-SECRET-0123456789abcdef!')
  sink = await startSink()
  gw = await startGateway({
    server: { publicUrl: PUBLIC_URL, rejectionLimit: { burst: 0 } },
    sources: SOURCES.map(({ id, provider, secret, ...rest }) => ({
      id,
      provider,
      secrets: [secret],
      ...rest,
    })),
    delivery: { pollIntervalMs: 20, workerId: 'hygiene' },
    destinations: [
      {
        id: 'sink',
        url: `${sink.origin}/in`,
        sources: SOURCES.map((s) => s.id),
        signingSecret: DEST_SECRET,
      },
    ],
  } as never)
})
afterAll(async () => {
  await gw.close()
  await sink.close()
})

describe('issue 12: no secret or signature anywhere after a run', () => {
  it('valid, invalid and duplicate webhooks, delivered; then logs, DB + WAL + SHM, admin answers and /metrics hold none', async () => {
    let stored = 0
    for (const source of SOURCES) {
      expect(await post(source, 1, source.secret), `${source.id} valid`).toBe(200)
      expect(await post(source, 2, source.secret), `${source.id} valid`).toBe(200)
      expect(await post(source, 1, source.secret), `${source.id} duplicate`).toBe(200)
      expect(
        await post(source, 3, wrongFor(source)),
        `${source.id} wrong secret`,
      ).toBeGreaterThanOrEqual(400)
      expect(
        await post(source, 4, source.secret, true),
        `${source.id} garbled`,
      ).toBeGreaterThanOrEqual(400)
      stored += 2
    }
    await sink.waitFor((received) => received.length >= stored)
    await gw.gateway.worker?.idle()
    // What the gateway signed for the destination must not be kept either.
    const destination = providers['standard-webhooks']({ secrets: [DEST_SECRET] })
    for (const received of sink.received) remember(destination, { ...received.headers })

    const texts: [string, string][] = gw.logs.map((line, i) => [`log line ${i}`, line])
    const admin = async (path: string): Promise<any> => {
      const response = await fetch(gw.url + path, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      const text = await response.text()
      texts.push([`GET ${path}`, text])
      return JSON.parse(text)
    }
    const events = await admin('/api/events?limit=200')
    expect(events.items).toHaveLength(stored)
    for (const event of events.items) {
      const full = await admin(`/api/events/${event.id}`)
      // Signature headers are kept, redacted.
      const source = SOURCES.find((s) => s.id === full.sourceId)!
      const presetHeaders = signatureHeadersOf(presetFor(source, source.secret))
      const kept = presetHeaders
        .map((name) => name.toLowerCase())
        .filter((name) => name in full.headers)
      expect(kept.length, `${full.sourceId} keeps its signature header`).toBeGreaterThan(0)
      for (const name of kept)
        expect(full.headers[name], `${full.sourceId} ${name}`).toBe('[redacted]')
      await admin(`/api/events/${event.id}/deliveries`)
    }
    const rejections = await admin('/api/rejections?limit=200')
    expect(rejections.items.length).toBeGreaterThanOrEqual(SOURCES.length * 2)
    await admin('/api/destinations')
    for (const path of ['/metrics', '/healthz', '/readyz'])
      texts.push([path, await (await fetch(gw.url + path)).text()])

    const files = ['', '-wal', '-shm']
      .map((suffix) => gw.dbPath + suffix)
      .filter((path) => existsSync(path))
    expect(files).toContain(`${gw.dbPath}-wal`)
    const blobs: [string, Buffer][] = files.map((path) => [path, readFileSync(path)])

    expect(needles.size).toBeGreaterThan(SOURCES.length * 6)
    const found: string[] = []
    for (const needle of needles) {
      const bytes = Buffer.from(needle, 'utf8')
      for (const [where, text] of texts)
        if (text.includes(needle)) found.push(`${JSON.stringify(needle)} in ${where}`)
      for (const [where, blob] of blobs)
        if (blob.includes(bytes)) found.push(`${JSON.stringify(needle)} in ${where}`)
    }
    expect(found).toEqual([])
  })
})
