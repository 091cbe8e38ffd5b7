/**
 * @module storage/postgres/storage
 * The PostgreSQL backend (node-postgres): several gateway instances on one database.
 *
 * Durability: `ingest()` resolves only after the COMMIT of the statement holding its event returned, with
 * `synchronous_commit` on (checked by `migrate()`: the server would otherwise acknowledge commits it has not
 * flushed). Group commit: concurrent `ingest()` calls are queued and written by ONE multi-row statement
 * (`queries/insert-events.ts`), run as its own transaction: one round trip and one WAL flush per batch. Up to
 * `maxConcurrentBatches` batches are in flight at once (PostgreSQL flushes the WAL of concurrent commits
 * together); see `batcher.ts`.
 *
 * Failure: any error of a batch (server down, connection reset, timeout, read-only after a failover) rejects
 * every caller of that batch with `StorageUnavailableError` — the gateway answers 503 + Retry-After, never 2xx —
 * and the next batch simply tries again on a fresh connection: the pool replaces broken connections, so the
 * store recovers without a restart when the server is back. A commit whose answer was lost may have happened:
 * the provider's retry is then answered as a duplicate, never stored twice.
 *
 * Every instance keeps its own queue; the database arbitrates between instances: the unique (source_id,
 * dedupe_key) key for dedupe, `FOR UPDATE SKIP LOCKED` for claims, leases for crashed workers, advisory locks
 * for migrations and replays.
 */
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import type { Pool, PoolClient, PoolConfig, QueryResult, QueryResultRow } from 'pg'
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
  type ListQuery,
  type NewEvent,
  type NewRejection,
  type NextStep,
  type Page,
  type ReplayFilter,
  type RequeueBatch,
  type RequeueMatchingOptions,
  type RequeueOptions,
  type Storage,
  type StoredAttempt,
  type StoredEvent,
  type StoredRejection,
} from '../types.ts'
import { checkClaimLimit, checkHeaders, integerOption, optionalString, requireString, timeOf } from '../validate.ts'
import { Batcher } from './batcher.ts'
import { isConnectionError, runPostgresMigrations } from './migrations/index.ts'
import { CLAIM_DUE, CLAIM_DUE_FOR_DESTINATIONS } from './queries/claim-due.ts'
import {
  DESTINATION_STATS,
  DISABLE_DESTINATION,
  ENABLE_DESTINATION,
  LIST_DESTINATION_STATES,
} from './queries/destinations.ts'
import { INSERT_EVENTS } from './queries/insert-events.ts'
import { LIST_EVENTS, LIST_EVENTS_BY_SOURCE } from './queries/list-events.ts'
import { LIST_ATTEMPTS, LIST_DELIVERIES_BY_EVENT } from './queries/list-deliveries.ts'
import { REAP_EXPIRED_LEASES } from './queries/reap-expired-leases.ts'
import { RECORD_ATTEMPT } from './queries/record-attempt.ts'
import { INSERT_REJECTIONS, LIST_REJECTIONS, LIST_REJECTIONS_BY_SOURCE } from './queries/rejections.ts'
import {
  COUNT_REPLAY_MATCHES,
  INSERT_REPLAYS,
  SELECT_EVENT_EXISTS,
  SELECT_LATEST_DELIVERIES_OF_EVENT,
  SELECT_MAX_DELIVERY_SEQ,
  SELECT_REPLAY_BATCH,
} from './queries/replay.ts'
import { SELECT_EVENT_BY_ID } from './queries/select-event-by-id.ts'
import { SELECT_EVENTS_BY_DEDUPE_KEYS } from './queries/select-events-by-dedupe-keys.ts'
import { TOUCH_HEALTH } from './queries/touch-health.ts'
import { checkSchemaName, DEFAULT_SCHEMA, inSchema, lockKeys, wakeChannel } from './sql.ts'
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
const DEFAULT_REPLAY_LIMIT = 500
/** The `beforeSeq` of a first page: larger than any seq. */
const NO_CURSOR = '9223372036854775807'
/** What an operation adds to a batch besides its body (ids, headers, keys): a rough figure for `maxBatchBytes`. */
const ROW_OVERHEAD_BYTES = 512

interface EventRow {
  readonly seq: string
  readonly id: string
  readonly source_id: string
  readonly provider: string
  readonly dedupe_key: string
  readonly provider_event_id: string | null
  readonly event_type: string | null
  readonly received_at: Date
  readonly headers: Record<string, string>
  readonly body: Buffer
}

interface RejectionRow {
  readonly seq: string
  readonly id: string
  readonly source_id: string
  readonly received_at: Date
  readonly status: number
  readonly reason: string
  readonly message: string
  readonly remote_address: string | null
  readonly headers: Record<string, string>
  readonly body_size: string
  readonly body_sha256: string
}

interface DeliveryRow {
  readonly seq: string
  readonly id: string
  readonly event_id: string
  readonly destination_id: string
  readonly status: DeliveryStatus
  readonly attempts: number
  readonly created_at: Date
  readonly next_attempt_at: Date | null
  readonly lease_token: string | null
  readonly lease_expires_at: Date | null
  readonly last_attempt_at: Date | null
  readonly completed_at: Date | null
  readonly dead_reason: string | null
  readonly replay_of: string | null
}

interface ClaimRow extends DeliveryRow {
  readonly e_seq: string
  readonly e_id: string
  readonly e_source_id: string
  readonly e_provider: string
  readonly e_dedupe_key: string
  readonly e_provider_event_id: string | null
  readonly e_event_type: string | null
  readonly e_received_at: Date
  readonly e_headers: Record<string, string>
  readonly e_body: Buffer
}

interface AttemptRow {
  readonly id: string
  readonly delivery_id: string
  readonly attempt_number: number
  readonly worker_id: string
  readonly started_at: Date
  readonly duration_ms: number
  readonly status_code: number | null
  readonly error: string | null
  readonly response_body: Buffer | null
  readonly next_kind: NextStep['kind']
  readonly next_at: Date | null
  readonly next_reason: string | null
}

/** One row of INSERT_EVENTS' JSON parameter. */
interface EventInput {
  readonly ord: number
  readonly id: string
  readonly source_id: string
  readonly provider: string
  readonly dedupe_key: string
  readonly provider_event_id: string | null
  readonly event_type: string | null
  readonly received_at: string
  readonly headers: string
  readonly body_at: number
  readonly body_length: number
}

/** One delivery of INSERT_EVENTS' JSON parameter. */
interface DeliveryInput {
  readonly ord: number
  readonly id: string
  readonly event_id: string
  readonly destination_id: string
}

/** One queued ingest. Parameters are checked at enqueue time, so a bad input fails its own caller only. */
interface IngestOperation {
  readonly event: NewEvent
  readonly headersJson: string
  readonly destinationIds: readonly string[]
  readonly resolve: (result: IngestResult) => void
  readonly reject: (error: unknown) => void
}

interface RejectionOperation {
  readonly rejection: NewRejection
  readonly headersJson: string
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/** A statement of this backend: its text with the schema filled in, and the prepared-statement name. */
interface Statement {
  readonly name: string
  readonly text: string
}

/** @see createPostgresStorage */
export class PostgresStorage implements Storage {
  readonly dialect = 'postgres' as const
  /**
   * `commits`: statements that committed writes of the group-commit queues or a `checkWritable()` probe.
   * `committedEvents`: `ingest()` calls answered by a commit, duplicates included. Failed batches count in neither.
   */
  readonly stats = { commits: 0, committedEvents: 0 }
  /** The schema this storage uses. */
  readonly schema: string

  readonly #pool: Pool
  readonly #ownsPool: boolean
  readonly #maxRejections: number
  readonly #onCommit: ((batchSize: number, durationMs: number) => void) | undefined
  readonly #onError: (error: Error) => void
  readonly #now: () => number
  readonly #eventId: () => string
  readonly #rejectionId: () => string
  readonly #deliveryId: () => string
  readonly #attemptId: () => string
  readonly #channel: string
  readonly #statements = new Map<string, Statement>()
  readonly #statementPrefix: string
  readonly #events: Batcher<IngestOperation>
  readonly #rejections: Batcher<RejectionOperation>
  readonly #wake: WakeListener
  #closed = false
  #closing: Promise<void> | undefined

  constructor(options: PostgresStorageOptions) {
    this.schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA)
    this.#maxRejections = integerOption('maxRejections', options.maxRejections, DEFAULT_MAX_REJECTIONS, 0)
    const maxBatchSize = integerOption('maxBatchSize', options.maxBatchSize, DEFAULT_MAX_BATCH_SIZE, 1)
    const maxBatchBytes = integerOption('maxBatchBytes', options.maxBatchBytes, DEFAULT_MAX_BATCH_BYTES, 1)
    const maxConcurrent = integerOption('maxConcurrentBatches', options.maxConcurrentBatches, DEFAULT_MAX_CONCURRENT_BATCHES, 1)
    this.#onCommit = options.onCommit
    this.#onError = options.onError ?? (() => undefined)
    this.#now = options.now ?? Date.now
    this.#eventId = createIdGenerator('evt', { now: this.#now })
    this.#rejectionId = createIdGenerator('rej', { now: this.#now })
    this.#deliveryId = createIdGenerator('dlv', { now: this.#now })
    this.#attemptId = createIdGenerator('att', { now: this.#now })
    this.#channel = wakeChannel(this.schema)
    // Prepared-statement names are per connection; the schema hash keeps two storages sharing a pool apart.
    this.#statementPrefix = `hg_${this.#channel.slice(-8)}_`

    let listenConfig: PoolConfig | undefined
    if (options.pool !== undefined) {
      if (options.connectionString !== undefined) throw new TypeError('Pass either pool or connectionString, not both')
      this.#pool = options.pool
      this.#ownsPool = false
    } else {
      if (typeof options.connectionString !== 'string' || options.connectionString === '') {
        throw new TypeError('connectionString (postgres://…) or pool is required')
      }
      const config: PoolConfig = {
        connectionString: options.connectionString,
        max: integerOption('poolSize', options.poolSize, DEFAULT_POOL_SIZE, 1),
        connectionTimeoutMillis: integerOption('connectionTimeoutMs', options.connectionTimeoutMs, DEFAULT_CONNECTION_TIMEOUT_MS, 1),
        query_timeout: integerOption('queryTimeoutMs', options.queryTimeoutMs, DEFAULT_QUERY_TIMEOUT_MS, 1),
        // Dead peers (a partition, a server that vanished) are noticed within about a minute even when idle.
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        idleTimeoutMillis: 30_000,
        application_name: 'hookgate',
      }
      this.#pool = new pg.Pool(config)
      this.#ownsPool = true
      // An idle connection the server closes (restart, failover, idle timeout) makes the pool emit 'error';
      // without a listener that would be an uncaught exception. The pool already dropped the connection.
      this.#pool.on('error', (error) => this.#onError(error))
      // LISTEN gets a connection of its own, so that it never takes one of the pool's `poolSize` (a pool of 1
      // would otherwise have none left for writes).
      listenConfig = config
    }

    this.#events = new Batcher<IngestOperation>({
      maxBatchSize,
      maxBatchBytes,
      maxConcurrent,
      sizeOf: (op) => op.event.body.byteLength + op.headersJson.length + ROW_OVERHEAD_BYTES,
      run: (batch) => this.#writeEvents(batch),
      fail: (op, error) => op.reject(toStorageError(error, 'PostgreSQL commit failed')),
    })
    this.#rejections = new Batcher<RejectionOperation>({
      maxBatchSize,
      maxBatchBytes,
      maxConcurrent: 1,
      sizeOf: (op) => op.headersJson.length + ROW_OVERHEAD_BYTES,
      run: (batch) => this.#writeRejections(batch),
      fail: (op, error) => op.reject(toStorageError(error, 'PostgreSQL commit failed')),
    })
    const pool = this.#pool
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
    this.#wake = new WakeListener(connectListener, this.#channel, (error) => this.#onError(error))
  }

  async migrate(): Promise<{ readonly applied: readonly string[] }> {
    this.#assertOpen()
    let applied: string[]
    try {
      applied = await runPostgresMigrations(this.#pool, this.schema, undefined, this.#now)
    } catch (error) {
      throw toStorageError(error, 'Migration failed')
    }
    // Durability rests on it: with synchronous_commit off, COMMIT returns before the WAL is flushed and a server
    // crash loses events that were acknowledged. Refuse to run rather than acknowledge on a promise we cannot keep.
    const { rows } = await this.#query<{ synchronous_commit: string }>('show-sync', 'SHOW synchronous_commit', [])
    if (rows[0]?.synchronous_commit === 'off') {
      throw new StorageUnavailableError(
        'synchronous_commit is off for this database or role: PostgreSQL would confirm commits before they are durable, ' +
          'so Hookgate could acknowledge webhooks it then loses. Set it to on (ALTER ROLE … SET synchronous_commit = on).',
      )
    }
    return { applied }
  }

  ingest(event: NewEvent, destinationIds: readonly string[] = []): Promise<IngestResult> {
    if (this.#closed) return Promise.reject(closedError())
    let checked: { event: NewEvent; headersJson: string }
    let destinations: string[]
    try {
      checked = checkEvent(event)
      destinations = checkDestinationIds(destinationIds)
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise<IngestResult>((resolve, reject) => {
      this.#events.push({ ...checked, destinationIds: destinations, resolve, reject })
    })
  }

  recordRejection(rejection: NewRejection): Promise<void> {
    if (this.#closed) return Promise.reject(closedError())
    let checked: { rejection: NewRejection; headersJson: string }
    try {
      checked = checkRejection(rejection)
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise<void>((resolve, reject) => {
      this.#rejections.push({ ...checked, resolve, reject })
    })
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    this.#assertOpen()
    if (typeof id !== 'string' || id.includes('\u0000')) return undefined
    const { rows } = await this.#query<EventRow>('select-event-by-id', SELECT_EVENT_BY_ID, [id])
    return rows[0] === undefined ? undefined : toStoredEvent(rows[0])
  }

  async listEvents(query: ListQuery): Promise<Page<StoredEvent>> {
    this.#assertOpen()
    const { limit, beforeSeq } = pageBounds(query)
    const { rows } =
      query.sourceId === undefined
        ? await this.#query<EventRow>('list-events', LIST_EVENTS, [beforeSeq, limit + 1])
        : await this.#query<EventRow>('list-events-by-source', LIST_EVENTS_BY_SOURCE, [
            cleanText(query.sourceId),
            beforeSeq,
            limit + 1,
          ])
    return page(rows, limit, toStoredEvent)
  }

  async listRejections(query: ListQuery): Promise<Page<StoredRejection>> {
    this.#assertOpen()
    const { limit, beforeSeq } = pageBounds(query)
    const { rows } =
      query.sourceId === undefined
        ? await this.#query<RejectionRow>('list-rejections', LIST_REJECTIONS, [beforeSeq, limit + 1])
        : await this.#query<RejectionRow>('list-rejections-by-source', LIST_REJECTIONS_BY_SOURCE, [
            cleanText(query.sourceId),
            beforeSeq,
            limit + 1,
          ])
    return page(rows, limit, toStoredRejection)
  }

  async claimDue(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    this.#assertOpen()
    const { limit, leaseMs } = options
    checkClaimLimit(limit)
    if (!Number.isSafeInteger(leaseMs) || leaseMs < 1) throw new RangeError('leaseMs must be a positive integer')
    requireString(options.workerId, 'workerId')
    const now = timeOf(options.now, 'now')
    const destinationIds = options.destinationIds === undefined ? undefined : checkDestinationIds(options.destinationIds)
    if (destinationIds !== undefined && destinationIds.length === 0) return []
    const leasePrefix = `${randomBytes(12).toString('base64url')}.`
    const params: unknown[] = [iso(now), limit, iso(now + leaseMs), leasePrefix, cleanText(options.workerId)]
    const { rows } =
      destinationIds === undefined
        ? await this.#query<ClaimRow>('claim-due', CLAIM_DUE, params)
        : await this.#query<ClaimRow>('claim-due-for-destinations', CLAIM_DUE_FOR_DESTINATIONS, [...params, destinationIds])
    return rows.map(toClaimedDelivery)
  }

  async recordAttempt(leaseToken: string, attempt: AttemptRecord, next: NextStep): Promise<'recorded' | 'lease_lost'> {
    this.#assertOpen()
    if (typeof leaseToken !== 'string' || leaseToken.includes('\u0000')) return 'lease_lost'
    const startedAt = timeOf(attempt.startedAt, 'attempt.startedAt')
    if (typeof attempt.durationMs !== 'number' || !Number.isFinite(attempt.durationMs) || attempt.durationMs < 0) {
      throw new TypeError('attempt.durationMs must be a non-negative number')
    }
    if (attempt.statusCode !== undefined && !Number.isSafeInteger(attempt.statusCode)) {
      throw new TypeError('attempt.statusCode must be an integer or undefined')
    }
    optionalString(attempt.error, 'attempt.error')
    if (attempt.responseBody !== undefined && !(attempt.responseBody instanceof Uint8Array)) {
      throw new TypeError('attempt.responseBody must be a Uint8Array or undefined')
    }
    let status: DeliveryStatus
    let nextAt: string | null = null
    let completedAt: string | null = null
    let deadReason: string | null = null
    const end = iso(startedAt + attempt.durationMs)
    switch (next.kind) {
      case 'done':
        status = 'delivered'
        completedAt = end
        break
      case 'retry':
        status = 'pending'
        nextAt = iso(timeOf(next.at, 'next.at'))
        break
      case 'dead':
        requireString(next.reason, 'next.reason')
        status = 'dead'
        completedAt = end
        deadReason = sanitize(next.reason)
        break
      default:
        throw new TypeError(`next.kind must be done, retry or dead`)
    }
    const body = attempt.responseBody
    const { rowCount } = await this.#query('record-attempt', RECORD_ATTEMPT, [
      leaseToken,
      status,
      iso(startedAt),
      nextAt,
      completedAt,
      deadReason,
      this.#attemptId(),
      attempt.durationMs,
      attempt.statusCode ?? null,
      attempt.error === undefined ? null : sanitize(attempt.error),
      body === undefined ? null : bufferOf(body.subarray(0, MAX_RESPONSE_BODY_BYTES)),
      next.kind,
    ])
    return rowCount === 1 ? 'recorded' : 'lease_lost'
  }

  async reapExpiredLeases(now: Date): Promise<number> {
    this.#assertOpen()
    const { rows } = await this.#query<{ reaped: number }>('reap', REAP_EXPIRED_LEASES, [iso(timeOf(now, 'now')), this.#channel])
    return rows[0]?.reaped ?? 0
  }

  async listDeliveries(eventId: string): Promise<readonly DeliveryWithAttempts[]> {
    this.#assertOpen()
    if (typeof eventId !== 'string' || eventId.includes('\u0000')) return []
    const { rows } = await this.#query<DeliveryRow>('list-deliveries', LIST_DELIVERIES_BY_EVENT, [eventId])
    if (rows.length === 0) return []
    const attempts = await this.#attemptsOf(rows.map((row) => row.id))
    return rows.map((row) => ({ ...toDelivery(row), attemptLog: attempts.get(row.id) ?? [] }))
  }

  async listAttempts(deliveryId: string): Promise<readonly StoredAttempt[]> {
    this.#assertOpen()
    if (typeof deliveryId !== 'string' || deliveryId.includes('\u0000')) return []
    return (await this.#attemptsOf([deliveryId])).get(deliveryId) ?? []
  }

  async requeue(eventId: string, options: RequeueOptions = {}): Promise<number> {
    this.#assertOpen()
    const now = options.now === undefined ? this.#now() : timeOf(options.now, 'now')
    const requested = options.destinationIds === undefined ? undefined : checkDestinationIds(options.destinationIds)
    if (requested !== undefined && requested.length === 0) return 0
    if (typeof eventId !== 'string' || eventId.includes('\u0000')) return 0
    return this.#inReplayTransaction(async (client) => {
      const exists = await this.#run(client, 'select-event-exists', SELECT_EVENT_EXISTS, [eventId])
      if (exists.rowCount === 0) return 0
      const latest = await this.#run<{ destination_id: string; id: string; status: DeliveryStatus }>(
        client,
        'select-latest-deliveries',
        SELECT_LATEST_DELIVERIES_OF_EVENT,
        [eventId],
      )
      const byDestination = new Map(latest.rows.map((row) => [row.destination_id, row]))
      const targets = requested ?? latest.rows.map((row) => row.destination_id)
      const replays = targets
        .map((destinationId) => ({ destinationId, previous: byDestination.get(destinationId) }))
        // A pair still pending or in flight will be delivered anyway: a second delivery would only duplicate it.
        .filter(({ previous }) => previous === undefined || previous.status === 'delivered' || previous.status === 'dead')
      return this.#insertReplays(
        client,
        replays.map(({ destinationId, previous }) => ({ eventId, destinationId, replayOf: previous?.id ?? null })),
        now,
      )
    })
  }

  async requeueMatching(filter: ReplayFilter, options: RequeueMatchingOptions = {}): Promise<RequeueBatch> {
    this.#assertOpen()
    const limit = options.limit ?? DEFAULT_REPLAY_LIMIT
    checkClaimLimit(limit)
    const cursor = options.cursor === undefined ? undefined : decodeReplayCursor(options.cursor)
    const now = options.now === undefined ? this.#now() : timeOf(options.now, 'now')
    const match = replayFilterParams(filter)
    return this.#inReplayTransaction(async (client) => {
      let until = cursor?.until
      if (until === undefined) {
        const max = await this.#run<{ seq: string }>(client, 'select-max-delivery-seq', SELECT_MAX_DELIVERY_SEQ, [])
        until = max.rows[0]?.seq ?? '0'
      }
      const after = cursor?.after ?? '0'
      const batch = await this.#run<{ seq: string; id: string; event_id: string; destination_id: string }>(
        client,
        'select-replay-batch',
        SELECT_REPLAY_BATCH,
        [...match, after, until, limit],
      )
      const requeued = await this.#insertReplays(
        client,
        batch.rows.map((row) => ({ eventId: row.event_id, destinationId: row.destination_id, replayOf: row.id })),
        now,
      )
      const last = batch.rows.at(-1)
      if (batch.rows.length < limit || last === undefined) return { requeued }
      return { requeued, nextCursor: encodeReplayCursor(last.seq, until) }
    })
  }

  async countMatching(filter: ReplayFilter): Promise<number> {
    this.#assertOpen()
    const { rows } = await this.#query<{ n: string }>('count-replay-matches', COUNT_REPLAY_MATCHES, replayFilterParams(filter))
    return Number(rows[0]?.n ?? 0)
  }

  async destinationStats(): Promise<readonly DestinationStats[]> {
    this.#assertOpen()
    const { rows } = await this.#query<{
      destination_id: string
      pending: number
      in_flight: number
      delivered: number
      dead: number
      oldest_due_at: Date | null
    }>('destination-stats', DESTINATION_STATS, [])
    return rows.map((row) => ({
      destinationId: row.destination_id,
      pending: row.pending,
      inFlight: row.in_flight,
      delivered: row.delivered,
      dead: row.dead,
      oldestDueAt: row.oldest_due_at ?? undefined,
    }))
  }

  async setDestinationDisabled(
    destinationId: string,
    disabled: boolean,
    options: { readonly reason?: string; readonly now?: Date } = {},
  ): Promise<void> {
    this.#assertOpen()
    requireText(destinationId, 'destinationId')
    if (disabled) {
      const now = options.now === undefined ? this.#now() : timeOf(options.now, 'now')
      optionalString(options.reason, 'reason')
      await this.#query('disable-destination', DISABLE_DESTINATION, [
        destinationId,
        iso(now),
        options.reason === undefined ? null : sanitize(options.reason),
      ])
    } else {
      await this.#query('enable-destination', ENABLE_DESTINATION, [destinationId, this.#channel])
    }
  }

  async listDestinationStates(): Promise<readonly DestinationState[]> {
    this.#assertOpen()
    const { rows } = await this.#query<{ id: string; disabled: boolean; disabled_at: Date | null; disabled_reason: string | null }>(
      'list-destination-states',
      LIST_DESTINATION_STATES,
      [],
    )
    return rows.map((row) => ({
      destinationId: row.id,
      disabled: row.disabled,
      disabledAt: row.disabled_at ?? undefined,
      disabledReason: row.disabled_reason ?? undefined,
    }))
  }

  /**
   * Calls `listener` whenever any instance on this schema queued deliveries, returned expired leases or
   * re-enabled a destination (LISTEN/NOTIFY), and after each (re)connect of the listening connection. A hint
   * only: keep polling, slowly. The first subscription opens the listening connection.
   * @returns the unsubscribe function
   */
  onWake(listener: () => void): () => void {
    if (this.#closed) return () => undefined
    return this.#wake.subscribe(listener)
  }

  /** Commits a real row change (the health row) in its own transaction: it fails exactly when a commit would. */
  async checkWritable(): Promise<void> {
    this.#assertOpen()
    await this.#query('touch-health', TOUCH_HEALTH, [iso(this.#now())])
    this.stats.commits++
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true
      // Queued writes were accepted before close(): commit them (or fail them) before the pool goes.
      await Promise.all([this.#events.drain(), this.#rejections.drain()])
      await this.#wake.close()
      if (this.#ownsPool) await this.#pool.end().catch((error: unknown) => this.#onError(asError(error)))
    })()
    return this.#closing
  }

  async #writeEvents(batch: IngestOperation[]): Promise<void> {
    const started = performance.now()
    // Duplicates within the batch: the first of each (source, dedupe key) is written, the others answer with it.
    const leaders = new Map<string, number>()
    const leaderOf: number[] = new Array(batch.length)
    const ids: string[] = new Array(batch.length)
    const rows: EventInput[] = []
    const deliveries: DeliveryInput[] = []
    const bodies: Buffer[] = []
    let bodyAt = 0
    for (let i = 0; i < batch.length; i++) {
      const { event, headersJson, destinationIds } = batch[i]!
      const key = `${event.sourceId}\u0000${event.dedupeKey}`
      const leader = leaders.get(key)
      if (leader !== undefined) {
        leaderOf[i] = leader
        continue
      }
      leaders.set(key, i)
      leaderOf[i] = i
      const id = this.#eventId()
      ids[i] = id
      const body = bufferOf(event.body)
      rows.push({
        ord: rows.length,
        id,
        source_id: event.sourceId,
        provider: event.provider,
        dedupe_key: event.dedupeKey,
        provider_event_id: event.providerEventId ?? null,
        event_type: event.eventType ?? null,
        received_at: event.receivedAt.toISOString(),
        headers: headersJson,
        body_at: bodyAt,
        body_length: body.byteLength,
      })
      bodies.push(body)
      bodyAt += body.byteLength
      for (const destinationId of destinationIds) {
        deliveries.push({ ord: deliveries.length, id: this.#deliveryId(), event_id: id, destination_id: destinationId })
      }
    }

    const { rows: insertedRows } = await this.#query<{ id: string }>('insert-events', INSERT_EVENTS, [
      JSON.stringify(rows),
      bodies.length === 1 ? bodies[0]! : Buffer.concat(bodies, bodyAt),
      JSON.stringify(deliveries),
      this.#channel,
    ])
    // Committed: from here on, nothing may turn an inserted event into a failure.
    const durationMs = performance.now() - started
    this.stats.commits++
    this.stats.committedEvents += batch.length
    const inserted = new Set(insertedRows.map((row) => row.id))

    const results: (IngestResult | undefined)[] = new Array(batch.length)
    const missing: number[] = []
    for (const i of leaders.values()) {
      if (inserted.has(ids[i]!)) results[i] = { event: storedFrom(ids[i]!, batch[i]!.event), duplicate: false }
      else missing.push(i)
    }
    let failure: StorageUnavailableError | undefined
    if (missing.length > 0) {
      // Stored earlier, or by another instance while this batch waited on the unique key: read them with a new
      // snapshot. If that read fails, the inserted events stay answered (they are committed); the duplicates
      // get a 503 and their retry will find them.
      try {
        const found = await this.#selectByDedupeKeys(missing.map((i) => batch[i]!.event))
        for (const i of missing) {
          const stored = found.get(`${batch[i]!.event.sourceId}\u0000${batch[i]!.event.dedupeKey}`)
          if (stored !== undefined) results[i] = { event: stored, duplicate: true }
        }
      } catch (error) {
        failure = toStorageError(error, 'PostgreSQL read of a duplicate failed')
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const leader = results[leaderOf[i]!]
      if (leader === undefined) {
        failure ??= new StorageUnavailableError('The event was neither inserted nor found stored; retry')
        batch[i]!.reject(failure)
      }       else batch[i]!.resolve(i === leaderOf[i] ? leader : { event: leader.event, duplicate: true })
    }
    this.#reportCommit(batch.length, durationMs)
  }

  async #selectByDedupeKeys(events: readonly NewEvent[]): Promise<Map<string, StoredEvent>> {
    const { rows } = await this.#query<EventRow>('select-events-by-dedupe-keys', SELECT_EVENTS_BY_DEDUPE_KEYS, [
      events.map((e) => e.sourceId),
      events.map((e) => e.dedupeKey),
    ])
    return new Map(rows.map((row) => [`${row.source_id}\u0000${row.dedupe_key}`, toStoredEvent(row)]))
  }

  async #writeRejections(batch: RejectionOperation[]): Promise<void> {
    const started = performance.now()
    // Only the newest `maxRejections` can survive the cap: the older ones of the batch are not even written.
    const kept = this.#maxRejections === 0 ? [] : batch.slice(-this.#maxRejections)
    const rows = kept.map(({ rejection: r, headersJson }, ord) => ({
      ord,
      id: this.#rejectionId(),
      source_id: r.sourceId,
      received_at: r.receivedAt.toISOString(),
      status: r.status,
      reason: r.reason,
      message: r.message,
      remote_address: r.remoteAddress ?? null,
      headers: headersJson,
      body_size: r.bodySize,
      body_sha256: r.bodySha256,
    }))
    await this.#query('insert-rejections', INSERT_REJECTIONS, [JSON.stringify(rows), this.#maxRejections - kept.length])
    const durationMs = performance.now() - started
    this.stats.commits++
    for (const op of batch) op.resolve()
    this.#reportCommit(batch.length, durationMs)
  }

  #reportCommit(batchSize: number, durationMs: number): void {
    try {
      this.#onCommit?.(batchSize, durationMs)
    } catch {
      // A metrics callback must not turn a committed batch into failures.
    }
  }

  async #attemptsOf(deliveryIds: readonly string[]): Promise<Map<string, StoredAttempt[]>> {
    const { rows } = await this.#query<AttemptRow>('list-attempts', LIST_ATTEMPTS, [deliveryIds])
    const byDelivery = new Map<string, StoredAttempt[]>()
    for (const row of rows) {
      const list = byDelivery.get(row.delivery_id) ?? []
      list.push(toStoredAttempt(row))
      byDelivery.set(row.delivery_id, list)
    }
    return byDelivery
  }

  async #insertReplays(
    client: PoolClient,
    replays: readonly { eventId: string; destinationId: string; replayOf: string | null }[],
    now: number,
  ): Promise<number> {
    if (replays.length === 0) return 0
    const { rows } = await this.#run<{ queued: number }>(client, 'insert-replays', INSERT_REPLAYS, [
      replays.map(() => this.#deliveryId()),
      replays.map((r) => r.eventId),
      replays.map((r) => r.destinationId),
      iso(now),
      replays.map((r) => r.replayOf),
      this.#channel,
    ])
    return rows[0]?.queued ?? 0
  }

  /** Runs `fn` in a transaction holding the schema's replay lock (see queries/replay.ts). */
  async #inReplayTransaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.#withClient(async (client) => {
      await this.#run(client, 'begin', 'BEGIN', [])
      try {
        const [key1, key2] = lockKeys('replay', this.schema)
        await this.#run(client, 'replay-lock', 'SELECT pg_advisory_xact_lock($1, $2)', [key1, key2])
        const result = await fn(client)
        await this.#run(client, 'commit', 'COMMIT', [])
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw error
      }
    })
  }

  /** Borrows a connection; a connection that failed is destroyed, not returned to the pool. */
  async #withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient
    try {
      client = await this.#pool.connect()
    } catch (error) {
      throw toStorageError(error, 'PostgreSQL connection failed')
    }
    // A checked-out client has no 'error' listener of the pool's: a connection dropping between two statements
    // would otherwise be an unhandled 'error' event. The next statement reports it.
    let broken: Error | undefined
    const onError = (error: Error): void => {
      broken = error
    }
    client.on('error', onError)
    let failed: unknown
    try {
      return await fn(client)
    } catch (error) {
      failed = error
      throw toStorageError(error, 'PostgreSQL statement failed')
    } finally {
      client.off('error', onError)
      const destroy = broken ?? (failed instanceof Error && isConnectionError(failed) ? failed : undefined)
      client.release(destroy)
    }
  }

  /** One statement on the pool (its own transaction), prepared once per connection. */
  async #query<R extends QueryResultRow = QueryResultRow>(name: string, sql: string, values: unknown[]): Promise<QueryResult<R>> {
    try {
      return await this.#pool.query<R>({ ...this.#statement(name, sql), values })
    } catch (error) {
      throw toStorageError(error, 'PostgreSQL statement failed')
    }
  }

  /** One statement on a borrowed connection (inside a transaction). */
  #run<R extends QueryResultRow = QueryResultRow>(client: PoolClient, name: string, sql: string, values: unknown[]): Promise<QueryResult<R>> {
    return client.query<R>({ ...this.#statement(name, sql), values })
  }

  #statement(name: string, sql: string): Statement {
    let statement = this.#statements.get(name)
    if (statement === undefined) {
      statement = { name: this.#statementPrefix + name, text: inSchema(sql, this.schema) }
      this.#statements.set(name, statement)
    }
    return statement
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError()
  }
}

/*
 * Inputs are checked before they join a batch: a value the server would refuse inside the statement would fail
 * every caller of the batch instead of the one that sent it.
 * - PostgreSQL text cannot hold U+0000: strings with it are refused here (headers are JSON text, where it is
 *   escaped, so they may hold it).
 * - A lone UTF-16 surrogate (`"\ud800"` in a JSON body's event type, say) has no UTF-8 form: JSON.stringify
 *   writes it as an escape the server's JSON parser refuses. It becomes U+FFFD, which is what any UTF-8 encoder
 *   (and so the SQLite backend) stores, and the answer carries the stored form.
 */

function checkEvent(input: NewEvent): { event: NewEvent; headersJson: string } {
  requireText(input.sourceId, 'event.sourceId')
  requireText(input.provider, 'event.provider')
  requireText(input.dedupeKey, 'event.dedupeKey')
  optionalText(input.providerEventId, 'event.providerEventId')
  optionalText(input.eventType, 'event.eventType')
  if (!(input.body instanceof Uint8Array)) throw new TypeError('event.body must be a Uint8Array')
  timeOf(input.receivedAt, 'event.receivedAt')
  checkHeaders(input.headers, 'event.headers')
  const event =
    hasLoneSurrogate(input.sourceId, input.provider, input.dedupeKey, input.providerEventId, input.eventType) ||
    headersHaveLoneSurrogate(input.headers)
      ? {
          ...input,
          sourceId: wellFormed(input.sourceId),
          provider: wellFormed(input.provider),
          dedupeKey: wellFormed(input.dedupeKey),
          providerEventId: input.providerEventId === undefined ? undefined : wellFormed(input.providerEventId),
          eventType: input.eventType === undefined ? undefined : wellFormed(input.eventType),
          headers: wellFormedHeaders(input.headers),
        }
      : input
  return { event, headersJson: JSON.stringify(event.headers) }
}

function checkRejection(input: NewRejection): { rejection: NewRejection; headersJson: string } {
  requireText(input.sourceId, 'rejection.sourceId')
  requireText(input.reason, 'rejection.reason')
  requireString(input.message, 'rejection.message')
  requireText(input.bodySha256, 'rejection.bodySha256')
  optionalString(input.remoteAddress, 'rejection.remoteAddress')
  if (!Number.isSafeInteger(input.status) || Math.abs(input.status) > 2_147_483_647) {
    throw new TypeError('rejection.status must be an integer')
  }
  if (!Number.isSafeInteger(input.bodySize) || input.bodySize < 0) {
    throw new TypeError('rejection.bodySize must be a non-negative integer')
  }
  timeOf(input.receivedAt, 'rejection.receivedAt')
  checkHeaders(input.headers, 'rejection.headers')
  // A rejection is a diagnostic record: odd characters in its free text are replaced rather than refused.
  const rejection: NewRejection = {
    ...input,
    sourceId: wellFormed(input.sourceId),
    reason: wellFormed(input.reason),
    message: wellFormed(sanitize(input.message)),
    remoteAddress: input.remoteAddress === undefined ? undefined : wellFormed(sanitize(input.remoteAddress)),
    headers: wellFormedHeaders(input.headers),
  }
  return { rejection, headersJson: JSON.stringify(rejection.headers) }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g')

function hasLoneSurrogate(...texts: (string | undefined)[]): boolean {
  return texts.some((text) => text !== undefined && LONE_SURROGATE.test(text))
}

function wellFormed(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATES, '\uFFFD') : text
}

function headersHaveLoneSurrogate(headers: Readonly<Record<string, string>>): boolean {
  for (const [name, value] of Object.entries(headers)) if (hasLoneSurrogate(name, value)) return true
  return false
}

function wellFormedHeaders(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  if (!headersHaveLoneSurrogate(headers)) return headers
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) out[wellFormed(name)] = wellFormed(value)
  return out
}

/** Distinct destination ids, in their first order. */
function checkDestinationIds(destinationIds: readonly string[]): string[] {
  if (!Array.isArray(destinationIds)) throw new TypeError('destinationIds must be an array of strings')
  for (const id of destinationIds) requireText(id, 'destinationIds[]')
  return [...new Set(destinationIds)]
}

function requireText(value: unknown, name: string): asserts value is string {
  requireString(value, name)
  if (value.includes('\u0000')) throw new TypeError(`${name} must not contain U+0000 (PostgreSQL text cannot store it)`)
}

function optionalText(value: unknown, name: string): void {
  if (value !== undefined) requireText(value, name)
}

/** For free text we only keep for people (errors, reasons): U+0000 becomes U+FFFD instead of failing the write. */
function sanitize(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text
}

/** Strings used only to filter reads: U+0000 cannot match anything stored, and would fail the statement. */
function cleanText(text: string): string {
  requireString(text, 'sourceId')
  return sanitize(text)
}

/** Timestamps go over the wire as ISO text in UTC: no dependence on the process's time zone. */
function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** A plain copy: callers should not see driver Buffers or share their memory. */
function bytesOf(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer)
}

function storedFrom(id: string, event: NewEvent): StoredEvent {
  return {
    id,
    sourceId: event.sourceId,
    provider: event.provider,
    dedupeKey: event.dedupeKey,
    providerEventId: event.providerEventId,
    eventType: event.eventType,
    receivedAt: new Date(event.receivedAt.getTime()),
    headers: event.headers,
    body: event.body,
  }
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    sourceId: row.source_id,
    provider: row.provider,
    dedupeKey: row.dedupe_key,
    providerEventId: row.provider_event_id ?? undefined,
    eventType: row.event_type ?? undefined,
    receivedAt: row.received_at,
    headers: row.headers,
    body: bytesOf(row.body),
  }
}

function toStoredRejection(row: RejectionRow): StoredRejection {
  return {
    id: row.id,
    sourceId: row.source_id,
    receivedAt: row.received_at,
    status: row.status,
    reason: row.reason,
    message: row.message,
    remoteAddress: row.remote_address ?? undefined,
    headers: row.headers,
    bodySize: Number(row.body_size),
    bodySha256: row.body_sha256,
  }
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    destinationId: row.destination_id,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.created_at,
    nextAttemptAt: row.status === 'pending' || row.status === 'in_flight' ? (row.next_attempt_at ?? undefined) : undefined,
    leaseExpiresAt: row.status === 'in_flight' ? (row.lease_expires_at ?? undefined) : undefined,
    lastAttemptAt: row.last_attempt_at ?? undefined,
    completedAt: row.completed_at ?? undefined,
    deadReason: row.dead_reason ?? undefined,
    replayOf: row.replay_of ?? undefined,
  }
}

function toClaimedDelivery(row: ClaimRow): ClaimedDelivery {
  const delivery = toDelivery(row)
  if (row.lease_token === null || row.lease_expires_at === null) throw new Error('A claimed delivery has no lease')
  return {
    ...delivery,
    status: 'in_flight',
    leaseToken: row.lease_token,
    leaseExpiresAt: row.lease_expires_at,
    event: toStoredEvent({
      seq: row.e_seq,
      id: row.e_id,
      source_id: row.e_source_id,
      provider: row.e_provider,
      dedupe_key: row.e_dedupe_key,
      provider_event_id: row.e_provider_event_id,
      event_type: row.e_event_type,
      received_at: row.e_received_at,
      headers: row.e_headers,
      body: row.e_body,
    }),
  }
}

function toNextStep(row: AttemptRow): NextStep {
  switch (row.next_kind) {
    case 'done':
      return { kind: 'done' }
    case 'retry':
      return { kind: 'retry', at: row.next_at ?? new Date(Number.NaN) }
    case 'dead':
      return { kind: 'dead', reason: row.next_reason ?? '' }
  }
}

function toStoredAttempt(row: AttemptRow): StoredAttempt {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    attemptNumber: row.attempt_number,
    workerId: row.worker_id,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    statusCode: row.status_code ?? undefined,
    error: row.error ?? undefined,
    responseBody: row.response_body === null ? undefined : bytesOf(row.response_body),
    next: toNextStep(row),
  }
}

/** Validates `limit` (1..500, default 50) and decodes the cursor into an exclusive upper bound on seq. */
function pageBounds(query: ListQuery): { limit: number; beforeSeq: string } {
  const limit = pageLimit(query)
  if (query.sourceId !== undefined) requireString(query.sourceId, 'sourceId')
  return { limit, beforeSeq: query.cursor === undefined ? NO_CURSOR : decodeCursor(query.cursor) }
}

/** The seq of a cursor from `encodeCursor` (a bigint, kept as its decimal text). */
function decodeCursor(cursor: string): string {
  if (typeof cursor !== 'string') throw new RangeError('Invalid cursor')
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  // Re-encoding must give the same string: rejects padding, stray characters and non-canonical forms.
  if (!/^[1-9][0-9]{0,17}$/.test(text) || encodeCursor(text) !== cursor) throw new RangeError('Invalid cursor')
  return text
}

/** A bulk-replay cursor: `r1.<after seq>.<until seq>`, base64url. */
function encodeReplayCursor(after: string, until: string): string {
  return Buffer.from(`r1.${after}.${until}`, 'utf8').toString('base64url')
}

function decodeReplayCursor(cursor: string): { after: string; until: string } {
  if (typeof cursor !== 'string') throw new RangeError('Invalid cursor')
  const match = /^r1\.([1-9][0-9]{0,17})\.([1-9][0-9]{0,17})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (match === null || encodeReplayCursor(match[1]!, match[2]!) !== cursor) throw new RangeError('Invalid cursor')
  return { after: match[1]!, until: match[2]! }
}

/** $1..$5 of the replay statements. */
function replayFilterParams(filter: ReplayFilter): (string | null)[] {
  const { status, destinationId, sourceId, from, to } = filter
  if (status !== undefined && !['pending', 'in_flight', 'delivered', 'dead'].includes(status)) {
    throw new RangeError('status must be pending, in_flight, delivered or dead')
  }
  if (destinationId !== undefined) requireString(destinationId, 'destinationId')
  if (sourceId !== undefined) requireString(sourceId, 'sourceId')
  return [
    status ?? null,
    destinationId === undefined ? null : sanitize(destinationId),
    sourceId === undefined ? null : sanitize(sourceId),
    from === undefined ? null : iso(timeOf(from, 'from')),
    to === undefined ? null : iso(timeOf(to, 'to')),
  ]
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

/** Anything the driver or the server threw, as the contract's error (messages never hold the connection string). */
function toStorageError(error: unknown, context: string): StorageUnavailableError {
  if (error instanceof StorageUnavailableError) return error
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  return new StorageUnavailableError(`${context}: ${typeof code === 'string' ? `${code}: ` : ''}${message}`, { cause: error })
}

function closedError(): StorageUnavailableError {
  return new StorageUnavailableError('The PostgreSQL storage is closed')
}
