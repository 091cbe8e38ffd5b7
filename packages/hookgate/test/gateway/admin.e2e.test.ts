/**
 * The admin read API over HTTP: bearer auth (401 without, with a wrong token or scheme, on every route),
 * listings with keyset pagination, one event in full, query validation; and the API disabled without a token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { ADMIN_TOKEN, startGateway, type Running } from './harness.ts'

const SECRET = 'github-webhook-secret-0123456789'
const github = providers.github({ secrets: [SECRET] })

let gw: Running
const ids: string[] = []

async function post(source: string, body: string, delivery: string): Promise<string> {
  const response = await fetch(`${gw.url}/webhooks/${source}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-delivery': delivery,
      'x-github-event': 'push',
      ...signWebhook(github, { body }),
    },
    body,
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { id: string }).id
}

beforeAll(async () => {
  gw = await startGateway({
    sources: [
      { id: 'a', provider: 'github', secrets: [SECRET] },
      { id: 'b', provider: 'github', secrets: [SECRET] },
    ],
  })
  for (let i = 0; i < 5; i++) ids.push(await post(i % 2 === 0 ? 'a' : 'b', `{"n":${i}}`, `d-${i}`))
  await fetch(`${gw.url}/webhooks/a`, { method: 'POST', body: '{}' }) // one rejection
})
afterAll(() => gw.close())

describe('authentication', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-admin-token-0123456789' }],
    ['a token prefix', { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }],
    ['another scheme', { authorization: `Basic ${ADMIN_TOKEN}` }],
    ['the bare token', { authorization: ADMIN_TOKEN }],
  ]
  for (const [name, headers] of cases) {
    it(`answers 401 to ${name}, on every route`, async () => {
      for (const path of [
        '/api/events',
        `/api/events/${ids[0]}`,
        '/api/rejections',
        '/api/nothing-here',
      ]) {
        const response = await fetch(gw.url + path, { headers })
        expect(response.status).toBe(401)
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
        expect(((await response.json()) as any).error.code).toBe('unauthorized')
      }
    })
  }

  it('accepts the token (scheme case-insensitive)', async () => {
    const response = await fetch(`${gw.url}/api/events`, {
      headers: { authorization: `bearer ${ADMIN_TOKEN}` },
    })
    expect(response.status).toBe(200)
  })
})

describe('reading', () => {
  it('lists events newest first, filtered by source, paginated with a cursor', async () => {
    const all = await gw.admin('/api/events')
    expect(all.body.items.map((e: any) => e.id)).toEqual([...ids].reverse())
    expect(all.body.nextCursor).toBeNull()
    expect(all.body.items[0]).toEqual({
      id: ids[4],
      sourceId: 'a',
      provider: 'github',
      providerEventId: 'd-4',
      eventType: 'push',
      dedupeKey: 'd-4',
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      bodySize: 7,
      deliveries: { pending: 0, in_flight: 0, delivered: 0, dead: 0 },
    })

    const first = await gw.admin('/api/events?source=a&limit=2')
    expect(first.body.items.map((e: any) => e.id)).toEqual([ids[4], ids[2]])
    expect(first.body.nextCursor).toEqual(expect.any(String))
    const second = await gw.admin(
      `/api/events?source=a&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    )
    expect(second.body.items.map((e: any) => e.id)).toEqual([ids[0]])
    expect(second.body.nextCursor).toBeNull()
  })

  it('returns one event with headers and body', async () => {
    const event = await gw.admin(`/api/events/${ids[1]}`)
    expect(event.status).toBe(200)
    expect(event.body).toMatchObject({
      id: ids[1],
      sourceId: 'b',
      encoding: 'utf8',
      body: '{"n":1}',
    })
    expect(event.body.headers['x-github-delivery']).toBe('d-1')
    expect(event.body.headers['x-hub-signature-256']).toBe('[redacted]')
    expect((await gw.admin('/api/events/evt_doesnotexist')).status).toBe(404)
  })

  it('lists rejections', async () => {
    const rejections = await gw.admin('/api/rejections?source=a')
    expect(rejections.body.items).toHaveLength(1)
    expect(rejections.body.items[0]).toMatchObject({
      sourceId: 'a',
      status: 400,
      reason: 'missing_signature',
      bodySize: 2,
      remoteAddress: '127.0.0.1',
    })
    expect((await gw.admin('/api/rejections?source=b')).body.items).toEqual([])
  })

  it('refuses bad queries with 400 and writes with 405', async () => {
    for (const query of ['limit=0', 'limit=501', 'limit=abc', 'cursor=garbage']) {
      const response = await gw.admin(`/api/events?${query}`)
      expect(response.status, query).toBe(400)
      expect(response.body.error.code).toBe('invalid_query')
    }
    const write = await fetch(`${gw.url}/api/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    expect(write.status).toBe(405)
  })
})

describe('without admin.token', () => {
  it('the admin API is not served', async () => {
    const off = await startGateway({
      admin: undefined,
      sources: [{ id: 'a', provider: 'github', secrets: [SECRET] }],
    } as any)
    try {
      const response = await fetch(`${off.url}/api/events`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      expect(response.status).toBe(404)
    } finally {
      await off.close()
    }
  })
})
