/**
 * @module storage/types
 * THE storage contract. Domain-level: no SQL, connections or transactions leak out. SQLite (default) and
 * PostgreSQL implement it; `test/storage/suite.ts` is the conformance suite both must pass.
 */

/** An event as the ingest path hands it over, after verification. */
export interface NewEvent {
  readonly sourceId: string
  readonly provider: string
  /** What duplicates are recognised by, unique per source: the provider's delivery/event id, else `sha256:<hex of body>`. */
  readonly dedupeKey: string
  /** The provider's own delivery/event id, when it sends one. */
  readonly providerEventId: string | undefined
  readonly eventType: string | undefined
  readonly receivedAt: Date
  /** Request headers, with secrets and signatures already redacted. */
  readonly headers: Readonly<Record<string, string>>
  /** The raw body exactly as received. */
  readonly body: Uint8Array
}

export interface StoredEvent extends NewEvent {
  /** Hookgate's id (`evt_…`), time-ordered. */
  readonly id: string
}

/** One hint of `diagnose()` (`@hookgate/verify`), as a rejection records it: a code and a sentence, never a secret. */
export interface RejectionHint {
  readonly code: string
  readonly message: string
}

/**
 * The request behind a signature failure, kept when the source opts in (`sources[].captureRejected`), so that
 * `GET /api/rejections/{id}` and `hookgate verify --rejection` can re-run verification on what was received.
 */
export interface CapturedRequest {
  readonly method: string
  /** Where it was sent, without credentials, query or fragment (the full URL is in `sealed`). */
  readonly url: string
  /** The body as received, at most `captureMaxBytes` of it (see `truncated`). */
  readonly body: Uint8Array
  /** True when the body was longer than the cap: `body` is its beginning, `bodySize`/`bodySha256` the whole. */
  readonly truncated: boolean
  /**
   * The redacted header values (signatures, tokens) and the full URL, sealed (AES-256-GCM) under keys derived from
   * the source's secrets: opaque to whoever reads the store or the admin API without a secret. Undefined when the
   * source has no secret (keys fetched at run time). Never a secret itself.
   */
  readonly sealed: string | undefined
}

/** What every rejection record holds. Never a secret; signatures only sealed inside a captured request. */
export interface RejectionFacts {
  readonly sourceId: string
  readonly receivedAt: Date
  readonly status: number
  readonly reason: string
  readonly message: string
  readonly remoteAddress: string | undefined
  /** Redacted as an event's are: signature and credential values are `[redacted]`. */
  readonly headers: Readonly<Record<string, string>>
  readonly bodySize: number
  readonly bodySha256: string
  /**
   * Signature failures only: true when `diagnose()` ran on the request, false when it did not (the source's
   * per-minute diagnosis budget was spent, or its preset cannot be diagnosed offline). Undefined for refusals that
   * are not about the signature (403, 405, 413…).
   */
  readonly diagnosed?: boolean | undefined
  /** When `diagnosed`: the hints found, most likely first (empty: none of the known mistakes explains it). */
  readonly diagnosis?: readonly RejectionHint[] | undefined
}

/** A refused request, kept for debugging. Never holds a secret; the body and signatures only in `captured`. */
export interface NewRejection extends RejectionFacts {
  /** The request as received, when the source captures rejections. */
  readonly captured?: CapturedRequest | undefined
}

/** A rejection as `listRejections` returns it (without the captured request: see `getRejection`). */
export interface StoredRejection extends RejectionFacts {
  readonly id: string
  /** Bytes of body captured; undefined when the request was not captured. */
  readonly capturedBytes?: number | undefined
}

/** A rejection with its captured request, as `getRejection` returns it. */
export interface RejectionDetail extends StoredRejection {
  readonly captured?: CapturedRequest | undefined
}

export interface ListQuery {
  readonly sourceId?: string
  /** 1..500; default 50. */
  readonly limit?: number
  /** Opaque keyset cursor from the previous page (newest first). */
  readonly cursor?: string
}

/**
 * `listEvents` filters, ANDed (absent = any). Walked newest first with the same keyset cursor as `ListQuery`: a
 * cursor is only meaningful with the filters of the page that issued it.
 */
export interface EventQuery extends ListQuery {
  /** Exact event type. */
  readonly eventType?: string
  /** Events with at least one delivery in this status. */
  readonly status?: DeliveryStatus
  /** `receivedAt >= from`. */
  readonly from?: Date
  /** `receivedAt < to`. */
  readonly to?: Date
  /** Exact match on Hookgate's id, the provider's event id or the dedupe key. */
  readonly search?: string
}

/** `listRejections` filters, ANDed (absent = any). */
export interface RejectionQuery extends ListQuery {
  /** Exact reason code (`signature_mismatch`, …). */
  readonly reason?: string
  /** `receivedAt >= from`. */
  readonly from?: Date
  /** `receivedAt < to`. */
  readonly to?: Date
}

/** How many of an event's deliveries are in each status. */
export interface DeliveryCounts {
  readonly pending: number
  readonly inFlight: number
  readonly delivered: number
  readonly dead: number
}

export interface Page<T> {
  readonly items: readonly T[]
  /** Present when there may be more items. */
  readonly nextCursor?: string
}

export interface IngestResult {
  readonly event: StoredEvent
  /** True when the (sourceId, dedupeKey) pair was already stored; `event` is the stored one. */
  readonly duplicate: boolean
}

/**
 * Thrown (rejected) when the store cannot durably commit: the ingest path answers 503 + Retry-After, never 2xx.
 */
export class StorageUnavailableError extends Error {
  readonly code = 'ERR_STORAGE' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StorageUnavailableError'
  }
}

/*
 * ─── Deliveries ──────────────────────────────────────────────────────────────────────────────────────────────
 * One delivery = one (event, destination) pair to POST, with its attempts. Ingest creates one pending delivery
 * per destination in the event's own commit; workers lease due deliveries (`claimDue`), attempt them and record
 * the attempt together with the decision of the retry policy (`recordAttempt`, conditional on the lease). A
 * replay (`requeue*`) never rewrites history: it adds a NEW pending delivery for the pair.
 */

/** The lifecycle of a delivery, as `as const` data (STYLE 3.7: no enums). */
export const DELIVERY_STATUSES = ['pending', 'in_flight', 'delivered', 'dead'] as const
/**
 * - `pending`: waiting for its first or next attempt, due at `nextAttemptAt`.
 * - `in_flight`: leased by a worker until `leaseExpiresAt` (after that any worker may claim it again).
 * - `delivered`: a 2xx was received. Final.
 * - `dead`: the policy gave up (schedule exhausted, 410, …). Final until replayed (a replay adds a new delivery).
 */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

/** Response bodies of attempts are stored truncated to this many bytes. */
export const MAX_RESPONSE_BODY_BYTES = 4096

/**
 * The decision the retry policy takes after an attempt (retry math lives in TS, not SQL: STYLE 3.4).
 * `done` → delivered; `retry` → pending again, due at `at`; `dead` → dead-lettered with `reason`.
 */
export type NextStep =
  | { readonly kind: 'done' }
  | { readonly kind: 'retry'; readonly at: Date }
  | { readonly kind: 'dead'; readonly reason: string }

export interface Delivery {
  /** `dlv_…`, time-ordered. */
  readonly id: string
  readonly eventId: string
  readonly destinationId: string
  readonly status: DeliveryStatus
  /** Attempts recorded so far (the next one is number `attempts + 1`). */
  readonly attempts: number
  /** Ingest: the event's `receivedAt`. Replay: the `now` of the requeue. */
  readonly createdAt: Date
  /** `pending`: when it becomes due. `in_flight`: when it was due before being claimed. Else undefined. */
  readonly nextAttemptAt: Date | undefined
  /** `in_flight` only: when the lease ends. */
  readonly leaseExpiresAt: Date | undefined
  /** Start of the last recorded attempt. */
  readonly lastAttemptAt: Date | undefined
  /** `delivered`/`dead`: end of the final attempt (`startedAt + durationMs`). */
  readonly completedAt: Date | undefined
  /** `dead` only: the policy's reason. */
  readonly deadReason: string | undefined
  /** For a replay: the id of the latest earlier delivery of the same pair. */
  readonly replayOf: string | undefined
}

/** A leased delivery, with its event, as `claimDue` returns it. */
export interface ClaimedDelivery extends Delivery {
  readonly status: 'in_flight'
  /** Opaque and unique per claim: `recordAttempt` succeeds only while this is still the delivery's lease. */
  readonly leaseToken: string
  readonly leaseExpiresAt: Date
  /** The event to deliver (raw body byte-exact). */
  readonly event: StoredEvent
}

/** One HTTP attempt as the worker observed it. */
export interface AttemptRecord {
  readonly startedAt: Date
  readonly durationMs: number
  /** The response status; undefined when no response arrived (timeout, refused, reset, …). */
  readonly statusCode: number | undefined
  /** What went wrong without a response, e.g. `timeout: no response within 15000 ms`. Never a secret. */
  readonly error: string | undefined
  /** The response body; the store keeps at most {@link MAX_RESPONSE_BODY_BYTES} (truncated, not refused). */
  readonly responseBody: Uint8Array | undefined
}

export interface StoredAttempt extends AttemptRecord {
  /** `att_…`, time-ordered. */
  readonly id: string
  readonly deliveryId: string
  /** 1-based, in the order attempts were recorded for this delivery. */
  readonly attemptNumber: number
  /** The worker that held the lease. */
  readonly workerId: string
  /** The decision recorded with the attempt. */
  readonly next: NextStep
}

/** A delivery as `listDeliveries` returns it. */
export interface DeliveryWithAttempts extends Delivery {
  /** Its attempts, oldest first. */
  readonly attemptLog: readonly StoredAttempt[]
}

export interface ClaimOptions {
  /** Stored with the lease and the attempts (diagnostics). */
  readonly workerId: string
  /** 1..1000. */
  readonly limit: number
  /** The lease length. Must exceed the attempt's timeout, or another worker may attempt it concurrently. */
  readonly leaseMs: number
  readonly now: Date
  /** Only deliveries to these destinations (the worker claims per destination to enforce `maxInFlight`). */
  readonly destinationIds?: readonly string[]
}

export interface RequeueOptions {
  /** The destinations to re-deliver to. Default: every destination the event has a delivery for. */
  readonly destinationIds?: readonly string[]
  /** `createdAt`/`nextAttemptAt` of the new deliveries. Default: the store's clock. */
  readonly now?: Date
}

/** Which deliveries a bulk replay takes. All fields are ANDed; absent = any. */
export interface ReplayFilter {
  readonly sourceId?: string
  /** The event's `receivedAt` >= from. */
  readonly from?: Date
  /** The event's `receivedAt` < to. */
  readonly to?: Date
  /** The status of the pair's latest delivery: `delivered` or `dead` (pending/in-flight pairs are never requeued). */
  readonly status?: DeliveryStatus
  readonly destinationId?: string
}

export interface RequeueMatchingOptions {
  /** Pairs requeued per call, 1..1000; default 500. */
  readonly limit?: number
  /** From the previous batch. The first call fixes the snapshot: deliveries created later are never matched. */
  readonly cursor?: string
  readonly now?: Date
}

export interface RequeueBatch {
  /** New deliveries created by this call. */
  readonly requeued: number
  /** Present while more pairs may match; pass it to the next call. */
  readonly nextCursor?: string
}

/** Backlog of one destination (only destinations that have deliveries are listed). */
export interface DestinationStats {
  readonly destinationId: string
  readonly pending: number
  readonly inFlight: number
  readonly delivered: number
  readonly dead: number
  /** The earliest `nextAttemptAt` among pending deliveries. */
  readonly oldestDueAt: Date | undefined
}

/** How many deliveries of a destination were delivered, counted up to a cap. */
export interface DeliveredCount {
  readonly destinationId: string
  readonly delivered: number
  /** True when the destination has more delivered deliveries than `delivered` (the cap). */
  readonly capped: boolean
}

/** The open backlog of one destination, without counting delivered history (cheap on a large store). */
export interface DestinationBacklog {
  readonly destinationId: string
  readonly pending: number
  readonly inFlight: number
  readonly dead: number
  /** The earliest `nextAttemptAt` among pending deliveries. */
  readonly oldestDueAt: Date | undefined
}

/** Persistent state of a destination (a 410 disables it across restarts). */
export interface DestinationState {
  readonly destinationId: string
  readonly disabled: boolean
  readonly disabledAt: Date | undefined
  readonly disabledReason: string | undefined
}

/*
 * ─── The contract, in parts ──────────────────────────────────────────────────────────────────────────────────
 * `Storage` joins seven small interfaces, so a consumer can say which part it needs (the delivery worker a
 * `DeliveryQueue`, the replay API a `Replay`) and a backend can be read part by part.
 */

/** Events and rejected requests, as received: the durable log the gateway acknowledges from. */
export interface EventLog {
  /**
   * Durably stores the event (resolves only after the commit is on disk) — or, for a duplicate
   * (sourceId, dedupeKey), returns the stored one. Implementations batch concurrent calls into one
   * transaction (group commit). `destinationIds`: one pending delivery each (due at `event.receivedAt`), in
   * the same commit; repeated ids count once. A duplicate event creates no deliveries. Every string is
   * accepted in the event's text fields (U+0000 included) and read back as given; a lone UTF-16 surrogate,
   * which no database can store, becomes U+FFFD, in the answer too.
   * @throws StorageUnavailableError when the commit fails
   * @throws TypeError for a malformed event or destination id (empty, or holding U+0000)
   */
  ingest(event: NewEvent, destinationIds?: readonly string[]): Promise<IngestResult>
  /**
   * Records a rejection; keeps at most `maxRejections` (oldest dropped, captured requests with them) so a flood
   * cannot fill the disk. U+0000 in `message`, `remoteAddress` and hint messages (free text for people) is stored
   * as U+FFFD.
   */
  recordRejection(rejection: NewRejection): Promise<void>
  /** @throws TypeError when `id` is not a string */
  getEvent(id: string): Promise<StoredEvent | undefined>
  /**
   * Newest first, keyset-paginated (never OFFSET): no event is skipped or repeated while new ones arrive.
   * @throws RangeError for a limit outside 1..500 or a cursor this store did not issue (the API answers 400)
   */
  listEvents(query: EventQuery): Promise<Page<StoredEvent>>
  /** Like `listEvents`. @throws RangeError as `listEvents` */
  listRejections(query: RejectionQuery): Promise<Page<StoredRejection>>
  /** One rejection with its captured request (if any). @throws TypeError when `id` is not a string */
  getRejection(id: string): Promise<RejectionDetail | undefined>
  /**
   * Delivery counts per status of each given event, in one query (a listing page's). Events without deliveries,
   * and unknown ids, are absent from the map. @throws RangeError for more than 500 ids
   */
  deliveryCounts(eventIds: readonly string[]): Promise<ReadonlyMap<string, DeliveryCounts>>
  /** The `receivedAt` of each source's newest event (sources without events are absent): one index probe per source. */
  latestEventTimes(sourceIds: readonly string[]): Promise<ReadonlyMap<string, Date>>
}

/** Deliveries leased by workers, attempted, and settled by the retry policy's decision. */
export interface DeliveryQueue {
  /**
   * Leases up to `limit` deliveries that are due: `pending` with `nextAttemptAt <= now`, or `in_flight` whose
   * lease expired (`leaseExpiresAt <= now`: its worker is presumed dead). Earliest due first. Never returns a
   * delivery to a disabled destination. Each claim gets a new `leaseToken`; no delivery is ever returned to
   * two concurrent callers (PG: `FOR UPDATE SKIP LOCKED`; SQLite: one writer).
   * @throws RangeError for a limit outside 1..1000 or a leaseMs that is not a positive integer
   *
   * Durability: `claimDue`, `recordAttempt` and `reapExpiredLeases` must be atomic and survive a process crash,
   * but may be lost to an OS crash or power failure (e.g. SQLite `synchronous=NORMAL`, PG `synchronous_commit =
   * off`): losing one only makes a delivery be sent again, never lost. `ingest`, `requeue*` and
   * `setDestinationDisabled` are fully durable when they resolve.
   */
  claimDue(options: ClaimOptions): Promise<ClaimedDelivery[]>
  /**
   * Records one attempt and the policy's decision, atomically, if `leaseToken` is still the delivery's lease
   * (it is released by the first `recordAttempt`, a reap or a re-claim). On `lease_lost` nothing is stored.
   * `retry` → pending due at `next.at`; `done` → delivered; `dead` → dead with `next.reason`.
   * @throws TypeError for a lease token that is not a string, a status code outside 100..999 or another
   *   malformed attempt or decision
   */
  recordAttempt(
    leaseToken: string,
    attempt: AttemptRecord,
    next: NextStep,
  ): Promise<'recorded' | 'lease_lost'>
  /** Returns every `in_flight` delivery whose lease expired at `now` to `pending`, due at once. @returns how many */
  reapExpiredLeases(now: Date): Promise<number>
  /** The event's deliveries (oldest first), each with its attempts (oldest first). Empty for an unknown event. */
  listDeliveries(eventId: string): Promise<readonly DeliveryWithAttempts[]>
  /** Oldest first; empty for an unknown delivery. */
  listAttempts(deliveryId: string): Promise<readonly StoredAttempt[]>
  /**
   * Optional: calls `listener` when deliveries may have become due through ANOTHER process or instance (an
   * ingest, a reaped lease, a re-enabled destination), so idle workers need not wait for their next poll.
   * PostgreSQL: LISTEN/NOTIFY. A hint only (it may fire spuriously or be missed while reconnecting): workers
   * keep polling. Backends without it (SQLite: one process) leave it out. @returns the unsubscribe function
   */
  onWake?(listener: () => void): () => void
}

/** Re-delivery: new pending deliveries for settled pairs, never a rewrite of history. */
export interface Replay {
  /**
   * Replay: a new pending delivery, due at `now`, for each requested destination of the event — except where the
   * pair's latest delivery is still pending or in flight (it will be delivered anyway). @returns deliveries created
   * (0 for an unknown event)
   */
  requeue(eventId: string, options?: RequeueOptions): Promise<number>
  /**
   * Bulk replay in batches: for each (event, destination) pair whose LATEST delivery is delivered or dead and
   * matches `filter`, a new pending delivery due at `now`. Walk `nextCursor` until absent.
   * @throws RangeError for a limit outside 1..1000, a `filter.status` that is no delivery status or a cursor this
   *   store did not issue
   */
  requeueMatching(filter: ReplayFilter, options?: RequeueMatchingOptions): Promise<RequeueBatch>
  /** How many pairs `requeueMatching(filter)` would requeue now (progress bars). @throws RangeError as it */
  countMatching(filter: ReplayFilter): Promise<number>
}

/** Per-destination backlog and the persistent enabled/disabled state. */
export interface DestinationStates {
  /** Delivery counts per destination and status (backlog), for `/metrics` and `GET /api/destinations`. */
  destinationStats(): Promise<readonly DestinationStats[]>
  /**
   * Delivered deliveries of each destination, counted up to `cap` (a bounded index scan whatever the history; the
   * listing of `GET /api/destinations` on a large store): `capped` means there are more than `delivered`.
   * @throws TypeError for ids that are not strings (at most 1,000) or a cap outside 1..1,000,000
   */
  countDelivered(
    destinationIds: readonly string[],
    options: { readonly cap: number },
  ): Promise<readonly DeliveredCount[]>
  /**
   * Disables (410 Gone) or re-enables a destination; `claimDue` skips disabled ones, whose pending deliveries
   * wait (and new ones still queue up) until it is re-enabled. Re-enabling clears `disabledAt`/`disabledReason`.
   */
  setDestinationDisabled(
    destinationId: string,
    disabled: boolean,
    options?: { readonly reason?: string; readonly now?: Date },
  ): Promise<void>
  /** Destinations ever disabled or re-enabled (others are enabled). */
  listDestinationStates(): Promise<readonly DestinationState[]>
  /**
   * Pending, in-flight and dead deliveries per destination (destinations with none are absent). Unlike
   * `destinationStats`, never counts delivered history, so it stays fast on a store of millions of deliveries.
   */
  destinationBacklog(): Promise<readonly DestinationBacklog[]>
}

/*
 * ─── Traffic ─────────────────────────────────────────────────────────────────────────────────────────────────
 * Pre-aggregated counts for the dashboard's overview (issue 13): per minute, how many webhooks each source
 * accepted, saw as duplicates or rejected (per reason), and how many attempts each destination made per outcome.
 * Counted in memory by the gateway and added in one call every few seconds, so charts over a week read a few
 * thousand rows instead of counting millions of events.
 */

export const TRAFFIC_KINDS = ['source', 'destination'] as const
export type TrafficKind = (typeof TRAFFIC_KINDS)[number]

/** One count. */
export interface TrafficRow {
  readonly kind: TrafficKind
  /** The source or destination id. */
  readonly subjectId: string
  /** `addTraffic`: the start of its minute (a whole minute since the epoch). `traffic`: the start of its bucket. */
  readonly bucketStart: Date
  /** Sources: `accepted`, `duplicate`, `rejected:<reason>`. Destinations: `delivered`, `retry`, `dead`. */
  readonly outcome: string
  /** A positive integer. */
  readonly count: number
}

export interface TrafficQuery {
  /** Minutes starting at or after this. */
  readonly since: Date
  /** Minutes starting before this. */
  readonly until: Date
  /** Width of the buckets summed into, a positive multiple of 60; buckets are aligned on the epoch. */
  readonly bucketSeconds: number
}

/** The traffic counts of the overview. */
export interface Traffic {
  /**
   * Adds the counts (an upsert that adds: calls from several instances, or for the same minute, sum up), in
   * one commit. Not fully durable: bookkeeping (a crash may lose the last flush), like lease records.
   * @throws TypeError for a malformed row (bucketStart not a whole minute, count not a positive integer, …)
   */
  addTraffic(rows: readonly TrafficRow[]): Promise<void>
  /**
   * The counts of `[since, until)`, summed per (kind, subject, bucket, outcome); only non-zero ones, in no
   * particular order. @throws RangeError for a bucketSeconds that is not a positive multiple of 60
   */
  traffic(query: TrafficQuery): Promise<readonly TrafficRow[]>
  /** Deletes the counts of minutes before `olderThan` (retention). @returns rows deleted */
  pruneTraffic(olderThan: Date): Promise<number>
}

/** What one `prune` call may delete (see {@link Retention}). */
export interface PruneOptions {
  /** Events received before this go (with their deliveries and attempts). Absent: none by age ("forever"). */
  readonly olderThan?: Date
  /** Keep at most this many events, oldest go first. Absent or 0: no cap. */
  readonly maxEvents?: number
  /** Rejections received before this go. Absent: none by age. */
  readonly rejectionsOlderThan?: Date
  /** Rows of each kind deleted at most by this call (one short transaction), 1..10000. */
  readonly batchSize: number
}

export interface PruneResult {
  /** Events deleted (their deliveries and attempts went with them). */
  readonly events: number
  readonly rejections: number
  /** True when a batch was full: call again (after yielding) until false. */
  readonly more: boolean
}

/** Retention: deleting old records in small batches, so the store stays bounded without stalling ingest. */
export interface Retention {
  /**
   * Deletes one batch of expired records: events older than `olderThan` or beyond the newest `maxEvents`, with
   * their deliveries and attempts, oldest first — NEVER an event with a delivery still pending or in flight — and
   * rejections older than `rejectionsOlderThan`. Call again while `more`. SQLite then gives freed pages back
   * (`incremental_vacuum` when the file has `auto_vacuum=incremental`) and checkpoints the WAL (PASSIVE) at the
   * end of a run of batches (a call that is not `more`) and every few calls within it.
   * @throws RangeError for a batchSize outside 1..10000 or a negative maxEvents
   * @throws TypeError for a date that is not a valid Date
   */
  prune(options: PruneOptions): Promise<PruneResult>
}

/** Schema, health and shutdown of a store. */
export interface StorageLifecycle {
  readonly dialect: 'sqlite' | 'postgres'
  /** Creates or upgrades the schema. Idempotent. */
  migrate(): Promise<{ readonly applied: readonly string[] }>
  /** Resolves when the store can commit a write now (`/readyz`). @throws StorageUnavailableError */
  checkWritable(): Promise<void>
  /** Commit-batch statistics for `/metrics`. */
  readonly stats: { readonly commits: number; readonly committedEvents: number }
  /** Flushes pending batches, then closes. Every later call rejects with `StorageUnavailableError`. */
  close(): Promise<void>
}

/**
 * THE storage contract: every part, implemented by each backend and checked by `test/storage/suite.ts`.
 * Every method refuses bad input the same way in every backend (`TypeError` for a wrong type, `RangeError`
 * for a value out of range), before anything is written.
 */
export interface Storage
  extends
    EventLog,
    DeliveryQueue,
    Replay,
    DestinationStates,
    Retention,
    Traffic,
    StorageLifecycle,
    Transfer {}

/*
 * ─── Transfer and store size (issue 14: export/import, migrate-store, /metrics) ────────────────────────────────
 * Kept apart from the parts above: moving whole histories between stores, and what the store weighs.
 */

/** An event with its deliveries (each with its attempts): the unit of `hookgate export`/`import` and `migrate-store`. */
export interface PortableEvent {
  readonly event: StoredEvent
  /** Oldest first, each with its attempts (oldest first), as `listDeliveries` returns them. */
  readonly deliveries: readonly DeliveryWithAttempts[]
}

/** Which events `exportEvents` walks. All fields are ANDed; absent = any. */
export interface ExportQuery {
  readonly sourceId?: string
  /** The event's `receivedAt` >= since. */
  readonly since?: Date
  /** The event's `receivedAt` < until. */
  readonly until?: Date
  /** Events per page, 1..500; default 100. */
  readonly limit?: number
  /** From the previous page (oldest first). */
  readonly cursor?: string
}

/** What an import did: records written, and records already there (same id, or same (source, dedupe key)). */
export interface ImportResult {
  readonly imported: number
  readonly skipped: number
}

/** Rows kept per kind, as `storeStats` reports them. */
export interface StoreRowCounts {
  readonly events: number
  readonly rejections: number
  readonly deliveries: { readonly [Status in DeliveryStatus]: number }
}

/** What a store weighs, for `/metrics` (`hookgate_store_*`). */
export interface StoreStats {
  /**
   * Bytes on disk. SQLite: `page_count * page_size` plus the WAL file. PostgreSQL: `pg_total_relation_size` of the
   * schema's tables (indexes and TOAST included).
   */
  readonly bytes: number
  readonly rows: StoreRowCounts
  /** True when `rows` are estimates (PostgreSQL's statistics on large tables), not exact counts. */
  readonly approximate: boolean
  /** The oldest event's `receivedAt`; undefined when there is none. */
  readonly oldestEventAt: Date | undefined
  /** The oldest rejection's `receivedAt`; undefined when there is none. */
  readonly oldestRejectionAt: Date | undefined
}

/**
 * Whole histories in and out, ids and delivery states preserved: `hookgate export`/`import` and `migrate-store`.
 * Export pages are oldest first (keyset on insertion order, never OFFSET), so walking them holds one page in memory.
 */
export interface Transfer {
  /**
   * One page of events, oldest first, each with its deliveries and attempts. Walk `nextCursor` until absent.
   * @throws RangeError for a limit outside 1..500 or a cursor this store did not issue
   * @throws TypeError for a date that is not a valid Date or a sourceId that is not a string
   */
  exportEvents(query: ExportQuery): Promise<Page<PortableEvent>>
  /**
   * Stores each event with its deliveries and attempts under their own ids, in one transaction, unless an event
   * with the same id or the same (sourceId, dedupeKey) is already stored (then it is skipped, deliveries and all):
   * importing twice imports nothing twice. Delivery states are kept, except that an `in_flight` delivery comes in
   * `pending` (its lease belonged to the exporting store's worker), due when it was due.
   * @returns events imported and skipped
   * @throws TypeError for a malformed record (nothing of the batch is written)
   */
  importEvents(batch: readonly PortableEvent[]): Promise<ImportResult>
  /** One page of rejections with their captured requests, oldest first. @throws RangeError as `exportEvents` */
  exportRejections(query: {
    readonly limit?: number
    readonly cursor?: string
  }): Promise<Page<RejectionDetail>>
  /**
   * Stores rejections under their own ids, skipping ids already stored (the rejection cap is not applied).
   * @throws TypeError for a malformed record (nothing of the batch is written)
   */
  importRejections(batch: readonly RejectionDetail[]): Promise<ImportResult>
  /** Size, rows per kind and the oldest records. Not free: callers cache it (`/metrics` does). */
  storeStats(): Promise<StoreStats>
}
