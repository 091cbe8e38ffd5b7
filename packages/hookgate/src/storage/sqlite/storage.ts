/**
 * @module storage/sqlite/storage
 * The embedded SQLite backend (better-sqlite3): WAL, `synchronous=FULL`, group commit.
 *
 * Why group commit: with `synchronous=FULL` every COMMIT waits for an fsync, which costs far more than the
 * inserts. `ingest()` therefore only queues its event; the queue is written in ONE `BEGIN IMMEDIATE … COMMIT`
 * on the next macrotask (`setImmediate`, i.e. after the poll phase has handed over every request that
 * arrived meanwhile) or at once when `maxBatchSize` operations are waiting. Each caller's promise settles
 * only after that COMMIT returned, so nothing is acknowledged before it is on disk; when the COMMIT (or any
 * statement of the batch) fails, the batch is rolled back and every caller in it gets a
 * `StorageUnavailableError`. The next batch simply tries again, so the store recovers without a restart.
 *
 * better-sqlite3 is synchronous: a batch runs start to finish on the main thread, so batches never interleave
 * with each other or with reads, and the queue needs no lock.
 */
import { Buffer } from 'node:buffer'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import { createIdGenerator } from '../ids.ts'
import {
  StorageUnavailableError,
  type IngestResult,
  type ListQuery,
  type NewEvent,
  type NewRejection,
  type Page,
  type Storage,
  type StoredEvent,
  type StoredRejection,
} from '../types.ts'
import { runMigrations } from './migrations/index.ts'
import { INSERT_EVENT } from './queries/insert-event.ts'
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
}

const DEFAULT_MAX_REJECTIONS = 10_000
const DEFAULT_MAX_BATCH_SIZE = 256
const DEFAULT_BUSY_TIMEOUT_MS = 2_000
const DEFAULT_LIMIT = 50
const MAX_LIMIT = 500
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
  #statements: Statements | undefined
  #queue: Operation[] = []
  #scheduled: NodeJS.Immediate | undefined
  #closed = false

  constructor(options: SqliteStorageOptions) {
    this.#maxRejections = integerOption('maxRejections', options.maxRejections, DEFAULT_MAX_REJECTIONS, 0)
    this.#maxBatchSize = integerOption('maxBatchSize', options.maxBatchSize, DEFAULT_MAX_BATCH_SIZE, 1)
    const busyTimeoutMs = integerOption('busyTimeoutMs', options.busyTimeoutMs, DEFAULT_BUSY_TIMEOUT_MS, 0)
    this.#onCommit = options.onCommit
    this.#now = options.now ?? Date.now
    this.#eventId = createIdGenerator('evt', { now: this.#now })
    this.#rejectionId = createIdGenerator('rej', { now: this.#now })

    const inMemory = options.path === ':memory:'
    try {
      if (!inMemory) mkdirSync(dirname(options.path), { recursive: true })
      this.#db = new Database(options.path, { timeout: busyTimeoutMs })
      // WAL: readers never block the writer, and a commit is one sequential append + fsync.
      // FULL: the WAL is fsynced at every commit, so an acknowledged event survives power loss, not only a crash.
      if (!inMemory) this.#db.pragma('journal_mode = WAL')
      this.#db.pragma('synchronous = FULL')
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
    try {
      return { applied: runMigrations(this.#db, undefined, this.#now) }
    } catch (error) {
      throw isSqliteError(error) ? new StorageUnavailableError(`Migration failed: ${describe(error)}`, { cause: error }) : error
    }
  }

  ingest(event: NewEvent, destinationIds: readonly string[] = []): Promise<IngestResult> {
    if (this.#closed) return Promise.reject(closedError())
    if (destinationIds.length > 0) {
      // Deliveries have no table yet (delivery issue); failing loudly beats acknowledging an event whose
      // deliveries were silently dropped.
      return Promise.reject(new Error('This SQLite schema has no deliveries yet: ingest() with destinationIds is not supported'))
    }
    let params: EventParams
    try {
      params = eventParams(this.#eventId(), event)
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise<IngestResult>((resolve, reject) => {
      this.#enqueue({ kind: 'event', event, params, resolve, reject })
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

  // Delivery methods: implemented with migration 0002 (next commit).
  claimDue(): Promise<never> {
    return Promise.reject(new Error('not implemented yet'))
  }
  recordAttempt(): Promise<never> {
    return Promise.reject(new Error('not implemented yet'))
  }
  reapExpiredLeases(): Promise<never> {
    return Promise.reject(new Error('not implemented yet'))
  }
  listDeliveries(): Promise<never> {
    return Promise.reject(new Error('not implemented yet'))
  }
  listAttempts(): Promise<never> {
    return Promise.reject(new Error('not implemented yet'))
  }
  requeue(): Promise<never> {
    return Promise.reject(new Error('not implemented yet'))
  }
  requeueMatching(): Promise<never> {
    return Promise.reject(new Error('not implemented yet'))
  }
  countMatching(): Promise<never> {
    return Promise.reject(new Error('not implemented yet'))
  }
  destinationStats(): Promise<never> {
    return Promise.reject(new Error('not implemented yet'))
  }
  setDestinationDisabled(): Promise<never> {
    return Promise.reject(new Error('not implemented yet'))
  }
  listDestinationStates(): Promise<never> {
    return Promise.reject(new Error('not implemented yet'))
  }

  /** Queues a tiny real write (the health row) into the next batch: it proves exactly the commit path ingest uses. */
  checkWritable(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError())
    return new Promise<void>((resolve, reject) => {
      this.#enqueue({ kind: 'probe', resolve, reject })
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#flush()
    this.#closed = true
    this.#db.close()
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

    const started = performance.now()
    const results: (IngestResult | undefined)[] = new Array(batch.length)
    let events = 0
    try {
      const s = this.#prepared()
      s.begin.run()
      let rejections = 0
      for (let i = 0; i < batch.length; i++) {
        const op = batch[i]!
        if (op.kind === 'event') {
          events++
          results[i] = this.#insertEvent(s, op.event, op.params)
        } else if (op.kind === 'rejection') {
          rejections++
          s.insertRejection.run(op.params)
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

    const durationMs = performance.now() - started
    this.stats.commits++
    this.stats.committedEvents += events
    for (let i = 0; i < batch.length; i++) {
      const op = batch[i]!
      if (op.kind === 'event') op.resolve(results[i]!)
      else op.resolve()
    }
    try {
      this.#onCommit?.(batch.length, durationMs)
    } catch {
      // A metrics callback must not turn a committed batch into failures.
    }
  }

  #insertEvent(s: Statements, event: NewEvent, params: EventParams): IngestResult {
    if (s.insertEvent.run(params).changes === 1) {
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

function requireString(value: unknown, name: string): void {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
}

function optionalString(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'string') throw new TypeError(`${name} must be a string or undefined`)
}

function headersJson(headers: Readonly<Record<string, string>>, name: string): string {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new TypeError(`${name} must be an object of strings`)
  }
  for (const value of Object.values(headers)) requireString(value, `${name} values`)
  return JSON.stringify(headers)
}

function timeOf(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN
  if (!Number.isFinite(ms)) throw new TypeError(`${name} must be a valid Date`)
  return ms
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

/** Validates `limit` (1..500, default 50) and decodes the cursor into an exclusive upper bound on seq. */
function pageBounds(query: ListQuery): { limit: number; beforeSeq: number } {
  const limit = query.limit ?? DEFAULT_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_LIMIT}`)
  }
  return { limit, beforeSeq: query.cursor === undefined ? NO_CURSOR : decodeCursor(query.cursor) }
}

/** Rows were fetched with `limit + 1`: the extra one only tells that another page exists. */
function page<Row extends { readonly seq: number }, T>(rows: Row[], limit: number, map: (row: Row) => T): Page<T> {
  const items = rows.slice(0, limit).map(map)
  if (rows.length <= limit) return { items }
  return { items, nextCursor: encodeCursor(rows[limit - 1]!.seq) }
}

/** Opaque to clients: base64url of the last row's seq. */
function encodeCursor(seq: number): string {
  return Buffer.from(String(seq), 'utf8').toString('base64url')
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const seq = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : Number.NaN
  // Re-encoding must give the same string: rejects padding, stray characters and non-canonical forms.
  if (!Number.isSafeInteger(seq) || encodeCursor(seq) !== cursor) throw new RangeError('Invalid cursor')
  return seq
}

function integerOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`)
  return value
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
