/**
 * @module storage/sqlite/queries/dashboard
 * The reads and writes of the dashboard (issue 13): filtered listings (composed from fixed fragments, never from
 * input: every value is a bound parameter), a page's delivery counts, the open backlog and the traffic counts.
 */
import type { CheckedEventQuery, CheckedRejectionQuery } from '../../domain/dashboard-inputs.ts'
import { REJECTION_COLUMNS } from './rejection-columns.ts'

const EVENT_COLUMNS = `e.seq, e.id, e.source_id, e.provider, e.dedupe_key, e.provider_event_id, e.event_type, e.received_at, e.headers, e.body`

/**
 * One page of events matching the filters, newest first (keyset on seq). `?status=` walks the events for
 * `delivered` (most events have one) and starts from the deliveries_status index for the rarer statuses.
 * `?q=` is index probes only: the id, the provider ids that differ from their dedupe key, the dedupe key per source.
 */
export function listEventsSql(query: CheckedEventQuery): string {
  const where = ['e.seq < @beforeSeq']
  if (query.sourceId !== undefined) where.push('e.source_id = @sourceId')
  if (query.eventType !== null) where.push('e.event_type = @eventType')
  if (query.fromMs !== null) where.push('e.received_at >= @fromMs')
  if (query.toMs !== null) where.push('e.received_at < @toMs')
  if (query.search !== null) {
    // The dedupe key on the UNIQUE (source_id, dedupe_key) index, once per source: the filter's, else every stored
    // source (a skip scan of events_source_seq, one seek per source). The provider's id is the dedupe key whenever
    // the gateway stored it; the partial index holds only the rows where they differ (migration 0005).
    const sources =
      query.sourceId !== undefined
        ? '(@sourceId)'
        : `(WITH RECURSIVE s(id) AS (SELECT min(source_id) FROM events
        UNION ALL SELECT (SELECT min(source_id) FROM events WHERE source_id > s.id) FROM s WHERE s.id IS NOT NULL)
      SELECT id FROM s WHERE id IS NOT NULL)`
    where.push(`e.seq IN (SELECT seq FROM events WHERE id = @search
    UNION ALL SELECT seq FROM events WHERE provider_event_id = @search AND provider_event_id <> dedupe_key
    UNION ALL SELECT seq FROM events WHERE source_id IN ${sources} AND dedupe_key = @search)`)
  }
  if (query.status === 'delivered')
    where.push(
      `EXISTS (SELECT 1 FROM deliveries AS d WHERE d.event_id = e.id AND d.status = @status)`,
    )
  else if (query.status !== null)
    where.push(`e.id IN (SELECT event_id FROM deliveries WHERE status = @status)`)
  // Two steps: the page's seqs first (index-only where an index covers the filter; a sort, if the plan needs one,
  // moves integers), then the rows. SQLite's sorter would otherwise carry every column, bodies included, of every
  // matching row (a one-day range on a busy store: tens of thousands).
  return `-- Params: @beforeSeq INTEGER, @limit INTEGER, and per filter @sourceId, @eventType, @fromMs, @toMs, @search, @status
SELECT ${EVENT_COLUMNS}
FROM events AS e
WHERE e.seq IN (
  SELECT e.seq
  FROM events AS e
  WHERE ${where.join('\n    AND ')}
  ORDER BY e.seq DESC
  LIMIT @limit
)
ORDER BY e.seq DESC`
}

/** One page of rejections matching the filters, newest first (keyset on seq). */
export function listRejectionsSql(query: CheckedRejectionQuery): string {
  const where = ['seq < @beforeSeq']
  if (query.sourceId !== undefined) where.push('source_id = @sourceId')
  if (query.reason !== null) where.push('reason = @reason')
  if (query.fromMs !== null) where.push('received_at >= @fromMs')
  if (query.toMs !== null) where.push('received_at < @toMs')
  return `-- Params: @beforeSeq INTEGER, @limit INTEGER, and per filter @sourceId, @reason, @fromMs, @toMs
SELECT ${REJECTION_COLUMNS}
FROM rejections
WHERE ${where.join('\n  AND ')}
ORDER BY seq DESC
LIMIT @limit`
}

/** Delivery counts per status of the events of one page: one probe of deliveries_event_pair per event. */
export const DELIVERY_COUNTS = `-- Params: @ids TEXT (JSON array of event ids)
SELECT event_id, status, count(*) AS count
FROM deliveries
WHERE event_id IN (SELECT value FROM json_each(@ids))
GROUP BY event_id, status`

/** The newest event's receivedAt of one source (events_source_seq, backwards, one row). */
export const LATEST_EVENT_TIME = `-- Params: @sourceId TEXT
SELECT received_at FROM events WHERE source_id = @sourceId ORDER BY seq DESC LIMIT 1`

/** Open and dead deliveries per destination, from the covering deliveries_status index (delivered never read). */
export const DESTINATION_BACKLOG = `-- Params: none
SELECT destination_id, status, count(*) AS count
FROM deliveries
WHERE status IN ('pending', 'in_flight', 'dead')
GROUP BY destination_id, status`

/** Delivered deliveries of one destination, up to a limit: a bounded scan of deliveries_destination_status. */
export const COUNT_DELIVERED_UP_TO = `-- Params: destination id, limit
SELECT count(*) AS count
FROM (SELECT 1 FROM deliveries WHERE destination_id = ? AND status = 'delivered' LIMIT ?)`

/**
 * The earliest due time of pending deliveries per destination: a scan of the open deliveries only
 * (deliveries_destination_due; a pending delivery's due_at is its next_attempt_at).
 */
export const OLDEST_DUE = `-- Params: none
SELECT destination_id, min(due_at) AS oldest_due_at
FROM deliveries
WHERE due_at IS NOT NULL AND status = 'pending'
GROUP BY destination_id`

/** Adds one count to its (minute, kind, subject, outcome) row. */
export const ADD_TRAFFIC = `-- Params: @minute INTEGER (ms), @kind TEXT, @subjectId TEXT, @outcome TEXT, @count INTEGER
INSERT INTO traffic (minute, kind, subject_id, outcome, count)
VALUES (@minute, @kind, @subjectId, @outcome, @count)
ON CONFLICT (minute, kind, subject_id, outcome) DO UPDATE SET count = count + excluded.count`

/** Counts of [@since, @until) summed per epoch-aligned bucket of @bucketMs (bound as a number: cast, or it is REAL). */
export const SELECT_TRAFFIC = `-- Params: @since INTEGER (ms), @until INTEGER (ms), @bucketMs INTEGER
SELECT kind, subject_id, minute - minute % CAST(@bucketMs AS INTEGER) AS bucket, outcome, sum(count) AS count
FROM traffic
WHERE minute >= @since AND minute < @until
GROUP BY kind, subject_id, bucket, outcome`

/** Retention of the traffic counts. */
export const PRUNE_TRAFFIC = `-- Params: @olderThan INTEGER (ms)
DELETE FROM traffic WHERE minute < @olderThan`
