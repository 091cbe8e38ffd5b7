/**
 * Export, import and store size (issue 14): `hookgate export`/`import`, `migrate-store` and the `/metrics` store
 * gauges. Export pages walk `seq` upwards (oldest first, keyset); an import batch is ONE statement (its own
 * transaction) that keeps every id and skips records already stored (`ON CONFLICT DO NOTHING` on any unique key:
 * the id, or an event's (source_id, dedupe_key)). Event text fields arrive encoded (`toPgText`).
 */
import { DELIVERY_COLUMNS } from './delivery-columns.ts'
import { EVENT_COLUMNS } from './event-columns.ts'
import { INSERT_REJECTION_ROWS } from './rejections.ts'

export const EXPORT_EVENTS = `-- Params: $1 bigint (after seq), $2 text|NULL (source id), $3 timestamptz|NULL (since),
--         $4 timestamptz|NULL (until, exclusive), $5 integer (limit)
SELECT ${EVENT_COLUMNS}
FROM {schema}.events
WHERE seq > $1
  AND ($2::text IS NULL OR source_id = $2)
  AND ($3::timestamptz IS NULL OR received_at >= $3)
  AND ($4::timestamptz IS NULL OR received_at < $4)
ORDER BY seq
LIMIT $5`

/** The deliveries of a page's events (on the (event_id, destination_id, seq) index). */
export const EXPORT_DELIVERIES = `-- Params: $1 text[] (event ids)
SELECT ${DELIVERY_COLUMNS}
FROM {schema}.deliveries d
WHERE d.event_id = ANY ($1::text[])
ORDER BY d.seq`

export const EXPORT_REJECTIONS = `-- Params: $1 bigint (after seq), $2 integer (limit)
SELECT seq, id, source_id, received_at, status, reason, message, remote_address, headers, body_size, body_sha256,
       diagnosed, diagnosis, octet_length(captured_body) AS captured_bytes,
       captured_method, captured_url, captured_body, captured_truncated, captured_sealed
FROM {schema}.rejections
WHERE seq > $1
ORDER BY seq
LIMIT $2`

/**
 * One import batch: events (bodies base64 in the JSON), the deliveries and attempts of the events really inserted,
 * and the wake-up notification when a pending delivery came in. The foreign keys between sibling CTEs are checked
 * at the end of the statement, when every row exists. Returns one row per inserted event.
 */
export const IMPORT_EVENTS = `-- Params: $1 json (events: { ord, id, source_id, provider, dedupe_key, provider_event_id, event_type,
--         received_at, headers (JSON text), body (base64) }), $2 json (deliveries: { ord, id, event_id, destination_id,
--         status, attempts, created_at, due_at, last_attempt_at, completed_at, dead_reason, replay_of }),
--         $3 json (attempts: { ord, id, delivery_id, attempt_number, worker_id, started_at, duration_ms, status_code,
--         error, response_body (base64), next_kind, next_at, next_reason }), $4 text (wake channel)
WITH inserted AS (
  INSERT INTO {schema}.events (id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body)
  SELECT id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers::json, decode(body, 'base64')
  FROM json_to_recordset($1::json) AS r (ord integer, id text, source_id text, provider text, dedupe_key text,
       provider_event_id text, event_type text, received_at timestamptz, headers text, body text)
  ORDER BY ord
  ON CONFLICT DO NOTHING
  RETURNING id
),
queued AS (
  INSERT INTO {schema}.deliveries (id, event_id, destination_id, status, attempts, created_at, next_attempt_at, due_at,
                                   last_attempt_at, completed_at, dead_reason, replay_of)
  SELECT d.id, d.event_id, d.destination_id, d.status, d.attempts, d.created_at, d.due_at, d.due_at,
         d.last_attempt_at, d.completed_at, d.dead_reason, d.replay_of
  FROM json_to_recordset($2::json) AS d (ord integer, id text, event_id text, destination_id text, status text,
       attempts integer, created_at timestamptz, due_at timestamptz, last_attempt_at timestamptz,
       completed_at timestamptz, dead_reason text, replay_of text)
  JOIN inserted e ON e.id = d.event_id
  ORDER BY d.ord
  ON CONFLICT DO NOTHING
  RETURNING id, status
),
tried AS (
  INSERT INTO {schema}.attempts (id, delivery_id, attempt_number, worker_id, started_at, duration_ms, status_code, error,
                                 response_body, next_kind, next_at, next_reason)
  SELECT a.id, a.delivery_id, a.attempt_number, a.worker_id, a.started_at, a.duration_ms, a.status_code, a.error,
         decode(a.response_body, 'base64'), a.next_kind, a.next_at, a.next_reason
  FROM json_to_recordset($3::json) AS a (ord integer, id text, delivery_id text, attempt_number integer,
       worker_id text, started_at timestamptz, duration_ms double precision, status_code integer, error text,
       response_body text, next_kind text, next_at timestamptz, next_reason text)
  JOIN queued q ON q.id = a.delivery_id
  ORDER BY a.ord
  ON CONFLICT DO NOTHING
  RETURNING 1
),
wake AS (
  SELECT pg_notify($4, '') FROM (SELECT 1 FROM queued WHERE status = 'pending' LIMIT 1) AS any_pending
)
SELECT id, (SELECT count(*) FROM wake) AS woke, (SELECT count(*) FROM tried) AS tried FROM inserted`

/** Rejections under their own ids, skipping ids already stored; the cap is not applied. One row per insert. */
export const IMPORT_REJECTIONS = `-- Params: $1 json (as INSERT_REJECTIONS)
${INSERT_REJECTION_ROWS}
ON CONFLICT DO NOTHING
RETURNING 1`

/**
 * What the schema weighs, cheaply: the total size of its tables (indexes and TOAST included), the statistics'
 * live-row estimates (maintained by the server as rows change: no scan), the open deliveries (exact: the partial
 * `deliveries_due` index holds only them) and the oldest records (one index probe each).
 */
export const STORE_ESTIMATES = `-- Params: $1 text (schema name)
SELECT (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p'))::bigint AS bytes,
       (SELECT n_live_tup FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'events') AS events,
       (SELECT n_live_tup FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'rejections') AS rejections,
       (SELECT n_live_tup FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'deliveries') AS deliveries,
       (SELECT count(*) FROM {schema}.deliveries WHERE due_at IS NOT NULL AND status = 'pending') AS pending,
       (SELECT count(*) FROM {schema}.deliveries WHERE due_at IS NOT NULL AND status = 'in_flight') AS in_flight,
       (SELECT min(received_at) FROM {schema}.events) AS oldest_event_at,
       (SELECT received_at FROM {schema}.rejections ORDER BY seq LIMIT 1) AS oldest_rejection_at`

/** Exact counts, for tables the estimates say are small. */
export const COUNT_EVENTS = `-- Params: none
SELECT count(*) AS n FROM {schema}.events`
export const COUNT_REJECTIONS = `-- Params: none
SELECT count(*) AS n FROM {schema}.rejections`
export const COUNT_SETTLED_DELIVERIES = `-- Params: none
SELECT count(*) FILTER (WHERE status = 'delivered') AS delivered, count(*) FILTER (WHERE status = 'dead') AS dead
FROM {schema}.deliveries`

/** A large deliveries table: the delivered/dead split from a block sample of about $1 percent of it. */
export const SAMPLE_SETTLED_DELIVERIES = `-- Params: $1 real (percent sampled)
SELECT count(*) FILTER (WHERE status = 'delivered') AS delivered, count(*) FILTER (WHERE status = 'dead') AS dead
FROM {schema}.deliveries TABLESAMPLE SYSTEM ($1)`
