/**
 * Group commit of events: ONE statement stores a whole batch and the pending deliveries of the events it really
 * inserted, and sends the wake-up notification when it queued any. Run outside an explicit transaction, the
 * statement is its own transaction, so the batch costs one round trip and one WAL flush (`synchronous_commit`
 * left on: the statement returns only once the commit is durable).
 *
 * - `ON CONFLICT … DO NOTHING`: an event whose (source_id, dedupe_key) is already stored is skipped; the
 *   caller reads the stored row back (SELECT_EVENTS_BY_DEDUPE_KEYS) with a NEW snapshot, which also sees a
 *   duplicate committed by another instance while this statement waited on its unique-index entry.
 * - Deliveries are joined to `inserted`, so a duplicate event never queues a second set.
 * - The parent event and its deliveries are inserted by sibling CTEs of one statement; the foreign key is
 *   checked at the end of the statement, when both exist.
 * - `pg_notify` is transactional: listeners hear it only after the commit, never for a rolled-back batch.
 * - The rows travel as ONE JSON parameter (V8's JSON.stringify and the server's JSON parser are native code;
 *   text arrays would be escaped element by element in JavaScript) and the bodies as ONE binary bytea parameter
 *   sliced with substring (no hex encoding on either side). Headers are JSON text inside the JSON (a nested
 *   object holding `\u0000` would be refused by json_to_recordset; the escaped text is not).
 * - `ord` … ORDER BY keeps `seq` in the order callers were queued (ids increase in that order too).
 *
 * Returns one row per inserted event (its id); `woke` is only there to make the wake CTE run.
 */
export const INSERT_EVENTS = `-- Params: $1 json (array of { ord, id, source_id, provider, dedupe_key, provider_event_id, event_type,
--         received_at (ISO text), headers (JSON object as text), body_at, body_length }),
--         $2 bytea (every body, concatenated: row bodies are substring(body_at + 1, body_length)),
--         $3 json (array of { ord, id, event_id, destination_id }: the deliveries to queue), $4 text (wake channel)
WITH input AS (
  SELECT r.*, substring($2::bytea FROM r.body_at + 1 FOR r.body_length) AS body
  FROM json_to_recordset($1::json) AS r (ord integer, id text, source_id text, provider text, dedupe_key text,
       provider_event_id text, event_type text, received_at timestamptz, headers text, body_at integer, body_length integer)
),
inserted AS (
  INSERT INTO {schema}.events (id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body)
  SELECT id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers::json, body
  FROM input
  ORDER BY ord
  ON CONFLICT ON CONSTRAINT events_source_dedupe DO NOTHING
  RETURNING id, received_at
),
queued AS (
  INSERT INTO {schema}.deliveries (id, event_id, destination_id, status, created_at, next_attempt_at, due_at)
  SELECT d.id, d.event_id, d.destination_id, 'pending', e.received_at, e.received_at, e.received_at
  FROM json_to_recordset($3::json) AS d (ord integer, id text, event_id text, destination_id text)
  JOIN inserted e ON e.id = d.event_id
  ORDER BY d.ord
  RETURNING 1
),
wake AS (
  SELECT pg_notify($4, '') FROM (SELECT 1 FROM queued LIMIT 1) AS any_queued
)
SELECT id, (SELECT count(*) FROM wake) AS woke FROM inserted`
