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

/** A refused request, kept for debugging. Never holds a secret, a signature or the body itself. */
export interface NewRejection {
  readonly sourceId: string
  readonly receivedAt: Date
  readonly status: number
  readonly reason: string
  readonly message: string
  readonly remoteAddress: string | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly bodySize: number
  readonly bodySha256: string
}

export interface StoredRejection extends NewRejection {
  readonly id: string
}

export interface ListQuery {
  readonly sourceId?: string
  /** 1..500; default 50. */
  readonly limit?: number
  /** Opaque keyset cursor from the previous page (newest first). */
  readonly cursor?: string
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

export interface Storage {
  readonly dialect: 'sqlite' | 'postgres'
  /** Creates or upgrades the schema. Idempotent. */
  migrate(): Promise<{ readonly applied: readonly string[] }>
  /**
   * Durably stores the event (resolves only after the commit is on disk) — or, for a duplicate
   * (sourceId, dedupeKey), returns the stored one. Implementations batch concurrent calls into one
   * transaction (group commit). `destinationIds`: one pending delivery each, in the same commit (delivery issue).
   * @throws StorageUnavailableError when the commit fails
   */
  ingest(event: NewEvent, destinationIds?: readonly string[]): Promise<IngestResult>
  /** Records a rejection; keeps at most `maxRejections` (oldest dropped) so a flood cannot fill the disk. */
  recordRejection(rejection: NewRejection): Promise<void>
  getEvent(id: string): Promise<StoredEvent | undefined>
  /**
   * Newest first, keyset-paginated (never OFFSET): no event is skipped or repeated while new ones arrive.
   * @throws RangeError for a limit outside 1..500 or a cursor this store did not issue (the API answers 400)
   */
  listEvents(query: ListQuery): Promise<Page<StoredEvent>>
  /** Like `listEvents`. @throws RangeError as `listEvents` */
  listRejections(query: ListQuery): Promise<Page<StoredRejection>>
  /** Resolves when the store can commit a write now (`/readyz`). @throws StorageUnavailableError */
  checkWritable(): Promise<void>
  /** Commit-batch statistics for `/metrics`. */
  readonly stats: { readonly commits: number; readonly committedEvents: number }
  /** Flushes pending batches, then closes. */
  close(): Promise<void>
}
