/**
 * @module storage/sqlite/commit-queue
 * The group commit of the SQLite backend: every write of the store goes through it. Internal.
 *
 * Why group commit: a durable COMMIT waits for an fsync, which costs far more than the inserts. A write
 * therefore only queues; the queue is written in ONE `BEGIN IMMEDIATE … COMMIT` on the next macrotask
 * (`setImmediate`, i.e. after the poll phase has handed over every request that arrived meanwhile) or at once
 * when `maxBatchSize` operations are waiting. Each caller's promise settles only after that COMMIT is on disk,
 * so nothing is acknowledged before it is durable; when the COMMIT (or any statement of the batch) fails, the
 * batch is rolled back and every caller in it gets a `StorageUnavailableError`. The next batch simply tries
 * again, so the store recovers without a restart.
 *
 * The fsync runs off the event loop (WAL files): `synchronous=FULL` would make every COMMIT fsync the WAL on
 * the main thread — better-sqlite3 is synchronous — and at a few milliseconds per fsync the gateway would stop
 * reading, verifying and answering requests for that long per batch. So the connection runs with
 * `synchronous=NORMAL`, and after each COMMIT the store itself fdatasyncs the WAL file on libuv's thread pool,
 * settling the batch's callers when that sync completes — exactly the sync FULL performs, moved off the main
 * thread and still before any acknowledgement, while the next batch is already being written. At most one sync
 * is in flight: commits that land meanwhile wait for the next one (a sync only covers what was written before
 * it started), so under load one fsync covers several batches. What NORMAL keeps from FULL in WAL mode is
 * unchanged: checkpoints sync the WAL before and the database after copying, and the WAL header is synced when
 * the file is reused. The WAL's directory entry is synced once when the file is first synced (as SQLite does).
 * A failed fdatasync is sticky (Linux may drop the dirty pages and report success next time): every later write
 * fails with `StorageUnavailableError` until a restart. Without WAL (`:memory:`, a file system refusing WAL)
 * the connection keeps `synchronous=FULL` and settles callers right after the COMMIT.
 *
 * Batches wait for the sync in flight: a sync only covers what was committed before it started, so a durable
 * write queued while one runs cannot be acknowledged before the NEXT sync completes, whenever it is committed
 * meanwhile. It therefore stays queued until the running sync calls back; everything queued by then is committed
 * as ONE batch, and the next sync starts at once. Callers are answered when they would have been with a commit per
 * event-loop turn, but at load one transaction replaces several small ones (issue 15: fewer BEGIN/COMMITs, and
 * the pages every batch rewrites — the table's last page, the last page of each append-only index — go to the WAL
 * once, not once per turn). Lease bookkeeping, which is answered after its commit without a sync, never waits:
 * a queue holding any is flushed on the next turn as before, taking the waiting durable writes with it.
 *
 * better-sqlite3 is synchronous: a batch runs start to finish on the main thread, so batches never interleave
 * with each other or with reads, and the queue needs no lock.
 *
 * Durability of delivery bookkeeping: a batch holding ONLY claims, attempt records and reaps is answered right
 * after its COMMIT, without waiting for a sync — in WAL mode that is still atomic and crash-safe (a killed
 * process loses nothing; the WAL is in the OS cache), only an OS crash or power loss may drop the last such
 * commits. Losing one can only make a delivery be sent again (its claim or its "delivered" record is gone),
 * never lose it: at-least-once holds, and each delivery saves two fsyncs (claim, record). Any batch with an
 * event, a rejection, a probe or an admin write (replays, destination state) is durable: answered after the WAL
 * sync (or, without WAL, committed with FULL), which covers the whole WAL, earlier bookkeeping commits included.
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import { StorageUnavailableError } from '../types.ts'
import { startCheckpointer, type Checkpointer } from './checkpointer.ts'
import { prepareStatements, type Statements } from './statements.ts'

/** One write of a batch. */
export interface Write<T> {
  /** Runs inside the batch's transaction. */
  readonly run: (s: Statements) => T
  /** False for lease bookkeeping (claims, attempts, reaps): see "Durability of delivery bookkeeping". */
  readonly durable: boolean
  /**
   * True: runs in a savepoint, so a write that throws (a constraint, bad input caught late) is undone alone and
   * fails its own caller. False: a throw fails the whole batch, as a failed COMMIT would.
   */
  readonly isolated: boolean
  /** Counts in `stats.committedEvents` (an ingest). */
  readonly ingest?: boolean
  /** Runs once per batch before the COMMIT, however many writes of the batch name it (the rejection cap). */
  readonly beforeCommit?: (s: Statements) => void
}

export interface CommitQueueOptions {
  readonly maxBatchSize: number
  readonly onCommit: ((batchSize: number, durationMs: number) => void) | undefined
  /** The WAL file, when commits are synced off the main thread (see the module comment); else undefined. */
  readonly walPath: string | undefined
  readonly syncWal: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void
  /**
   * WAL only: checkpoint in a worker thread (`checkpointer.ts`) every `intervalMs`, started at the first commit;
   * undefined leaves checkpoints to SQLite (inside the COMMIT that crosses 1000 pages, on this thread).
   */
  readonly checkpoint?: { readonly path: string; readonly intervalMs: number } | undefined
}

/** The main connection's own automatic checkpoint while the worker runs: a backstop, 32 MiB of WAL. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 8192

interface Queued {
  readonly write: Write<unknown>
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

/** A committed batch waiting for the WAL sync that makes it durable. */
interface Unsynced {
  settle(): void
  fail(error: StorageUnavailableError): void
}

export class SqliteCommitQueue {
  /**
   * `commits`: transactions committed (also those holding only rejections or a `checkWritable()` probe).
   * `committedEvents`: `ingest()` calls answered by a commit, duplicates included. Failed batches count in neither.
   */
  readonly stats = { commits: 0, committedEvents: 0 }

  readonly #db: Database.Database
  readonly #options: CommitQueueOptions
  #statements: Statements | undefined
  readonly #dynamic = new Map<string, Database.Statement>()
  #synchronous: 'FULL' | 'NORMAL'
  #queue: Queued[] = []
  #scheduled: NodeJS.Immediate | undefined
  #closed = false
  #closing: Promise<void> | undefined
  #walFd: number | undefined
  #unsynced: Unsynced[] = []
  #syncing = false
  /** Set by a failed WAL sync: the store refuses every write from then on. */
  #syncFailure: StorageUnavailableError | undefined
  #onSynced: (() => void) | undefined
  #checkpointer: Checkpointer | undefined

  constructor(db: Database.Database, options: CommitQueueOptions) {
    this.#db = db
    this.#options = options
    this.#synchronous = options.walPath === undefined ? 'FULL' : 'NORMAL'
    this.#db.pragma(`synchronous = ${this.#synchronous}`)
  }

  /** Queues a write into the next batch; resolves with its result once the batch is committed (and synced). */
  write<T>(write: Write<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError())
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (value: unknown) => void, reject })
      if (this.#queue.length >= this.#options.maxBatchSize) this.flush()
      else if (!write.durable) this.#scheduled ??= setImmediate(() => this.flush())
      // A durable write waits for the WAL sync in flight, if any (see "Batches wait for the sync in flight").
      else if (!this.#syncing) this.#scheduled ??= setImmediate(() => this.#flushUnlessSyncing())
    })
  }

  /** Runs a read now (never inside a batch: batches run start to finish). */
  read<T>(fn: (s: Statements) => T): T {
    if (this.#closed) throw closedError()
    try {
      return fn(this.#prepared())
    } catch (error) {
      throw isSqliteError(error)
        ? new StorageUnavailableError(`SQLite read failed: ${describe(error)}`, { cause: error })
        : error
    }
  }

  /**
   * A statement composed at run time (filtered listings: `queries/dashboard.ts`), prepared once per text. The
   * texts come from fixed fragments, so the cache holds one entry per filter combination at most.
   */
  statement(sql: string): Database.Statement {
    if (this.#closed) throw closedError()
    let statement = this.#dynamic.get(sql)
    if (statement === undefined) {
      this.#prepared()
      statement = this.#db.prepare(sql)
      this.#dynamic.set(sql, statement)
    }
    return statement
  }

  /** Throws `StorageUnavailableError` once closed. */
  assertOpen(): void {
    if (this.#closed) throw closedError()
  }

  /**
   * Runs `fn` on the connection now, outside any batch (batches run start to finish, so none is open): for
   * pragmas that cannot run in a transaction (`incremental_vacuum`, `wal_checkpoint`).
   */
  maintain<T>(fn: (db: Database.Database) => T): T {
    if (this.#closed) throw closedError()
    try {
      return fn(this.#db)
    } catch (error) {
      throw isSqliteError(error)
        ? new StorageUnavailableError(`SQLite maintenance failed: ${describe(error)}`, {
            cause: error,
          })
        : error
    }
  }

  /** Syncs the WAL on the spot (after migrations, which commit with NORMAL: start-up, not the hot path). */
  syncWalNow(): void {
    if (this.#options.walPath !== undefined) fdatasyncSync(this.#openWal())
  }

  /** Writes everything queued now, then closes the database once the last batches are synced. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.flush()
      this.#closed = true
      // The last batches' callers are answered once their sync is done; only then may the file go.
      if (this.#syncing || this.#unsynced.length > 0)
        await new Promise<void>((resolve) => (this.#onSynced = resolve))
      this.#checkpointer?.close()
      if (this.#walFd !== undefined) closeSync(this.#walFd)
      this.#db.close()
    })()
    return this.#closing
  }

  /** The scheduled flush of durable writes: deferred to the end of the WAL sync in flight, if any. */
  #flushUnlessSyncing(): void {
    this.#scheduled = undefined
    if (!this.#syncing) this.flush()
  }

  /** Writes the queue in one transaction, then settles every caller. Never throws. */
  flush(): void {
    if (this.#scheduled !== undefined) {
      clearImmediate(this.#scheduled)
      this.#scheduled = undefined
    }
    const batch = this.#queue
    if (batch.length === 0) return
    this.#queue = []
    if (this.#syncFailure !== undefined) {
      for (const queued of batch) queued.reject(this.#syncFailure)
      return
    }

    const started = performance.now()
    const results: unknown[] = new Array(batch.length)
    const durable = batch.some((queued) => queued.write.durable)
    try {
      const s = this.#prepared()
      // With WAL the connection stays NORMAL and durable batches are synced below.
      if (this.#options.walPath === undefined) this.#setSynchronous(durable ? 'FULL' : 'NORMAL')
      s.begin.run()
      const beforeCommit = new Set<(s: Statements) => void>()
      for (let i = 0; i < batch.length; i++) {
        const { write } = batch[i]!
        results[i] = write.isolated ? this.#runIsolated(s, write.run) : write.run(s)
        if (write.beforeCommit !== undefined) beforeCommit.add(write.beforeCommit)
      }
      for (const run of beforeCommit) run(s)
      s.commit.run()
      if (this.#checkpointer === undefined && this.#options.checkpoint !== undefined)
        this.#startCheckpointer(this.#options.checkpoint)
    } catch (error) {
      this.#rollback()
      const message = `SQLite commit failed: ${describe(error)}`
      for (const queued of batch)
        queued.reject(new StorageUnavailableError(message, { cause: error }))
      return
    }

    const settle = (): void => this.#settle(batch, results, started)
    if (this.#options.walPath !== undefined && durable) {
      this.#unsynced.push({
        settle,
        fail: (error) => batch.forEach((queued) => queued.reject(error)),
      })
      this.#syncNext()
    } else settle()
  }

  /** Starts the checkpoint worker once; if it cannot start, SQLite keeps checkpointing on this connection. */
  #startCheckpointer(checkpoint: { readonly path: string; readonly intervalMs: number }): void {
    try {
      this.#checkpointer = startCheckpointer({
        ...checkpoint,
        fallbackPages: FALLBACK_AUTOCHECKPOINT_PAGES,
        setAutocheckpoint: (pages) => {
          if (!this.#closed) this.#db.pragma(`wal_autocheckpoint = ${pages}`)
        },
      })
    } catch {
      this.#checkpointer = { close: () => undefined }
    }
  }

  /** Answers the callers of a committed (and, when needed, synced) batch. */
  #settle(batch: readonly Queued[], results: readonly unknown[], started: number): void {
    const durationMs = performance.now() - started
    this.stats.commits++
    for (let i = 0; i < batch.length; i++) {
      const queued = batch[i]!
      const result = results[i]
      if (queued.write.ingest === true) this.stats.committedEvents++
      if (result instanceof IsolatedFailure) queued.reject(result.error)
      else queued.resolve(result)
    }
    try {
      this.#options.onCommit?.(batch.length, durationMs)
    } catch {
      // A metrics callback must not turn a committed batch into failures.
    }
  }

  /**
   * Runs one write in a savepoint: a write that throws is undone alone and fails its own caller, not the
   * batch. Errors that end the transaction (disk full, I/O) fail the COMMIT and so every caller.
   */
  #runIsolated(s: Statements, run: (s: Statements) => unknown): unknown {
    s.savepoint.run()
    try {
      const result = run(s)
      s.release.run()
      return result
    } catch (error) {
      if (!this.#db.inTransaction) throw error
      s.rollbackTo.run()
      s.release.run()
      return new IsolatedFailure(error)
    }
  }

  /**
   * Starts a WAL sync covering every batch committed so far, unless one is running: its callback starts the
   * next, for the batches committed while it ran (a sync only covers writes made before it started).
   */
  #syncNext(): void {
    if (this.#syncing) return
    const covered = this.#unsynced
    if (covered.length === 0) {
      this.#onSynced?.()
      return
    }
    this.#unsynced = []
    let fd: number
    try {
      fd = this.#openWal()
    } catch (error) {
      // Nothing was synced, nothing is acknowledged: the callers get 503 and their retries are answered
      // (as duplicates) only after a later sync succeeds.
      const failure = new StorageUnavailableError(
        `Cannot open the SQLite write-ahead log to sync it: ${describe(error)}`,
        { cause: error },
      )
      for (const batch of covered) batch.fail(failure)
      this.#syncNext()
      return
    }
    this.#syncing = true
    this.#options.syncWal(fd, (error) => {
      this.#syncing = false
      if (error === null) {
        for (const batch of covered) batch.settle()
        // The writes that waited for this sync: one transaction, covered by the sync that starts right after it.
        if (this.#queue.length > 0) this.flush()
      } else {
        this.#syncFailure ??= new StorageUnavailableError(
          `Syncing the SQLite write-ahead log failed (${describe(error)}); refusing writes until the gateway is restarted`,
          { cause: error },
        )
        for (const batch of [...covered, ...this.#unsynced]) batch.fail(this.#syncFailure)
        this.#unsynced = []
      }
      this.#syncNext()
    })
  }

  /** The WAL file descriptor, opened on first use; the directory entry of the WAL is synced then (once). */
  #openWal(): number {
    if (this.#walFd !== undefined) return this.#walFd
    const path = this.#options.walPath as string
    const fd = openSync(path, 'r')
    try {
      const dir = openSync(dirname(path), 'r')
      try {
        fsyncSync(dir)
      } finally {
        closeSync(dir)
      }
    } catch {
      // Best effort, as in SQLite: some file systems cannot sync a directory.
    }
    this.#walFd = fd
    return fd
  }

  /** Switches `synchronous` between batches (a no-op when unchanged; never inside a transaction). */
  #setSynchronous(mode: 'FULL' | 'NORMAL'): void {
    if (this.#synchronous === mode) return
    this.#db.pragma(`synchronous = ${mode}`)
    this.#synchronous = mode
  }

  #rollback(): void {
    // Some errors (SQLITE_FULL, SQLITE_IOERR) already rolled back; a failed COMMIT (SQLITE_BUSY) did not.
    if (!this.#db.inTransaction) return
    try {
      this.#db.exec('ROLLBACK')
    } catch {
      // Nothing more to do: the next BEGIN reports the state if the connection is really broken.
    }
  }

  /** Prepared lazily: preparing needs the tables, which exist only after `migrate()`. */
  #prepared(): Statements {
    this.#statements ??= prepareStatements(this.#db)
    return this.#statements
  }
}

/** An isolated write's own failure, carried through the batch to its caller (see `#runIsolated`). */
class IsolatedFailure {
  readonly error: unknown
  constructor(error: unknown) {
    this.error = error
  }
}

export function isSqliteError(error: unknown): boolean {
  return error instanceof Database.SqliteError
}

export function describe(error: unknown): string {
  if (error instanceof Database.SqliteError) return `${error.code}: ${error.message}`
  return error instanceof Error ? error.message : String(error)
}

function closedError(): StorageUnavailableError {
  return new StorageUnavailableError('The SQLite storage is closed')
}
