/**
 * @module storage/sqlite/storage
 * The embedded SQLite backend (better-sqlite3): WAL, every acknowledged commit fsynced, group commit
 * (`commit-queue.ts`). This file opens the database and joins the parts of the contract, each in its own
 * file: `events.ts`, `deliveries.ts`, `replay.ts`, `destinations.ts`. What is not SQL (input checks, the
 * delivery state machine, cursors, row mapping) is shared with PostgreSQL in `../domain/`.
 */
import { fdatasync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { integerOption } from '../domain/validate.ts'
import { createStoreIds } from '../ids.ts'
import { StorageUnavailableError, type Storage, type StorageLifecycle } from '../types.ts'
import { describe, isSqliteError, SqliteCommitQueue } from './commit-queue.ts'
import type { SqliteContext } from './context.ts'
import { createSqliteDeliveryQueue } from './deliveries.ts'
import { createSqliteDestinationStates } from './destinations.ts'
import { createSqliteEventLog } from './events.ts'
import { runMigrations } from './migrations/index.ts'
import { createSqliteReplay } from './replay.ts'
import { createSqliteRetention } from './retention.ts'
import { createSqliteTraffic } from './traffic.ts'
import { createSqliteTransfer } from './transfer.ts'

export interface SqliteStorageOptions {
  /** Database file (its parent directory is created when missing), or `':memory:'`. */
  readonly path: string
  /** Rejections kept; older ones are dropped. Default 10 000. */
  readonly maxRejections?: number
  /** Operations per transaction at most; a full queue is flushed at once. Default 256. */
  readonly maxBatchSize?: number
  /**
   * How long a write waits for a lock held by another connection (another process, `hookgate` CLI) before
   * the batch fails with `StorageUnavailableError`. better-sqlite3 waits on the main thread, so this is
   * also the longest stall of the event loop. Default 2000 ms.
   */
  readonly busyTimeoutMs?: number
  /** Called after each committed transaction: operations in it (ingests, rejections, probes) and its duration. */
  readonly onCommit?: (batchSize: number, durationMs: number) => void
  /** Clock for ids, `applied_at` and the health row (ms since epoch). Default `Date.now`. */
  readonly now?: () => number
  /**
   * @internal Syncs the WAL file after a commit, off the main thread (default `fs.fdatasync`); callers of a
   * batch are settled when it calls back. Injectable so tests can hold or fail the sync.
   */
  readonly syncWal?: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void
}

const DEFAULT_MAX_REJECTIONS = 10_000
const DEFAULT_MAX_BATCH_SIZE = 256
const DEFAULT_BUSY_TIMEOUT_MS = 2_000
/** Between two WAL checkpoints of the checkpoint worker (`checkpointer.ts`). */
const CHECKPOINT_INTERVAL_MS = 100

/**
 * Opens (creating it and its directory when missing) a SQLite database as Hookgate storage. Call
 * `migrate()` before use. Writes are group-committed: see `commit-queue.ts`.
 * @throws StorageUnavailableError when the file cannot be opened
 * @example
 * const storage = createSqliteStorage({ path: './data/hookgate.db', onCommit: (n, ms) => histogram.observe(n) })
 * await storage.migrate()
 */
export function createSqliteStorage(options: SqliteStorageOptions): Storage {
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
  const busyTimeoutMs = integerOption(
    'busyTimeoutMs',
    options.busyTimeoutMs,
    DEFAULT_BUSY_TIMEOUT_MS,
    0,
  )
  const now = options.now ?? Date.now
  const inMemory = options.path === ':memory:'
  let db: Database.Database
  let queue: SqliteCommitQueue
  try {
    if (!inMemory) mkdirSync(dirname(options.path), { recursive: true })
    db = new Database(options.path, { timeout: busyTimeoutMs })
    // A new file gives freed pages back to the file system when pruned (retention.ts); this must be set before
    // the first table. An existing file keeps its mode (changing it needs a full VACUUM).
    if (!inMemory && db.pragma('page_count', { simple: true }) === 0)
      db.pragma('auto_vacuum = INCREMENTAL')
    // WAL: readers never block the writer, and a commit is one sequential append + fsync.
    const wal = !inMemory && db.pragma('journal_mode = WAL', { simple: true }) === 'wal'
    // Every acknowledged commit is fsynced, so it survives power loss, not only a crash: by SQLite itself
    // (FULL) without WAL, by the commit queue off the main thread with WAL (NORMAL + its own sync).
    queue = new SqliteCommitQueue(db, {
      maxBatchSize,
      onCommit: options.onCommit,
      walPath: wal ? `${options.path}-wal` : undefined,
      syncWal: options.syncWal ?? fdatasync,
      checkpoint: wal ? { path: options.path, intervalMs: CHECKPOINT_INTERVAL_MS } : undefined,
    })
    db.pragma(`busy_timeout = ${busyTimeoutMs}`)
    db.pragma('foreign_keys = ON')
    // Truncate the WAL back to 64 MiB after checkpoints instead of letting it keep its high-water size.
    db.pragma('journal_size_limit = 67108864')
  } catch (error) {
    throw new StorageUnavailableError(
      `Cannot open the SQLite database at ${options.path}: ${describe(error)}`,
      {
        cause: error,
      },
    )
  }
  const ctx: SqliteContext = { queue, now, ids: createStoreIds(now) }
  const lifecycle: StorageLifecycle = {
    dialect: 'sqlite',
    stats: queue.stats,

    async migrate() {
      queue.assertOpen()
      // Anything still queued was built for the old schema; write it first.
      queue.flush()
      let applied: readonly string[]
      try {
        applied = runMigrations(db, undefined, now)
      } catch (error) {
        throw isSqliteError(error)
          ? new StorageUnavailableError(`Migration failed: ${describe(error)}`, { cause: error })
          : error
      }
      if (applied.length > 0) {
        try {
          queue.syncWalNow()
        } catch (error) {
          throw new StorageUnavailableError(
            `Cannot sync the SQLite write-ahead log after migrating: ${describe(error)}`,
            { cause: error },
          )
        }
      }
      return { applied }
    },

    /** Queues a tiny real write (the health row) into the next batch: it proves exactly the commit path ingest uses. */
    async checkWritable() {
      await queue.write({
        durable: true,
        isolated: false,
        run: (s) => void s.touchHealth.run({ checkedAt: now() }),
      })
    },

    close: () => queue.close(),
  }
  return {
    ...lifecycle,
    ...createSqliteEventLog(ctx, maxRejections),
    ...createSqliteDeliveryQueue(ctx),
    ...createSqliteReplay(ctx),
    ...createSqliteDestinationStates(ctx),
    ...createSqliteRetention(ctx),
    ...createSqliteTraffic(ctx),
    ...createSqliteTransfer(ctx, options.path),
  }
}
