/**
 * @module storage/domain/dashboard-inputs
 * Checks of the storage methods the dashboard reads with (issue 13): filtered listings, delivery counts of a page,
 * the traffic counts. Shared by both backends, like `inputs.ts`: the same bad input is refused the same way.
 */
import {
  DELIVERY_STATUSES,
  TRAFFIC_KINDS,
  type DeliveryCounts,
  type DeliveryStatus,
  type DestinationBacklog,
  type DestinationStats,
  type EventQuery,
  type RejectionQuery,
  type TrafficKind,
  type TrafficQuery,
  type TrafficRow,
} from '../types.ts'
import { MAX_LIMIT } from './cursors.ts'
import { checkListQuery, type CheckedListQuery } from './inputs.ts'
import { optionalString, requireName, requireString, timeOf } from './validate.ts'

const MINUTE_MS = 60_000

/** A filtered event listing; null = any. */
export interface CheckedEventQuery extends CheckedListQuery {
  readonly eventType: string | null
  readonly status: DeliveryStatus | null
  readonly fromMs: number | null
  readonly toMs: number | null
  readonly search: string | null
}

/** @throws RangeError as `checkListQuery`, or for a status that is no delivery status */
export function checkEventQuery(query: EventQuery): CheckedEventQuery {
  const base = checkListQuery(query)
  optionalString(query.eventType, 'eventType')
  optionalString(query.search, 'search')
  if (query.status !== undefined && !DELIVERY_STATUSES.includes(query.status))
    throw new RangeError(`status must be one of ${DELIVERY_STATUSES.join(', ')}`)
  return {
    ...base,
    eventType: query.eventType ?? null,
    status: query.status ?? null,
    fromMs: query.from === undefined ? null : timeOf(query.from, 'from'),
    toMs: query.to === undefined ? null : timeOf(query.to, 'to'),
    search: query.search ?? null,
  }
}

/** A filtered rejection listing; null = any. */
export interface CheckedRejectionQuery extends CheckedListQuery {
  readonly reason: string | null
  readonly fromMs: number | null
  readonly toMs: number | null
}

/** @throws RangeError as `checkListQuery` */
export function checkRejectionQuery(query: RejectionQuery): CheckedRejectionQuery {
  const base = checkListQuery(query)
  optionalString(query.reason, 'reason')
  return {
    ...base,
    reason: query.reason ?? null,
    fromMs: query.from === undefined ? null : timeOf(query.from, 'from'),
    toMs: query.to === undefined ? null : timeOf(query.to, 'to'),
  }
}

/** Distinct event ids of one page. @throws RangeError for more than a page's worth */
export function checkEventIds(eventIds: readonly string[]): readonly string[] {
  if (!Array.isArray(eventIds)) throw new TypeError('eventIds must be an array of strings')
  if (eventIds.length > MAX_LIMIT) throw new RangeError(`at most ${MAX_LIMIT} event ids`)
  for (const id of eventIds) requireString(id, 'eventIds[]')
  // No stored id holds U+0000 (PostgreSQL text could not): such an id simply matches nothing.
  return [...new Set(eventIds)].filter((id) => !id.includes('\u0000'))
}

/** Distinct source ids. */
export function checkSourceIds(sourceIds: readonly string[]): readonly string[] {
  if (!Array.isArray(sourceIds)) throw new TypeError('sourceIds must be an array of strings')
  for (const id of sourceIds) requireString(id, 'sourceIds[]')
  return [...new Set(sourceIds)]
}

/** Counts per status from `(event_id, status, count)` rows. */
export function deliveryCountsOf(
  rows: readonly { event_id: string; status: string; count: number | string }[],
): Map<string, DeliveryCounts> {
  const out = new Map<
    string,
    { pending: number; inFlight: number; delivered: number; dead: number }
  >()
  for (const row of rows) {
    let counts = out.get(row.event_id)
    if (counts === undefined) {
      counts = { pending: 0, inFlight: 0, delivered: 0, dead: 0 }
      out.set(row.event_id, counts)
    }
    const n = Number(row.count)
    if (row.status === 'pending') counts.pending += n
    else if (row.status === 'in_flight') counts.inFlight += n
    else if (row.status === 'delivered') counts.delivered += n
    else if (row.status === 'dead') counts.dead += n
  }
  return out
}

/** The backlog per destination from `(destination_id, status, count)` and `(destination_id, oldest_due_at)` rows. */
export function backlogOf(
  counts: readonly { destination_id: string; status: string; count: number | string }[],
  oldest: readonly { destination_id: string; oldest_due_at: number | Date | string | null }[],
): DestinationBacklog[] {
  const out = new Map<
    string,
    {
      destinationId: string
      pending: number
      inFlight: number
      dead: number
      oldestDueAt: Date | undefined
    }
  >()
  const entry = (destinationId: string) => {
    let found = out.get(destinationId)
    if (found === undefined) {
      found = { destinationId, pending: 0, inFlight: 0, dead: 0, oldestDueAt: undefined }
      out.set(destinationId, found)
    }
    return found
  }
  for (const row of counts) {
    const backlog = entry(row.destination_id)
    const n = Number(row.count)
    if (row.status === 'pending') backlog.pending += n
    else if (row.status === 'in_flight') backlog.inFlight += n
    else if (row.status === 'dead') backlog.dead += n
  }
  for (const row of oldest) {
    if (row.oldest_due_at === null) continue
    entry(row.destination_id).oldestDueAt = new Date(
      row.oldest_due_at instanceof Date ? row.oldest_due_at.getTime() : row.oldest_due_at,
    )
  }
  return [...out.values()].sort((a, b) => (a.destinationId < b.destinationId ? -1 : 1))
}

/**
 * Full statistics per destination (delivered included) from `(destination_id, status, count)` rows and the
 * oldest due times: {@link backlogOf} plus the delivered counts.
 */
export function statsOf(
  counts: readonly { destination_id: string; status: string; count: number | string }[],
  oldest: readonly { destination_id: string; oldest_due_at: number | Date | string | null }[],
): DestinationStats[] {
  const delivered = new Map<string, number>()
  for (const row of counts)
    if (row.status === 'delivered')
      delivered.set(
        row.destination_id,
        (delivered.get(row.destination_id) ?? 0) + Number(row.count),
      )
  const backlog = backlogOf(counts, oldest)
  const ids = new Set([...backlog.map((b) => b.destinationId), ...delivered.keys()])
  const byId = new Map(backlog.map((b) => [b.destinationId, b]))
  return [...ids].sort().map((destinationId) => {
    const b = byId.get(destinationId)
    return {
      destinationId,
      pending: b?.pending ?? 0,
      inFlight: b?.inFlight ?? 0,
      delivered: delivered.get(destinationId) ?? 0,
      dead: b?.dead ?? 0,
      oldestDueAt: b?.oldestDueAt,
    }
  })
}

/** One traffic count, checked: minute in ms. */
export interface CheckedTrafficRow {
  readonly kind: TrafficKind
  readonly subjectId: string
  readonly minuteMs: number
  readonly outcome: string
  readonly count: number
}

/**
 * Rows with the same (kind, subject, minute, outcome) summed into one: a single upsert statement may not touch
 * a row twice (PostgreSQL refuses), and the answer must not depend on how the caller grouped its counts.
 * @throws TypeError for a malformed row
 */
export function checkTrafficRows(rows: readonly TrafficRow[]): readonly CheckedTrafficRow[] {
  if (!Array.isArray(rows)) throw new TypeError('rows must be an array of traffic rows')
  const merged = new Map<string, CheckedTrafficRow>()
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) throw new TypeError('rows[] must be objects')
    if (!TRAFFIC_KINDS.includes(row.kind))
      throw new TypeError(`rows[].kind must be one of ${TRAFFIC_KINDS.join(', ')}`)
    requireName(row.subjectId, 'rows[].subjectId')
    requireName(row.outcome, 'rows[].outcome')
    const minuteMs = timeOf(row.bucketStart, 'rows[].bucketStart')
    if (minuteMs % MINUTE_MS !== 0)
      throw new TypeError('rows[].bucketStart must be the start of a minute')
    if (!Number.isSafeInteger(row.count) || row.count < 1)
      throw new TypeError('rows[].count must be a positive integer')
    const key = JSON.stringify([row.kind, row.subjectId, minuteMs, row.outcome])
    const seen = merged.get(key)
    merged.set(
      key,
      seen === undefined
        ? {
            kind: row.kind,
            subjectId: row.subjectId,
            minuteMs,
            outcome: row.outcome,
            count: row.count,
          }
        : { ...seen, count: seen.count + row.count },
    )
  }
  return [...merged.values()]
}

export interface CheckedTrafficQuery {
  readonly sinceMs: number
  readonly untilMs: number
  readonly bucketMs: number
}

/** @throws RangeError for a bucketSeconds that is not a positive multiple of 60 */
export function checkTrafficQuery(query: TrafficQuery): CheckedTrafficQuery {
  const sinceMs = timeOf(query.since, 'since')
  const untilMs = timeOf(query.until, 'until')
  const { bucketSeconds } = query
  if (!Number.isSafeInteger(bucketSeconds) || bucketSeconds < 60 || bucketSeconds % 60 !== 0)
    throw new RangeError('bucketSeconds must be a positive multiple of 60')
  return { sinceMs, untilMs, bucketMs: bucketSeconds * 1000 }
}

/** A traffic row as both backends answer it. */
export function toTrafficRow(row: {
  kind: string
  subject_id: string
  bucket: number | string
  outcome: string
  count: number | string
}): TrafficRow {
  return {
    kind: row.kind as TrafficKind,
    subjectId: row.subject_id,
    bucketStart: new Date(Number(row.bucket)),
    outcome: row.outcome,
    count: Number(row.count),
  }
}

/** `countDelivered`'s input, checked: distinct ids, a whole cap. */
export function checkDeliveredCount(
  destinationIds: readonly string[],
  options: { readonly cap: number },
): { ids: string[]; cap: number } {
  if (
    !Array.isArray(destinationIds) ||
    destinationIds.length > 1000 ||
    !destinationIds.every((id) => typeof id === 'string')
  )
    throw new TypeError('destinationIds must be at most 1,000 strings')
  const cap = options?.cap
  if (!Number.isInteger(cap) || cap < 1 || cap > 1_000_000)
    throw new TypeError('cap must be a whole number from 1 to 1,000,000')
  return { ids: [...new Set(destinationIds)], cap }
}

/** Counts read with a limit of `cap + 1`, as `countDelivered` answers them. */
export function deliveredCountOf(destinationId: string, counted: number, cap: number) {
  return { destinationId, delivered: Math.min(counted, cap), capped: counted > cap }
}
