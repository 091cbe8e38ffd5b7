/**
 * Diagnosed and captured rejections through a real gateway (issue 9 §2): a GitHub webhook signed by octokit's own
 * signer over pretty JSON but received re-serialised is recorded with the `body_reserialized` hint; past the
 * source's per-minute budget rejections are recorded as not diagnosed; refusals that are not about the signature
 * (403) carry no diagnosis; capture off keeps no body, capture on keeps it (cut at captureMaxBytes and marked) and
 * `GET /api/rejections/{id}` returns it with the signature headers sealed under the source secret. No secret and no
 * signature in clear in the database or in any admin answer.
 */
import Database from 'better-sqlite3'
import { sign as octokitSign } from '@octokit/webhooks-methods'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSealed } from '../../src/ingest/capture.ts'
import { startGateway, type Running } from './harness.ts'

const SECRET = 'github-rejections-secret-0123456789'
const EVENT = {
  action: 'opened',
  number: 7,
  repository: { full_name: 'octo/hello', note: 'café ☕' },
}
const PRETTY = JSON.stringify(EVENT, null, 2)
const COMPACT = JSON.stringify(EVENT)
const NOW = new Date('2026-03-01T12:00:10Z')

let gw: Running
const signatures = new Set<string>()

async function post(
  source: string,
  body: string,
  signedBody = body,
  extra: Record<string, string> = {},
): Promise<Response> {
  const signature = await octokitSign(SECRET, signedBody)
  signatures.add(signature)
  return fetch(`${gw.url}/webhooks/${source}?token=query-secret-value`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': 'd-1',
      'x-hub-signature-256': signature,
      ...extra,
    },
    body,
  })
}

async function rejections(source: string): Promise<any[]> {
  const { status, body } = await gw.admin(`/api/rejections?source=${source}`)
  expect(status).toBe(200)
  return body.items
}

beforeAll(async () => {
  gw = await startGateway(
    {
      sources: [
        { id: 'captured', provider: 'github', secrets: [SECRET], captureRejected: true },
        { id: 'plain', provider: 'github', secrets: [SECRET] },
        { id: 'budget', provider: 'github', secrets: [SECRET], diagnose: { perMinute: 2 } },
        {
          id: 'small',
          provider: 'github',
          secrets: [SECRET],
          captureRejected: true,
          captureMaxBytes: 16,
        },
        {
          id: 'walled',
          provider: 'github',
          secrets: [SECRET],
          allowIps: ['10.0.0.0/8'],
          captureRejected: true,
        },
      ],
    },
    { now: () => NOW },
  )
})
afterAll(() => gw.close())

describe('diagnosis recorded with each rejection', () => {
  it('a body re-serialised after signing: 401, recorded with the body_reserialized hint', async () => {
    const response = await post('plain', COMPACT, PRETTY)
    expect(response.status).toBe(401)
    const [rejection] = await rejections('plain')
    expect(rejection).toMatchObject({
      sourceId: 'plain',
      provider: 'github',
      status: 401,
      reason: 'signature_mismatch',
      diagnosed: true,
    })
    expect(rejection.diagnosis.map((h: { code: string }) => h.code)).toContain('body_reserialized')
    expect(
      rejection.diagnosis.find((h: { code: string }) => h.code === 'body_reserialized').message,
    ).toMatch(/raw request body/)
    // Capture is off by default: no body kept, none returned.
    expect(rejection.capturedBytes).toBeNull()
    const detail = await gw.admin(`/api/rejections/${rejection.id}`)
    expect(detail.status).toBe(200)
    expect(detail.body.captured).toBeNull()
    const row = new Database(gw.dbPath, { readonly: true })
      .prepare('SELECT captured_body, captured_sealed FROM rejections WHERE id = ?')
      .get(rejection.id)
    expect(row).toEqual({ captured_body: null, captured_sealed: null })
  })

  it('at most diagnose.perMinute per source per minute; the rest are recorded as not diagnosed', async () => {
    for (let i = 0; i < 4; i++) expect((await post('budget', COMPACT, PRETTY)).status).toBe(401)
    const items = (await rejections('budget')).reverse() // oldest first
    expect(items.map((r) => r.diagnosed)).toEqual([true, true, false, false])
    expect(items.map((r) => r.diagnosis === null)).toEqual([false, false, true, true])
    expect(items[0].diagnosis.map((h: { code: string }) => h.code)).toContain('body_reserialized')
  })

  it('refusals that are not about the signature (403) are not diagnosed nor captured', async () => {
    expect((await post('walled', COMPACT, PRETTY)).status).toBe(403)
    const [rejection] = await rejections('walled')
    expect(rejection).toMatchObject({
      status: 403,
      diagnosed: null,
      diagnosis: null,
      capturedBytes: null,
    })
  })
})

describe('captured rejections', () => {
  it('captureRejected keeps the body as received and GET /api/rejections/{id} returns it; signatures only sealed', async () => {
    expect((await post('captured', COMPACT, PRETTY)).status).toBe(401)
    const [rejection] = await rejections('captured')
    expect(rejection.capturedBytes).toBe(Buffer.byteLength(COMPACT))
    const { status, body } = await gw.admin(`/api/rejections/${rejection.id}`)
    expect(status).toBe(200)
    expect(body).toMatchObject({
      id: rejection.id,
      provider: 'github',
      diagnosed: true,
      headers: { 'x-hub-signature-256': '[redacted]' },
    })
    expect(body.captured).toMatchObject({
      method: 'POST',
      encoding: 'utf8',
      body: COMPACT,
      truncated: false,
    })
    expect(body.captured.url).toMatch(/\/webhooks\/captured$/) // no query: it may hold a token
    expect(body.captured.sealed).toMatch(/^v1\.[\w-]+$/)
    // The sealed part opens only with the source's secret, and holds the signature header and the full URL.
    const opened = openSealed(body.captured.sealed, [SECRET], 'captured', body.bodySha256)
    expect(opened?.url).toMatch(/\/webhooks\/captured\?token=query-secret-value$/)
    expect(signatures.has(String(opened?.headers['x-hub-signature-256']))).toBe(true)
    expect(
      openSealed(
        body.captured.sealed,
        ['another-secret-0123456789abcdef'],
        'captured',
        body.bodySha256,
      ),
    ).toBeUndefined()
    expect(openSealed(body.captured.sealed, [SECRET], 'plain', body.bodySha256)).toBeUndefined() // bound to its record
    expect((await gw.admin('/api/rejections/rej_nope')).status).toBe(404)
  })

  it('a body over captureMaxBytes is captured truncated and marked so', async () => {
    expect((await post('small', COMPACT, PRETTY)).status).toBe(401)
    const [rejection] = await rejections('small')
    expect(rejection).toMatchObject({ capturedBytes: 16, bodySize: Buffer.byteLength(COMPACT) })
    const { body } = await gw.admin(`/api/rejections/${rejection.id}`)
    expect(body.captured).toMatchObject({ truncated: true, body: COMPACT.slice(0, 16) })
  })

  it('no secret, signature or query token in clear in the database or the admin answers', async () => {
    const list = JSON.stringify((await gw.admin('/api/rejections?limit=500')).body)
    const details = await Promise.all(
      JSON.parse(list).items.map((r: { id: string }) => gw.admin(`/api/rejections/${r.id}`)),
    )
    const answers = list + JSON.stringify(details.map((d) => d.body))
    const db = new Database(gw.dbPath, { readonly: true })
    const rows = db.prepare('SELECT * FROM rejections').all() as Record<string, unknown>[]
    db.close()
    const stored = rows
      .map((row) =>
        Object.values(row)
          .map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : String(v)))
          .join('\n'),
      )
      .join('\n')
    expect(rows.length).toBeGreaterThan(5)
    for (const text of [answers, stored]) {
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain('query-secret-value')
      for (const signature of signatures) {
        expect(text).not.toContain(signature)
        expect(text).not.toContain(signature.slice('sha256='.length))
      }
    }
  })
})
