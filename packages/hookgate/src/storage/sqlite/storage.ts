/**
 * @module storage/sqlite/storage
 * The embedded SQLite backend (better-sqlite3): WAL, every acknowledged commit fsynced, group commit.
 *
 * Why group commit: a durable COMMIT waits for an fsync, which costs far more than the inserts. `ingest()`
 * therefore only queues its event; the queue is written in ONE `BEGIN IMMEDIATE … COMMIT` on the next macrotask
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
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import { createIdGenerator } from '../ids.ts'
import { encodeCursor, page, pageLimit } from '../paging.ts'
import {
  MAX_RESPONSE_BODY_BYTES,
  StorageUnavailableError,
  type AttemptRecord,
  type ClaimedDelivery,
  type ClaimOptions,
  type Delivery,
  type DeliveryStatus,
  type DeliveryWithAttempts,
  type DestinationState,
  type DestinationStats,
  type IngestResult,
  type NextStep,
  type ReplayFilter,
  type RequeueBatch,
  type RequeueMatchingOptions,
  type RequeueOptions,
  type StoredAttempt,
  type ListQuery,
  type NewEvent,
  type NewRejection,
  type Page,
  type Storage,
  type StoredEvent,
  type StoredRejection,
} from '../types.ts'
import { checkClaimLimit, checkHeaders, integerOption, optionalString, requireString, timeOf } from '../validate.ts'
import { runMigrations } from './migrations/index.ts'
import { CLAIM_DUE, CLAIM_DUE_FOR_DESTINATION, CLAIM_DUE_FOR_DESTINATIONS } from './queries/claim-due.ts'
import { DESTINATION_STATS } from './queries/destination-stats.ts'
import { LIST_DESTINATION_STATES, UPSERT_DESTINATION_STATE } from './queries/destinations.ts'
import { INSERT_DELIVERY } from './queries/insert-delivery.ts'
import { INSERT_EVENT } from './queries/insert-event.ts'
import { LIST_ATTEMPTS } from './queries/list-attempts.ts'
import { LIST_ATTEMPTS_BY_EVENT, LIST_DELIVERIES_BY_EVENT } from './queries/list-deliveries-by-event.ts'
import { COUNT_REPLAY_MATCHES, SELECT_MAX_DELIVERY_SEQ, SELECT_REPLAY_BATCH } from './queries/match-replay.ts'
import { REAP_EXPIRED_LEASES } from './queries/reap-expired-leases.ts'
import { INSERT_ATTEMPT, SETTLE_DELIVERY } from './queries/record-attempt.ts'
import { SELECT_LATEST_DELIVERIES_OF_EVENT } from './queries/select-latest-deliveries-of-event.ts'
import { INSERT_REJECTION } from './queries/insert-rejection.ts'
import { LIST_EVENTS_BY_SOURCE } from './queries/list-events-by-source.ts'
import { LIST_EVENTS } from './queries/list-events.ts'
import { LIST_REJECTIONS_BY_SOURCE } from './queries/list-rejections-by-source.ts'
import { LIST_REJECTIONS } from './queries/list-rejections.ts'
import { PRUNE_REJECTIONS } from './queries/prune-rejections.ts'
import { SELECT_EVENT_BY_DEDUPE_KEY } from './queries/select-event-by-dedupe-key.ts'
import { SELECT_EVENT_BY_ID } from './queries/select-event-by-id.ts'
import { TOUCH_HEALTH } from './queries/touch-health.ts'

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

/** A committed batch waiting for the WAL sync that makes it durable. */
interface Unsynced {
  settle(): void
  fail(error: StorageUnavailableError): void
}

const DEFAULT_MAX_REJECTIONS = 10_000
const DEFAULT_MAX_BATCH_SIZE = 256
const DEFAULT_BUSY_TIMEOUT_MS = 2_000
const DEFAULT_REPLAY_BATCH = 500
const MAX_REPLAY_BATCH = 1000
/** The `beforeSeq` of a first page: larger than any rowid. */
const NO_CURSOR = Number.MAX_SAFE_INTEGER

interface EventRow {
  readonly seq: number
  readonly id: string
  readonly source_id: string
  readonly provider: string
  readonly dedupe_key: string
  readonly provider_event_id: string | null
  readonly event_type: string | null
  readonly received_at: number
  readonly headers: string
  readonly body: Uint8Array
}

interface RejectionRow {
  readonly seq: number
  readonly id: string
  readonly source_id: string
  readonly received_at: number
  readonly status: number
  readonly reason: string
  readonly message: string
  readonly remote_address: string | null
  readonly headers: string
  readonly body_size: number
  readonly body_sha256: string
}

interface DeliveryRow {
  readonly seq: number
  readonly id: string
  readonly event_id: string
  readonly destination_id: string
  readonly status: DeliveryStatus
  readonly attempts: number
  readonly created_at: number
  readonly next_attempt_at: number | null
  readonly lease_token: string | null
  readonly lease_expires_at: number | null
  readonly last_attempt_at: number | null
  readonly completed_at: number | null
  readonly dead_reason: string | null
  readonly replay_of: string | null
}

interface AttemptRow {
  readonly seq: number
  readonly id: string
  readonly delivery_id: string
  readonly attempt_number: number
  readonly worker_id: string
  readonly started_at: number
  readonly duration_ms: number
  readonly status_code: number | null
  readonly error: string | null
  readonly response_body: Uint8Array | null
  readonly next_kind: NextStep['kind']
  readonly next_at: number | null
  readonly next_reason: string | null
}

interface EventParams {
  readonly id: string
  readonly sourceId: string
  readonly provider: string
  readonly dedupeKey: string
  readonly providerEventId: string | null
  readonly eventType: string | null
  readonly receivedAt: number
  readonly headers: string
  readonly body: Uint8Array
}

/** One queued write. Parameters are built at enqueue time, so a bad input fails its own caller only. */
type Operation =
  | {
      readonly kind: 'event'
      readonly event: NewEvent
      readonly params: EventParams
      /** Destination ids (distinct) that get a pending delivery when the event is new. */
      readonly destinationIds: readonly string[]
      readonly resolve: (result: IngestResult) => void
      readonly reject: (error: unknown) => void
    }
  | {
      readonly kind: 'rejection'
      readonly params: Record<string, string | number | null>
      readonly resolve: () => void
      readonly reject: (error: unknown) => void
    }
  | { readonly kind: 'probe'; readonly resolve: () => void; readonly reject: (error: unknown) => void }
  | {
      /** Any other write (claims, attempts, replays…), run inside a savepoint of the batch. */
      readonly kind: 'task'
      /** False for lease bookkeeping (claims, attempts, reaps): see "Durability of delivery bookkeeping". */
      readonly durable: boolean
      readonly run: (s: Statements) => unknown
      readonly resolve: (value: unknown) => void
      readonly reject: (error: unknown) => void
    }

interface Statements {
  readonly begin: Database.Statement
  readonly commit: Database.Statement
  readonly insertEvent: Database.Statement
  readonly selectEventByDedupeKey: Database.Statement
  readonly selectEventById: Database.Statement
  readonly listEvents: Database.Statement
  readonly listEventsBySource: Database.Statement
  readonly insertRejection: Database.Statement
  readonly pruneRejections: Database.Statement
  readonly listRejections: Database.Statement
  readonly listRejectionsBySource: Database.Statement
  readonly touchHealth: Database.Statement
  readonly insertDelivery: Database.Statement
  readonly claimDue: Database.Statement
  readonly claimDueForDestinations: Database.Statement
  readonly claimDueForDestination: Database.Statement
  readonly settleDelivery: Database.Statement
  readonly insertAttempt: Database.Statement
  readonly reapExpiredLeases: Database.Statement
  readonly listDeliveriesByEvent: Database.Statement
  readonly listAttemptsByEvent: Database.Statement
  readonly listAttempts: Database.Statement
  readonly selectLatestDeliveriesOfEvent: Database.Statement
  readonly countReplayMatches: Database.Statement
  readonly selectReplayBatch: Database.Statement
  readonly selectMaxDeliverySeq: Database.Statement
  readonly destinationStats: Database.Statement
  readonly upsertDestinationState: Database.Statement
  readonly listDestinationStates: Database.Statement
  readonly savepoint: Database.Statement
  readonly release: Database.Statement
  readonly rollbackTo: Database.Statement
}

/** @see createSqliteStorage */
export class SqliteStorage implements Storage {
  readonly dialect = 'sqlite' as const
  /**
   * `commits`: transactions committed (also those holding only rejections or a `checkWritable()` probe).
   * `committedEvents`: `ingest()` calls answered by a commit, duplicates included. Failed batches count in neither.
   */
  readonly stats = { commits: 0, committedEvents: 0 }

  readonly #db: Database.Database
  readonly #maxRejections: number
  readonly #maxBatchSize: number
  readonly #onCommit: ((batchSize: number, durationMs: number) => void) | undefined
  readonly #now: () => number
  readonly #eventId: () => string
  readonly #rejectionId: () => string
  readonly #deliveryId: () => string
  readonly #attemptId: () => string
  #statements: Statements | undefined
  #queue: Operation[] = []
  #scheduled: NodeJS.Immediate | undefined
  #synchronous: 'FULL' | 'NORMAL' = 'FULL'
  #closed = false
  #closing: Promise<void> | undefined
  /** The WAL file, when commits are synced off the main thread (see the module comment); else undefined. */
  readonly #walPath: string | undefined
  readonly #syncWal: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void
  #walFd: number | undefined
  #unsynced: Unsynced[] = []
  #syncing = false
  /** Set by a failed WAL sync: the store refuses every write from then on. */
  #syncFailure: StorageUnavailableError | undefined
  #onSynced: (() => void) | undefined

  constructor(options: SqliteStorageOptions) {
    this.#maxRejections = integerOption('maxRejections', options.maxRejections, DEFAULT_MAX_REJECTIONS, 0)
    this.#maxBatchSize = integerOption('maxBatchSize', options.maxBatchSize, DEFAULT_MAX_BATCH_SIZE, 1)
    const busyTimeoutMs = integerOption('busyTimeoutMs', options.busyTimeoutMs, DEFAULT_BUSY_TIMEOUT_MS, 0)
    this.#onCommit = options.onCommit
    this.#now = options.now ?? Date.now
    this.#eventId = createIdGenerator('evt', { now: this.#now })
    this.#rejectionId = createIdGenerator('rej', { now: this.#now })
    this.#deliveryId = createIdGenerator('dlv', { now: this.#now })
    this.#attemptId = createIdGenerator('att', { now: this.#now })

    this.#syncWal = options.syncWal ?? fdatasync
    const inMemory = options.path === ':memory:'
    try {
      if (!inMemory) mkdirSync(dirname(options.path), { recursive: true })
      this.#db = new Database(options.path, { timeout: busyTimeoutMs })
      // WAL: readers never block the writer, and a commit is one sequential append + fsync.
      const wal = !inMemory && this.#db.pragma('journal_mode = WAL', { simple: true }) === 'wal'
      // Every acknowledged commit is fsynced, so it survives power loss, not only a crash: by SQLite itself
      // (FULL) without WAL, by this store off the main thread with WAL (NORMAL + our sync: module comment).
      this.#walPath = wal ? `${options.path}-wal` : undefined
      this.#synchronous = wal ? 'NORMAL' : 'FULL'
      this.#db.pragma(`synchronous = ${this.#synchronous}`)
      this.#db.pragma(`busy_timeout = ${busyTimeoutMs}`)
      this.#db.pragma('foreign_keys = ON')
      // Truncate the WAL back to 64 MiB after checkpoints instead of letting it keep its high-water size.
      this.#db.pragma('journal_size_limit = 67108864')
    } catch (error) {
      throw new StorageUnavailableError(`Cannot open the SQLite database at ${options.path}: ${describe(error)}`, {
        cause: error,
      })
    }
  }

  async migrate(): Promise<{ readonly applied: readonly string[] }> {
    this.#assertOpen()
    // Anything still queued was built for the old schema; write it first.
    this.#flush()
    let applied: readonly string[]
    try {
      applied = runMigrations(this.#db, undefined, this.#now)
    } catch (error) {
      throw isSqliteError(error) ? new StorageUnavailableError(`Migration failed: ${describe(error)}`, { cause: error }) : error
    }
    // Migrations commit with NORMAL: sync them once, on the spot (start-up, not the hot path).
    if (applied.length > 0 && this.#walPath !== undefined) {
      try {
        fdatasyncSync(this.#openWal())
      } catch (error) {
        throw new StorageUnavailableError(`Cannot sync the SQLite write-ahead log after migrating: ${describe(error)}`, { cause: error })
      }
    }
    return { applied }
  }

  ingest(event: NewEvent, destinationIds: readonly string[] = []): Promise<IngestResult> {
    if (this.#closed) return Promise.reject(closedError())
    let params: EventParams
    let destinations: readonly string[]
    try {
      params = eventParams(this.#eventId(), event)
      destinations = distinctIds(destinationIds, 'destinationIds')
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise<IngestResult>((resolve, reject) => {
      this.#enqueue({ kind: 'event', event, params, destinationIds: destinations, resolve, reject })
    })
  }

  recordRejection(rejection: NewRejection): Promise<void> {
    if (this.#closed) return Promise.reject(closedError())
    let params: Record<string, string | number | null>
    try {
      params = rejectionParams(this.#rejectionId(), rejection)
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise<void>((resolve, reject) => {
      this.#enqueue({ kind: 'rejection', params, resolve, reject })
    })
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    const row = this.#read(() => this.#prepared().selectEventById.get({ id }) as EventRow | undefined)
    return row === undefined ? undefined : toStoredEvent(row)
  }

  async listEvents(query: ListQuery): Promise<Page<StoredEvent>> {
    const { limit, beforeSeq } = pageBounds(query)
    const rows = this.#read(() => {
      const s = this.#prepared()
      return (
        query.sourceId === undefined
          ? s.listEvents.all({ beforeSeq, limit: limit + 1 })
          : s.listEventsBySource.all({ sourceId: query.sourceId, beforeSeq, limit: limit + 1 })
      ) as EventRow[]
    })
    return page(rows, limit, toStoredEvent)
  }

  async listRejections(query: ListQuery): Promise<Page<StoredRejection>> {
    const { limit, beforeSeq } = pageBounds(query)
    const rows = this.#read(() => {
      const s = this.#prepared()
      return (
        query.sourceId === undefined
          ? s.listRejections.all({ beforeSeq, limit: limit + 1 })
          : s.listRejectionsBySource.all({ sourceId: query.sourceId, beforeSeq, limit: limit + 1 })
      ) as RejectionRow[]
    })
    return page(rows, limit, toStoredRejection)
  }

  claimDue(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    let params: Record<string, string | number>
    let destinations: readonly string[] | undefined
    try {
      requireString(options.workerId, 'workerId')
      checkClaimLimit(options.limit)
      if (!Number.isSafeInteger(options.leaseMs) || options.leaseMs < 1) throw new RangeError('leaseMs must be a positive integer')
      const now = timeOf(options.now, 'now')
      destinations = options.destinationIds === undefined ? undefined : distinctIds(options.destinationIds, 'destinationIds')
      params = {
        now,
        limit: options.limit,
        leaseUntil: now + options.leaseMs,
        // Unguessable per claim; `|| seq` makes it unique per row.
        leasePrefix: `${randomBytes(12).toString('base64url')}.`,
        workerId: options.workerId,
      }
    } catch (error) {
      return Promise.reject(error)
    }
    if (destinations !== undefined && destinations.length === 0) return Promise.resolve([])
    return this.#taskBookkeeping((s) => {
      const rows = (
        destinations === undefined
          ? s.claimDue.all(params)
          : destinations.length === 1
            ? s.claimDueForDestination.all({ ...params, destinationId: destinations[0] })
            : s.claimDueForDestinations.all({ ...params, destinationIds: JSON.stringify(destinations) })
      ) as DeliveryRow[]
      rows.sort((a, b) => (a.next_attempt_at ?? 0) - (b.next_attempt_at ?? 0) || a.seq - b.seq)
      return rows.map((row): ClaimedDelivery => {
        const event = s.selectEventById.get({ id: row.event_id }) as EventRow | undefined
        if (event === undefined) throw new Error(`Delivery ${row.id} refers to a missing event`)
        return {
          ...toDelivery(row),
          status: 'in_flight',
          leaseToken: row.lease_token!,
          leaseExpiresAt: new Date(row.lease_expires_at!),
          event: toStoredEvent(event),
        }
      })
    })
  }

  recordAttempt(leaseToken: string, attempt: AttemptRecord, next: NextStep): Promise<'recorded' | 'lease_lost'> {
    let settle: Record<string, string | number | null>
    let attemptParams: Record<string, string | number | Uint8Array | null>
    try {
      requireString(leaseToken, 'leaseToken')
      const startedAt = timeOf(attempt.startedAt, 'attempt.startedAt')
      if (typeof attempt.durationMs !== 'number' || !Number.isFinite(attempt.durationMs) || attempt.durationMs < 0) {
        throw new TypeError('attempt.durationMs must be a non-negative number')
      }
      if (attempt.statusCode !== undefined && (!Number.isInteger(attempt.statusCode) || attempt.statusCode < 100 || attempt.statusCode > 999)) {
        throw new TypeError('attempt.statusCode must be an HTTP status or undefined')
      }
      optionalString(attempt.error, 'attempt.error')
      if (attempt.responseBody !== undefined && !(attempt.responseBody instanceof Uint8Array)) {
        throw new TypeError('attempt.responseBody must be a Uint8Array or undefined')
      }
      const completedAt = Math.round(startedAt + attempt.durationMs)
      const nextAt = next.kind === 'retry' ? timeOf(next.at, 'next.at') : null
      if (next.kind === 'dead') requireString(next.reason, 'next.reason')
      else if (next.kind !== 'done' && next.kind !== 'retry') throw new TypeError('next.kind must be done, retry or dead')
      settle = {
        leaseToken,
        status: next.kind === 'done' ? 'delivered' : next.kind === 'retry' ? 'pending' : 'dead',
        startedAt,
        nextAttemptAt: nextAt,
        completedAt: next.kind === 'retry' ? null : completedAt,
        deadReason: next.kind === 'dead' ? next.reason : null,
      }
      attemptParams = {
        startedAt,
        durationMs: attempt.durationMs,
        statusCode: attempt.statusCode ?? null,
        error: attempt.error ?? null,
        // Truncated, not refused: an endless error page must not cost more than 4 KiB per attempt.
        responseBody: attempt.responseBody === undefined ? null : attempt.responseBody.subarray(0, MAX_RESPONSE_BODY_BYTES),
        nextKind: next.kind,
        nextAt,
        nextReason: next.kind === 'dead' ? next.reason : null,
      }
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#taskBookkeeping((s) => {
      const row = s.settleDelivery.get(settle) as { id: string; attempts: number; leased_by: string | null } | undefined
      if (row === undefined) return 'lease_lost' as const
      s.insertAttempt.run({
        ...attemptParams,
        id: this.#attemptId(),
        deliveryId: row.id,
        attemptNumber: row.attempts,
        workerId: row.leased_by ?? '',
      })
      return 'recorded' as const
    })
  }

  reapExpiredLeases(now: Date): Promise<number> {
    let nowMs: number
    try {
      nowMs = timeOf(now, 'now')
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#taskBookkeeping((s) => s.reapExpiredLeases.run({ now: nowMs }).changes)
  }

  async listDeliveries(eventId: string): Promise<readonly DeliveryWithAttempts[]> {
    return this.#read(() => {
      const s = this.#prepared()
      const deliveries = s.listDeliveriesByEvent.all({ eventId }) as DeliveryRow[]
      if (deliveries.length === 0) return []
      const attempts = new Map<string, StoredAttempt[]>()
      for (const row of s.listAttemptsByEvent.all({ eventId }) as AttemptRow[]) {
        const list = attempts.get(row.delivery_id) ?? []
        list.push(toStoredAttempt(row))
        attempts.set(row.delivery_id, list)
      }
      return deliveries.map((row) => ({ ...toDelivery(row), attemptLog: attempts.get(row.id) ?? [] }))
    })
  }

  async listAttempts(deliveryId: string): Promise<readonly StoredAttempt[]> {
    return this.#read(() => (this.#prepared().listAttempts.all({ deliveryId }) as AttemptRow[]).map(toStoredAttempt))
  }

  requeue(eventId: string, options: RequeueOptions = {}): Promise<number> {
    let now: number
    let requested: readonly string[] | undefined
    try {
      requireString(eventId, 'eventId')
      now = options.now === undefined ? this.#now() : timeOf(options.now, 'now')
      requested = options.destinationIds === undefined ? undefined : distinctIds(options.destinationIds, 'destinationIds')
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#task((s) => {
      if (s.selectEventById.get({ id: eventId }) === undefined) return 0
      const latest = new Map<string, { id: string; status: DeliveryStatus }>()
      for (const row of s.selectLatestDeliveriesOfEvent.all({ eventId }) as { id: string; destination_id: string; status: DeliveryStatus }[]) {
        latest.set(row.destination_id, { id: row.id, status: row.status })
      }
      let created = 0
      for (const destinationId of requested ?? [...latest.keys()].sort()) {
        const previous = latest.get(destinationId)
        // Still queued or being attempted: it will be delivered anyway, a second copy would only duplicate it.
        if (previous !== undefined && (previous.status === 'pending' || previous.status === 'in_flight')) continue
        s.insertDelivery.run({ id: this.#deliveryId(), eventId, destinationId, createdAt: now, dueAt: now, replayOf: previous?.id ?? null })
        created++
      }
      return created
    })
  }

  requeueMatching(filter: ReplayFilter, options: RequeueMatchingOptions = {}): Promise<RequeueBatch> {
    let match: Record<string, string | number | null>
    let limit: number
    let now: number
    let cursor: { afterSeq: number; untilSeq: number } | undefined
    try {
      match = replayFilterParams(filter)
      limit = options.limit ?? DEFAULT_REPLAY_BATCH
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REPLAY_BATCH) {
        throw new RangeError(`limit must be an integer from 1 to ${MAX_REPLAY_BATCH}`)
      }
      now = options.now === undefined ? this.#now() : timeOf(options.now, 'now')
      cursor = options.cursor === undefined ? undefined : decodeReplayCursor(options.cursor)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#task((s) => {
      const untilSeq = cursor?.untilSeq ?? (s.selectMaxDeliverySeq.get() as { seq: number }).seq
      const rows = s.selectReplayBatch.all({ ...match, afterSeq: cursor?.afterSeq ?? 0, untilSeq, limit }) as {
        seq: number
        id: string
        event_id: string
        destination_id: string
      }[]
      for (const row of rows) {
        s.insertDelivery.run({
          id: this.#deliveryId(),
          eventId: row.event_id,
          destinationId: row.destination_id,
          createdAt: now,
          dueAt: now,
          replayOf: row.id,
        })
      }
      const batch: RequeueBatch =
        rows.length < limit ? { requeued: rows.length } : { requeued: rows.length, nextCursor: encodeReplayCursor(rows[rows.length - 1]!.seq, untilSeq) }
      return batch
    })
  }

  async countMatching(filter: ReplayFilter): Promise<number> {
    const params = replayFilterParams(filter)
    return this.#read(() => (this.#prepared().countReplayMatches.get(params) as { n: number }).n)
  }

  async destinationStats(): Promise<readonly DestinationStats[]> {
    const rows = this.#read(
      () =>
        this.#prepared().destinationStats.all() as {
          destination_id: string
          pending: number
          in_flight: number
          delivered: number
          dead: number
          oldest_due_at: number | null
        }[],
    )
    return rows.map((row) => ({
      destinationId: row.destination_id,
      pending: row.pending,
      inFlight: row.in_flight,
      delivered: row.delivered,
      dead: row.dead,
      oldestDueAt: row.oldest_due_at === null ? undefined : new Date(row.oldest_due_at),
    }))
  }

  setDestinationDisabled(
    destinationId: string,
    disabled: boolean,
    options: { readonly reason?: string; readonly now?: Date } = {},
  ): Promise<void> {
    let params: Record<string, string | number | null>
    try {
      requireString(destinationId, 'destinationId')
      if (typeof disabled !== 'boolean') throw new TypeError('disabled must be a boolean')
      optionalString(options.reason, 'reason')
      params = {
        id: destinationId,
        disabled: disabled ? 1 : 0,
        disabledAt: disabled ? (options.now === undefined ? this.#now() : timeOf(options.now, 'now')) : null,
        disabledReason: disabled ? (options.reason ?? null) : null,
      }
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#task((s) => {
      s.upsertDestinationState.run(params)
    })
  }

  async listDestinationStates(): Promise<readonly DestinationState[]> {
    const rows = this.#read(
      () =>
        this.#prepared().listDestinationStates.all() as {
          id: string
          disabled: number
          disabled_at: number | null
          disabled_reason: string | null
        }[],
    )
    return rows.map((row) => ({
      destinationId: row.id,
      disabled: row.disabled === 1,
      disabledAt: row.disabled_at === null ? undefined : new Date(row.disabled_at),
      disabledReason: row.disabled_reason ?? undefined,
    }))
  }

  /** A lease bookkeeping write: group-committed like the others, but its batch alone needs no fsync. */
  #taskBookkeeping<T>(run: (s: Statements) => T): Promise<T> {
    return this.#task(run, false)
  }

  /** Queues a write into the next group-committed batch; resolves with its result after the COMMIT. */
  #task<T>(run: (s: Statements) => T, durable = true): Promise<T> {
    if (this.#closed) return Promise.reject(closedError())
    return new Promise<T>((resolve, reject) => {
      this.#enqueue({ kind: 'task', durable, run, resolve: resolve as (value: unknown) => void, reject })
    })
  }

  /** Queues a tiny real write (the health row) into the next batch: it proves exactly the commit path ingest uses. */
  checkWritable(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError())
    return new Promise<void>((resolve, reject) => {
      this.#enqueue({ kind: 'probe', resolve, reject })
    })
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#flush()
      this.#closed = true
      // The last batches' callers are answered once their sync is done; only then may the file go.
      if (this.#syncing || this.#unsynced.length > 0) await new Promise<void>((resolve) => (this.#onSynced = resolve))
      if (this.#walFd !== undefined) closeSync(this.#walFd)
      this.#db.close()
    })()
    return this.#closing
  }

  #enqueue(operation: Operation): void {
    this.#queue.push(operation)
    if (this.#queue.length >= this.#maxBatchSize) this.#flush()
    else this.#scheduled ??= setImmediate(() => this.#flush())
  }

  /** Writes the queue in one transaction, then settles every caller. Never throws. */
  #flush(): void {
    if (this.#scheduled !== undefined) {
      clearImmediate(this.#scheduled)
      this.#scheduled = undefined
    }
    const batch = this.#queue
    if (batch.length === 0) return
    this.#queue = []
    if (this.#syncFailure !== undefined) {
      for (const op of batch) op.reject(this.#syncFailure)
      return
    }

    const started = performance.now()
    const results: unknown[] = new Array(batch.length)
    const durable = batch.some((op) => op.kind !== 'task' || op.durable)
    let events = 0
    try {
      const s = this.#prepared()
      // With WAL the connection stays NORMAL and durable batches are synced below.
      if (this.#walPath === undefined) this.#setSynchronous(durable ? 'FULL' : 'NORMAL')
      s.begin.run()
      let rejections = 0
      for (let i = 0; i < batch.length; i++) {
        const op = batch[i]!
        if (op.kind === 'event') {
          events++
          results[i] = this.#insertEvent(s, op.event, op.params, op.destinationIds)
        } else if (op.kind === 'rejection') {
          rejections++
          s.insertRejection.run(op.params)
        } else if (op.kind === 'task') {
          results[i] = this.#runTask(s, op.run)
        } else {
          s.touchHealth.run({ checkedAt: this.#now() })
        }
      }
      if (rejections > 0) s.pruneRejections.run({ keep: this.#maxRejections })
      s.commit.run()
    } catch (error) {
      this.#rollback()
      const message = `SQLite commit failed: ${describe(error)}`
      for (const op of batch) op.reject(new StorageUnavailableError(message, { cause: error }))
      return
    }

    const settle = (): void => this.#settle(batch, results, events, started)
    if (this.#walPath !== undefined && durable) {
      this.#unsynced.push({ settle, fail: (error) => batch.forEach((op) => op.reject(error)) })
      this.#syncNext()
    } else settle()
  }

  /** Answers the callers of a committed (and, when needed, synced) batch. */
  #settle(batch: readonly Operation[], results: readonly unknown[], events: number, started: number): void {
    const durationMs = performance.now() - started
    this.stats.commits++
    this.stats.committedEvents += events
    for (let i = 0; i < batch.length; i++) {
      const op = batch[i]!
      const result = results[i]
      if (op.kind === 'event') op.resolve(result as IngestResult)
      else if (op.kind === 'task') {
        if (result instanceof TaskFailure) op.reject(result.error)
        else op.resolve(result)
      } else op.resolve()
    }
    try {
      this.#onCommit?.(batch.length, durationMs)
    } catch {
      // A metrics callback must not turn a committed batch into failures.
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
      const failure = new StorageUnavailableError(`Cannot open the SQLite write-ahead log to sync it: ${describe(error)}`, { cause: error })
      for (const batch of covered) batch.fail(failure)
      this.#syncNext()
      return
    }
    this.#syncing = true
    this.#syncWal(fd, (error) => {
      this.#syncing = false
      if (error === null) {
        for (const batch of covered) batch.settle()
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
    const path = this.#walPath as string
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

  /**
   * Runs one task in a savepoint: a task that throws (bad input caught late, a constraint) is undone alone and
   * fails its own caller, not the batch. Errors that end the transaction (disk full, I/O) fail the COMMIT and so
   * every caller, as for events.
   */
  #runTask(s: Statements, run: (s: Statements) => unknown): unknown {
    s.savepoint.run()
    try {
      const result = run(s)
      s.release.run()
      return result
    } catch (error) {
      if (!this.#db.inTransaction) throw error
      s.rollbackTo.run()
      s.release.run()
      return new TaskFailure(error)
    }
  }

  #insertEvent(s: Statements, event: NewEvent, params: EventParams, destinationIds: readonly string[]): IngestResult {
    if (s.insertEvent.run(params).changes === 1) {
      for (const destinationId of destinationIds) {
        s.insertDelivery.run({
          id: this.#deliveryId(),
          eventId: params.id,
          destinationId,
          createdAt: params.receivedAt,
          dueAt: params.receivedAt,
          replayOf: null,
        })
      }
      const stored: StoredEvent = {
        id: params.id,
        sourceId: event.sourceId,
        provider: event.provider,
        dedupeKey: event.dedupeKey,
        providerEventId: event.providerEventId,
        eventType: event.eventType,
        receivedAt: new Date(params.receivedAt),
        headers: event.headers,
        body: event.body,
      }
      return { event: stored, duplicate: false }
    }
    // Stored earlier, or earlier in this very batch (visible inside the transaction).
    const row = s.selectEventByDedupeKey.get({ sourceId: params.sourceId, dedupeKey: params.dedupeKey }) as
      | EventRow
      | undefined
    if (row === undefined) throw new Error('Event insert was ignored but no stored event matches its dedupe key')
    return { event: toStoredEvent(row), duplicate: true }
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
    if (this.#statements !== undefined) return this.#statements
    const db = this.#db
    const statements: Statements = {
      // IMMEDIATE takes the write lock up front, so a busy database fails at BEGIN, not half-way through.
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      insertEvent: db.prepare(INSERT_EVENT),
      selectEventByDedupeKey: db.prepare(SELECT_EVENT_BY_DEDUPE_KEY),
      selectEventById: db.prepare(SELECT_EVENT_BY_ID),
      listEvents: db.prepare(LIST_EVENTS),
      listEventsBySource: db.prepare(LIST_EVENTS_BY_SOURCE),
      insertRejection: db.prepare(INSERT_REJECTION),
      pruneRejections: db.prepare(PRUNE_REJECTIONS),
      listRejections: db.prepare(LIST_REJECTIONS),
      listRejectionsBySource: db.prepare(LIST_REJECTIONS_BY_SOURCE),
      touchHealth: db.prepare(TOUCH_HEALTH),
      insertDelivery: db.prepare(INSERT_DELIVERY),
      claimDue: db.prepare(CLAIM_DUE),
      claimDueForDestinations: db.prepare(CLAIM_DUE_FOR_DESTINATIONS),
      claimDueForDestination: db.prepare(CLAIM_DUE_FOR_DESTINATION),
      settleDelivery: db.prepare(SETTLE_DELIVERY),
      insertAttempt: db.prepare(INSERT_ATTEMPT),
      reapExpiredLeases: db.prepare(REAP_EXPIRED_LEASES),
      listDeliveriesByEvent: db.prepare(LIST_DELIVERIES_BY_EVENT),
      listAttemptsByEvent: db.prepare(LIST_ATTEMPTS_BY_EVENT),
      listAttempts: db.prepare(LIST_ATTEMPTS),
      selectLatestDeliveriesOfEvent: db.prepare(SELECT_LATEST_DELIVERIES_OF_EVENT),
      countReplayMatches: db.prepare(COUNT_REPLAY_MATCHES),
      selectReplayBatch: db.prepare(SELECT_REPLAY_BATCH),
      selectMaxDeliverySeq: db.prepare(SELECT_MAX_DELIVERY_SEQ),
      destinationStats: db.prepare(DESTINATION_STATS),
      upsertDestinationState: db.prepare(UPSERT_DESTINATION_STATE),
      listDestinationStates: db.prepare(LIST_DESTINATION_STATES),
      savepoint: db.prepare('SAVEPOINT task'),
      release: db.prepare('RELEASE task'),
      rollbackTo: db.prepare('ROLLBACK TO task'),
    }
    this.#statements = statements
    return statements
  }

  #read<T>(fn: () => T): T {
    this.#assertOpen()
    try {
      return fn()
    } catch (error) {
      throw isSqliteError(error) ? new StorageUnavailableError(`SQLite read failed: ${describe(error)}`, { cause: error }) : error
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError()
  }
}

/*
 * Inputs are checked before they join a batch: a value the schema would refuse inside the transaction
 * (STRICT types, NOT NULL) would fail every caller of the batch instead of the one that sent it.
 */

function eventParams(id: string, event: NewEvent): EventParams {
  requireString(event.sourceId, 'event.sourceId')
  requireString(event.provider, 'event.provider')
  requireString(event.dedupeKey, 'event.dedupeKey')
  optionalString(event.providerEventId, 'event.providerEventId')
  optionalString(event.eventType, 'event.eventType')
  if (!(event.body instanceof Uint8Array)) throw new TypeError('event.body must be a Uint8Array')
  return {
    id,
    sourceId: event.sourceId,
    provider: event.provider,
    dedupeKey: event.dedupeKey,
    providerEventId: event.providerEventId ?? null,
    eventType: event.eventType ?? null,
    receivedAt: timeOf(event.receivedAt, 'event.receivedAt'),
    headers: headersJson(event.headers, 'event.headers'),
    body: event.body,
  }
}

function rejectionParams(id: string, rejection: NewRejection): Record<string, string | number | null> {
  requireString(rejection.sourceId, 'rejection.sourceId')
  requireString(rejection.reason, 'rejection.reason')
  requireString(rejection.message, 'rejection.message')
  requireString(rejection.bodySha256, 'rejection.bodySha256')
  optionalString(rejection.remoteAddress, 'rejection.remoteAddress')
  if (!Number.isSafeInteger(rejection.status)) throw new TypeError('rejection.status must be an integer')
  if (!Number.isSafeInteger(rejection.bodySize) || rejection.bodySize < 0) {
    throw new TypeError('rejection.bodySize must be a non-negative integer')
  }
  return {
    id,
    sourceId: rejection.sourceId,
    receivedAt: timeOf(rejection.receivedAt, 'rejection.receivedAt'),
    status: rejection.status,
    reason: rejection.reason,
    message: rejection.message,
    remoteAddress: rejection.remoteAddress ?? null,
    headers: headersJson(rejection.headers, 'rejection.headers'),
    bodySize: rejection.bodySize,
    bodySha256: rejection.bodySha256,
  }
}

function headersJson(headers: Readonly<Record<string, string>>, name: string): string {
  checkHeaders(headers, name)
  return JSON.stringify(headers)
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    sourceId: row.source_id,
    provider: row.provider,
    dedupeKey: row.dedupe_key,
    providerEventId: row.provider_event_id ?? undefined,
    eventType: row.event_type ?? undefined,
    receivedAt: new Date(row.received_at),
    headers: JSON.parse(row.headers) as Record<string, string>,
    // A plain copy: the driver hands out Buffers, and callers should not see driver types or shared memory.
    body: new Uint8Array(row.body),
  }
}

function toStoredRejection(row: RejectionRow): StoredRejection {
  return {
    id: row.id,
    sourceId: row.source_id,
    receivedAt: new Date(row.received_at),
    status: row.status,
    reason: row.reason,
    message: row.message,
    remoteAddress: row.remote_address ?? undefined,
    headers: JSON.parse(row.headers) as Record<string, string>,
    bodySize: row.body_size,
    bodySha256: row.body_sha256,
  }
}

/** A task's own failure, carried through the batch to its caller (see `#runTask`). */
class TaskFailure {
  readonly error: unknown
  constructor(error: unknown) {
    this.error = error
  }
}

function distinctIds(ids: readonly string[], name: string): readonly string[] {
  if (!Array.isArray(ids)) throw new TypeError(`${name} must be an array of strings`)
  for (const id of ids) {
    if (typeof id !== 'string' || id === '') throw new TypeError(`${name} must hold non-empty strings`)
  }
  return ids.length < 2 ? ids : [...new Set(ids)]
}

function replayFilterParams(filter: ReplayFilter): Record<string, string | number | null> {
  optionalString(filter.sourceId, 'filter.sourceId')
  optionalString(filter.destinationId, 'filter.destinationId')
  optionalString(filter.status, 'filter.status')
  return {
    sourceId: filter.sourceId ?? null,
    destinationId: filter.destinationId ?? null,
    status: filter.status ?? null,
    from: filter.from === undefined ? null : timeOf(filter.from, 'filter.from'),
    to: filter.to === undefined ? null : timeOf(filter.to, 'filter.to'),
  }
}

/** Opaque to clients: base64url of `<last seq>.<snapshot seq>`. */
function encodeReplayCursor(afterSeq: number, untilSeq: number): string {
  return Buffer.from(`${afterSeq}.${untilSeq}`, 'utf8').toString('base64url')
}

function decodeReplayCursor(cursor: string): { afterSeq: number; untilSeq: number } {
  const match = /^([1-9][0-9]{0,15})\.([1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  const afterSeq = Number(match?.[1])
  const untilSeq = Number(match?.[2])
  if (
    !Number.isSafeInteger(afterSeq) ||
    !Number.isSafeInteger(untilSeq) ||
    afterSeq > untilSeq ||
    encodeReplayCursor(afterSeq, untilSeq) !== cursor
  ) {
    throw new RangeError('Invalid cursor')
  }
  return { afterSeq, untilSeq }
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    destinationId: row.destination_id,
    status: row.status,
    attempts: row.attempts,
    createdAt: new Date(row.created_at),
    nextAttemptAt: row.next_attempt_at === null ? undefined : new Date(row.next_attempt_at),
    leaseExpiresAt: row.lease_expires_at === null ? undefined : new Date(row.lease_expires_at),
    lastAttemptAt: row.last_attempt_at === null ? undefined : new Date(row.last_attempt_at),
    completedAt: row.completed_at === null ? undefined : new Date(row.completed_at),
    deadReason: row.dead_reason ?? undefined,
    replayOf: row.replay_of ?? undefined,
  }
}

function toStoredAttempt(row: AttemptRow): StoredAttempt {
  const next: NextStep =
    row.next_kind === 'retry'
      ? { kind: 'retry', at: new Date(row.next_at!) }
      : row.next_kind === 'dead'
        ? { kind: 'dead', reason: row.next_reason ?? '' }
        : { kind: 'done' }
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    attemptNumber: row.attempt_number,
    workerId: row.worker_id,
    startedAt: new Date(row.started_at),
    durationMs: row.duration_ms,
    statusCode: row.status_code ?? undefined,
    error: row.error ?? undefined,
    responseBody: row.response_body === null ? undefined : new Uint8Array(row.response_body),
    next,
  }
}

/** Validates `limit` (1..500, default 50) and decodes the cursor into an exclusive upper bound on seq. */
function pageBounds(query: ListQuery): { limit: number; beforeSeq: number } {
  const limit = pageLimit(query)
  return { limit, beforeSeq: query.cursor === undefined ? NO_CURSOR : decodeCursor(query.cursor) }
}

/** The seq of a cursor from `encodeCursor` (a safe integer). */
function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const seq = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : Number.NaN
  // Re-encoding must give the same string: rejects padding, stray characters and non-canonical forms.
  if (!Number.isSafeInteger(seq) || encodeCursor(seq) !== cursor) throw new RangeError('Invalid cursor')
  return seq
}

function isSqliteError(error: unknown): boolean {
  return error instanceof Database.SqliteError
}

function describe(error: unknown): string {
  if (error instanceof Database.SqliteError) return `${error.code}: ${error.message}`
  return error instanceof Error ? error.message : String(error)
}

function closedError(): StorageUnavailableError {
  return new StorageUnavailableError('The SQLite storage is closed')
}
