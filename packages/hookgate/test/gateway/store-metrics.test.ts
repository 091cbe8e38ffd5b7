/**
 * Issue 14: `/metrics` shows the store's size, rows per kind and oldest records (`hookgate_store_*`), on SQLite and
 * PostgreSQL; the figures are cached between scrapes (computed at most every 15 s) and follow ingest and prune.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createPostgresStorage } from '../../src/storage/postgres/index.ts'
import type { Storage } from '../../src/storage/types.ts'
import { closeAdminPool, POSTGRES_URL, testSchema } from '../storage/postgres-support.ts'
import { startGateway, type Running } from './harness.ts'

const SECRET = 'store-metrics-test-secret-0123456789'
const DEST_SECRET = `whsec_${Buffer.from('destination-secret-store-metrics').toString('base64')}`
const FILE = 'test/gateway/store-metrics.test.ts'

const running: Running[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()))
})
afterAll(() => (POSTGRES_URL === undefined ? undefined : closeAdminPool()))

/** The value of one series (exact name and labels) in an exposition text. */
function series(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  if (line === undefined) throw new Error(`no series ${name} in:\n${text}`)
  return Number(line.slice(name.length + 1))
}

const BACKENDS: [string, (() => Promise<() => Storage>) | undefined][] = [
  ['sqlite', undefined],
  ...(POSTGRES_URL === undefined
    ? []
    : ([
        [
          'postgres',
          async () => {
            const schema = await testSchema(FILE)
            return () => createPostgresStorage({ connectionString: POSTGRES_URL!, schema })
          },
        ],
      ] as [string, () => Promise<() => Storage>][])),
]

describe.each(BACKENDS)('store gauges on /metrics (%s)', (_, storageFactory) => {
  it('bytes, rows per kind and oldest ages: plausible, cached between scrapes, following ingest and prune', async () => {
    let clock = new Date('2026-03-01T12:00:00Z')
    const factory = storageFactory === undefined ? undefined : await storageFactory()
    const gw = await startGateway(
      {
        sources: [{ id: 'gh', provider: 'github', secrets: [SECRET] }],
        destinations: [
          { id: 'd', url: 'https://example.com/hook', sources: ['gh'], signingSecret: DEST_SECRET },
        ],
        delivery: { mode: 'ingest' },
      },
      { now: () => clock, ...(factory === undefined ? {} : { storage: factory }) },
    )
    running.push(gw)
    const scrape = async (): Promise<string> => {
      const response = await fetch(`${gw.url}/metrics`)
      expect(response.status).toBe(200)
      return response.text()
    }

    const empty = await scrape()
    expect(empty).toContain('# TYPE hookgate_store_bytes gauge')
    expect(series(empty, 'hookgate_store_rows{kind="events"}')).toBe(0)
    expect(series(empty, 'hookgate_store_rows{kind="rejections"}')).toBe(0)
    expect(series(empty, 'hookgate_store_rows{kind="deliveries",status="pending"}')).toBe(0)
    expect(series(empty, 'hookgate_store_oldest_age_seconds{kind="events"}')).toBe(0)
    expect(series(empty, 'hookgate_store_rows_approximate')).toBe(0)
    const emptyBytes = series(empty, 'hookgate_store_bytes')
    expect(emptyBytes).toBeGreaterThan(0)

    const { storage } = gw.gateway
    const body = new Uint8Array(300_000).fill(0x61)
    for (let n = 0; n < 4; n++) {
      await storage.ingest(
        {
          sourceId: 'gh',
          provider: 'github',
          dedupeKey: `m-${n}`,
          providerEventId: undefined,
          eventType: 'push',
          receivedAt: new Date(clock.getTime() - (n + 1) * 3_600_000),
          headers: {},
          body,
        },
        n === 0 ? ['d'] : [],
      )
    }
    await storage.recordRejection({
      sourceId: 'gh',
      receivedAt: new Date(clock.getTime() - 60_000),
      status: 401,
      reason: 'signature_mismatch',
      message: 'no',
      remoteAddress: undefined,
      headers: {},
      bodySize: 0,
      bodySha256: 'a'.repeat(64),
    })

    // Cached: a scrape within the interval shows the figures computed before the ingest.
    const cached = await scrape()
    expect(series(cached, 'hookgate_store_rows{kind="events"}')).toBe(0)

    clock = new Date(clock.getTime() + 15_000)
    const full = await scrape()
    expect(series(full, 'hookgate_store_rows{kind="events"}')).toBe(4)
    expect(series(full, 'hookgate_store_rows{kind="rejections"}')).toBe(1)
    expect(series(full, 'hookgate_store_rows{kind="deliveries",status="pending"}')).toBe(1)
    expect(series(full, 'hookgate_store_rows{kind="deliveries",status="dead"}')).toBe(0)
    expect(series(full, 'hookgate_store_oldest_age_seconds{kind="events"}')).toBe(4 * 3600 + 15)
    expect(series(full, 'hookgate_store_oldest_age_seconds{kind="rejections"}')).toBe(75)
    expect(series(full, 'hookgate_store_stats_age_seconds')).toBe(0)
    const fullBytes = series(full, 'hookgate_store_bytes')
    // Four 300 kB bodies (compressible, but SQLite and PostgreSQL TOAST keep most of them or their pages).
    expect(fullBytes).toBeGreaterThan(emptyBytes)

    // Ages grow between recomputations; the counts stay cached.
    clock = new Date(clock.getTime() + 5_000)
    const later = await scrape()
    expect(series(later, 'hookgate_store_oldest_age_seconds{kind="events"}')).toBe(4 * 3600 + 20)
    expect(series(later, 'hookgate_store_stats_age_seconds')).toBe(5)

    // Prune all but the event with a pending delivery, and the rejection.
    await storage.prune({ olderThan: clock, rejectionsOlderThan: clock, batchSize: 100 })
    clock = new Date(clock.getTime() + 15_000)
    const pruned = await scrape()
    expect(series(pruned, 'hookgate_store_rows{kind="events"}')).toBe(1)
    expect(series(pruned, 'hookgate_store_rows{kind="rejections"}')).toBe(0)
    expect(series(pruned, 'hookgate_store_oldest_age_seconds{kind="events"}')).toBe(3600 + 35)
    expect(series(pruned, 'hookgate_store_oldest_age_seconds{kind="rejections"}')).toBe(0)
  })
})
