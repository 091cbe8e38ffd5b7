/**
 * @module storage/postgres/storage
 * The PostgreSQL backend (node-postgres): several gateway instances on one database. This file opens the pool
 * and joins the parts of the contract, each in its own file: `events.ts`, `deliveries.ts`, `replay.ts`,
 * `destinations.ts`, with the group commit in `commit-queue.ts`. What is not SQL (input checks, the delivery
 * state machine, cursors, row mapping) is shared with SQLite in `../domain/`.
 *
 * Durability: `ingest()` resolves only after the COMMIT of the statement holding its event returned, with
 * `synchronous_commit` on (checked by `migrate()`: the server would otherwise acknowledge commits it has not
 * flushed). The pool replaces broken connections, so the store recovers without a restart when the server is
 * back.
 *
 * Every instance keeps its own queue; the database arbitrates between instances: the unique (source_id,
 * dedupe_key) key for dedupe, `FOR UPDATE SKIP LOCKED` for claims, leases for crashed workers, advisory locks
 * for migrations and replays.
 */
import type { Pool, PoolConfig } from 'pg'
import { createRequire } from 'node:module'
import { integerOption } from '../domain/validate.ts'
import { createStoreIds } from '../ids.ts'
import { StorageUnavailableError, type Storage, type StorageLifecycle } from '../types.ts'
import { asError, PostgresClient, toStorageError } from './client.ts'
import { PostgresCommitQueue } from './commit-queue.ts'
import type { PostgresContext } from './context.ts'
import { createPostgresDeliveryQueue } from './deliveries.ts'
import { createPostgresDestinationStates } from './destinations.ts'
import { createPostgresEventLog } from './events.ts'
import { runPostgresMigrations } from './migrations/index.ts'
import { TOUCH_HEALTH } from './queries/touch-health.ts'
import { createPostgresReplay } from './replay.ts'
import { createPostgresRetention } from './retention.ts'
import { createPostgresTraffic } from './traffic.ts'
import { createPostgresTransfer } from './transfer.ts'
import { iso } from './rows.ts'
import { checkSchemaName, DEFAULT_SCHEMA } from './sql.ts'
import { WakeListener, type ListenConnection } from './wake.ts'

export interface PostgresStorageOptions {
  /** `postgres://user:password@host:5432/database?sslmode=…` (libpq URL syntax). Or pass `pool`. */
  readonly connectionString?: string
  /**
   * A node-postgres `Pool` you own (its settings, its `error` handler, you `end()` it). The storage borrows one
   * of its connections for good once something subscribes to `onWake` (LISTEN): size it accordingly.
   */
  readonly pool?: Pool
  /** The schema holding Hookgate's tables, created by `migrate()`. Default `hookgate`. */
  readonly schema?: string
  /** Connections of the pool created from `connectionString` (plus one for LISTEN once `onWake` is used). Default 10. */
  readonly poolSize?: number
  /** Rejections kept; older ones are dropped. Default 10 000. */
  readonly maxRejections?: number
  /** Operations per batch at most. Default 256. */
  readonly maxBatchSize?: number
  /** Body bytes per batch at most (one event always fits). Default 8 MiB. */
  readonly maxBatchBytes?: number
  /** Ingest batches in flight at once. Default 2. */
  readonly maxConcurrentBatches?: number
  /** How long opening a connection (or waiting for a free one) may take before the call fails. Default 5000. */
  readonly connectionTimeoutMs?: number
  /**
   * How long a statement may wait for its answer before the call fails with `StorageUnavailableError` (the
   * connection is then discarded). Bounds the wait of an ingest when the server vanished without closing the
   * connection (network partition). Default 10 000.
   */
  readonly queryTimeoutMs?: number
  /** Called after each committed batch: operations in it (ingests or rejections) and its duration. */
  readonly onCommit?: (batchSize: number, durationMs: number) => void
  /** Background errors nobody awaits (idle connections dropped, the LISTEN connection lost). Default: ignored. */
  readonly onError?: (error: Error) => void
  /** Clock for ids, default `now`s and the health row (ms since epoch). Default `Date.now`. */
  readonly now?: () => number
}

const DEFAULT_POOL_SIZE = 10
const DEFAULT_MAX_REJECTIONS = 10_000
const DEFAULT_MAX_BATCH_SIZE = 256
const DEFAULT_MAX_BATCH_BYTES = 8 * 1_048_576
const DEFAULT_MAX_CONCURRENT_BATCHES = 2
const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000
const DEFAULT_QUERY_TIMEOUT_MS = 10_000

/** A PostgreSQL storage: the contract, plus the LISTEN/NOTIFY wake-up its delivery workers can use. */
export type PostgresStorageInstance = Storage & {
  readonly dialect: 'postgres'
  /** The schema this storage uses. */
  readonly schema: string
  /**
   * Calls `listener` whenever any instance on this schema queued deliveries, returned expired leases or
   * re-enabled a destination (LISTEN/NOTIFY), and after each (re)connect of the listening connection. A hint
   * only: keep polling, slowly. The first subscription opens the listening connection.
   * @returns the unsubscribe function
   */
  onWake(listener: () => void): () => void
}

/**
 * Connects (lazily: nothing happens before the first call) to PostgreSQL as Hookgate storage. Call `migrate()`
 * before use; it creates the schema and its tables, and is safe to run from several instances at once.
 * Writes are group-committed: see `commit-queue.ts`.
 * @throws TypeError for invalid options (no connection string or pool, a bad schema name)
 * @example
 * const storage = createPostgresStorage({ connectionString: process.env.DATABASE_URL, schema: 'hookgate' })
 * await storage.migrate()
 */
/**
 * `pg` is an optional peer dependency: loaded only when a PostgreSQL store is created, so an SQLite-only install
 * does not need it (issue 10 §3).
 */
function loadPg(): typeof import('pg') {
  try {
    return createRequire(import.meta.url)('pg') as typeof import('pg')
  } catch (error) {
    throw new Error(
      'storage.postgres needs the pg package: run `npm install pg` next to hookgate',
      { cause: error },
    )
  }
}

export function createPostgresStorage(options: PostgresStorageOptions): PostgresStorageInstance {
  const pg = loadPg()
  const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA)
  const maxRejections = integerOption(
    'maxRejections',
    options.maxRejections,
    DEFAULT_MAX_REJECTIONS,
    0,
  )
  const maxBatchSize = integerOption(
    'maxBatchSize',
    options.maxBatchSize,
    DEFAULT_MAX_BATCH_SIZE,
    1,
  )
  const maxBatchBytes = integerOption(
    'maxBatchBytes',
    options.maxBatchBytes,
    DEFAULT_MAX_BATCH_BYTES,
    1,
  )
  const maxConcurrentBatches = integerOption(
    'maxConcurrentBatches',
    options.maxConcurrentBatches,
    DEFAULT_MAX_CONCURRENT_BATCHES,
    1,
  )
  const onError = options.onError ?? (() => undefined)
  const now = options.now ?? Date.now

  let pool: Pool
  let listenConfig: PoolConfig | undefined
  if (options.pool !== undefined) {
    if (options.connectionString !== undefined)
      throw new TypeError('Pass either pool or connectionString, not both')
    pool = options.pool
  } else {
    if (typeof options.connectionString !== 'string' || options.connectionString === '') {
      throw new TypeError('connectionString (postgres://…) or pool is required')
    }
    const config: PoolConfig = {
      connectionString: options.connectionString,
      max: integerOption('poolSize', options.poolSize, DEFAULT_POOL_SIZE, 1),
      connectionTimeoutMillis: integerOption(
        'connectionTimeoutMs',
        options.connectionTimeoutMs,
        DEFAULT_CONNECTION_TIMEOUT_MS,
        1,
      ),
      query_timeout: integerOption(
        'queryTimeoutMs',
        options.queryTimeoutMs,
        DEFAULT_QUERY_TIMEOUT_MS,
        1,
      ),
      // Dead peers (a partition, a server that vanished) are noticed within about a minute even when idle.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      idleTimeoutMillis: 30_000,
      application_name: 'hookgate',
    }
    pool = new pg.Pool(config)
    // An idle connection the server closes (restart, failover, idle timeout) makes the pool emit 'error';
    // without a listener that would be an uncaught exception. The pool already dropped the connection.
    pool.on('error', (error) => onError(error))
    // LISTEN gets a connection of its own, so that it never takes one of the pool's `poolSize` (a pool of 1
    // would otherwise have none left for writes).
    listenConfig = config
  }
  const ownsPool = options.pool === undefined

  const db = new PostgresClient(pool, schema)
  const ids = createStoreIds(now)
  const queue = new PostgresCommitQueue(db, ids, {
    maxBatchSize,
    maxBatchBytes,
    maxConcurrentBatches,
    maxRejections,
    onCommit: options.onCommit,
  })
  const connectListener = async (): Promise<ListenConnection> => {
    if (listenConfig === undefined) {
      const client = await pool.connect()
      return { client, release: (destroy) => client.release(destroy) }
    }
    const client = new pg.Client(listenConfig)
    // Until connect() settles, errors reject it; an 'error' event before the caller's listener must not crash.
    client.on('error', () => undefined)
    try {
      await client.connect()
    } catch (error) {
      void client.end().catch(() => undefined)
      throw error
    }
    return { client, release: () => void client.end().catch(() => undefined) }
  }
  const wake = new WakeListener(connectListener, db.channel, (error) => onError(error))

  let closed = false
  let closing: Promise<void> | undefined
  const assertOpen = (): void => {
    if (closed) throw new StorageUnavailableError('The PostgreSQL storage is closed')
  }
  const ctx: PostgresContext = { db, queue, now, ids, assertOpen }

  const lifecycle: StorageLifecycle & Pick<PostgresStorageInstance, 'schema' | 'onWake'> = {
    dialect: 'postgres',
    schema,
    stats: queue.stats,

    async migrate() {
      assertOpen()
      let applied: string[]
      try {
        applied = await runPostgresMigrations(pool, schema, undefined, now)
      } catch (error) {
        throw toStorageError(error, 'Migration failed')
      }
      // Durability rests on it: with synchronous_commit off, COMMIT returns before the WAL is flushed and a server
      // crash loses events that were acknowledged. Refuse to run rather than acknowledge on a promise we cannot keep.
      const { rows } = await db.query<{ synchronous_commit: string }>(
        'show-sync',
        'SHOW synchronous_commit',
        [],
      )
      if (rows[0]?.synchronous_commit === 'off') {
        throw new StorageUnavailableError(
          'synchronous_commit is off for this database or role: PostgreSQL would confirm commits before they are durable, ' +
            'so Hookgate could acknowledge webhooks it then loses. Set it to on (ALTER ROLE … SET synchronous_commit = on).',
        )
      }
      return { applied }
    },

    /** Commits a real row change (the health row) in its own transaction: it fails exactly when a commit would. */
    async checkWritable() {
      assertOpen()
      await db.query('touch-health', TOUCH_HEALTH, [iso(now())])
      queue.countCommit()
    },

    onWake(listener) {
      if (closed) return () => undefined
      return wake.subscribe(listener)
    },

    close() {
      closing ??= (async () => {
        closed = true
        // Queued writes were accepted before close(): commit them (or fail them) before the pool goes.
        await queue.drain()
        await wake.close()
        if (ownsPool) await pool.end().catch((error: unknown) => onError(asError(error)))
      })()
      return closing
    },
  }
  return {
    ...lifecycle,
    dialect: 'postgres',
    ...createPostgresEventLog(ctx),
    ...createPostgresDeliveryQueue(ctx),
    ...createPostgresReplay(ctx),
    ...createPostgresDestinationStates(ctx),
    ...createPostgresRetention(ctx),
    ...createPostgresTraffic(ctx),
    ...createPostgresTransfer(ctx),
  }
}
