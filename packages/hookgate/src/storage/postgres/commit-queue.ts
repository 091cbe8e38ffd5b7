/**
 * @module storage/postgres/commit-queue
 * The group commit of the PostgreSQL backend. Internal.
 *
 * Concurrent `ingest()` calls are queued and written by ONE multi-row statement (`queries/insert-events.ts`),
 * run as its own transaction: one round trip and one WAL flush per batch. Up to `maxConcurrentBatches` batches
 * are in flight at once (PostgreSQL flushes the WAL of concurrent commits together); see `batcher.ts`.
 * Rejections are batched the same way, one batch at a time.
 *
 * Failure: any error of a batch (server down, connection reset, timeout, read-only after a failover) rejects
 * every caller of that batch with `StorageUnavailableError` — the gateway answers 503 + Retry-After, never 2xx —
 * and the next batch simply tries again on a fresh connection. A commit whose answer was lost may have
 * happened: the provider's retry is then answered as a duplicate, never stored twice.
 */
import { Buffer } from 'node:buffer'
import { performance } from 'node:perf_hooks'
import type { CheckedIngest, CheckedRejection } from '../domain/inputs.ts'
import { storedEventOf, toStoredEvent } from '../domain/rows.ts'
import type { StoreIds } from '../ids.ts'
import { StorageUnavailableError, type IngestResult, type StoredEvent } from '../types.ts'
import { Batcher } from './batcher.ts'
import { toStorageError, type PostgresClient } from './client.ts'
import { INSERT_EVENTS } from './queries/insert-events.ts'
import { INSERT_REJECTIONS } from './queries/rejections.ts'
import { SELECT_EVENTS_BY_DEDUPE_KEYS } from './queries/select-events-by-dedupe-keys.ts'
import {
  bufferOf,
  decodeEventRow,
  eventInput,
  rejectionInput,
  storedDedupeKey,
  toPgText,
  type PgEventRow,
} from './rows.ts'

export interface PostgresCommitQueueOptions {
  readonly maxBatchSize: number
  readonly maxBatchBytes: number
  readonly maxConcurrentBatches: number
  readonly maxRejections: number
  readonly onCommit: ((batchSize: number, durationMs: number) => void) | undefined
}

/** What an operation adds to a batch besides its body (ids, headers, keys): a rough figure for `maxBatchBytes`. */
const ROW_OVERHEAD_BYTES = 512

interface IngestOperation {
  readonly checked: CheckedIngest
  readonly resolve: (result: IngestResult) => void
  readonly reject: (error: unknown) => void
}

interface RejectionOperation {
  readonly checked: CheckedRejection
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

export class PostgresCommitQueue {
  /**
   * `commits`: statements that committed writes of the group-commit queues or a `checkWritable()` probe.
   * `committedEvents`: `ingest()` calls answered by a commit, duplicates included. Failed batches count in neither.
   */
  readonly stats = { commits: 0, committedEvents: 0 }

  readonly #db: PostgresClient
  readonly #ids: StoreIds
  readonly #options: PostgresCommitQueueOptions
  readonly #events: Batcher<IngestOperation>
  readonly #rejections: Batcher<RejectionOperation>

  constructor(db: PostgresClient, ids: StoreIds, options: PostgresCommitQueueOptions) {
    this.#db = db
    this.#ids = ids
    this.#options = options
    const fail = (op: IngestOperation | RejectionOperation, error: unknown): void =>
      op.reject(toStorageError(error, 'PostgreSQL commit failed'))
    this.#events = new Batcher<IngestOperation>({
      maxBatchSize: options.maxBatchSize,
      maxBatchBytes: options.maxBatchBytes,
      maxConcurrent: options.maxConcurrentBatches,
      sizeOf: (op) =>
        op.checked.event.body.byteLength + op.checked.headersJson.length + ROW_OVERHEAD_BYTES,
      run: (batch) => this.#writeEvents(batch),
      fail,
    })
    this.#rejections = new Batcher<RejectionOperation>({
      maxBatchSize: options.maxBatchSize,
      maxBatchBytes: options.maxBatchBytes,
      maxConcurrent: 1,
      sizeOf: (op) => op.checked.headersJson.length + ROW_OVERHEAD_BYTES,
      run: (batch) => this.#writeRejections(batch),
      fail,
    })
  }

  /** Resolves once the event's batch committed (or it was found stored). */
  ingest(checked: CheckedIngest): Promise<IngestResult> {
    return new Promise<IngestResult>((resolve, reject) =>
      this.#events.push({ checked, resolve, reject }),
    )
  }

  recordRejection(checked: CheckedRejection): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.#rejections.push({ checked, resolve, reject }),
    )
  }

  /** Commits (or fails) everything queued; resolves when nothing is queued or in flight. */
  async drain(): Promise<void> {
    await Promise.all([this.#events.drain(), this.#rejections.drain()])
  }

  /** Counts a commit made outside the queues (the `checkWritable()` probe). */
  countCommit(): void {
    this.stats.commits++
  }

  async #writeEvents(batch: IngestOperation[]): Promise<void> {
    const started = performance.now()
    // Duplicates within the batch: the first of each (source, dedupe key) is written, the others answer with it.
    const leaders = new Map<string, number>()
    const leaderOf: number[] = new Array(batch.length)
    const ids: string[] = new Array(batch.length)
    const rows: Record<string, unknown>[] = []
    const deliveries: { ord: number; id: string; event_id: string; destination_id: string }[] = []
    const bodies: Buffer[] = []
    let bodyAt = 0
    for (let i = 0; i < batch.length; i++) {
      const { checked } = batch[i]!
      const key = keyOf(checked)
      const leader = leaders.get(key)
      if (leader !== undefined) {
        leaderOf[i] = leader
        continue
      }
      leaders.set(key, i)
      leaderOf[i] = i
      const id = this.#ids.event()
      ids[i] = id
      rows.push(eventInput(rows.length, id, checked, bodyAt))
      const body = bufferOf(checked.event.body)
      bodies.push(body)
      bodyAt += body.byteLength
      for (const destinationId of checked.destinationIds) {
        deliveries.push({
          ord: deliveries.length,
          id: this.#ids.delivery(),
          event_id: id,
          destination_id: destinationId,
        })
      }
    }

    const { rows: insertedRows } = await this.#db.query<{ id: string }>(
      'insert-events',
      INSERT_EVENTS,
      [
        JSON.stringify(rows),
        bodies.length === 1 ? bodies[0]! : Buffer.concat(bodies, bodyAt),
        JSON.stringify(deliveries),
        this.#db.channel,
      ],
    )
    // Committed: from here on, nothing may turn an inserted event into a failure.
    const durationMs = performance.now() - started
    this.stats.commits++
    this.stats.committedEvents += batch.length
    const inserted = new Set(insertedRows.map((row) => row.id))

    const results: (IngestResult | undefined)[] = new Array(batch.length)
    const missing: number[] = []
    for (const i of leaders.values()) {
      if (inserted.has(ids[i]!))
        results[i] = { event: storedEventOf(ids[i]!, batch[i]!.checked), duplicate: false }
      else missing.push(i)
    }
    let failure: StorageUnavailableError | undefined
    if (missing.length > 0) {
      // Stored earlier, or by another instance while this batch waited on the unique key: read them with a new
      // snapshot. If that read fails, the inserted events stay answered (they are committed); the duplicates
      // get a 503 and their retry will find them.
      try {
        const found = await this.#selectByDedupeKeys(missing.map((i) => batch[i]!.checked))
        for (const i of missing) {
          const stored = found.get(keyOf(batch[i]!.checked))
          if (stored !== undefined) results[i] = { event: stored, duplicate: true }
        }
      } catch (error) {
        failure = toStorageError(error, 'PostgreSQL read of a duplicate failed')
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const leader = results[leaderOf[i]!]
      if (leader === undefined) {
        failure ??= new StorageUnavailableError(
          'The event was neither inserted nor found stored; retry',
        )
        batch[i]!.reject(failure)
      } else
        batch[i]!.resolve(i === leaderOf[i] ? leader : { event: leader.event, duplicate: true })
    }
    this.#reportCommit(batch.length, durationMs)
  }

  async #selectByDedupeKeys(events: readonly CheckedIngest[]): Promise<Map<string, StoredEvent>> {
    const { rows } = await this.#db.query<PgEventRow>(
      'select-events-by-dedupe-keys',
      SELECT_EVENTS_BY_DEDUPE_KEYS,
      [
        events.map((e) => toPgText(e.event.sourceId)),
        events.map((e) => toPgText(e.event.dedupeKey)),
      ],
    )
    return new Map(
      rows.map((row) => [
        storedDedupeKey(row.source_id, row.dedupe_key),
        toStoredEvent(decodeEventRow(row)),
      ]),
    )
  }

  async #writeRejections(batch: RejectionOperation[]): Promise<void> {
    const started = performance.now()
    const { maxRejections } = this.#options
    // Only the newest `maxRejections` can survive the cap: the older ones of the batch are not even written.
    const kept = maxRejections === 0 ? [] : batch.slice(-maxRejections)
    const rows = kept.map((op, ord) => rejectionInput(ord, this.#ids.rejection(), op.checked))
    await this.#db.query('insert-rejections', INSERT_REJECTIONS, [
      JSON.stringify(rows),
      maxRejections - kept.length,
    ])
    const durationMs = performance.now() - started
    this.stats.commits++
    for (const op of batch) op.resolve()
    this.#reportCommit(batch.length, durationMs)
  }

  #reportCommit(batchSize: number, durationMs: number): void {
    try {
      this.#options.onCommit?.(batchSize, durationMs)
    } catch {
      // A metrics callback must not turn a committed batch into failures.
    }
  }
}

/** An event's (source, dedupe key) in the stored (encoded) form, as SELECT_EVENTS_BY_DEDUPE_KEYS returns it. */
function keyOf({ event }: CheckedIngest): string {
  return storedDedupeKey(toPgText(event.sourceId), toPgText(event.dedupeKey))
}
