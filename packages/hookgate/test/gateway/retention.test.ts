/**
 * Retention inside the gateway (issue 14): the pruning loop started with the gateway deletes expired events on
 * its interval, keeps an old event whose delivery is still pending, and the `retention:` config keys.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseConfig } from '../../src/config.ts'
import { CLI_PACE, pruneOnce, pruneOptions, SERVE_PACE } from '../../src/retention.ts'
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts'
import type { PruneOptions } from '../../src/storage/types.ts'
import { wrapStorage } from './harness.ts'
import { startGateway, type Running } from './harness.ts'

const DAY = 86_400_000
const SECRET = 'retention-test-secret-0123456789'
const DEST_SECRET = `whsec_${Buffer.from('destination-secret-retention').toString('base64')}`

const running: Running[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()))
})

function event(receivedAt: Date, n: number) {
  return {
    sourceId: 'gh',
    provider: 'github',
    dedupeKey: `retention-${n}`,
    providerEventId: undefined,
    eventType: 'push',
    receivedAt,
    headers: {},
    body: new TextEncoder().encode(`{"n":${n}}`),
  }
}

describe('retention in the gateway', () => {
  it('the loop prunes an expired event, keeps one with a pending delivery and a young one, and logs a summary', async () => {
    const clock = new Date('2026-03-01T12:00:00Z')
    const gw = await startGateway(
      {
        sources: [{ id: 'gh', provider: 'github', secrets: [SECRET] }],
        destinations: [
          { id: 'd', url: 'https://example.com/hook', sources: ['gh'], signingSecret: DEST_SECRET },
        ],
        // No worker: the delivery stays pending.
        delivery: { mode: 'ingest' },
        retention: { events: '30d', interval: '1s' },
      },
      { now: () => clock },
    )
    running.push(gw)
    const { storage } = gw.gateway
    const old = await storage.ingest(event(new Date(clock.getTime() - 40 * DAY), 1))
    const pending = await storage.ingest(event(new Date(clock.getTime() - 41 * DAY), 2), ['d'])
    const young = await storage.ingest(event(new Date(clock.getTime() - DAY), 3))

    await vi.waitFor(
      async () => {
        expect(await storage.getEvent(old.event.id)).toBeUndefined()
      },
      { timeout: 5_000, interval: 50 },
    )
    expect(await storage.getEvent(pending.event.id)).toEqual(pending.event)
    expect(await storage.listDeliveries(pending.event.id)).toMatchObject([{ status: 'pending' }])
    expect(await storage.getEvent(young.event.id)).toEqual(young.event)
    const summary = gw.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === 'retention: pruned expired records')
    expect(summary).toMatchObject({ events: 1, rejections: 0 })
  })

  it('parses retention: with defaults, "forever" and durations; refuses nonsense', () => {
    const base = { sources: [{ id: 'gh', provider: 'github', secrets: [SECRET] }] }
    // Unset, events are kept (an upgrade never deletes history); the init starter sets 30d.
    expect(parseConfig(base, { env: {} }).retention).toEqual({
      eventsMs: undefined,
      maxEvents: 0,
      rejectionsMs: 7 * DAY,
      intervalMs: 60_000,
    })
    const custom = parseConfig(
      {
        ...base,
        retention: { events: 'forever', maxEvents: 1000, rejections: '12h', interval: '30s' },
      },
      { env: {} },
    ).retention
    expect(custom).toEqual({
      eventsMs: undefined,
      maxEvents: 1000,
      rejectionsMs: 12 * 3_600_000,
      intervalMs: 30_000,
    })
    const now = new Date(10 * DAY)
    expect(pruneOptions(custom, now)).toEqual({
      batchSize: 500,
      maxEvents: 1000,
      rejectionsOlderThan: new Date(10 * DAY - 12 * 3_600_000),
    })
    expect(
      pruneOptions(
        { eventsMs: undefined, maxEvents: 0, rejectionsMs: undefined, intervalMs: 1 },
        now,
      ),
    ).toBeUndefined()
    expect(() => parseConfig({ ...base, retention: { events: 'soon' } }, { env: {} })).toThrow(
      /retention\.events: must be a duration/,
    )
    expect(() => parseConfig({ ...base, retention: { maxEvents: -1 } }, { env: {} })).toThrow(
      /retention\.maxEvents/,
    )
    expect(() => parseConfig({ ...base, retention: { extra: 1 } }, { env: {} })).toThrow(
      /retention/,
    )
  })

  it("pruneOnce runs batches of the pace's size until none is full, pausing between them (serve and cron paces)", async () => {
    const real = createSqliteStorage({ path: ':memory:' })
    await real.migrate()
    try {
      const clock = new Date('2026-03-01T12:00:00Z')
      for (let n = 0; n < 23; n++)
        await real.ingest(event(new Date(clock.getTime() - 40 * DAY - n), 100 + n))
      const calls: PruneOptions[] = []
      const pauses: number[] = []
      let last = 0
      const storage = wrapStorage(real, {
        prune: async (options) => {
          if (calls.length > 0) pauses.push(performance.now() - last)
          calls.push(options)
          const result = await real.prune(options)
          last = performance.now()
          return result
        },
      })
      const retention = { eventsMs: 30 * DAY, maxEvents: 0, rejectionsMs: undefined, intervalMs: 1 }
      const totals = await pruneOnce(storage, retention, clock, undefined, {
        batchSize: 5,
        ratio: 0,
        minPauseMs: 20,
      })
      expect(totals).toMatchObject({ events: 23, rejections: 0, batches: 5 })
      expect(calls.map((c) => c.batchSize)).toEqual([5, 5, 5, 5, 5])
      // A timer of at least minPauseMs ran between batches (timers may fire a millisecond early).
      for (const pause of pauses) expect(pause).toBeGreaterThanOrEqual(19)
      expect(SERVE_PACE.batchSize).toBeLessThan(CLI_PACE.batchSize)
      expect(SERVE_PACE.ratio).toBeGreaterThanOrEqual(4)
      expect(CLI_PACE.minPauseMs).toBeGreaterThanOrEqual(100)
    } finally {
      await real.close()
    }
  })
})
