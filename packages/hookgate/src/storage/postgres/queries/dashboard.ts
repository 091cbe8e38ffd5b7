/**
 * @module storage/postgres/queries/dashboard
 * The reads and writes of the dashboard (issue 13) on PostgreSQL: filtered listings (composed from fixed fragments,
 * never from input: every value is a parameter), a page's delivery counts, the open backlog and the traffic counts.
 */
import type { CheckedEventQuery, CheckedRejectionQuery } from '../../domain/dashboard-inputs.ts'
import { iso, toPgText } from '../rows.ts'
import { REJECTION_COLUMNS } from './rejections.ts'

const EVENT_COLUMNS = `e.seq, e.id, e.source_id, e.provider, e.dedupe_key, e.provider_event_id, e.event_type, e.received_at, e.headers, e.body`

/** A composed statement: its name (one per filter combination, for the prepared-statement cache), text and values. */
export interface ComposedQuery {
  readonly name: string
  readonly sql: string
  readonly values: unknown[]
}

/**
 * One page of events matching the filters, newest first (keyset on seq). Text filters are compared in their
 * stored encoding (`toPgText`). `?status=` is EXISTS for `delivered` (most events have one) and an IN over the
 * deliveries_status index for the rarer statuses; `?q=` is index probes only (the id, provider ids that differ from their dedupe key, the dedupe key per source).
 */
export function listEventsQuery(query: CheckedEventQuery, beforeSeq: string): ComposedQuery {
  const values: unknown[] = [beforeSeq, query.limit + 1]
  const where = ['e.seq < $1']
  const flags: string[] = []
  const param = (value: unknown): string => `$${values.push(value)}`
  let sourceParam: string | undefined
  if (query.sourceId !== undefined) {
    sourceParam = param(toPgText(query.sourceId))
    where.push(`e.source_id = ${sourceParam}`)
    flags.push('s')
  }
  if (query.eventType !== null) {
    where.push(`e.event_type = ${param(toPgText(query.eventType))}`)
    flags.push('t')
  }
  if (query.fromMs !== null) {
    where.push(`e.received_at >= ${param(iso(query.fromMs))}`)
    flags.push('f')
  }
  if (query.toMs !== null) {
    where.push(`e.received_at < ${param(iso(query.toMs))}`)
    flags.push('u')
  }
  if (query.search !== null) {
    const search = param(toPgText(query.search))
    // As SQLite's: the dedupe key on the UNIQUE (source_id, dedupe_key) index once per source (the filter's, else
    // every stored source from a skip scan of events_source_seq); the partial index for provider ids that differ
    // from their dedupe key (migration 0003).
    const sources =
      sourceParam !== undefined
        ? `(${sourceParam})`
        : `(WITH RECURSIVE s(id) AS (
        (SELECT source_id FROM {schema}.events ORDER BY source_id LIMIT 1)
        UNION ALL SELECT (SELECT source_id FROM {schema}.events WHERE source_id > s.id ORDER BY source_id LIMIT 1)
        FROM s WHERE s.id IS NOT NULL)
      SELECT id FROM s WHERE id IS NOT NULL)`
    where.push(`e.seq IN (SELECT seq FROM {schema}.events WHERE id = ${search}
    UNION ALL SELECT seq FROM {schema}.events WHERE provider_event_id = ${search} AND provider_event_id <> dedupe_key
    UNION ALL SELECT seq FROM {schema}.events WHERE source_id IN ${sources} AND dedupe_key = ${search})`)
    flags.push('q')
  }
  if (query.status === 'delivered') {
    where.push(
      `EXISTS (SELECT 1 FROM {schema}.deliveries AS d WHERE d.event_id = e.id AND d.status = ${param(query.status)})`,
    )
    flags.push('d')
  } else if (query.status !== null) {
    where.push(
      `e.id IN (SELECT event_id FROM {schema}.deliveries WHERE status = ${param(query.status)})`,
    )
    flags.push('o')
  }
  return {
    name: `list-events-${flags.join('')}`,
    sql: `-- Params: $1 bigint (before seq), $2 integer (limit), then one per filter
SELECT ${EVENT_COLUMNS}
FROM {schema}.events AS e
WHERE ${where.join('\n  AND ')}
ORDER BY e.seq DESC
LIMIT $2`,
    values,
  }
}

/** One page of rejections matching the filters, newest first (keyset on seq). */
export function listRejectionsQuery(
  query: CheckedRejectionQuery,
  beforeSeq: string,
): ComposedQuery {
  const values: unknown[] = [beforeSeq, query.limit + 1]
  const where = ['seq < $1']
  const flags: string[] = []
  const param = (value: unknown): string => `$${values.push(value)}`
  if (query.sourceId !== undefined) {
    where.push(`source_id = ${param(toPgText(query.sourceId))}`)
    flags.push('s')
  }
  if (query.reason !== null) {
    where.push(`reason = ${param(toPgText(query.reason))}`)
    flags.push('r')
  }
  if (query.fromMs !== null) {
    where.push(`received_at >= ${param(iso(query.fromMs))}`)
    flags.push('f')
  }
  if (query.toMs !== null) {
    where.push(`received_at < ${param(iso(query.toMs))}`)
    flags.push('u')
  }
  return {
    name: `list-rejections-${flags.join('')}`,
    sql: `-- Params: $1 bigint (before seq), $2 integer (limit), then one per filter
SELECT ${REJECTION_COLUMNS}
FROM {schema}.rejections
WHERE ${where.join('\n  AND ')}
ORDER BY seq DESC
LIMIT $2`,
    values,
  }
}

/** Delivery counts per status of the events of one page (deliveries_event_pair). */
export const DELIVERY_COUNTS = `-- Params: $1 text[] (event ids)
SELECT event_id, status, count(*)::integer AS count
FROM {schema}.deliveries
WHERE event_id = ANY($1::text[])
GROUP BY event_id, status`

/** Each source's newest event's receivedAt: one backwards probe of events_source_seq per source. */
export const LATEST_EVENT_TIMES = `-- Params: $1 text[] (source ids, stored encoding)
SELECT s.ord, (SELECT e.received_at FROM {schema}.events AS e WHERE e.source_id = s.id ORDER BY e.seq DESC LIMIT 1) AS received_at
FROM unnest($1::text[]) WITH ORDINALITY AS s (id, ord)`

/** Open and dead deliveries per destination, from the covering deliveries_status index (delivered never read). */
export const DESTINATION_BACKLOG = `-- Params: none
SELECT destination_id, status, count(*)::integer AS count
FROM {schema}.deliveries
WHERE status IN ('pending', 'in_flight', 'dead')
GROUP BY destination_id, status`

/** Delivered deliveries per destination, each counted up to a limit (bounded scans of deliveries_status). */
export const COUNT_DELIVERED_UP_TO = `-- Params: destination ids (text[]), limit
SELECT d.id AS destination_id,
  (SELECT count(*)::integer FROM (
     SELECT 1 FROM {schema}.deliveries x WHERE x.status = 'delivered' AND x.destination_id = d.id LIMIT $2
   ) AS up_to) AS count
FROM unnest($1::text[]) AS d(id)`

/** The earliest due time of pending deliveries per destination (open deliveries only: deliveries_due). */
export const OLDEST_DUE = `-- Params: none
SELECT destination_id, min(due_at) AS oldest_due_at
FROM {schema}.deliveries
WHERE due_at IS NOT NULL AND status = 'pending'
GROUP BY destination_id`

/** Adds counts to their (minute, kind, subject, outcome) rows, in one statement (keys are distinct). */
export const ADD_TRAFFIC = `-- Params: $1 json (array of { minute_ms, kind, subject_id, outcome, count })
INSERT INTO {schema}.traffic AS t (minute, kind, subject_id, outcome, count)
SELECT to_timestamp(r.minute_ms / 1000.0), r.kind, r.subject_id, r.outcome, r.count
FROM json_to_recordset($1::json) AS r (minute_ms bigint, kind text, subject_id text, outcome text, count bigint)
ON CONFLICT (minute, kind, subject_id, outcome) DO UPDATE SET count = t.count + excluded.count`

/** Counts of [$1, $2) summed per epoch-aligned bucket of $3 ms; the bucket start in ms. */
export const SELECT_TRAFFIC = `-- Params: $1 timestamptz (since), $2 timestamptz (until), $3 bigint (bucket ms)
SELECT kind, subject_id, (floor(extract(epoch FROM minute) * 1000 / $3) * $3)::bigint AS bucket, outcome,
       sum(count)::bigint AS count
FROM {schema}.traffic
WHERE minute >= $1 AND minute < $2
GROUP BY kind, subject_id, bucket, outcome`

/** Retention of the traffic counts. */
export const PRUNE_TRAFFIC = `-- Params: $1 timestamptz (older than)
DELETE FROM {schema}.traffic WHERE minute < $1`
