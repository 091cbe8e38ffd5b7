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
 * - WITH ORDINALITY … ORDER BY keeps `seq` in the order callers were queued (ids increase in that order too).
 *
 * Returns one row per inserted event (its id); `woke` is only there to make the wake CTE run.
 */
export const INSERT_EVENTS = `-- Params: $1 text[] (ids), $2 text[] (source ids), $3 text[] (providers), $4 text[] (dedupe keys),
--         $5 text[] (provider event ids, NULL elements), $6 text[] (event types, NULL elements),
--         $7 timestamptz[] (received at), $8 text[] (headers as JSON text), $9 bytea[] (bodies),
--         $10 text[] (delivery ids), $11 text[] (their event ids), $12 text[] (their destination ids),
--         $13 text (wake channel)
WITH input AS (
  SELECT *
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::bytea[])
       WITH ORDINALITY AS i (id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body, ord)
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
  FROM unnest($10::text[], $11::text[], $12::text[]) WITH ORDINALITY AS d (id, event_id, destination_id, ord)
  JOIN inserted e ON e.id = d.event_id
  ORDER BY d.ord
  RETURNING 1
),
wake AS (
  SELECT pg_notify($13, '') FROM (SELECT 1 FROM queued LIMIT 1) AS any_queued
)
SELECT id, (SELECT count(*) FROM wake) AS woke FROM inserted`
