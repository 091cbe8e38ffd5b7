/**
 * Issue 12 §2 and §3 through the whole gateway, on both backends: verified webhooks whose id or event type holds
 * U+0000, text outside Latin-1 or a line break are acknowledged, stored and read back exactly as sent, deduplicated,
 * and delivered with the type percent-encoded in `x-hookgate-event-type`, the destination's circuit staying closed.
 * SQLite always; PostgreSQL when HOOKGATE_TEST_POSTGRES_URL is set (each run in its own schema).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { createPostgresStorage } from '../../src/storage/postgres/index.ts'
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts'
import type { Storage } from '../../src/storage/types.ts'
import { startSink, type Sink } from '../delivery/sink.ts'
import { POSTGRES_URL, closeAdminPool, testSchema } from '../storage/postgres-support.ts'
import { startGateway, type Running } from './harness.ts'

const FILE = 'test/gateway/issue-12-both-backends.test.ts'
const SECRET = 'whsec_stripe-secret-both-backends'
const DEST_SECRET = `whsec_${Buffer.from('destination-secret-both-backends').toString('base64')}`
const stripe = providers.stripe({ secrets: [SECRET] })

const CASES = [
  { id: 'evt_\u0000nul', type: 'invoice.\u0000paid' },
  { id: 'evt_check', type: 'order.✓' },
  { id: 'evt_注文', type: '注文.作成' },
  { id: 'evt_newline', type: 'order\ncreated' },
  { id: 'evt_cr\r\nlf', type: 'order\r\n\tcreated' },
] as const

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type Factory = (dbPath: string, hooks: { onCommit(size: number, ms: number): void }) => Storage

async function run(storage: Factory): Promise<void> {
  const sink: Sink = await startSink()
  cleanups.push(() => sink.close())
  const gw: Running = await startGateway(
    {
      sources: [{ id: 'st', provider: 'stripe', secrets: [SECRET] }],
      delivery: {
        pollIntervalMs: 20,
        workerId: 'both-backends',
        circuitBreaker: { failureThreshold: 1 },
      },
      destinations: [
        { id: 'sink', url: `${sink.origin}/in`, sources: ['st'], signingSecret: DEST_SECRET },
      ],
    } as never,
    { storage },
  )
  cleanups.push(() => gw.close())
  const send = async (c: (typeof CASES)[number]) => {
    const body = JSON.stringify({ id: c.id, type: c.type, object: 'event' })
    const response = await fetch(`${gw.url}/webhooks/st`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook(stripe, { body }) },
      body,
    })
    return {
      status: response.status,
      json: (await response.json()) as { id: string; duplicate: boolean },
    }
  }
  const ids = new Map<string, (typeof CASES)[number]>()
  for (const c of CASES) {
    const first = await send(c)
    expect(first, JSON.stringify(c)).toMatchObject({ status: 200, json: { duplicate: false } })
    ids.set(first.json.id, c)
    expect((await send(c)).json).toEqual({ id: first.json.id, duplicate: true })
  }
  for (const [id, c] of ids) {
    expect((await gw.admin(`/api/events/${id}`)).body).toMatchObject({
      id,
      providerEventId: c.id,
      eventType: c.type,
    })
  }
  expect((await gw.admin('/api/events?limit=50')).body.items).toHaveLength(CASES.length)

  await sink.waitFor((received) => received.length >= CASES.length)
  await gw.gateway.worker?.idle()
  const sent = sink.received.map((r) =>
    decodeURIComponent(r.headers['x-hookgate-event-type'] ?? ''),
  )
  expect(sent.sort()).toEqual(CASES.map((c) => c.type).sort())
  const destinations = (await gw.admin('/api/destinations')).body
  expect(destinations.items[0]).toMatchObject({
    state: 'enabled',
    circuit: { state: 'closed', consecutiveFailures: 0 },
    backlog: { pending: 0, delivered: CASES.length, dead: 0 },
  })
}

describe('issue 12: awkward ids and event types through the gateway', () => {
  it('SQLite (file, WAL)', async () => {
    await run((path, hooks) => createSqliteStorage({ path, onCommit: hooks.onCommit }))
  })

  it.skipIf(POSTGRES_URL === undefined)('PostgreSQL (HOOKGATE_TEST_POSTGRES_URL)', async () => {
    const schema = await testSchema(FILE)
    cleanups.push(() => closeAdminPool())
    await run(() => createPostgresStorage({ connectionString: POSTGRES_URL!, schema, poolSize: 2 }))
  })
})
