/**
 * THE storage conformance suite (STYLE 3.4): every backend runs it through `defineStorageSuite()`, from its
 * own `test/storage/<dialect>.test.ts`. It speaks only the domain contract of `src/storage/types.ts`.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { defineDashboardCases } from './dashboard-cases.ts'
import {
  MAX_RESPONSE_BODY_BYTES,
  StorageUnavailableError,
  type AttemptRecord,
  type ClaimedDelivery,
  type NewEvent,
  type NewRejection,
  type NextStep,
  type PortableEvent,
  type RejectionDetail,
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
  expect(
    Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(Buffer.from(expected)),
  ).toBe(true)
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
export function defineStorageSuite(
  name: string,
  create: StorageFactory,
  options: StorageSuiteOptions = {},
): void {
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
        const event = makeEvent({
          providerEventId: undefined,
          eventType: undefined,
          headers: {},
          body: new Uint8Array(0),
        })
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
        const results = await Promise.allSettled([
          storage.ingest(good[0]!),
          storage.ingest(bad),
          storage.ingest(good[1]!),
        ])
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
        expect((results[1] as PromiseRejectedResult).reason).not.toBeInstanceOf(
          StorageUnavailableError,
        )
        expect((await storage.listEvents({})).items).toHaveLength(2)
      })
    })

    describe('deduplication', () => {
      it('a repeated (source, dedupe key) returns the stored event and stores nothing', async () => {
        const storage = await fresh()
        const first = makeEvent({ dedupeKey: 'evt_same' })
        const a = await storage.ingest(first)
        // A retry by the provider: same key, other arrival time, headers and even body.
        const retry = makeEvent({
          dedupeKey: 'evt_same',
          headers: { retry: '1' },
          body: nastyBytes(64),
        })
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
        const events = Array.from({ length: 300 }, (_, i) =>
          makeEvent({ sourceId: i % 2 === 0 ? 'src-a' : 'src-b' }),
        )
        const results = await Promise.all(events.map((e) => storage.ingest(e)))
        expect(results.every((r) => !r.duplicate)).toBe(true)
        expect(new Set(results.map((r) => r.event.id)).size).toBe(300)
        for (const i of [0, 1, 150, 299]) {
          expect(await storage.getEvent(results[i]!.event.id)).toEqual(
            stored(results[i]!.event.id, events[i]!),
          )
        }
        const listed = await allPages((cursor) =>
          storage.listEvents({ limit: 500, ...(cursor ? { cursor } : {}) }),
        )
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

        const all = await allPages((cursor) =>
          storage.listEvents({ limit: 7, ...(cursor ? { cursor } : {}) }),
        )
        expect(all.ids).toEqual(newestFirst)
        expect(all.pages).toBe(6)

        // An exact multiple of the limit: the last full page says there is no more.
        const exact = await allPages((cursor) =>
          storage.listEvents({ limit: 8, ...(cursor ? { cursor } : {}) }),
        )
        expect(exact.ids).toEqual(newestFirst)
        expect(exact.pages).toBe(5)

        for (const sourceId of ['src-a', 'src-b']) {
          const expected = ids
            .filter((x) => x.sourceId === sourceId)
            .map((x) => x.id)
            .reverse()
          const got = await allPages((cursor) =>
            storage.listEvents({ sourceId, limit: 4, ...(cursor ? { cursor } : {}) }),
          )
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
        const rest = await allPages((cursor) =>
          storage.listEvents({ limit: 4, cursor: cursor ?? first.nextCursor! }),
        )
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
        const noAddress = makeRejection({
          remoteAddress: undefined,
          status: 413,
          reason: 'body_too_large',
          headers: {},
        })
        await storage.recordRejection(noAddress)

        const page = await storage.listRejections({ limit: 1 })
        expect(page.items).toHaveLength(1)
        const newest = page.items[0]!
        expect(newest.id).toMatch(/^rej_[0-9a-z]+$/)
        expect(newest).toEqual({ id: newest.id, ...noAddress })
        expect(newest.remoteAddress).toBeUndefined()

        const all = await allPages((cursor) =>
          storage.listRejections({ limit: 3, ...(cursor ? { cursor } : {}) }),
        )
        expect(all.ids).toHaveLength(10)
        const full = (await storage.listRejections({ limit: 500 })).items
        expect(full.map((r) => r.message)).toEqual([
          noAddress.message,
          ...recorded.map((r) => r.message).reverse(),
        ])
        expect(full.map((r) => r.id)).toEqual(all.ids)

        const onlyB = await storage.listRejections({ sourceId: 'src-b', limit: 500 })
        const expectedB = recorded.filter((r) => r.sourceId === 'src-b').map((r) => r.message)
        expect(onlyB.items.map((r) => r.message)).toEqual(expectedB.reverse())
        await expect(storage.listRejections({ limit: 0 })).rejects.toThrow(RangeError)
      })

      it('keep their diagnosis and diagnosed flag, and a captured request read back byte-exact by getRejection', async () => {
        const storage = await fresh()
        const hints = [
          { code: 'secret_base64_decoded', message: 'The sender base64-decodes the secret.' },
          { code: 'body_reserialized', message: 'The JSON body was re-encoded \u00e9 \u{1F600}.' },
        ]
        const diagnosed = makeRejection({ diagnosed: true, diagnosis: hints })
        const none = makeRejection({ diagnosed: true, diagnosis: [] })
        const notDiagnosed = makeRejection({ diagnosed: false })
        const notSignature = makeRejection({ status: 403, reason: 'ip_not_allowed' })
        const body = nastyBytes(300)
        const captured = {
          method: 'POST',
          url: 'https://hooks.example/webhooks/src-a',
          body,
          truncated: true,
          sealed: 'v1.AAAA.BBBB',
        }
        const withCapture = makeRejection({
          diagnosed: true,
          diagnosis: hints.slice(0, 1),
          captured,
          bodySize: 70_000,
        })
        for (const r of [diagnosed, none, notDiagnosed, notSignature, withCapture])
          await storage.recordRejection(r)

        const items = (await storage.listRejections({ limit: 500 })).items
        const { captured: _omitted, ...summary } = withCapture
        expect(items[0]).toEqual({ id: items[0]!.id, ...summary, capturedBytes: 300 })
        expect(items[1]).toEqual({ id: items[1]!.id, ...notSignature })
        expect(items[1]!.diagnosed).toBeUndefined()
        expect(items[1]!.diagnosis).toBeUndefined()
        expect(items[1]!.capturedBytes).toBeUndefined()
        expect(items[2]).toMatchObject({ diagnosed: false })
        expect(items[2]!.diagnosis).toBeUndefined()
        expect(items[3]).toEqual({ id: items[3]!.id, ...none })
        expect(items[4]).toEqual({ id: items[4]!.id, ...diagnosed })

        const detail = await storage.getRejection(items[0]!.id)
        expect(detail).toBeDefined()
        expect(detail!.captured).toMatchObject({
          method: 'POST',
          url: captured.url,
          truncated: true,
          sealed: captured.sealed,
        })
        expectSameBytes(detail!.captured!.body, body)
        expect(detail).toEqual({ id: items[0]!.id, ...withCapture, capturedBytes: 300 })
        // A rejection without a capture has none; an unknown id is undefined.
        const plain = await storage.getRejection(items[4]!.id)
        expect(plain).toEqual(items[4])
        expect(plain!.captured).toBeUndefined()
        expect(await storage.getRejection('rej_unknown')).toBeUndefined()
        expect(await storage.getRejection('rej_\u0000')).toBeUndefined()
        // An empty captured body is a capture (not "none"); no sealed headers is undefined.
        await storage.recordRejection(
          makeRejection({
            captured: {
              method: 'POST',
              url: '/x',
              body: new Uint8Array(),
              truncated: false,
              sealed: undefined,
            },
          }),
        )
        const empty = (await storage.listRejections({ limit: 1 })).items[0]!
        expect(empty.capturedBytes).toBe(0)
        expect((await storage.getRejection(empty.id))!.captured).toEqual({
          method: 'POST',
          url: '/x',
          body: new Uint8Array(),
          truncated: false,
          sealed: undefined,
        })
      })

      it('captured requests are pruned with their rejections by maxRejections', async () => {
        const storage = await fresh({ maxRejections: 3 })
        const ids: string[] = []
        for (let i = 0; i < 5; i++) {
          const captured = {
            method: 'POST',
            url: '/w',
            body: new TextEncoder().encode(`body ${i}`),
            truncated: false,
            sealed: undefined,
          }
          await storage.recordRejection(makeRejection({ diagnosed: false, captured }))
          ids.push((await storage.listRejections({ limit: 1 })).items[0]!.id)
        }
        expect(await storage.getRejection(ids[0]!)).toBeUndefined()
        expect(await storage.getRejection(ids[1]!)).toBeUndefined()
        const kept = await storage.getRejection(ids[4]!)
        expect(new TextDecoder().decode(kept!.captured!.body)).toBe('body 4')
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

    defineDeliveryCases(fresh)
    defineRetentionCases(fresh)
    defineInputCases(fresh)
    defineDashboardCases(fresh)
    defineTransferCases(fresh)

    describe('health and lifecycle', () => {
      it('checkWritable() resolves on a healthy store', async () => {
        const storage = await fresh()
        await expect(storage.checkWritable()).resolves.toBeUndefined()
        await Promise.all([
          storage.checkWritable(),
          storage.ingest(makeEvent()),
          storage.checkWritable(),
        ])
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
        await expect(storage.recordRejection(makeRejection())).rejects.toBeInstanceOf(
          StorageUnavailableError,
        )
        await expect(storage.checkWritable()).rejects.toBeInstanceOf(StorageUnavailableError)
        await expect(storage.getEvent(result.event.id)).rejects.toBeInstanceOf(
          StorageUnavailableError,
        )
        await storage.close() // idempotent
      })
    })
  })
}

/** A fixed clock far after every `makeEvent` time: everything ingested by the suite is due by then. */
const T = 1_800_000_000_000
const at = (ms: number): Date => new Date(T + ms)

/** An attempt as a worker would record it. */
export function makeAttempt(overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    startedAt: at(0),
    durationMs: 12,
    statusCode: 500,
    error: undefined,
    responseBody: new TextEncoder().encode('upstream failed'),
    ...overrides,
  }
}

const DONE: NextStep = { kind: 'done' }
const retryAt = (ms: number): NextStep => ({ kind: 'retry', at: at(ms) })

/** The delivery cases of the contract (STYLE 3.4): leases, attempts, replay, destination state. */
function defineDeliveryCases(fresh: (options?: StorageFactoryOptions) => Promise<Storage>): void {
  const claim = (
    storage: Storage,
    nowMs: number,
    extra: { limit?: number; leaseMs?: number; destinationIds?: string[]; workerId?: string } = {},
  ) =>
    storage.claimDue({
      workerId: extra.workerId ?? 'w1',
      limit: extra.limit ?? 100,
      leaseMs: extra.leaseMs ?? 30_000,
      now: at(nowMs),
      ...(extra.destinationIds === undefined ? {} : { destinationIds: extra.destinationIds }),
    })

  describe('deliveries: ingest', () => {
    it('creates one pending delivery per destination in the event commit, due at receivedAt', async () => {
      const storage = await fresh()
      const event = makeEvent({ receivedAt: at(-5_000) })
      const { event: saved } = await storage.ingest(event, ['billing', 'audit', 'billing'])
      const deliveries = await storage.listDeliveries(saved.id)
      expect(deliveries.map((d) => d.destinationId).sort()).toEqual(['audit', 'billing'])
      for (const d of deliveries) {
        expect(d.id).toMatch(/^dlv_[0-9a-z]+$/)
        expect(d).toMatchObject({
          eventId: saved.id,
          status: 'pending',
          attempts: 0,
          attemptLog: [],
        })
        expect(d.nextAttemptAt).toEqual(at(-5_000))
        expect(d.createdAt).toEqual(at(-5_000))
        expect(d.leaseExpiresAt).toBeUndefined()
        expect(d.lastAttemptAt).toBeUndefined()
        expect(d.completedAt).toBeUndefined()
        expect(d.deadReason).toBeUndefined()
        expect(d.replayOf).toBeUndefined()
      }
      expect(await storage.listDeliveries('evt_00000000000000000000000000')).toEqual([])
      // Without destinations: no deliveries.
      const { event: bare } = await storage.ingest(makeEvent())
      expect(await storage.listDeliveries(bare.id)).toEqual([])
    })

    it('a duplicate ingest (sequential or concurrent) creates no second delivery set', async () => {
      const storage = await fresh()
      const event = makeEvent({ dedupeKey: 'dup-deliveries' })
      const first = await storage.ingest(event, ['a', 'b'])
      const again = await storage.ingest(event, ['a', 'b', 'c'])
      expect(again.duplicate).toBe(true)
      const concurrent = makeEvent()
      const results = await Promise.all(
        Array.from({ length: 20 }, () => storage.ingest(concurrent, ['a', 'b'])),
      )
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1)
      expect(
        (await storage.listDeliveries(first.event.id)).map((d) => d.destinationId).sort(),
      ).toEqual(['a', 'b'])
      expect(await storage.listDeliveries(results[0]!.event.id)).toHaveLength(2)
      const claimed = await claim(storage, 0)
      expect(claimed).toHaveLength(4)
    })
  })

  describe('deliveries: claims and leases', () => {
    it('claims only due deliveries, earliest first, up to the limit, with the event byte-exact', async () => {
      const storage = await fresh()
      const body = nastyBytes(1024)
      const late = await storage.ingest(makeEvent({ receivedAt: at(10_000) }), ['d'])
      const early = await storage.ingest(makeEvent({ receivedAt: at(-2_000), body }), ['d'])
      const middle = await storage.ingest(makeEvent({ receivedAt: at(-1_000) }), ['d'])

      const first = await claim(storage, 0, { limit: 1, leaseMs: 60_000, workerId: 'worker-x' })
      expect(first).toHaveLength(1)
      const c = first[0]!
      expect(c.eventId).toBe(early.event.id)
      expect(c.status).toBe('in_flight')
      expect(c.leaseToken).toBeTypeOf('string')
      expect(c.leaseToken.length).toBeGreaterThanOrEqual(16)
      expect(c.leaseExpiresAt).toEqual(at(60_000))
      expect(c.attempts).toBe(0)
      expect(c.event).toEqual(early.event)
      expectSameBytes(c.event.body, body)

      const rest = await claim(storage, 0)
      expect(rest.map((d) => d.eventId)).toEqual([middle.event.id]) // `late` is not due yet
      expect(await claim(storage, 0)).toEqual([])
      const [listed] = await storage.listDeliveries(early.event.id)
      expect(listed!.status).toBe('in_flight')
      expect(listed!.leaseExpiresAt).toEqual(at(60_000))

      expect((await claim(storage, 10_000)).map((d) => d.eventId)).toEqual([late.event.id])
    })

    it('claims per destination when asked, and validates limit and leaseMs', async () => {
      const storage = await fresh()
      await storage.ingest(makeEvent(), ['a', 'b', 'c'])
      await storage.ingest(makeEvent(), ['a', 'b'])
      const onlyB = await claim(storage, 0, { destinationIds: ['b'] })
      expect(onlyB.map((d) => d.destinationId)).toEqual(['b', 'b'])
      const aOrC = await claim(storage, 0, { destinationIds: ['a', 'c'] })
      expect(aOrC.map((d) => d.destinationId).sort()).toEqual(['a', 'a', 'c'])
      expect(await claim(storage, 0, { destinationIds: [] })).toEqual([])
      for (const limit of [0, 1001, 1.5])
        await expect(claim(storage, 0, { limit })).rejects.toThrow(RangeError)
      for (const leaseMs of [0, -5, 2.5])
        await expect(claim(storage, 0, { leaseMs })).rejects.toThrow(RangeError)
    })

    it('N concurrent claimers never double-claim', async () => {
      const storage = await fresh()
      await Promise.all(Array.from({ length: 150 }, () => storage.ingest(makeEvent(), ['x', 'y'])))
      const seen: string[] = []
      const tokens = new Set<string>()
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (;;) {
            const batch = await claim(storage, 0, { limit: 7, workerId: `w${w}` })
            if (batch.length === 0) return
            for (const d of batch) {
              seen.push(d.id)
              tokens.add(d.leaseToken)
            }
          }
        }),
      )
      expect(seen).toHaveLength(300)
      expect(new Set(seen).size).toBe(300)
      expect(tokens.size).toBe(300)
    })

    it('an expired lease is reclaimed with a new token; the old holder gets lease_lost', async () => {
      const storage = await fresh()
      await storage.ingest(makeEvent(), ['d'])
      const [first] = await claim(storage, 0, { leaseMs: 1_000 })
      expect(await claim(storage, 999)).toEqual([]) // still leased
      const [second] = await claim(storage, 1_000, { leaseMs: 1_000, workerId: 'w2' })
      expect(second!.id).toBe(first!.id)
      expect(second!.leaseToken).not.toBe(first!.leaseToken)
      expect(second!.leaseExpiresAt).toEqual(at(2_000))

      expect(await storage.recordAttempt(first!.leaseToken, makeAttempt(), DONE)).toBe('lease_lost')
      expect(await storage.listAttempts(first!.id)).toEqual([])
      expect(
        await storage.recordAttempt(second!.leaseToken, makeAttempt({ statusCode: 200 }), DONE),
      ).toBe('recorded')
      const [delivered] = await storage.listDeliveries(first!.eventId)
      expect(delivered!.status).toBe('delivered')
      expect(delivered!.attemptLog.map((a) => a.workerId)).toEqual(['w2'])
    })

    it('reapExpiredLeases returns expired leases to pending; a late recordAttempt is lease_lost', async () => {
      const storage = await fresh()
      await storage.ingest(makeEvent(), ['d'])
      await storage.ingest(makeEvent(), ['d'])
      const claimed = await claim(storage, 0, { leaseMs: 5_000 })
      expect(claimed).toHaveLength(2)
      expect(await storage.reapExpiredLeases(at(4_999))).toBe(0)
      expect(await storage.reapExpiredLeases(at(5_000))).toBe(2)
      expect(await storage.reapExpiredLeases(at(5_000))).toBe(0)
      const [reaped] = await storage.listDeliveries(claimed[0]!.eventId)
      expect(reaped).toMatchObject({ status: 'pending', attempts: 0, leaseExpiresAt: undefined })
      expect(reaped!.nextAttemptAt!.getTime()).toBeLessThanOrEqual(at(5_000).getTime())
      expect(await storage.recordAttempt(claimed[0]!.leaseToken, makeAttempt(), DONE)).toBe(
        'lease_lost',
      )
      expect(await claim(storage, 5_000)).toHaveLength(2)
    })
  })

  describe('deliveries: attempts', () => {
    it('records attempts in order: retry → pending at the given time, then dead; response bodies truncated', async () => {
      const storage = await fresh()
      const { event } = await storage.ingest(makeEvent(), ['d'])
      const big = nastyBytes(10_000)

      const [c1] = await claim(storage, 0)
      const a1 = makeAttempt({
        startedAt: at(0),
        durationMs: 40,
        statusCode: 503,
        responseBody: big,
      })
      expect(await storage.recordAttempt(c1!.leaseToken, a1, retryAt(5_000))).toBe('recorded')
      // The lease is released by the first record: a second record with the same token is refused.
      expect(await storage.recordAttempt(c1!.leaseToken, makeAttempt(), DONE)).toBe('lease_lost')
      const [afterOne] = await storage.listDeliveries(event.id)
      expect(afterOne).toMatchObject({ status: 'pending', attempts: 1, leaseExpiresAt: undefined })
      expect(afterOne!.nextAttemptAt).toEqual(at(5_000))
      expect(afterOne!.lastAttemptAt).toEqual(at(0))
      expect(await claim(storage, 4_999)).toEqual([])

      const [c2] = await claim(storage, 5_000)
      expect(c2!.attempts).toBe(1)
      const a2 = makeAttempt({
        startedAt: at(5_000),
        durationMs: 15_000,
        statusCode: undefined,
        error: 'timeout: no response within 15000 ms',
        responseBody: undefined,
      })
      expect(await storage.recordAttempt(c2!.leaseToken, a2, retryAt(60_000))).toBe('recorded')

      const [c3] = await claim(storage, 60_000)
      expect(c3!.attempts).toBe(2)
      const a3 = makeAttempt({
        startedAt: at(60_000),
        durationMs: 3,
        statusCode: 410,
        responseBody: new Uint8Array(0),
      })
      const dead: NextStep = { kind: 'dead', reason: 'destination answered 410 Gone' }
      expect(await storage.recordAttempt(c3!.leaseToken, a3, dead)).toBe('recorded')
      expect(await claim(storage, 10_000_000)).toEqual([])

      const attempts = await storage.listAttempts(c1!.id)
      expect(attempts.map((a) => a.attemptNumber)).toEqual([1, 2, 3])
      for (const a of attempts) {
        expect(a.id).toMatch(/^att_[0-9a-z]+$/)
        expect(a.deliveryId).toBe(c1!.id)
        expect(a.workerId).toBe('w1')
      }
      expect(attempts[0]).toMatchObject({
        startedAt: at(0),
        durationMs: 40,
        statusCode: 503,
        error: undefined,
        next: retryAt(5_000),
      })
      expectSameBytes(attempts[0]!.responseBody!, big.subarray(0, MAX_RESPONSE_BODY_BYTES))
      expect(attempts[1]).toMatchObject({
        statusCode: undefined,
        error: a2.error,
        responseBody: undefined,
        durationMs: 15_000,
        next: retryAt(60_000),
      })
      expect(attempts[2]!.next).toEqual(dead)
      expectSameBytes(attempts[2]!.responseBody!, new Uint8Array(0))

      const [final] = await storage.listDeliveries(event.id)
      expect(final).toMatchObject({
        status: 'dead',
        attempts: 3,
        deadReason: dead.reason,
        nextAttemptAt: undefined,
      })
      expect(final!.completedAt).toEqual(at(60_003))
      expect(final!.attemptLog).toEqual(attempts)
      expect(await storage.listAttempts('dlv_00000000000000000000000000')).toEqual([])
    })

    it('done → delivered with its completion time; never claimed again', async () => {
      const storage = await fresh()
      const { event } = await storage.ingest(makeEvent(), ['a', 'b'])
      const claimed = await claim(storage, 0)
      const ok = makeAttempt({
        startedAt: at(100),
        durationMs: 7,
        statusCode: 204,
        responseBody: new Uint8Array(0),
      })
      for (const d of claimed)
        expect(await storage.recordAttempt(d.leaseToken, ok, DONE)).toBe('recorded')
      const deliveries = await storage.listDeliveries(event.id)
      for (const d of deliveries) {
        expect(d).toMatchObject({
          status: 'delivered',
          attempts: 1,
          completedAt: at(107),
          nextAttemptAt: undefined,
          deadReason: undefined,
        })
      }
      expect(await claim(storage, 10_000_000)).toEqual([])
      expect(await storage.recordAttempt('no-such-lease', ok, DONE)).toBe('lease_lost')
    })
  })

  /** Claims everything due for `destinationIds` at `nowMs` and records `next` for each. */
  async function settle(
    storage: Storage,
    nowMs: number,
    next: NextStep,
    statusCode = 200,
  ): Promise<ClaimedDelivery[]> {
    const claimed = await claim(storage, nowMs)
    for (const d of claimed) {
      expect(
        await storage.recordAttempt(
          d.leaseToken,
          makeAttempt({ startedAt: at(nowMs), statusCode }),
          next,
        ),
      ).toBe('recorded')
    }
    return claimed
  }

  describe('deliveries: replay', () => {
    it('requeue creates new pending deliveries (all prior destinations, or the given ones), skipping pairs still queued', async () => {
      const storage = await fresh()
      const { event } = await storage.ingest(makeEvent(), ['a', 'b'])
      // Still pending: nothing to add.
      expect(await storage.requeue(event.id, { now: at(0) })).toBe(0)
      await settle(storage, 0, DONE)

      expect(await storage.requeue(event.id, { now: at(1_000) })).toBe(2)
      const deliveries = await storage.listDeliveries(event.id)
      expect(deliveries).toHaveLength(4)
      const replays = deliveries.filter((d) => d.status === 'pending')
      expect(replays.map((d) => d.destinationId).sort()).toEqual(['a', 'b'])
      for (const r of replays) {
        expect(r).toMatchObject({
          attempts: 0,
          createdAt: at(1_000),
          nextAttemptAt: at(1_000),
          attemptLog: [],
        })
        const original = deliveries.find(
          (d) => d.destinationId === r.destinationId && d.status === 'delivered',
        )!
        expect(r.replayOf).toBe(original.id)
        expect(r.id).not.toBe(original.id)
      }
      // Queued again: a second replay adds nothing; an explicit new destination does get one.
      expect(await storage.requeue(event.id, { now: at(1_000) })).toBe(0)
      expect(await storage.requeue(event.id, { now: at(1_000), destinationIds: ['a', 'c'] })).toBe(
        1,
      )
      const claimed = await claim(storage, 1_000)
      expect(claimed.map((d) => d.destinationId).sort()).toEqual(['a', 'b', 'c'])
      expect(claimed.every((d) => d.event.id === event.id)).toBe(true)
      expect(await storage.requeue('evt_00000000000000000000000000', { now: at(0) })).toBe(0)
      expect(await storage.requeue(event.id, { now: at(0), destinationIds: [] })).toBe(0)
    })

    it('requeue skips a pair whose latest delivery is in flight, and so do countMatching and requeueMatching', async () => {
      const storage = await fresh()
      const { event } = await storage.ingest(makeEvent({ sourceId: 'src-flight' }), ['a', 'b'])
      await settle(storage, 0, { kind: 'dead', reason: 'down' })
      expect(await storage.requeue(event.id, { now: at(1_000) })).toBe(2)
      const [leased] = await claim(storage, 1_000, { destinationIds: ['a'] })
      expect(leased!.status).toBe('in_flight')
      // a: in flight (its worker will record the outcome); b: pending. Neither gets another delivery.
      expect(await storage.requeue(event.id, { now: at(2_000) })).toBe(0)
      expect(await storage.requeue(event.id, { now: at(2_000), destinationIds: ['a'] })).toBe(0)
      expect(await storage.countMatching({ sourceId: 'src-flight' })).toBe(0)
      expect(await storage.requeueMatching({ sourceId: 'src-flight' }, { now: at(2_000) })).toEqual(
        { requeued: 0 },
      )
      expect(
        await storage.recordAttempt(leased!.leaseToken, makeAttempt(), {
          kind: 'dead',
          reason: 'still down',
        }),
      ).toBe('recorded')
      expect(await storage.requeue(event.id, { now: at(3_000), destinationIds: ['a'] })).toBe(1)
      expect(
        (await storage.listDeliveries(event.id)).filter((d) => d.destinationId === 'a'),
      ).toHaveLength(3)
    })

    it('requeueMatching filters on source, time range, latest status and destination, in batches over a snapshot', async () => {
      const storage = await fresh()
      const ids: string[] = []
      // 12 events of src-a at t=0..11 s to [x, y], 3 of src-b; x gets dead, y delivered.
      for (let i = 0; i < 12; i++)
        ids.push(
          (
            await storage.ingest(
              makeEvent({ sourceId: 'src-a', receivedAt: at(-100_000 + i * 1_000) }),
              ['x', 'y'],
            )
          ).event.id,
        )
      for (let i = 0; i < 3; i++)
        await storage.ingest(
          makeEvent({ sourceId: 'src-b', receivedAt: at(-100_000 + i * 1_000) }),
          ['x'],
        )
      for (const d of await claim(storage, 0, { limit: 1000 })) {
        const next: NextStep =
          d.destinationId === 'x' ? { kind: 'dead', reason: 'schedule exhausted' } : DONE
        expect(await storage.recordAttempt(d.leaseToken, makeAttempt(), next)).toBe('recorded')
      }
      const deadX = { sourceId: 'src-a', status: 'dead', destinationId: 'x' } as const
      expect(await storage.countMatching(deadX)).toBe(12)
      expect(await storage.countMatching({ status: 'dead' })).toBe(15)
      expect(await storage.countMatching({ status: 'delivered' })).toBe(12)
      expect(await storage.countMatching({})).toBe(27)
      expect(await storage.countMatching({ status: 'pending' })).toBe(0)
      const window = { sourceId: 'src-a', from: at(-98_000), to: at(-95_000) }
      expect(await storage.countMatching(window)).toBe(6) // events 2, 3, 4 × (x, y)

      // Batches of 5 over the dead x pairs of src-a; the new deliveries (also settled dead meanwhile) are never re-matched.
      let cursor: string | undefined
      let total = 0
      let calls = 0
      do {
        const batch = await storage.requeueMatching(deadX, {
          limit: 5,
          now: at(2_000),
          ...(cursor ? { cursor } : {}),
        })
        total += batch.requeued
        cursor = batch.nextCursor
        calls++
        await settle(storage, 2_000, { kind: 'dead', reason: 'still down' })
        expect(calls).toBeLessThan(10)
      } while (cursor !== undefined)
      expect(total).toBe(12)
      for (const id of ids) {
        const ds = await storage.listDeliveries(id)
        expect(ds.filter((d) => d.destinationId === 'x')).toHaveLength(2)
        expect(ds.filter((d) => d.destinationId === 'y')).toHaveLength(1)
      }
      // The latest x deliveries are dead again: they match once more, the old ones never.
      expect(await storage.countMatching(deadX)).toBe(12)

      const windowed = await storage.requeueMatching(window, { now: at(3_000) })
      expect(windowed).toEqual({ requeued: 6 })
      expect(await storage.countMatching(window)).toBe(0) // all queued now
      await expect(storage.requeueMatching({}, { limit: 0 })).rejects.toThrow(RangeError)
      await expect(storage.requeueMatching({}, { cursor: 'garbage!' })).rejects.toThrow(RangeError)
    })
  })

  describe('deliveries: destinations', () => {
    it('destinationStats counts deliveries per destination and status', async () => {
      const storage = await fresh()
      expect(await storage.destinationStats()).toEqual([])
      for (let i = 0; i < 4; i++)
        await storage.ingest(makeEvent({ receivedAt: at(-10_000 + i) }), ['a', 'b'])
      await storage.ingest(makeEvent({ receivedAt: at(50_000) }), ['b'])
      const claimedA = await claim(storage, 0, { destinationIds: ['a'] })
      await storage.recordAttempt(claimedA[0]!.leaseToken, makeAttempt(), DONE)
      await storage.recordAttempt(claimedA[1]!.leaseToken, makeAttempt(), {
        kind: 'dead',
        reason: 'gone',
      })
      await storage.recordAttempt(claimedA[2]!.leaseToken, makeAttempt(), retryAt(9_000))
      const stats = [...(await storage.destinationStats())].sort((x, y) =>
        x.destinationId.localeCompare(y.destinationId),
      )
      expect(stats).toEqual([
        {
          destinationId: 'a',
          pending: 1,
          inFlight: 1,
          delivered: 1,
          dead: 1,
          oldestDueAt: at(9_000),
        },
        {
          destinationId: 'b',
          pending: 5,
          inFlight: 0,
          delivered: 0,
          dead: 0,
          oldestDueAt: at(-10_000),
        },
      ])
    })

    it('a disabled destination is never claimed until re-enabled; its state persists', async () => {
      const storage = await fresh()
      await storage.ingest(makeEvent(), ['gone', 'ok'])
      expect(await storage.listDestinationStates()).toEqual([])
      await storage.setDestinationDisabled('gone', true, { reason: 'HTTP 410 Gone', now: at(1) })
      await storage.setDestinationDisabled('gone', true, { reason: 'HTTP 410 Gone', now: at(2) }) // idempotent
      expect(await storage.listDestinationStates()).toEqual([
        {
          destinationId: 'gone',
          disabled: true,
          disabledAt: at(1),
          disabledReason: 'HTTP 410 Gone',
        },
      ])
      await storage.ingest(makeEvent(), ['gone'])
      expect((await claim(storage, 0)).map((d) => d.destinationId)).toEqual(['ok'])
      expect(await claim(storage, 0, { destinationIds: ['gone'] })).toEqual([])
      expect(
        (await storage.destinationStats()).find((s) => s.destinationId === 'gone')?.pending,
      ).toBe(2)

      await storage.setDestinationDisabled('gone', false)
      expect(await storage.listDestinationStates()).toEqual([
        {
          destinationId: 'gone',
          disabled: false,
          disabledAt: undefined,
          disabledReason: undefined,
        },
      ])
      expect((await claim(storage, 0)).map((d) => d.destinationId)).toEqual(['gone', 'gone'])
    })
  })
}

type ErrorClass = typeof TypeError | typeof RangeError

/** A call with bad input: rejected (never thrown synchronously) with exactly this error class and message. */
async function expectRefused(
  call: () => Promise<unknown>,
  type: ErrorClass,
  message: string,
): Promise<void> {
  const settled = call().then(
    () => undefined,
    (error: unknown) => error,
  )
  const error = await settled
  expect(error, message).toBeInstanceOf(type)
  expect(error).not.toBeInstanceOf(StorageUnavailableError)
  expect((error as Error).message).toBe(message)
}

/** Input checks (issue 10): every contract method refuses the same bad input the same way in every backend. */
function defineInputCases(fresh: (options?: StorageFactoryOptions) => Promise<Storage>): void {
  const bad = <T>(value: unknown): T => value as T
  const ok: NextStep = { kind: 'done' }

  describe('bad input: refused the same way by every backend, nothing written', () => {
    it('event log: ingest, recordRejection, getEvent, listEvents, listRejections', async () => {
      const storage = await fresh()
      const cases: [() => Promise<unknown>, ErrorClass, string][] = [
        [
          () => storage.ingest(makeEvent({ sourceId: bad(42) })),
          TypeError,
          'event.sourceId must be a string',
        ],
        [
          () => storage.ingest(makeEvent({ provider: bad(null) })),
          TypeError,
          'event.provider must be a string',
        ],
        [
          () => storage.ingest(makeEvent({ dedupeKey: bad(undefined) })),
          TypeError,
          'event.dedupeKey must be a string',
        ],
        [
          () => storage.ingest(makeEvent({ providerEventId: bad(7) })),
          TypeError,
          'event.providerEventId must be a string or undefined',
        ],
        [
          () => storage.ingest(makeEvent({ eventType: bad(null) })),
          TypeError,
          'event.eventType must be a string or undefined',
        ],
        [
          () => storage.ingest(makeEvent({ body: bad('text') })),
          TypeError,
          'event.body must be a Uint8Array',
        ],
        [
          () => storage.ingest(makeEvent({ receivedAt: new Date(Number.NaN) })),
          TypeError,
          'event.receivedAt must be a valid Date',
        ],
        [
          () => storage.ingest(makeEvent({ headers: bad({ a: 1 }) })),
          TypeError,
          'event.headers values must be a string',
        ],
        [
          () => storage.ingest(makeEvent({ headers: bad(['a']) })),
          TypeError,
          'event.headers must be an object of strings',
        ],
        [
          () => storage.ingest(makeEvent(), bad('d')),
          TypeError,
          'destinationIds must be an array of strings',
        ],
        [() => storage.ingest(makeEvent(), ['']), TypeError, 'destinationIds[] must not be empty'],
        [
          () => storage.ingest(makeEvent(), ['d\u0000']),
          TypeError,
          'destinationIds[] must not contain U+0000',
        ],
        [
          () => storage.ingest(makeEvent(), [bad(1)]),
          TypeError,
          'destinationIds[] must be a string',
        ],
        [
          () => storage.recordRejection(makeRejection({ sourceId: bad(1) })),
          TypeError,
          'rejection.sourceId must be a string',
        ],
        [
          () => storage.recordRejection(makeRejection({ reason: 'x\u0000' })),
          TypeError,
          'rejection.reason must not contain U+0000',
        ],
        [
          () => storage.recordRejection(makeRejection({ message: bad(1) })),
          TypeError,
          'rejection.message must be a string',
        ],
        [
          () => storage.recordRejection(makeRejection({ bodySha256: bad(1) })),
          TypeError,
          'rejection.bodySha256 must be a string',
        ],
        [
          () => storage.recordRejection(makeRejection({ remoteAddress: bad(1) })),
          TypeError,
          'rejection.remoteAddress must be a string or undefined',
        ],
        [
          () => storage.recordRejection(makeRejection({ status: 401.5 })),
          TypeError,
          'rejection.status must be an integer',
        ],
        [
          () => storage.recordRejection(makeRejection({ status: 2 ** 31 })),
          TypeError,
          'rejection.status must be an integer',
        ],
        [
          () => storage.recordRejection(makeRejection({ bodySize: -1 })),
          TypeError,
          'rejection.bodySize must be a non-negative integer',
        ],
        [
          () => storage.recordRejection(makeRejection({ receivedAt: bad('now') })),
          TypeError,
          'rejection.receivedAt must be a valid Date',
        ],
        [
          () => storage.recordRejection(makeRejection({ diagnosed: bad('yes') })),
          TypeError,
          'rejection.diagnosed must be a boolean or undefined',
        ],
        [
          () =>
            storage.recordRejection(
              makeRejection({ diagnosed: false, diagnosis: [{ code: 'x', message: 'y' }] }),
            ),
          TypeError,
          'rejection.diagnosis needs rejection.diagnosed: true',
        ],
        [
          () =>
            storage.recordRejection(
              makeRejection({ diagnosed: true, diagnosis: [{ code: bad(1), message: 'y' }] }),
            ),
          TypeError,
          'rejection.diagnosis[].code must be a string',
        ],
        [
          () =>
            storage.recordRejection(
              makeRejection({
                captured: {
                  method: 'POST',
                  url: '/',
                  body: bad('text'),
                  truncated: false,
                  sealed: undefined,
                },
              }),
            ),
          TypeError,
          'rejection.captured.body must be a Uint8Array',
        ],
        [() => storage.getRejection(bad(1)), TypeError, 'id must be a string'],
        [() => storage.getEvent(bad(42)), TypeError, 'id must be a string'],
        [
          () => storage.listEvents({ limit: 0 }),
          RangeError,
          'limit must be an integer from 1 to 500',
        ],
        [
          () => storage.listEvents({ sourceId: bad(5) }),
          TypeError,
          'sourceId must be a string or undefined',
        ],
        [() => storage.listEvents({ cursor: bad(5) }), RangeError, 'Invalid cursor'],
        [
          () =>
            storage.listEvents({
              cursor: Buffer.from('12345678901234567890').toString('base64url'),
            }),
          RangeError,
          'Invalid cursor',
        ],
        [
          () => storage.listRejections({ limit: 501 }),
          RangeError,
          'limit must be an integer from 1 to 500',
        ],
        [() => storage.listRejections({ cursor: 'MA' }), RangeError, 'Invalid cursor'],
      ]
      for (const [call, type, message] of cases) await expectRefused(call, type, message)
      expect((await storage.listEvents({})).items).toEqual([])
      expect((await storage.listRejections({})).items).toEqual([])
      expect(await storage.destinationStats()).toEqual([])
    })

    it('delivery queue: claimDue, recordAttempt, reapExpiredLeases, listDeliveries, listAttempts', async () => {
      const storage = await fresh()
      const { event } = await storage.ingest(makeEvent(), ['d'])
      const claimOptions = { workerId: 'w1', limit: 10, leaseMs: 1_000, now: at(0) }
      const [leased] = await storage.claimDue(claimOptions)
      const token = leased!.leaseToken
      const attempt = makeAttempt()
      const cases: [() => Promise<unknown>, ErrorClass, string][] = [
        [
          () => storage.claimDue({ ...claimOptions, workerId: bad(1) }),
          TypeError,
          'workerId must be a string',
        ],
        [
          () => storage.claimDue({ ...claimOptions, workerId: 'w\u0000' }),
          TypeError,
          'workerId must not contain U+0000',
        ],
        [
          () => storage.claimDue({ ...claimOptions, limit: 1_001 }),
          RangeError,
          'limit must be an integer from 1 to 1000',
        ],
        [
          () => storage.claimDue({ ...claimOptions, leaseMs: 0 }),
          RangeError,
          'leaseMs must be a positive integer',
        ],
        [
          () => storage.claimDue({ ...claimOptions, now: bad(0) }),
          TypeError,
          'now must be a valid Date',
        ],
        [
          () => storage.claimDue({ ...claimOptions, destinationIds: [''] }),
          TypeError,
          'destinationIds[] must not be empty',
        ],
        // Issue 10 drifts: a lease token that is not a string, and a status code outside 100..999.
        [
          () => storage.recordAttempt(bad(42), attempt, ok),
          TypeError,
          'leaseToken must be a string',
        ],
        [
          () => storage.recordAttempt(bad(undefined), attempt, ok),
          TypeError,
          'leaseToken must be a string',
        ],
        [
          () => storage.recordAttempt(token, { ...attempt, statusCode: 42 }, ok),
          TypeError,
          'attempt.statusCode must be an HTTP status (100-999) or undefined',
        ],
        [
          () => storage.recordAttempt(token, { ...attempt, statusCode: 1_000 }, ok),
          TypeError,
          'attempt.statusCode must be an HTTP status (100-999) or undefined',
        ],
        [
          () => storage.recordAttempt(token, { ...attempt, statusCode: 200.5 }, ok),
          TypeError,
          'attempt.statusCode must be an HTTP status (100-999) or undefined',
        ],
        [
          () => storage.recordAttempt(token, { ...attempt, startedAt: new Date(Number.NaN) }, ok),
          TypeError,
          'attempt.startedAt must be a valid Date',
        ],
        [
          () => storage.recordAttempt(token, { ...attempt, durationMs: -1 }, ok),
          TypeError,
          'attempt.durationMs must be a non-negative number',
        ],
        [
          () => storage.recordAttempt(token, { ...attempt, error: bad(1) }, ok),
          TypeError,
          'attempt.error must be a string or undefined',
        ],
        [
          () => storage.recordAttempt(token, { ...attempt, responseBody: bad('x') }, ok),
          TypeError,
          'attempt.responseBody must be a Uint8Array or undefined',
        ],
        [
          () => storage.recordAttempt(token, attempt, bad({ kind: 'later' })),
          TypeError,
          'next.kind must be done, retry or dead',
        ],
        [
          () => storage.recordAttempt(token, attempt, { kind: 'retry', at: bad(5) }),
          TypeError,
          'next.at must be a valid Date',
        ],
        [
          () => storage.recordAttempt(token, attempt, { kind: 'dead', reason: bad(5) }),
          TypeError,
          'next.reason must be a string',
        ],
        [
          () => storage.reapExpiredLeases(new Date(Number.NaN)),
          TypeError,
          'now must be a valid Date',
        ],
        [() => storage.listDeliveries(bad(1)), TypeError, 'eventId must be a string'],
        [() => storage.listAttempts(bad(1)), TypeError, 'deliveryId must be a string'],
      ]
      for (const [call, type, message] of cases) await expectRefused(call, type, message)
      // Nothing was recorded: the lease still holds, and a well-formed token that was never issued is lease_lost.
      expect(await storage.listAttempts(leased!.id)).toEqual([])
      expect(await storage.recordAttempt('never-issued\u0000', attempt, ok)).toBe('lease_lost')
      expect(await storage.recordAttempt(token, attempt, ok)).toBe('recorded')
      expect((await storage.listDeliveries(event.id)).map((d) => d.status)).toEqual(['delivered'])
    })

    it('replay and destinations: requeue, requeueMatching, countMatching, setDestinationDisabled', async () => {
      const storage = await fresh()
      const { event } = await storage.ingest(makeEvent(), ['d'])
      const listCursor =
        (await Promise.all([storage.ingest(makeEvent()), storage.ingest(makeEvent())]),
        (await storage.listEvents({ limit: 1 })).nextCursor!)
      const cases: [() => Promise<unknown>, ErrorClass, string][] = [
        [() => storage.requeue(bad(1)), TypeError, 'eventId must be a string'],
        [
          () => storage.requeue(event.id, { now: bad('soon') }),
          TypeError,
          'now must be a valid Date',
        ],
        [
          () => storage.requeue(event.id, { destinationIds: ['ok', ''] }),
          TypeError,
          'destinationIds[] must not be empty',
        ],
        // Issue 10 drifts: the status filter is validated, and one batch limit (1..1000) for every backend.
        [
          () => storage.requeueMatching({ status: bad('nope') }),
          RangeError,
          'filter.status must be one of pending, in_flight, delivered, dead',
        ],
        [
          () => storage.countMatching({ status: bad('DEAD') }),
          RangeError,
          'filter.status must be one of pending, in_flight, delivered, dead',
        ],
        [
          () => storage.requeueMatching({}, { limit: 1_001 }),
          RangeError,
          'limit must be an integer from 1 to 1000',
        ],
        [
          () => storage.requeueMatching({}, { limit: 0 }),
          RangeError,
          'limit must be an integer from 1 to 1000',
        ],
        [() => storage.requeueMatching({}, { cursor: listCursor }), RangeError, 'Invalid cursor'],
        [
          () =>
            storage.requeueMatching({}, { cursor: Buffer.from('r1.9.3').toString('base64url') }),
          RangeError,
          'Invalid cursor',
        ],
        [
          () => storage.requeueMatching({}, { now: new Date(Number.NaN) }),
          TypeError,
          'now must be a valid Date',
        ],
        [
          () => storage.countMatching({ sourceId: bad(1) }),
          TypeError,
          'filter.sourceId must be a string or undefined',
        ],
        [
          () => storage.countMatching({ destinationId: 'd\u0000' }),
          TypeError,
          'filter.destinationId must not contain U+0000',
        ],
        [
          () => storage.countMatching({ from: bad('yesterday') }),
          TypeError,
          'filter.from must be a valid Date',
        ],
        [
          () => storage.countMatching({ to: new Date(Number.NaN) }),
          TypeError,
          'filter.to must be a valid Date',
        ],
        [
          () => storage.setDestinationDisabled('', true),
          TypeError,
          'destinationId must not be empty',
        ],
        [
          () => storage.setDestinationDisabled(bad(1), true),
          TypeError,
          'destinationId must be a string',
        ],
        [
          () => storage.setDestinationDisabled('d', bad('yes')),
          TypeError,
          'disabled must be a boolean',
        ],
        [
          () => storage.setDestinationDisabled('d', true, { reason: bad(410) }),
          TypeError,
          'reason must be a string or undefined',
        ],
        [
          () => storage.setDestinationDisabled('d', true, { now: new Date(Number.NaN) }),
          TypeError,
          'now must be a valid Date',
        ],
      ]
      for (const [call, type, message] of cases) await expectRefused(call, type, message)
      expect(await storage.listDestinationStates()).toEqual([])
      expect(await storage.listDeliveries(event.id)).toHaveLength(1)
      // The largest batch is accepted by every backend.
      expect(await storage.requeueMatching({}, { limit: 1_000 })).toEqual({ requeued: 0 })
    })
  })

  describe('text a database cannot store as is (issue 12)', () => {
    it('U+0000 in every text field of a verified event is stored and read back as given, and deduplicated exactly', async () => {
      const storage = await fresh()
      const event = makeEvent({
        sourceId: 'src\u0000nul',
        provider: 'p\u0000',
        dedupeKey: 'evt_\u0000a',
        providerEventId: 'evt_\u0000a',
        eventType: 'invoice\u0000paid',
        headers: { 'x-nul': 'a\u0000b' },
      })
      const first = await storage.ingest(event, ['d'])
      expect(first).toEqual({ duplicate: false, event: stored(first.event.id, event) })
      expect(await storage.getEvent(first.event.id)).toEqual(first.event)
      expect(await storage.ingest(event)).toEqual({ duplicate: true, event: first.event })
      // Keys a lossy replacement or a careless escape would confuse with it are other events.
      for (const dedupeKey of ['evt_\uFFFDa', 'evt_\uFFFF0a', 'evt_a', 'evt_\u0000\u0000a']) {
        expect(
          (await storage.ingest(makeEvent({ sourceId: event.sourceId, dedupeKey }))).duplicate,
        ).toBe(false)
      }
      const bySource = await storage.listEvents({ sourceId: 'src\u0000nul' })
      expect(bySource.items.map((e) => e.dedupeKey).sort()).toEqual(
        ['evt_\u0000\u0000a', 'evt_\u0000a', 'evt_\uFFFDa', 'evt_\uFFFF0a', 'evt_a'].sort(),
      )
      expect((await storage.listEvents({ sourceId: 'src' })).items).toEqual([])
      const [claimed] = await storage.claimDue({
        workerId: 'w',
        limit: 10,
        leaseMs: 1_000,
        now: at(0),
      })
      expect(claimed!.event).toEqual(first.event)
      expect(
        await storage.recordAttempt(claimed!.leaseToken, makeAttempt(), {
          kind: 'dead',
          reason: 'gone',
        }),
      ).toBe('recorded')
      expect(await storage.countMatching({ sourceId: 'src\u0000nul' })).toBe(1)
      expect(await storage.requeueMatching({ sourceId: 'src\u0000nul' }, { now: at(1) })).toEqual({
        requeued: 1,
      })
    })

    it('free text kept for people (attempt error, dead reason, rejection message, disable reason) turns U+0000 into U+FFFD', async () => {
      const storage = await fresh()
      await storage.ingest(makeEvent(), ['d'])
      const [claimed] = await storage.claimDue({
        workerId: 'w',
        limit: 10,
        leaseMs: 1_000,
        now: at(0),
      })
      const attempt = makeAttempt({
        statusCode: undefined,
        error: 'reset\u0000by peer',
        responseBody: undefined,
      })
      expect(
        await storage.recordAttempt(claimed!.leaseToken, attempt, {
          kind: 'dead',
          reason: 'no\u0000way',
        }),
      ).toBe('recorded')
      const [delivery] = await storage.listDeliveries(claimed!.eventId)
      expect(delivery!.deadReason).toBe('no\uFFFDway')
      expect(delivery!.attemptLog[0]).toMatchObject({
        error: 'reset\uFFFDby peer',
        next: { kind: 'dead', reason: 'no\uFFFDway' },
      })
      await storage.recordRejection(makeRejection({ message: 'm\u0000', remoteAddress: 'r\u0000' }))
      expect((await storage.listRejections({})).items[0]).toMatchObject({
        message: 'm\uFFFD',
        remoteAddress: 'r\uFFFD',
      })
      await storage.setDestinationDisabled('d', true, { reason: 'gone\u0000', now: at(0) })
      expect((await storage.listDestinationStates())[0]!.disabledReason).toBe('gone\uFFFD')
    })

    it('a lone surrogate (no UTF-8 form) becomes U+FFFD, in the answer as in what is read later', async () => {
      const storage = await fresh()
      const odd = makeEvent({
        eventType: 'push\ud800',
        providerEventId: '\udc00x',
        headers: { 'x-a': 'b\ud800' },
      })
      const [result, good] = await Promise.all([storage.ingest(odd), storage.ingest(makeEvent())])
      expect(result.event).toMatchObject({
        eventType: 'push\uFFFD',
        providerEventId: '\uFFFDx',
        headers: { 'x-a': 'b\uFFFD' },
      })
      expect(await storage.getEvent(result.event.id)).toEqual(result.event)
      expect(await storage.getEvent(good.event.id)).toEqual(good.event)
      expect((await storage.ingest(odd)).duplicate).toBe(true)
    })
  })
}

/** Retention (issue 14): `prune` by age and by count, in batches, never an event whose delivery is still open. */
function defineRetentionCases(fresh: (options?: StorageFactoryOptions) => Promise<Storage>): void {
  const DAY = 86_400_000
  /** An event received `daysAgo` days before T. */
  const eventAged = (daysAgo: number, sourceId = 'src-r'): NewEvent =>
    makeEvent({ sourceId, receivedAt: at(-daysAgo * DAY) })

  async function eventIds(storage: Storage): Promise<string[]> {
    const { ids } = await allPages((cursor) =>
      storage.listEvents({ limit: 500, ...(cursor === undefined ? {} : { cursor }) }),
    )
    return ids
  }

  /** Prunes to completion, as the serve loop does; returns the totals. */
  async function pruneAll(
    storage: Storage,
    options: Parameters<Storage['prune']>[0],
  ): Promise<{ events: number; rejections: number; calls: number }> {
    let events = 0
    let rejections = 0
    let calls = 0
    for (;;) {
      const result = await storage.prune(options)
      events += result.events
      rejections += result.rejections
      calls++
      if (!result.more) return { events, rejections, calls }
      if (calls > 1000) throw new Error('prune does not end')
    }
  }

  describe('retention: prune', () => {
    it('prunes events older than the cut-off, with their deliveries and attempts, in batches', async () => {
      const storage = await fresh()
      const old: StoredEvent[] = []
      for (let i = 0; i < 5; i++) old.push((await storage.ingest(eventAged(40 + i))).event)
      // One old event with a delivered delivery (and its attempt): it goes, with them.
      const { event: settled } = await storage.ingest(eventAged(35), ['dst'])
      const [lease] = await storage.claimDue({
        workerId: 'w1',
        limit: 10,
        leaseMs: 30_000,
        now: at(0),
      })
      expect(await storage.recordAttempt(lease!.leaseToken, makeAttempt(), DONE)).toBe('recorded')
      const young = (await storage.ingest(eventAged(1))).event

      const first = await storage.prune({ olderThan: at(-30 * DAY), batchSize: 2 })
      expect(first).toEqual({ events: 2, rejections: 0, more: true })
      const rest = await pruneAll(storage, { olderThan: at(-30 * DAY), batchSize: 2 })
      expect(rest.events).toBe(4)
      expect(await eventIds(storage)).toEqual([young.id])
      expect(await storage.getEvent(settled.id)).toBeUndefined()
      expect(await storage.listDeliveries(settled.id)).toEqual([])
      expect(await storage.listAttempts(lease!.id)).toEqual([])
      expect(await storage.prune({ olderThan: at(-30 * DAY), batchSize: 2 })).toEqual({
        events: 0,
        rejections: 0,
        more: false,
      })
      // No cut-off ("forever") and no cap: nothing goes.
      expect(await storage.prune({ batchSize: 10 })).toEqual({
        events: 0,
        rejections: 0,
        more: false,
      })
      expect(await eventIds(storage)).toEqual([young.id])
    })

    it('prunes by count, oldest first, keeping the newest maxEvents', async () => {
      const storage = await fresh()
      const all: StoredEvent[] = []
      for (let i = 0; i < 7; i++) all.push((await storage.ingest(eventAged(10 - i))).event)
      const total = await pruneAll(storage, { maxEvents: 3, batchSize: 2 })
      expect(total.events).toBe(4)
      expect(await eventIds(storage)).toEqual(
        all
          .slice(4)
          .map((e) => e.id)
          .reverse(),
      )
      // maxEvents 0 is no cap.
      expect((await storage.prune({ maxEvents: 0, batchSize: 10 })).events).toBe(0)
      expect(await eventIds(storage)).toHaveLength(3)
    })

    it('never prunes an event with a delivery pending or in flight', async () => {
      const storage = await fresh()
      const { event: pending } = await storage.ingest(eventAged(50), ['later'])
      const { event: inFlight } = await storage.ingest(eventAged(49), ['busy'])
      const claimed = await storage.claimDue({
        workerId: 'w1',
        limit: 10,
        leaseMs: 60_000,
        now: at(0),
        destinationIds: ['busy'],
      })
      expect(claimed.map((d) => d.eventId)).toEqual([inFlight.id])
      const { event: gone } = await storage.ingest(eventAged(48))

      const total = await pruneAll(storage, { olderThan: at(0), maxEvents: 1, batchSize: 1 })
      expect(total.events).toBe(1)
      expect(await storage.getEvent(gone.id)).toBeUndefined()
      expect(await storage.getEvent(pending.id)).toEqual(pending)
      expect(await storage.getEvent(inFlight.id)).toEqual(inFlight)
      expect(await storage.listDeliveries(pending.id)).toHaveLength(1)
      expect(await storage.listDeliveries(inFlight.id)).toHaveLength(1)
      // Once settled, it may go.
      expect(await storage.recordAttempt(claimed[0]!.leaseToken, makeAttempt(), DONE)).toBe(
        'recorded',
      )
      expect((await pruneAll(storage, { olderThan: at(0), batchSize: 10 })).events).toBe(1)
      expect(await storage.getEvent(inFlight.id)).toBeUndefined()
      expect(await storage.getEvent(pending.id)).toEqual(pending)
    })

    it('pruning interleaved with ingest loses and duplicates nothing', async () => {
      const storage = await fresh()
      const old: string[] = []
      for (let i = 0; i < 60; i++) old.push((await storage.ingest(eventAged(60 + i))).event.id)
      const incoming = Array.from({ length: 120 }, (_, i) => eventAged(i % 5))
      const [pruned, results] = await Promise.all([
        pruneAll(storage, { olderThan: at(-30 * DAY), batchSize: 7 }),
        Promise.all(incoming.map((event) => storage.ingest(event, ['d']))),
      ])
      expect(pruned.events).toBe(60)
      expect(results.filter((r) => r.duplicate)).toHaveLength(0)
      const ids = await eventIds(storage)
      expect(ids).toHaveLength(120)
      expect(new Set(ids)).toEqual(new Set(results.map((r) => r.event.id)))
      for (const id of old.slice(0, 3)) expect(await storage.getEvent(id)).toBeUndefined()
    })

    it('prunes rejections older than their cut-off, and refuses bad options', async () => {
      const storage = await fresh()
      for (let i = 0; i < 3; i++)
        await storage.recordRejection(makeRejection({ receivedAt: at(-(10 + i) * DAY) }))
      await storage.recordRejection(makeRejection({ receivedAt: at(-DAY), message: 'young' }))
      const { event } = await storage.ingest(eventAged(100))
      const total = await pruneAll(storage, { rejectionsOlderThan: at(-7 * DAY), batchSize: 2 })
      expect(total.rejections).toBe(3)
      expect(total.events).toBe(0)
      const left = await storage.listRejections({})
      expect(left.items.map((r) => r.message)).toEqual(['young'])
      expect(await storage.getEvent(event.id)).toEqual(event)

      await expect(storage.prune({ batchSize: 0 })).rejects.toBeInstanceOf(RangeError)
      await expect(storage.prune({ batchSize: 10_001 })).rejects.toBeInstanceOf(RangeError)
      await expect(storage.prune({ batchSize: 10, maxEvents: -1 })).rejects.toBeInstanceOf(
        RangeError,
      )
      await expect(
        storage.prune({ batchSize: 10, olderThan: new Date(Number.NaN) }),
      ).rejects.toBeInstanceOf(TypeError)
    })
  })
}

/**
 * Export and import (issue 14): whole histories move between stores with their ids, bodies, headers and delivery
 * states; a second import imports nothing; store sizes for `/metrics`.
 */
function defineTransferCases(fresh: (options?: StorageFactoryOptions) => Promise<Storage>): void {
  async function exportAll(
    storage: Storage,
    query: Omit<Parameters<Storage['exportEvents']>[0], 'cursor'> = {},
  ): Promise<{ items: PortableEvent[]; pages: number }> {
    const items: PortableEvent[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await storage.exportEvents({
        ...query,
        ...(cursor === undefined ? {} : { cursor }),
      })
      items.push(...page.items)
      cursor = page.nextCursor
      if (++pages > 1000) throw new Error('export does not end')
    } while (cursor !== undefined)
    return { items, pages }
  }

  async function exportAllRejections(storage: Storage): Promise<RejectionDetail[]> {
    const items: RejectionDetail[] = []
    let cursor: string | undefined
    do {
      const page = await storage.exportRejections({
        limit: 2,
        ...(cursor === undefined ? {} : { cursor }),
      })
      items.push(...page.items)
      cursor = page.nextCursor
    } while (cursor !== undefined)
    return items
  }

  /** A store holding every delivery state: delivered (2 attempts), dead, pending after a retry, in flight, pending. */
  async function populated(): Promise<Storage> {
    const storage = await fresh()
    await storage.ingest(makeEvent({ body: nastyBytes(300), eventType: 'odd\u0000type' }), [
      'ok',
      'gone',
    ])
    await storage.ingest(makeEvent({ sourceId: 'src-b', providerEventId: undefined }), ['retry'])
    await storage.ingest(
      makeEvent({ headers: { 'x-nul': 'a\u0000b', 'stripe-signature': '[redacted]' } }),
      ['busy'],
    )
    await storage.ingest(makeEvent({ eventType: undefined }), ['later'])
    await storage.ingest(makeEvent({ body: new Uint8Array(0) }))
    const byDestination = (ds: ClaimedDelivery[], id: string): ClaimedDelivery =>
      ds.find((d) => d.destinationId === id)!
    let claimed = await storage.claimDue({
      workerId: 'w1',
      limit: 10,
      leaseMs: 30_000,
      now: at(0),
      destinationIds: ['ok', 'gone', 'retry'],
    })
    await storage.recordAttempt(
      byDestination(claimed, 'ok').leaseToken,
      makeAttempt({ responseBody: nastyBytes(40) }),
      retryAt(1_000),
    )
    await storage.recordAttempt(
      byDestination(claimed, 'gone').leaseToken,
      makeAttempt({ statusCode: 410 }),
      { kind: 'dead', reason: 'gone: 410' },
    )
    await storage.recordAttempt(
      byDestination(claimed, 'retry').leaseToken,
      makeAttempt({ statusCode: undefined, error: 'timeout', responseBody: undefined }),
      retryAt(60_000),
    )
    claimed = await storage.claimDue({
      workerId: 'w2',
      limit: 10,
      leaseMs: 30_000,
      now: at(2_000),
      destinationIds: ['ok', 'busy'],
    })
    await storage.recordAttempt(
      byDestination(claimed, 'ok').leaseToken,
      makeAttempt({ startedAt: at(2_000), statusCode: 200 }),
      DONE,
    )
    await storage.recordRejection(makeRejection())
    await storage.recordRejection(
      makeRejection({
        diagnosed: true,
        diagnosis: [{ code: 'wrong_secret', message: 'another secret' }],
        captured: {
          method: 'POST',
          url: 'https://hooks.example.com/src-a',
          body: nastyBytes(64),
          truncated: false,
          sealed: 'v1.sealed',
        },
      }),
    )
    await storage.recordRejection(makeRejection({ status: 413, reason: 'payload_too_large' }))
    return storage
  }

  describe('transfer: export and import (issue 14)', () => {
    it('round-trips events, bodies, headers, ids and delivery states into a fresh store; a second import is skipped', async () => {
      const source = await populated()
      const { items, pages } = await exportAll(source, { limit: 2 })
      expect(items).toHaveLength(5)
      expect(pages).toBe(3)
      // Oldest first, with their deliveries and attempts.
      const listed = (await source.listEvents({})).items.map((e) => e.id).reverse()
      expect(items.map((i) => i.event.id)).toEqual(listed)
      for (const item of items) {
        expect(item.event).toEqual(await source.getEvent(item.event.id))
        expect(item.deliveries).toEqual(await source.listDeliveries(item.event.id))
      }

      const target = await fresh()
      expect(await target.importEvents(items.slice(0, 2))).toEqual({ imported: 2, skipped: 0 })
      expect(await target.importEvents(items)).toEqual({ imported: 3, skipped: 2 })
      expect(await target.importEvents(items)).toEqual({ imported: 0, skipped: 5 })
      for (const item of items) {
        const copy = await target.getEvent(item.event.id)
        expect(copy).toEqual(item.event)
        expectSameBytes(copy!.body, item.event.body)
        const deliveries = await target.listDeliveries(item.event.id)
        // In flight comes in pending, due when it was due: no lease crosses stores.
        expect(deliveries).toEqual(
          item.deliveries.map((d) =>
            d.status === 'in_flight' ? { ...d, status: 'pending', leaseExpiresAt: undefined } : d,
          ),
        )
      }
      expect((await exportAll(target)).items.map((i) => i.event.id)).toEqual(listed)
      // The imported queue works: the pending deliveries are claimable in the target (busy, later, retry).
      const due = await target.claimDue({
        workerId: 't',
        limit: 10,
        leaseMs: 1_000,
        now: at(120_000),
      })
      expect(due.map((d) => d.destinationId).sort()).toEqual(['busy', 'later', 'retry'])

      // An event already there under another id (same source and dedupe key) is skipped too.
      const again = { event: { ...items[0]!.event, id: 'evt_other' }, deliveries: [] }
      expect(await target.importEvents([again])).toEqual({ imported: 0, skipped: 1 })
      expect(await target.getEvent('evt_other')).toBeUndefined()

      const rejections = await exportAllRejections(source)
      expect(rejections).toHaveLength(3)
      expect(rejections[1]!.captured?.sealed).toBe('v1.sealed')
      expect(await target.importRejections(rejections)).toEqual({ imported: 3, skipped: 0 })
      expect(await target.importRejections(rejections)).toEqual({ imported: 0, skipped: 3 })
      for (const rejection of rejections)
        expect(await target.getRejection(rejection.id)).toEqual(rejection)
      expect(await exportAllRejections(target)).toEqual(rejections)
    })

    it('exports by source and time range; refuses bad queries', async () => {
      const storage = await fresh()
      const early = await storage.ingest(makeEvent({ receivedAt: at(-3_000) }))
      const b = await storage.ingest(makeEvent({ sourceId: 'src-b', receivedAt: at(-2_000) }))
      const late = await storage.ingest(makeEvent({ receivedAt: at(-1_000) }))
      const ids = async (query: Parameters<Storage['exportEvents']>[0]): Promise<string[]> =>
        (await exportAll(storage, query)).items.map((i) => i.event.id)
      expect(await ids({ sourceId: 'src-b' })).toEqual([b.event.id])
      expect(await ids({ since: at(-2_000) })).toEqual([b.event.id, late.event.id])
      expect(await ids({ until: at(-2_000) })).toEqual([early.event.id])
      expect(await ids({ sourceId: 'src-a', since: at(-2_500), until: at(0) })).toEqual([
        late.event.id,
      ])
      expect(await ids({ sourceId: 'nobody' })).toEqual([])
      await expect(storage.exportEvents({ limit: 0 })).rejects.toBeInstanceOf(RangeError)
      await expect(storage.exportEvents({ cursor: 'nope' })).rejects.toBeInstanceOf(RangeError)
      await expect(storage.exportEvents({ since: new Date(Number.NaN) })).rejects.toBeInstanceOf(
        TypeError,
      )
      await expect(storage.exportRejections({ limit: 501 })).rejects.toBeInstanceOf(RangeError)
    })

    it('refuses a malformed import batch whole: nothing of it is written', async () => {
      const source = await populated()
      const { items } = await exportAll(source)
      const target = await fresh()
      const bad: unknown[] = [
        { ...items[0]!, event: { ...items[0]!.event, id: '' } },
        { ...items[0]!, deliveries: [{ ...items[0]!.deliveries[0]!, status: 'lost' }] },
        { ...items[0]!, deliveries: [{ ...items[0]!.deliveries[0]!, eventId: 'evt_else' }] },
        { ...items[0]!, event: { ...items[0]!.event, body: 'text' } },
        { event: items[0]!.event },
        null,
      ]
      for (const record of bad) {
        await expect(
          target.importEvents([items[1]!, record as PortableEvent]),
        ).rejects.toBeInstanceOf(TypeError)
      }
      await expect(
        target.importRejections([{ ...makeRejection(), id: 42 } as unknown as RejectionDetail]),
      ).rejects.toBeInstanceOf(TypeError)
      expect((await exportAll(target)).items).toEqual([])
      expect(await exportAllRejections(target)).toEqual([])
      expect(await target.importEvents([])).toEqual({ imported: 0, skipped: 0 })
    })

    it('storeStats(): bytes, rows per kind and the oldest records, following ingest and prune', async () => {
      const storage = await fresh()
      const empty = await storage.storeStats()
      expect(empty.rows).toEqual({
        events: 0,
        rejections: 0,
        deliveries: { pending: 0, in_flight: 0, delivered: 0, dead: 0 },
      })
      expect(empty.oldestEventAt).toBeUndefined()
      expect(empty.oldestRejectionAt).toBeUndefined()
      expect(empty.bytes).toBeGreaterThanOrEqual(0)

      const oldest = makeEvent({ receivedAt: at(-50_000), body: new Uint8Array(200_000) })
      await storage.ingest(oldest, ['d1', 'd2'])
      await storage.ingest(makeEvent({ receivedAt: at(-10_000) }))
      await storage.recordRejection(makeRejection({ receivedAt: at(-7_000) }))
      const [claimed] = await storage.claimDue({
        workerId: 'w',
        limit: 1,
        leaseMs: 1_000,
        now: at(0),
        destinationIds: ['d1'],
      })
      await storage.recordAttempt(claimed!.leaseToken, makeAttempt(), DONE)
      const full = await storage.storeStats()
      expect(full.rows).toEqual({
        events: 2,
        rejections: 1,
        deliveries: { pending: 1, in_flight: 0, delivered: 1, dead: 0 },
      })
      expect(full.approximate).toBe(false)
      expect(full.oldestEventAt).toEqual(oldest.receivedAt)
      expect(full.oldestRejectionAt).toEqual(at(-7_000))
      expect(full.bytes).toBeGreaterThan(empty.bytes)

      await storage.prune({ olderThan: at(0), rejectionsOlderThan: at(0), batchSize: 10 })
      const pruned = await storage.storeStats()
      // The first event still has a pending delivery: it stays; the second and the rejection go.
      expect(pruned.rows.events).toBe(1)
      expect(pruned.rows.rejections).toBe(0)
      expect(pruned.oldestEventAt).toEqual(oldest.receivedAt)
      expect(pruned.oldestRejectionAt).toBeUndefined()
    })
  })
}
