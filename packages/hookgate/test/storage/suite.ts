/**
 * THE storage conformance suite (STYLE 3.4): every backend runs it through `defineStorageSuite()`, from its
 * own `test/storage/<dialect>.test.ts`. It speaks only the domain contract of `src/storage/types.ts`.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
  StorageUnavailableError,
  type NewEvent,
  type NewRejection,
  type Storage,
  type StoredEvent,
} from '../../src/storage/types.ts'

/** What a test may ask of a new store. Factories must honour every field. */
export interface StorageFactoryOptions {
  readonly maxRejections?: number
}

/** Returns a NEW, EMPTY, not yet migrated store (its own file, schema or database) on every call. */
export type StorageFactory = (options?: StorageFactoryOptions) => Promise<Storage>

export interface StorageSuiteOptions {
  /** Assert that concurrent ingests share commits (`stats`). Default true: the contract requires group commit. */
  readonly groupCommit?: boolean
  /**
   * Migration parity (pg-boss drift tests): a normalised dump of the schema of a fresh install, and of one
   * migrated one step at a time. Skipped when absent.
   */
  readonly schemaParity?: {
    readonly fresh: () => Promise<string>
    readonly stepwise: () => Promise<string>
  }
}

let counter = 0

/** A valid event; each call gets its own dedupe key unless overridden. */
export function makeEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  counter++
  return {
    sourceId: 'src-a',
    provider: 'stripe',
    dedupeKey: `evt-${counter}-${randomBytes(4).toString('hex')}`,
    providerEventId: `evt_provider_${counter}`,
    eventType: 'invoice.paid',
    receivedAt: new Date(1_750_000_000_000 + counter),
    headers: { 'content-type': 'application/json', 'stripe-signature': '[redacted]' },
    body: new TextEncoder().encode(JSON.stringify({ n: counter })),
    ...overrides,
  }
}

export function makeRejection(overrides: Partial<NewRejection> = {}): NewRejection {
  counter++
  return {
    sourceId: 'src-a',
    receivedAt: new Date(1_750_000_000_000 + counter),
    status: 401,
    reason: 'signature_mismatch',
    message: `rejection ${counter}`,
    remoteAddress: '203.0.113.7',
    headers: { 'user-agent': 'Stripe/1.0', 'stripe-signature': '[redacted]' },
    bodySize: 123,
    bodySha256: 'a'.repeat(64),
    ...overrides,
  }
}

/** Random bytes that are certainly not UTF-8 (lone continuation byte, overlong NUL, surrogate, 0xFF, NUL). */
export function nastyBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(randomBytes(size))
  bytes.set([0x80, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xff, 0xfe, 0x00, 0xc3, 0x28], 0)
  return bytes
}

function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array)
  expect(actual.byteLength).toBe(expected.byteLength)
  expect(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(Buffer.from(expected))).toBe(true)
}

/** The stored form of `event` under `id`: what getEvent must return. */
function stored(id: string, event: NewEvent): StoredEvent {
  return { id, ...event }
}

async function allPages<T extends { id: string }>(
  list: (cursor: string | undefined) => Promise<{ items: readonly T[]; nextCursor?: string }>,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = []
  let cursor: string | undefined
  let pages = 0
  do {
    const page = await list(cursor)
    pages++
    ids.push(...page.items.map((item) => item.id))
    cursor = page.nextCursor
    if (pages > 1000) throw new Error('pagination does not end')
  } while (cursor !== undefined)
  return { ids, pages }
}

/**
 * Defines the conformance tests for one backend.
 * @param name shown in the test names, e.g. `sqlite :memory:`
 * @param create a new, empty, unmigrated store per call
 */
export function defineStorageSuite(name: string, create: StorageFactory, options: StorageSuiteOptions = {}): void {
  describe(`storage conformance: ${name}`, () => {
    const open: Storage[] = []

    /** A new, migrated store, closed after the test. */
    async function fresh(factoryOptions?: StorageFactoryOptions): Promise<Storage> {
      const storage = await create(factoryOptions)
      open.push(storage)
      await storage.migrate()
      return storage
    }

    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()))
    })

    describe('migrations', () => {
      it('migrate() applies every migration once; running it again is a no-op', async () => {
        const storage = await create()
        open.push(storage)
        const first = await storage.migrate()
        expect(first.applied.length).toBeGreaterThan(0)
        expect(new Set(first.applied).size).toBe(first.applied.length)
        expect(await storage.migrate()).toEqual({ applied: [] })
        // Still fully usable after the second run.
        const { event } = await storage.ingest(makeEvent())
        expect(await storage.getEvent(event.id)).toEqual(event)
      })

      it.skipIf(options.schemaParity === undefined)(
        'a fresh install has exactly the schema of one migrated step by step',
        async () => {
          const parity = options.schemaParity!
          const [fromScratch, stepwise] = await Promise.all([parity.fresh(), parity.stepwise()])
          expect(fromScratch.length).toBeGreaterThan(0)
          expect(stepwise).toBe(fromScratch)
        },
      )
    })

    describe('ingest and getEvent', () => {
      it('returns every field, with the body byte-exact (random, non-UTF-8 bytes)', async () => {
        const storage = await fresh()
        const body = nastyBytes(4096)
        const event = makeEvent({
          provider: 'github',
          providerEventId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
          eventType: 'push',
          receivedAt: new Date('2026-01-02T03:04:05.678Z'),
          headers: { 'x-github-event': 'push', 'x-custom': 'ünïcødé ✓', empty: '' },
          body,
        })
        const result = await storage.ingest(event)
        expect(result.duplicate).toBe(false)
        expect(result.event.id).toMatch(/^evt_[0-9a-z]+$/)
        expect(result.event).toEqual(stored(result.event.id, event))

        const got = await storage.getEvent(result.event.id)
        expect(got).toEqual(stored(result.event.id, event))
        expectSameBytes(got!.body, body)
        expect(got!.receivedAt.getTime()).toBe(event.receivedAt.getTime())
      })

      it('keeps an empty body empty and absent optional fields absent', async () => {
        const storage = await fresh()
        const event = makeEvent({ providerEventId: undefined, eventType: undefined, headers: {}, body: new Uint8Array(0) })
        const { event: saved } = await storage.ingest(event)
        const got = await storage.getEvent(saved.id)
        expect(got).toEqual(stored(saved.id, event))
        expect(got!.providerEventId).toBeUndefined()
        expect(got!.eventType).toBeUndefined()
        expectSameBytes(got!.body, new Uint8Array(0))
      })

      it('getEvent of an unknown id is undefined', async () => {
        const storage = await fresh()
        await storage.ingest(makeEvent())
        expect(await storage.getEvent('evt_00000000000000000000000000')).toBeUndefined()
        expect(await storage.getEvent('not-an-id')).toBeUndefined()
      })

      it('ids are unique, prefixed evt_ and increase in ingest order', async () => {
        const storage = await fresh()
        const ids: string[] = []
        for (let i = 0; i < 20; i++) ids.push((await storage.ingest(makeEvent())).event.id)
        expect(new Set(ids).size).toBe(20)
        for (const id of ids) expect(id.startsWith('evt_')).toBe(true)
        expect([...ids].sort()).toEqual(ids)
      })

      it('a bad input fails its own caller only, not the others of the batch', async () => {
        const storage = await fresh()
        const good = [makeEvent(), makeEvent()]
        const bad = makeEvent({ body: 'not bytes' as unknown as Uint8Array })
        const results = await Promise.allSettled([storage.ingest(good[0]!), storage.ingest(bad), storage.ingest(good[1]!)])
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
        expect((results[1] as PromiseRejectedResult).reason).not.toBeInstanceOf(StorageUnavailableError)
        expect((await storage.listEvents({})).items).toHaveLength(2)
      })
    })

    describe('deduplication', () => {
      it('a repeated (source, dedupe key) returns the stored event and stores nothing', async () => {
        const storage = await fresh()
        const first = makeEvent({ dedupeKey: 'evt_same' })
        const a = await storage.ingest(first)
        // A retry by the provider: same key, other arrival time, headers and even body.
        const retry = makeEvent({ dedupeKey: 'evt_same', headers: { retry: '1' }, body: nastyBytes(64) })
        const b = await storage.ingest(retry)
        expect(a.duplicate).toBe(false)
        expect(b.duplicate).toBe(true)
        expect(b.event).toEqual(stored(a.event.id, first))
        const c = await storage.ingest(first)
        expect(c).toEqual({ duplicate: true, event: stored(a.event.id, first) })
        expect((await storage.listEvents({})).items.map((e) => e.id)).toEqual([a.event.id])
      })

      it('50 concurrent identical ingests store one event, exactly one of them not a duplicate', async () => {
        const storage = await fresh()
        const event = makeEvent({ body: nastyBytes(256) })
        const results = await Promise.all(Array.from({ length: 50 }, () => storage.ingest(event)))
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1)
        const ids = new Set(results.map((r) => r.event.id))
        expect(ids.size).toBe(1)
        for (const r of results) expect(r.event).toEqual(stored(results[0]!.event.id, event))
        const page = await storage.listEvents({})
        expect(page.items).toHaveLength(1)
        expectSameBytes(page.items[0]!.body, event.body)
      })

      it('the dedupe key is unique per source, not globally', async () => {
        const storage = await fresh()
        const a = await storage.ingest(makeEvent({ sourceId: 'src-a', dedupeKey: 'k1' }))
        const b = await storage.ingest(makeEvent({ sourceId: 'src-b', dedupeKey: 'k1' }))
        expect(a.duplicate).toBe(false)
        expect(b.duplicate).toBe(false)
        expect(a.event.id).not.toBe(b.event.id)
      })
    })

    describe('group commit', () => {
      it('many concurrent distinct ingests are all stored, sharing commits', async () => {
        const storage = await fresh()
        const before = { ...storage.stats }
        const events = Array.from({ length: 300 }, (_, i) => makeEvent({ sourceId: i % 2 === 0 ? 'src-a' : 'src-b' }))
        const results = await Promise.all(events.map((e) => storage.ingest(e)))
        expect(results.every((r) => !r.duplicate)).toBe(true)
        expect(new Set(results.map((r) => r.event.id)).size).toBe(300)
        for (const i of [0, 1, 150, 299]) {
          expect(await storage.getEvent(results[i]!.event.id)).toEqual(stored(results[i]!.event.id, events[i]!))
        }
        const listed = await allPages((cursor) => storage.listEvents({ limit: 500, ...(cursor ? { cursor } : {}) }))
        expect(new Set(listed.ids)).toEqual(new Set(results.map((r) => r.event.id)))

        const commits = storage.stats.commits - before.commits
        expect(storage.stats.committedEvents - before.committedEvents).toBe(300)
        expect(commits).toBeGreaterThan(0)
        if (options.groupCommit ?? true) expect(commits).toBeLessThan(300) // some commit carried > 1 event
      })
    })

    describe('listEvents', () => {
      it('pages through every event exactly once, newest first, also per source', async () => {
        const storage = await fresh()
        const ids: { id: string; sourceId: string }[] = []
        for (let i = 0; i < 40; i++) {
          const sourceId = i % 3 === 0 ? 'src-b' : 'src-a'
          ids.push({ id: (await storage.ingest(makeEvent({ sourceId }))).event.id, sourceId })
        }
        const newestFirst = ids.map((x) => x.id).reverse()

        const all = await allPages((cursor) => storage.listEvents({ limit: 7, ...(cursor ? { cursor } : {}) }))
        expect(all.ids).toEqual(newestFirst)
        expect(all.pages).toBe(6)

        // An exact multiple of the limit: the last full page says there is no more.
        const exact = await allPages((cursor) => storage.listEvents({ limit: 8, ...(cursor ? { cursor } : {}) }))
        expect(exact.ids).toEqual(newestFirst)
        expect(exact.pages).toBe(5)

        for (const sourceId of ['src-a', 'src-b']) {
          const expected = ids.filter((x) => x.sourceId === sourceId).map((x) => x.id).reverse()
          const got = await allPages((cursor) => storage.listEvents({ sourceId, limit: 4, ...(cursor ? { cursor } : {}) }))
          expect(got.ids).toEqual(expected)
        }
        expect((await storage.listEvents({ sourceId: 'nope' })).items).toEqual([])
      })

      it('a cursor neither skips nor repeats while new events arrive', async () => {
        const storage = await fresh()
        const older: string[] = []
        for (let i = 0; i < 10; i++) older.push((await storage.ingest(makeEvent())).event.id)
        const first = await storage.listEvents({ limit: 4 })
        await Promise.all(Array.from({ length: 5 }, () => storage.ingest(makeEvent())))
        const rest = await allPages((cursor) => storage.listEvents({ limit: 4, cursor: cursor ?? first.nextCursor! }))
        expect([...first.items.map((e) => e.id), ...rest.ids]).toEqual(older.reverse())
      })

      it('defaults to 50 items, accepts 1..500 and rejects other limits and bad cursors with RangeError', async () => {
        const storage = await fresh()
        await Promise.all(Array.from({ length: 55 }, () => storage.ingest(makeEvent())))
        const page = await storage.listEvents({})
        expect(page.items).toHaveLength(50)
        expect(page.nextCursor).toBeTypeOf('string')
        expect((await storage.listEvents({ cursor: page.nextCursor! })).items).toHaveLength(5)
        expect((await storage.listEvents({ limit: 500 })).items).toHaveLength(55)
        expect((await storage.listEvents({ limit: 1 })).items).toHaveLength(1)
        for (const limit of [0, -1, 501, 2.5, Number.NaN]) {
          await expect(storage.listEvents({ limit })).rejects.toThrow(RangeError)
        }
        for (const cursor of ['', '!!', 'bm90LWEtbnVtYmVy', 'evt_00000000000000000000000000']) {
          await expect(storage.listEvents({ cursor })).rejects.toThrow(RangeError)
        }
      })
    })

    describe('rejections', () => {
      it('are recorded with every field and listed newest first, per source, paginated', async () => {
        const storage = await fresh()
        const recorded: { sourceId: string; message: string }[] = []
        for (let i = 0; i < 9; i++) {
          const r = makeRejection({ sourceId: i % 2 === 0 ? 'src-a' : 'src-b' })
          await storage.recordRejection(r)
          recorded.push(r)
        }
        const noAddress = makeRejection({ remoteAddress: undefined, status: 413, reason: 'body_too_large', headers: {} })
        await storage.recordRejection(noAddress)

        const page = await storage.listRejections({ limit: 1 })
        expect(page.items).toHaveLength(1)
        const newest = page.items[0]!
        expect(newest.id).toMatch(/^rej_[0-9a-z]+$/)
        expect(newest).toEqual({ id: newest.id, ...noAddress })
        expect(newest.remoteAddress).toBeUndefined()

        const all = await allPages((cursor) => storage.listRejections({ limit: 3, ...(cursor ? { cursor } : {}) }))
        expect(all.ids).toHaveLength(10)
        const full = (await storage.listRejections({ limit: 500 })).items
        expect(full.map((r) => r.message)).toEqual([noAddress.message, ...recorded.map((r) => r.message).reverse()])
        expect(full.map((r) => r.id)).toEqual(all.ids)

        const onlyB = await storage.listRejections({ sourceId: 'src-b', limit: 500 })
        const expectedB = recorded.filter((r) => r.sourceId === 'src-b').map((r) => r.message)
        expect(onlyB.items.map((r) => r.message)).toEqual(expectedB.reverse())
        await expect(storage.listRejections({ limit: 0 })).rejects.toThrow(RangeError)
      })

      it('are capped at maxRejections, the oldest dropped', async () => {
        const storage = await fresh({ maxRejections: 5 })
        const messages: string[] = []
        for (let i = 0; i < 7; i++) {
          const r = makeRejection()
          messages.push(r.message)
          await storage.recordRejection(r)
        }
        const burst = Array.from({ length: 12 }, () => makeRejection())
        messages.push(...burst.map((r) => r.message))
        await Promise.all(burst.map((r) => storage.recordRejection(r)))
        const kept = (await storage.listRejections({ limit: 500 })).items
        expect(kept.map((r) => r.message)).toEqual(messages.slice(-5).reverse())
        // And it keeps working at the cap.
        const last = makeRejection()
        await storage.recordRejection(last)
        const after = (await storage.listRejections({ limit: 500 })).items
        expect(after).toHaveLength(5)
        expect(after[0]!.message).toBe(last.message)
      })
    })

    describe('health and lifecycle', () => {
      it('checkWritable() resolves on a healthy store', async () => {
        const storage = await fresh()
        await expect(storage.checkWritable()).resolves.toBeUndefined()
        await Promise.all([storage.checkWritable(), storage.ingest(makeEvent()), storage.checkWritable()])
      })

      it('close() commits what is queued; afterwards every call rejects with StorageUnavailableError', async () => {
        const storage = await create()
        await storage.migrate()
        const event = makeEvent()
        const pending = storage.ingest(event)
        const rejection = storage.recordRejection(makeRejection())
        await storage.close()
        const result = await pending
        expect(result.duplicate).toBe(false)
        await expect(rejection).resolves.toBeUndefined()
        await expect(storage.ingest(makeEvent())).rejects.toBeInstanceOf(StorageUnavailableError)
        await expect(storage.recordRejection(makeRejection())).rejects.toBeInstanceOf(StorageUnavailableError)
        await expect(storage.checkWritable()).rejects.toBeInstanceOf(StorageUnavailableError)
        await expect(storage.getEvent(result.event.id)).rejects.toBeInstanceOf(StorageUnavailableError)
        await storage.close() // idempotent
      })
    })
  })
}
