/**
 * @module storage/domain/transfer
 * Export and import (issue 14), once for all backends: the checks of an export query and of imported records,
 * the normalised rows both backends write, and the assembly of an export page from its three reads.
 */
import {
  DELIVERY_STATUSES,
  MAX_RESPONSE_BODY_BYTES,
  type DeliveryStatus,
  type DeliveryWithAttempts,
  type ExportQuery,
  type Page,
  type PortableEvent,
  type RejectionDetail,
  type StoredAttempt,
  type StoredEvent,
} from '../types.ts'
import { decodeCursor, encodeCursor, MAX_LIMIT } from './cursors.ts'
import { checkIngest, checkRejection, type CheckedIngest, type CheckedRejection } from './inputs.ts'
import { attemptsByDelivery, toDelivery, type AttemptRow, type DeliveryRow } from './rows.ts'
import {
  checkLimit,
  optionalString,
  requireName,
  requireString,
  requireText,
  timeOf,
} from './validate.ts'

/** Events per export page when the query names no `limit`. */
export const DEFAULT_EXPORT_LIMIT = 100

export interface CheckedExportQuery {
  readonly limit: number
  readonly sourceId: string | undefined
  readonly sinceMs: number | undefined
  readonly untilMs: number | undefined
  /** Rows with a larger `seq` (0 on the first page). */
  readonly afterSeq: bigint
}

export function checkExportQuery(query: ExportQuery): CheckedExportQuery {
  if (typeof query !== 'object' || query === null) throw new TypeError('query must be an object')
  const limit = query.limit ?? DEFAULT_EXPORT_LIMIT
  checkLimit(limit, MAX_LIMIT)
  optionalString(query.sourceId, 'sourceId')
  return {
    limit,
    sourceId: query.sourceId,
    sinceMs: query.since === undefined ? undefined : timeOf(query.since, 'since'),
    untilMs: query.until === undefined ? undefined : timeOf(query.until, 'until'),
    afterSeq: query.cursor === undefined ? 0n : decodeCursor(query.cursor),
  }
}

/** A rejection page query: `{ limit, afterSeq }`. */
export function checkRejectionExportQuery(query: {
  readonly limit?: number
  readonly cursor?: string
}): { readonly limit: number; readonly afterSeq: bigint } {
  if (typeof query !== 'object' || query === null) throw new TypeError('query must be an object')
  const limit = query.limit ?? DEFAULT_EXPORT_LIMIT
  checkLimit(limit, MAX_LIMIT)
  return { limit, afterSeq: query.cursor === undefined ? 0n : decodeCursor(query.cursor) }
}

/** A delivery as an import writes it (times in ms; `in_flight` already turned into `pending`). */
export interface ImportedDelivery {
  readonly id: string
  readonly eventId: string
  readonly destinationId: string
  readonly status: Exclude<DeliveryStatus, 'in_flight'>
  readonly attempts: number
  readonly createdAtMs: number
  /** Pending: when it is due (also the queue key `due_at`). Final: null. */
  readonly dueAtMs: number | null
  readonly lastAttemptAtMs: number | null
  readonly completedAtMs: number | null
  readonly deadReason: string | null
  readonly replayOf: string | null
}

export interface ImportedAttempt {
  readonly id: string
  readonly deliveryId: string
  readonly attemptNumber: number
  readonly workerId: string
  readonly startedAtMs: number
  readonly durationMs: number
  readonly statusCode: number | null
  readonly error: string | null
  readonly responseBody: Uint8Array | null
  readonly nextKind: 'done' | 'retry' | 'dead'
  readonly nextAtMs: number | null
  readonly nextReason: string | null
}

export interface CheckedPortableEvent {
  readonly id: string
  readonly ingest: CheckedIngest
  readonly deliveries: readonly ImportedDelivery[]
  readonly attempts: readonly ImportedAttempt[]
}

/**
 * Checks a whole import batch before anything is written.
 * @throws TypeError naming the record (`batch[3].deliveries[0].status …`) for anything malformed
 */
export function checkPortableEvents(batch: readonly PortableEvent[]): CheckedPortableEvent[] {
  if (!Array.isArray(batch)) throw new TypeError('batch must be an array')
  return batch.map((record, i) => {
    try {
      return checkPortableEvent(record)
    } catch (error) {
      if (error instanceof TypeError) throw new TypeError(`batch[${i}]: ${error.message}`)
      throw error
    }
  })
}

function checkPortableEvent(record: PortableEvent): CheckedPortableEvent {
  if (typeof record !== 'object' || record === null || typeof record.event !== 'object')
    throw new TypeError('must be { event, deliveries }')
  const { event } = record
  requireName(event.id, 'event.id')
  const ingest = checkIngest(event, [])
  if (!Array.isArray(record.deliveries)) throw new TypeError('deliveries must be an array')
  const deliveries: ImportedDelivery[] = []
  const attempts: ImportedAttempt[] = []
  const deliveryIds = new Set<string>()
  for (const [d, delivery] of record.deliveries.entries()) {
    const name = `deliveries[${d}]`
    if (typeof delivery !== 'object' || delivery === null)
      throw new TypeError(`${name} must be an object`)
    requireName(delivery.id, `${name}.id`)
    if (deliveryIds.has(delivery.id)) throw new TypeError(`${name}.id is repeated`)
    deliveryIds.add(delivery.id)
    if (delivery.eventId !== event.id) throw new TypeError(`${name}.eventId must be event.id`)
    requireName(delivery.destinationId, `${name}.destinationId`)
    if (!(DELIVERY_STATUSES as readonly unknown[]).includes(delivery.status))
      throw new TypeError(`${name}.status must be one of ${DELIVERY_STATUSES.join(', ')}`)
    const log = delivery.attemptLog
    if (!Array.isArray(log)) throw new TypeError(`${name}.attemptLog must be an array`)
    if (!Number.isSafeInteger(delivery.attempts) || delivery.attempts < log.length)
      throw new TypeError(`${name}.attempts must be an integer >= attemptLog.length`)
    const open = delivery.status === 'pending' || delivery.status === 'in_flight'
    const createdAtMs = timeOf(delivery.createdAt, `${name}.createdAt`)
    optionalString(delivery.deadReason, `${name}.deadReason`)
    if (delivery.deadReason !== undefined) requireText(delivery.deadReason, `${name}.deadReason`)
    optionalString(delivery.replayOf, `${name}.replayOf`)
    deliveries.push({
      id: delivery.id,
      eventId: event.id,
      destinationId: delivery.destinationId,
      status: delivery.status === 'in_flight' ? 'pending' : delivery.status,
      attempts: delivery.attempts,
      createdAtMs,
      dueAtMs: open
        ? (optionalTime(delivery.nextAttemptAt, `${name}.nextAttemptAt`) ?? createdAtMs)
        : null,
      lastAttemptAtMs: optionalTime(delivery.lastAttemptAt, `${name}.lastAttemptAt`),
      completedAtMs: optionalTime(delivery.completedAt, `${name}.completedAt`),
      deadReason: delivery.deadReason ?? null,
      replayOf: delivery.replayOf ?? null,
    })
    for (const [a, attempt] of log.entries())
      attempts.push(checkAttempt(attempt, delivery.id, `${name}.attemptLog[${a}]`))
  }
  return { id: event.id, ingest, deliveries, attempts }
}

function checkAttempt(attempt: StoredAttempt, deliveryId: string, name: string): ImportedAttempt {
  if (typeof attempt !== 'object' || attempt === null)
    throw new TypeError(`${name} must be an object`)
  requireName(attempt.id, `${name}.id`)
  if (attempt.deliveryId !== deliveryId)
    throw new TypeError(`${name}.deliveryId must be its delivery's id`)
  if (!Number.isSafeInteger(attempt.attemptNumber) || attempt.attemptNumber < 1)
    throw new TypeError(`${name}.attemptNumber must be a positive integer`)
  requireText(attempt.workerId, `${name}.workerId`)
  if (typeof attempt.durationMs !== 'number' || !Number.isFinite(attempt.durationMs))
    throw new TypeError(`${name}.durationMs must be a finite number`)
  const status = attempt.statusCode
  if (status !== undefined && (!Number.isInteger(status) || status < 100 || status > 999))
    throw new TypeError(`${name}.statusCode must be an integer from 100 to 999`)
  optionalString(attempt.error, `${name}.error`)
  if (attempt.error !== undefined) requireText(attempt.error, `${name}.error`)
  const body = attempt.responseBody
  if (body !== undefined && !(body instanceof Uint8Array))
    throw new TypeError(`${name}.responseBody must be a Uint8Array`)
  const next = attempt.next
  if (typeof next !== 'object' || next === null)
    throw new TypeError(`${name}.next must be an object`)
  let nextAtMs: number | null = null
  let nextReason: string | null = null
  if (next.kind === 'retry') nextAtMs = timeOf(next.at, `${name}.next.at`)
  else if (next.kind === 'dead') {
    requireString(next.reason, `${name}.next.reason`)
    nextReason = next.reason
  } else if (next.kind !== 'done')
    throw new TypeError(`${name}.next.kind must be done, retry or dead`)
  return {
    id: attempt.id,
    deliveryId,
    attemptNumber: attempt.attemptNumber,
    workerId: attempt.workerId,
    startedAtMs: timeOf(attempt.startedAt, `${name}.startedAt`),
    durationMs: attempt.durationMs,
    statusCode: status ?? null,
    error: attempt.error ?? null,
    responseBody: body === undefined ? null : body.subarray(0, MAX_RESPONSE_BODY_BYTES),
    nextKind: next.kind,
    nextAtMs,
    nextReason,
  }
}

export interface CheckedImportedRejection {
  readonly id: string
  readonly checked: CheckedRejection
}

/** @throws TypeError naming the record for anything malformed */
export function checkImportedRejections(
  batch: readonly RejectionDetail[],
): CheckedImportedRejection[] {
  if (!Array.isArray(batch)) throw new TypeError('batch must be an array')
  return batch.map((rejection, i) => {
    try {
      if (typeof rejection !== 'object' || rejection === null)
        throw new TypeError('must be an object')
      requireName(rejection.id, 'id')
      return { id: rejection.id, checked: checkRejection(rejection) }
    } catch (error) {
      if (error instanceof TypeError) throw new TypeError(`batch[${i}]: ${error.message}`)
      throw error
    }
  })
}

function optionalTime(date: Date | undefined, name: string): number | null {
  return date === undefined ? null : timeOf(date, name)
}

/**
 * An export page from its three reads: `limit + 1` events (oldest first; the extra one only says that another
 * page exists), the deliveries of the first `limit` of them and their attempts.
 */
export function exportPage(
  rows: readonly { readonly seq: string | number; readonly event: StoredEvent }[],
  limit: number,
  deliveryRows: readonly DeliveryRow[],
  attemptRows: readonly AttemptRow[],
): Page<PortableEvent> {
  const kept = rows.slice(0, limit)
  const attempts = attemptsByDelivery(attemptRows)
  const byEvent = new Map<string, DeliveryWithAttempts[]>()
  for (const row of deliveryRows) {
    const delivery: DeliveryWithAttempts = {
      ...toDelivery(row),
      attemptLog: attempts.get(row.id) ?? [],
    }
    const list = byEvent.get(row.event_id)
    if (list === undefined) byEvent.set(row.event_id, [delivery])
    else list.push(delivery)
  }
  const items = kept.map(({ event }) => ({ event, deliveries: byEvent.get(event.id) ?? [] }))
  const last = kept.at(-1)
  return rows.length > limit && last !== undefined
    ? { items, nextCursor: encodeCursor(last.seq) }
    : { items }
}

/** A rejection page: `limit + 1` rows, oldest first. */
export function rejectionPage<Row extends { readonly seq: string | number }>(
  rows: readonly Row[],
  limit: number,
  map: (row: Row) => RejectionDetail,
): Page<RejectionDetail> {
  const items = rows.slice(0, limit).map(map)
  const last = rows[limit - 1]
  return rows.length > limit && last !== undefined
    ? { items, nextCursor: encodeCursor(last.seq) }
    : { items }
}
