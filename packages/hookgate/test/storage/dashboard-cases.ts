/**
 * Conformance cases of the storage methods the dashboard reads with (issue 13): filtered listings, a page's
 * delivery counts, the newest event per source, the open backlog, and the traffic counts. Run by
 * `defineStorageSuite()` for every backend.
 */
import { describe, expect, it } from 'vitest'
import type { NextStep, Storage, StoredEvent, TrafficRow } from '../../src/storage/types.ts'
import type { StorageFactoryOptions } from './suite.ts'
import { makeAttempt, makeEvent, makeRejection } from './suite.ts'

const T = 1_800_000_000_000
const at = (ms: number): Date => new Date(T + ms)
const MINUTE = 60_000
const DEAD: NextStep = { kind: 'dead', reason: 'gone' }

async function allIds(
  storage: Storage,
  query: Parameters<Storage['listEvents']>[0],
): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | undefined
  for (let pages = 0; pages < 100; pages++) {
    const page = await storage.listEvents({ ...query, ...(cursor === undefined ? {} : { cursor }) })
    ids.push(...page.items.map((e) => e.id))
    cursor = page.nextCursor
    if (cursor === undefined) return ids
  }
  throw new Error('pagination does not end')
}

export function defineDashboardCases(
  fresh: (options?: StorageFactoryOptions) => Promise<Storage>,
): void {
  describe('dashboard reads (issue 13)', () => {
    /**
     * Ten events, newest last: sources a/b alternate, types push/ping, times 0..9 minutes; destinations x and y.
     * Event 3's x delivery dies, event 5's x delivery is delivered, the rest stay pending.
     */
    async function seeded(): Promise<{ storage: Storage; events: StoredEvent[] }> {
      const storage = await fresh()
      const events: StoredEvent[] = []
      for (let i = 0; i < 10; i++) {
        const { event } = await storage.ingest(
          makeEvent({
            sourceId: i % 2 === 0 ? 'a' : 'b',
            eventType: i % 3 === 0 ? 'ping' : 'push',
            providerEventId: i === 7 ? undefined : `prov-${i}`,
            dedupeKey: i === 7 ? `sha256:${'7'.repeat(64)}` : `prov-${i}`,
            receivedAt: at(-100 * MINUTE + i * MINUTE),
          }),
          ['x', 'y'],
        )
        events.push(event)
      }
      const claimed = await storage.claimDue({
        workerId: 'w',
        limit: 100,
        leaseMs: 30_000,
        now: at(0),
        destinationIds: ['x'],
      })
      const byEvent = new Map(claimed.map((d) => [d.eventId, d]))
      for (const d of claimed) {
        const next: NextStep =
          d.eventId === events[3]!.id
            ? DEAD
            : d.eventId === events[5]!.id
              ? { kind: 'done' }
              : { kind: 'retry', at: at(60_000) }
        await storage.recordAttempt(d.leaseToken, makeAttempt(), next)
      }
      expect(byEvent.size).toBe(10)
      return { storage, events }
    }

    it('listEvents filters on source, type, delivery status, time range and exact search, keyset-paginated', async () => {
      const { storage, events } = await seeded()
      const ids = (indexes: number[]) => indexes.map((i) => events[i]!.id)
      expect(await allIds(storage, { limit: 3 })).toEqual(ids([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]))
      expect(await allIds(storage, { sourceId: 'a', limit: 2 })).toEqual(ids([8, 6, 4, 2, 0]))
      expect(await allIds(storage, { eventType: 'ping', limit: 1 })).toEqual(ids([9, 6, 3, 0]))
      expect(await allIds(storage, { sourceId: 'b', eventType: 'ping' })).toEqual(ids([9, 3]))
      expect(await allIds(storage, { status: 'dead' })).toEqual(ids([3]))
      expect(await allIds(storage, { status: 'delivered' })).toEqual(ids([5]))
      expect(await allIds(storage, { status: 'in_flight' })).toEqual([])
      // Every event has a pending delivery to y.
      expect(await allIds(storage, { status: 'pending', limit: 4 })).toHaveLength(10)
      expect(
        await allIds(storage, { from: at(-98 * MINUTE), to: at(-95 * MINUTE), limit: 2 }),
      ).toEqual(ids([4, 3, 2]))
      expect(await allIds(storage, { from: at(-91 * MINUTE) })).toEqual(ids([9]))
      expect(await allIds(storage, { to: at(-99 * MINUTE) })).toEqual(ids([0]))
      // Search: Hookgate id, provider id, dedupe key; exact only.
      expect(await allIds(storage, { search: events[4]!.id })).toEqual(ids([4]))
      expect(await allIds(storage, { search: 'prov-6' })).toEqual(ids([6]))
      expect(await allIds(storage, { search: `sha256:${'7'.repeat(64)}` })).toEqual(ids([7]))
      expect(await allIds(storage, { search: 'prov-' })).toEqual([])
      expect(await allIds(storage, { search: 'prov-6', sourceId: 'b' })).toEqual([])
      expect(await allIds(storage, { search: 'nul\u0000' })).toEqual([])
      expect(await allIds(storage, { eventType: 'nul\u0000' })).toEqual([])
      // Everything at once.
      expect(
        await allIds(storage, {
          sourceId: 'b',
          eventType: 'ping',
          status: 'dead',
          from: at(-100 * MINUTE),
          to: at(0),
          search: 'prov-3',
        }),
      ).toEqual(ids([3]))
    })

    it('search finds a provider id that differs from its dedupe key, and a dedupe key in any source (issue 15)', async () => {
      // The gateway stores the provider id as the dedupe key; API callers may give both, different: the partial
      // index of migration 0005 (SQLite) / 0003 (PostgreSQL) holds exactly those rows.
      const storage = await fresh()
      const own = await storage.ingest(
        makeEvent({ sourceId: 'b', providerEventId: 'prov-own', dedupeKey: 'key-own' }),
        [],
      )
      const same = await storage.ingest(
        makeEvent({ sourceId: 'c', providerEventId: 'prov-same', dedupeKey: 'prov-same' }),
        [],
      )
      const other = await storage.ingest(
        makeEvent({ sourceId: 'a', providerEventId: 'prov-same', dedupeKey: 'key-other' }),
        [],
      )
      expect(await allIds(storage, { search: 'prov-own' })).toEqual([own.event.id])
      expect(await allIds(storage, { search: 'key-own' })).toEqual([own.event.id])
      expect(await allIds(storage, { search: 'key-own', sourceId: 'a' })).toEqual([])
      expect(await allIds(storage, { search: 'key-own', sourceId: 'b' })).toEqual([own.event.id])
      expect(await allIds(storage, { search: 'prov-same' })).toEqual([
        other.event.id,
        same.event.id,
      ])
      expect(await allIds(storage, { search: 'prov-same', sourceId: 'c' })).toEqual([same.event.id])
    })

    it('listEvents refuses a bad status and bad dates; listRejections filters on reason and time', async () => {
      const storage = await fresh()
      await expect(storage.listEvents({ status: 'lost' as never })).rejects.toBeInstanceOf(
        RangeError,
      )
      await expect(storage.listEvents({ from: new Date(Number.NaN) })).rejects.toBeInstanceOf(
        TypeError,
      )
      await expect(storage.listEvents({ eventType: 3 as never })).rejects.toBeInstanceOf(TypeError)
      await expect(storage.listRejections({ to: 'yesterday' as never })).rejects.toBeInstanceOf(
        TypeError,
      )

      for (let i = 0; i < 6; i++)
        await storage.recordRejection(
          makeRejection({
            sourceId: i < 3 ? 'a' : 'b',
            reason: i % 2 === 0 ? 'signature_mismatch' : 'timestamp_too_old',
            receivedAt: at(i * MINUTE),
            message: `r${i}`,
          }),
        )
      const messages = async (query: Parameters<Storage['listRejections']>[0]) => {
        const out: string[] = []
        let cursor: string | undefined
        do {
          const page = await storage.listRejections({
            ...query,
            limit: 2,
            ...(cursor === undefined ? {} : { cursor }),
          })
          out.push(...page.items.map((r) => r.message))
          cursor = page.nextCursor
        } while (cursor !== undefined)
        return out
      }
      expect(await messages({ reason: 'signature_mismatch' })).toEqual(['r4', 'r2', 'r0'])
      expect(await messages({ reason: 'timestamp_too_old', sourceId: 'a' })).toEqual(['r1'])
      expect(await messages({ from: at(2 * MINUTE), to: at(4 * MINUTE) })).toEqual(['r3', 'r2'])
      expect(await messages({ reason: 'nope' })).toEqual([])
      expect(await messages({ reason: 'nul\u0000' })).toEqual([])
    })

    it('deliveryCounts counts one page of events per status in one call; latestEventTimes per source', async () => {
      const { storage, events } = await seeded()
      const counts = await storage.deliveryCounts([
        events[3]!.id,
        events[5]!.id,
        events[0]!.id,
        'evt_unknown',
        events[3]!.id,
      ])
      expect(counts.get(events[3]!.id)).toEqual({ pending: 1, inFlight: 0, delivered: 0, dead: 1 })
      expect(counts.get(events[5]!.id)).toEqual({ pending: 1, inFlight: 0, delivered: 1, dead: 0 })
      expect(counts.get(events[0]!.id)).toEqual({ pending: 2, inFlight: 0, delivered: 0, dead: 0 })
      expect(counts.has('evt_unknown')).toBe(false)
      expect((await storage.deliveryCounts([])).size).toBe(0)
      await expect(
        storage.deliveryCounts(Array.from({ length: 501 }, (_, i) => `evt_${i}`)),
      ).rejects.toBeInstanceOf(RangeError)

      const latest = await storage.latestEventTimes(['a', 'b', 'none'])
      expect(latest.get('a')).toEqual(events[8]!.receivedAt)
      expect(latest.get('b')).toEqual(events[9]!.receivedAt)
      expect(latest.has('none')).toBe(false)
    })

    it('destinationBacklog counts pending, in-flight and dead per destination, never delivered', async () => {
      const { storage } = await seeded()
      await storage.claimDue({
        workerId: 'w',
        limit: 2,
        leaseMs: 30_000,
        now: at(0),
        destinationIds: ['y'],
      })
      expect(await storage.destinationBacklog()).toEqual([
        { destinationId: 'x', pending: 8, inFlight: 0, dead: 1, oldestDueAt: at(60_000) },
        { destinationId: 'y', pending: 8, inFlight: 2, dead: 0, oldestDueAt: at(-98 * MINUTE) },
      ])
      // Agrees with the full statistics.
      const stats = await storage.destinationStats()
      for (const s of stats) {
        const b = (await storage.destinationBacklog()).find(
          (x) => x.destinationId === s.destinationId,
        )!
        expect([b.pending, b.inFlight, b.dead, b.oldestDueAt]).toEqual([
          s.pending,
          s.inFlight,
          s.dead,
          s.oldestDueAt,
        ])
      }
    })

    it('countDelivered counts delivered deliveries per destination up to the cap, and says when there are more', async () => {
      const storage = await fresh()
      for (let i = 0; i < 3; i++)
        await storage.ingest(makeEvent({ dedupeKey: `d-${i}`, receivedAt: at(i) }), ['z', 'w'])
      const claimed = await storage.claimDue({
        workerId: 'w',
        limit: 100,
        leaseMs: 30_000,
        now: at(MINUTE),
        destinationIds: ['z'],
      })
      for (const d of claimed)
        await storage.recordAttempt(d.leaseToken, makeAttempt(), { kind: 'done' })
      expect(
        (await storage.destinationStats()).find((s) => s.destinationId === 'z')?.delivered,
      ).toBe(3)
      expect(await storage.countDelivered(['z', 'w', 'none'], { cap: 1_000 })).toEqual([
        { destinationId: 'z', delivered: 3, capped: false },
        { destinationId: 'w', delivered: 0, capped: false },
        { destinationId: 'none', delivered: 0, capped: false },
      ])
      expect(await storage.countDelivered(['z'], { cap: 3 })).toEqual([
        { destinationId: 'z', delivered: 3, capped: false },
      ])
      expect(await storage.countDelivered(['z', 'z'], { cap: 2 })).toEqual([
        { destinationId: 'z', delivered: 2, capped: true },
      ])
      expect(await storage.countDelivered([], { cap: 5 })).toEqual([])
      for (const cap of [0, 1.5, 2_000_000, Number.NaN])
        await expect(storage.countDelivered(['z'], { cap })).rejects.toThrow(TypeError)
      await expect(storage.countDelivered([1 as unknown as string], { cap: 5 })).rejects.toThrow(
        TypeError,
      )
    })

    it('addTraffic adds (upsert) and traffic sums per epoch-aligned bucket; pruneTraffic deletes old minutes', async () => {
      const storage = await fresh()
      const base = Math.floor(T / 3_600_000) * 3_600_000 // an hour boundary
      const row = (
        minute: number,
        outcome: string,
        count: number,
        subjectId = 'a',
      ): TrafficRow => ({
        kind: 'source',
        subjectId,
        bucketStart: new Date(base + minute * MINUTE),
        outcome,
        count,
      })
      await storage.addTraffic([
        row(0, 'accepted', 2),
        row(0, 'accepted', 3), // same key in one call: summed
        row(1, 'duplicate', 1),
        row(59, 'rejected:signature_mismatch', 4),
        row(60, 'accepted', 7),
        { ...row(5, 'delivered', 9, 'x'), kind: 'destination' },
      ])
      await storage.addTraffic([row(0, 'accepted', 10), row(60, 'accepted', 1, 'b')]) // adds to the stored count
      await storage.addTraffic([])

      const sorted = (rows: readonly TrafficRow[]) =>
        [...rows]
          .map(
            (r) =>
              `${r.kind}/${r.subjectId}/${r.bucketStart.toISOString()}/${r.outcome}=${r.count}`,
          )
          .sort()
      const iso = (minute: number) => new Date(base + minute * MINUTE).toISOString()
      expect(
        sorted(
          await storage.traffic({
            since: new Date(base),
            until: new Date(base + 120 * MINUTE),
            bucketSeconds: 60,
          }),
        ),
      ).toEqual(
        [
          `source/a/${iso(0)}/accepted=15`,
          `source/a/${iso(1)}/duplicate=1`,
          `source/a/${iso(59)}/rejected:signature_mismatch=4`,
          `source/a/${iso(60)}/accepted=7`,
          `source/b/${iso(60)}/accepted=1`,
          `destination/x/${iso(5)}/delivered=9`,
        ].sort(),
      )
      expect(
        sorted(
          await storage.traffic({
            since: new Date(base),
            until: new Date(base + 60 * MINUTE),
            bucketSeconds: 3600,
          }),
        ),
      ).toEqual(
        [
          `source/a/${iso(0)}/accepted=15`,
          `source/a/${iso(0)}/duplicate=1`,
          `source/a/${iso(0)}/rejected:signature_mismatch=4`,
          `destination/x/${iso(0)}/delivered=9`,
        ].sort(),
      )
      // Bad input: refused, nothing written.
      await expect(storage.addTraffic([row(0, 'accepted', 0)])).rejects.toBeInstanceOf(TypeError)
      await expect(storage.addTraffic([row(0, 'accepted', 1.5)])).rejects.toBeInstanceOf(TypeError)
      await expect(
        storage.addTraffic([{ ...row(0, 'accepted', 1), bucketStart: new Date(base + 1) }]),
      ).rejects.toBeInstanceOf(TypeError)
      await expect(
        storage.addTraffic([{ ...row(0, 'accepted', 1), kind: 'other' as never }]),
      ).rejects.toBeInstanceOf(TypeError)
      await expect(
        storage.traffic({ since: new Date(base), until: new Date(base), bucketSeconds: 90 }),
      ).rejects.toBeInstanceOf(RangeError)

      expect(await storage.pruneTraffic(new Date(base + 59 * MINUTE))).toBe(3)
      expect(
        sorted(
          await storage.traffic({
            since: new Date(0),
            until: new Date(base + 1000 * MINUTE),
            bucketSeconds: 21_600,
          }),
        ),
      ).toEqual(
        [
          `source/a/${new Date(Math.floor((base + 59 * MINUTE) / 21_600_000) * 21_600_000).toISOString()}/rejected:signature_mismatch=4`,
          `source/a/${new Date(Math.floor((base + 60 * MINUTE) / 21_600_000) * 21_600_000).toISOString()}/accepted=7`,
          `source/b/${new Date(Math.floor((base + 60 * MINUTE) / 21_600_000) * 21_600_000).toISOString()}/accepted=1`,
        ].sort(),
      )
    })

    it('concurrent addTraffic calls on the same rows lose no count', async () => {
      const storage = await fresh()
      const minute = new Date(Math.floor(T / MINUTE) * MINUTE)
      await Promise.all(
        Array.from({ length: 20 }, () =>
          storage.addTraffic([
            { kind: 'source', subjectId: 'a', bucketStart: minute, outcome: 'accepted', count: 1 },
            {
              kind: 'destination',
              subjectId: 'x',
              bucketStart: minute,
              outcome: 'retry',
              count: 2,
            },
          ]),
        ),
      )
      const rows = await storage.traffic({
        since: minute,
        until: new Date(minute.getTime() + MINUTE),
        bucketSeconds: 60,
      })
      expect(rows.find((r) => r.kind === 'source')?.count).toBe(20)
      expect(rows.find((r) => r.kind === 'destination')?.count).toBe(40)
    })
  })
}
