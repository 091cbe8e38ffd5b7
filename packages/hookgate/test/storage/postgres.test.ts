/**
 * The PostgreSQL backend: the conformance suite, then what only PostgreSQL has (several instances on one
 * schema, concurrent migrations, LISTEN/NOTIFY, refusing synchronous_commit=off, and connection failures
 * injected with a TCP proxy in front of the real server).
 *
 * Needs HOOKGATE_TEST_POSTGRES_URL (`.ci/run` sets it to the machine's server). Without it the whole file is
 * skipped, saying so once; with it, an unreachable server FAILS these tests. Each test works in its own schema.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createPostgresStorage,
  POSTGRES_MIGRATIONS,
  runPostgresMigrations,
  type PostgresStorageInstance,
  type PostgresStorageOptions,
} from '../../src/storage/postgres/index.ts'
import { StorageUnavailableError } from '../../src/storage/types.ts'
import {
  adminPool,
  closeAdminPool,
  dumpSchema,
  POSTGRES_URL,
  serverAddress,
  TcpProxy,
  testSchema,
  urlVia,
} from './postgres-support.ts'
import { defineStorageSuite, makeAttempt, makeEvent, makeRejection, nastyBytes } from './suite.ts'

const FILE = 'test/storage/postgres.test.ts'

if (POSTGRES_URL === undefined) {
  console.warn(
    'PostgreSQL storage tests skipped: set HOOKGATE_TEST_POSTGRES_URL=postgres://… to run them (.ci/run does).',
  )
  describe.skip('postgres storage (skipped: HOOKGATE_TEST_POSTGRES_URL is not set)', () => {
    it('conformance suite and PostgreSQL-specific tests', () => undefined)
  })
} else {
  const url = POSTGRES_URL
  const opened: PostgresStorageInstance[] = []
  afterAll(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()))
    await closeAdminPool()
  })

  /** A storage on the test server in `schema` (a new one per call unless given), closed after the file. */
  async function open(
    options: Partial<PostgresStorageOptions> = {},
  ): Promise<PostgresStorageInstance> {
    const storage = createPostgresStorage({
      connectionString: url,
      poolSize: 4,
      schema: options.schema ?? (await testSchema(FILE)),
      ...options,
    })
    opened.push(storage)
    return storage
  }

  defineStorageSuite('postgres', async (options) => open(options), {
    schemaParity: {
      async fresh() {
        const schema = await testSchema(FILE)
        const storage = await open({ schema })
        await storage.migrate()
        await storage.close()
        return dumpSchema(schema)
      },
      async stepwise() {
        // Each migration applied by its own run, as successive releases would (run 0: the ledger only).
        const schema = await testSchema(FILE)
        for (let i = 0; i <= POSTGRES_MIGRATIONS.length; i++) {
          await runPostgresMigrations(adminPool(), schema, POSTGRES_MIGRATIONS.slice(0, i))
        }
        return dumpSchema(schema)
      },
    },
  })

  describe('postgres storage', () => {
    it('the parity check notices a missing migration', async () => {
      const migrated = await testSchema(FILE)
      await runPostgresMigrations(adminPool(), migrated)
      const partial = await testSchema(FILE)
      await runPostgresMigrations(adminPool(), partial, POSTGRES_MIGRATIONS.slice(0, -1))
      expect(await dumpSchema(partial)).not.toBe(await dumpSchema(migrated))
    })

    it('several instances migrating one new schema at once: each migration applied exactly once', async () => {
      const schema = await testSchema(FILE)
      const stores = await Promise.all(Array.from({ length: 5 }, () => open({ schema })))
      const results = await Promise.all(stores.map((s) => s.migrate()))
      const applied = results.flatMap((r) => r.applied)
      expect(applied.sort()).toEqual(POSTGRES_MIGRATIONS.map((m) => m.id))
      const ledger = await adminPool().query(
        `SELECT id FROM "${schema}".schema_migrations ORDER BY id`,
      )
      expect(ledger.rows.map((row: { id: string }) => row.id)).toEqual(
        POSTGRES_MIGRATIONS.map((m) => m.id),
      )
      const { event } = await stores[0]!.ingest(makeEvent())
      expect(await stores[4]!.getEvent(event.id)).toEqual(event)
    })

    it('refuses a schema migrated by a newer release', async () => {
      const schema = await testSchema(FILE)
      const storage = await open({ schema })
      await storage.migrate()
      await adminPool().query(
        `INSERT INTO "${schema}".schema_migrations (id, applied_at) VALUES ('9999-future', now())`,
      )
      await expect(storage.migrate()).rejects.toThrow(/newer Hookgate.*9999-future/)
    })

    it('refuses to run with synchronous_commit off (it would acknowledge commits that are not durable)', async () => {
      const off = new URL(url)
      off.searchParams.set('options', '-c synchronous_commit=off')
      const storage = await open({ connectionString: off.toString() })
      await expect(storage.migrate()).rejects.toThrow(/synchronous_commit is off/)
    })

    it('two instances on one schema: concurrent identical ingests store one event, one answer not a duplicate', async () => {
      const schema = await testSchema(FILE)
      const [a, b] = [await open({ schema }), await open({ schema })]
      await a.migrate()
      await b.migrate()
      for (let round = 0; round < 5; round++) {
        const event = makeEvent({ body: nastyBytes(300) })
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).ingest(event, ['d1', 'd2'])),
        )
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1)
        expect(new Set(results.map((r) => r.event.id)).size).toBe(1)
        for (const r of results)
          expect(Buffer.from(r.event.body).equals(Buffer.from(event.body))).toBe(true)
        expect(await a.listDeliveries(results[0]!.event.id)).toHaveLength(2)
      }
      const count = await adminPool().query(`SELECT count(*)::int AS n FROM "${schema}".events`)
      expect(count.rows[0].n).toBe(5)
    })

    it('two instances claiming from one schema never hand out the same delivery', async () => {
      const schema = await testSchema(FILE)
      const [a, b] = [await open({ schema }), await open({ schema })]
      await a.migrate()
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          (i % 2 ? a : b).ingest(makeEvent({ receivedAt: new Date(1_000) }), ['x']),
        ),
      )
      const seen: string[] = []
      await Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          const store = w % 2 ? a : b
          for (;;) {
            const batch = await store.claimDue({
              workerId: `w${w}`,
              limit: 9,
              leaseMs: 60_000,
              now: new Date(2_000),
            })
            if (batch.length === 0) return
            seen.push(...batch.map((d) => d.id))
            for (const d of batch)
              await store.recordAttempt(d.leaseToken, makeAttempt({ startedAt: new Date(2_000) }), {
                kind: 'done',
              })
          }
        }),
      )
      expect(seen).toHaveLength(200)
      expect(new Set(seen).size).toBe(200)
    })

    it('ingest batches: one statement per batch, sizes bounded by maxBatchSize, callers answered after their commit', async () => {
      const sizes: number[] = []
      let committed = 0
      const storage = await open({
        maxBatchSize: 10,
        maxConcurrentBatches: 1,
        onCommit: (size) => {
          sizes.push(size)
          committed += size
        },
      })
      await storage.migrate()
      const answeredAfter: number[] = []
      await Promise.all(
        Array.from({ length: 35 }, (_, i) =>
          storage.ingest(makeEvent()).then(() => (answeredAfter[i] = committed)),
        ),
      )
      expect(sizes).toEqual([10, 10, 10, 5])
      answeredAfter.forEach((seen, i) =>
        expect(seen).toBeGreaterThanOrEqual(Math.min(35, (Math.floor(i / 10) + 1) * 10)),
      )
    })

    it('maxBatchBytes splits batches of large bodies', async () => {
      const sizes: number[] = []
      const storage = await open({ maxBatchBytes: 100_000, onCommit: (size) => sizes.push(size) })
      await storage.migrate()
      const events = Array.from({ length: 6 }, () => makeEvent({ body: nastyBytes(40_000) }))
      const results = await Promise.all(events.map((e) => storage.ingest(e)))
      expect(Math.max(...sizes)).toBeLessThanOrEqual(2)
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(6)
      for (const [i, r] of results.entries())
        expect(await storage.getEvent(r.event.id)).toEqual({ id: r.event.id, ...events[i]! })
    })

    it('stores U+0000 in event text fields escaped with U+FFFF (text cannot hold it) and reads them back as given (issue 12)', async () => {
      const schema = await testSchema(FILE)
      const storage = await open({ schema })
      await storage.migrate()
      const nul = makeEvent({
        dedupeKey: 'k\u0000',
        providerEventId: 'k\u0000',
        eventType: 'bad\u0000type',
      })
      // U+FFFF is the escape character: a key holding it never collides with an escaped U+0000.
      const escapeLookalike = makeEvent({
        dedupeKey: 'k\uFFFF0',
        providerEventId: undefined,
        eventType: '\uFFFF\uFFFF',
      })
      const [a, b] = await Promise.all([storage.ingest(nul), storage.ingest(escapeLookalike)])
      expect([a.duplicate, b.duplicate]).toEqual([false, false])
      expect(await storage.getEvent(a.event.id)).toEqual({ id: a.event.id, ...nul })
      expect(await storage.getEvent(b.event.id)).toEqual({ id: b.event.id, ...escapeLookalike })
      const { rows } = await adminPool().query(
        `SELECT dedupe_key, event_type FROM "${schema}".events ORDER BY seq`,
      )
      expect(rows).toEqual([
        { dedupe_key: 'k\uFFFF0', event_type: 'bad\uFFFF0type' },
        { dedupe_key: 'k\uFFFF\uFFFF0', event_type: '\uFFFF\uFFFF\uFFFF\uFFFF' },
      ])
      expect((await storage.ingest(nul)).duplicate).toBe(true)
      await storage.recordRejection(makeRejection({ message: 'nul\u0000here' }))
      // A rejection is a diagnostic: its free text keeps a replacement character instead.
      expect((await storage.listRejections({})).items[0]!.message).toBe('nul\uFFFDhere')
    })

    it('a lone surrogate (no UTF-8 form) is stored as U+FFFD and answered as stored, without failing the batch', async () => {
      const storage = await open()
      await storage.migrate()
      const odd = makeEvent({
        eventType: 'push\ud800',
        providerEventId: '\udc00x',
        headers: { 'x-a': 'ok' },
      })
      const [bad, good] = await Promise.all([
        storage.ingest(odd, ['d']),
        storage.ingest(makeEvent()),
      ])
      expect(bad.event.eventType).toBe('push\uFFFD')
      expect(bad.event.providerEventId).toBe('\uFFFDx')
      expect(await storage.getEvent(bad.event.id)).toEqual(bad.event)
      expect(await storage.getEvent(good.event.id)).toEqual(good.event)
      expect((await storage.ingest(odd)).duplicate).toBe(true)
    })

    it('LISTEN/NOTIFY: another instance queuing, reaping or re-enabling wakes the subscribers, not ingest without destinations', async () => {
      const schema = await testSchema(FILE)
      const [ingester, worker] = [await open({ schema }), await open({ schema })]
      await ingester.migrate()
      let wakes = 0
      let notify: (() => void) | undefined
      const next = (): Promise<void> => new Promise((resolve) => (notify = resolve))
      let connected = next()
      const unsubscribe = worker.onWake(() => {
        wakes++
        notify?.()
      })
      await connected // the wake-up after the LISTEN connection is up
      const before = wakes

      connected = next()
      await ingester.ingest(makeEvent(), ['d'])
      await connected
      expect(wakes).toBe(before + 1)

      await ingester.ingest(makeEvent()) // no deliveries: no notification
      const claimed = await ingester.claimDue({
        workerId: 'w',
        limit: 1,
        leaseMs: 1,
        now: new Date(Date.now() + 10_000),
      })
      expect(claimed).toHaveLength(1)
      connected = next()
      expect(await ingester.reapExpiredLeases(new Date(Date.now() + 20_000))).toBe(1)
      await connected
      expect(wakes).toBe(before + 2)

      connected = next()
      await ingester.setDestinationDisabled('d', false)
      await connected
      expect(wakes).toBe(before + 3)
      unsubscribe()
    })

    it('LISTEN has a connection of its own: a pool of 1 still writes while a subscriber listens', async () => {
      const storage = await open({ poolSize: 1, connectionTimeoutMs: 2_000 })
      await storage.migrate()
      let woken: (() => void) | undefined
      const listening = new Promise<void>((resolve) => (woken = resolve))
      storage.onWake(() => woken?.())
      await listening
      const { event } = await storage.ingest(makeEvent(), ['d'])
      expect(await storage.getEvent(event.id)).toEqual(event)
      await storage.checkWritable()
    })

    describe('PostgreSQL unreachable (a TCP proxy in front of the real server)', () => {
      it('server gone: batches fail with StorageUnavailableError, checkWritable fails, and everything recovers by itself', async () => {
        const proxy = new TcpProxy(serverAddress())
        const port = await proxy.start()
        const errors: Error[] = []
        try {
          const storage = await open({
            connectionString: urlVia('127.0.0.1', port),
            connectionTimeoutMs: 1_000,
            onError: (e) => errors.push(e),
          })
          await storage.migrate()
          const kept = await storage.ingest(makeEvent())
          await storage.checkWritable()

          // Cut: open connections are reset (idle ones in the pool too), new ones refused.
          await proxy.cut()
          const events = Array.from({ length: 5 }, () => makeEvent({ body: nastyBytes(200) }))
          const settled = await Promise.allSettled([
            ...events.map((e) => storage.ingest(e, ['d'])),
            storage.recordRejection(makeRejection()),
          ])
          expect(settled.map((r) => r.status)).toEqual(Array(6).fill('rejected'))
          for (const r of settled) {
            const reason = (r as PromiseRejectedResult).reason as StorageUnavailableError
            expect(reason).toBeInstanceOf(StorageUnavailableError)
            expect(reason.code).toBe('ERR_STORAGE')
            expect(reason.message).not.toContain('postgres://')
          }
          await expect(storage.checkWritable()).rejects.toBeInstanceOf(StorageUnavailableError)
          await expect(storage.getEvent(kept.event.id)).rejects.toBeInstanceOf(
            StorageUnavailableError,
          )
          await expect(
            storage.claimDue({ workerId: 'w', limit: 5, leaseMs: 1000, now: new Date() }),
          ).rejects.toBeInstanceOf(StorageUnavailableError)
          await expect(storage.requeue(kept.event.id)).rejects.toBeInstanceOf(
            StorageUnavailableError,
          )

          // Back: the same storage, not reopened, stores the very same events as new, once each.
          await proxy.restore()
          await expect(storage.checkWritable()).resolves.toBeUndefined()
          const retried = await Promise.all(events.map((e) => storage.ingest(e, ['d'])))
          expect(retried.map((r) => r.duplicate)).toEqual(Array(5).fill(false))
          expect(await storage.getEvent(kept.event.id)).toEqual(kept.event)
          expect((await storage.listEvents({})).items).toHaveLength(6)
        } finally {
          await proxy.close()
        }
      })

      it('a batch in flight when the connection dies fails cleanly (never resolves as stored), and the next batch commits', async () => {
        const proxy = new TcpProxy(serverAddress())
        const port = await proxy.start()
        try {
          const storage = await open({
            connectionString: urlVia('127.0.0.1', port),
            connectionTimeoutMs: 1_000,
          })
          await storage.migrate()
          await storage.checkWritable()
          // Partition: the statement is sent but nothing comes back; then the connection is reset.
          proxy.blackhole()
          const inFlight = Array.from({ length: 4 }, () => storage.ingest(makeEvent()))
          await new Promise((resolve) => setTimeout(resolve, 50))
          await proxy.restore()
          const settled = await Promise.allSettled(inFlight)
          expect(settled.map((r) => r.status)).toEqual(Array(4).fill('rejected'))
          for (const r of settled)
            expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StorageUnavailableError)
          const after = await storage.ingest(makeEvent())
          expect(await storage.getEvent(after.event.id)).toEqual(after.event)
        } finally {
          await proxy.close()
        }
      })

      it('a partition (no RST, no answers) fails calls after queryTimeoutMs / connectionTimeoutMs instead of hanging', async () => {
        const proxy = new TcpProxy(serverAddress())
        const port = await proxy.start()
        try {
          const storage = await open({
            connectionString: urlVia('127.0.0.1', port),
            connectionTimeoutMs: 300,
            queryTimeoutMs: 300,
          })
          await storage.migrate()
          proxy.blackhole()
          const settled = await Promise.allSettled([
            storage.ingest(makeEvent()),
            storage.checkWritable(),
            storage.listEvents({}),
          ])
          expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected'])
          for (const r of settled)
            expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StorageUnavailableError)
          await proxy.restore()
          await expect(storage.checkWritable()).resolves.toBeUndefined()
          expect((await storage.ingest(makeEvent())).duplicate).toBe(false)
        } finally {
          await proxy.close()
        }
      })

      it('the LISTEN connection reconnects after the server comes back and wakes its subscribers', async () => {
        const proxy = new TcpProxy(serverAddress())
        const port = await proxy.start()
        try {
          const schema = await testSchema(FILE)
          const worker = await open({
            schema,
            connectionString: urlVia('127.0.0.1', port),
            connectionTimeoutMs: 500,
          })
          const ingester = await open({ schema })
          await ingester.migrate()
          let wakes = 0
          let notify: (() => void) | undefined
          const next = (): Promise<void> => new Promise((resolve) => (notify = resolve))
          let woken = next()
          worker.onWake(() => {
            wakes++
            notify?.()
          })
          await woken
          await proxy.cut()
          woken = next()
          await proxy.restore()
          await woken // the wake-up after reconnecting
          woken = next()
          await ingester.ingest(makeEvent(), ['d'])
          await woken
          expect(wakes).toBeGreaterThanOrEqual(3)
        } finally {
          await proxy.close()
        }
      })
    })

    it('close() flushes queued writes, then every call rejects; a given pool is not ended', async () => {
      const pool = adminPool()
      const schema = await testSchema(FILE)
      const storage = createPostgresStorage({ pool, schema })
      await storage.migrate()
      const pending = storage.ingest(makeEvent({ dedupeKey: randomBytes(8).toString('hex') }))
      await storage.close()
      expect((await pending).duplicate).toBe(false)
      await expect(storage.ingest(makeEvent())).rejects.toBeInstanceOf(StorageUnavailableError)
      expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1)
    })

    it('rejects bad options with TypeError/RangeError', () => {
      expect(() => createPostgresStorage({})).toThrow(TypeError)
      expect(() => createPostgresStorage({ connectionString: url, schema: 'Bad-Name' })).toThrow(
        TypeError,
      )
      expect(() =>
        createPostgresStorage({ connectionString: url, schema: 'x'.repeat(64) }),
      ).toThrow(TypeError)
      expect(() => createPostgresStorage({ connectionString: url, poolSize: 0 })).toThrow(
        RangeError,
      )
      expect(() => createPostgresStorage({ connectionString: url, pool: adminPool() })).toThrow(
        TypeError,
      )
    })
  })
}
