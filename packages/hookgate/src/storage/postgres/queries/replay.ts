/**
 * Replay (requeue): new pending deliveries, never a rewrite of old ones. Every replay statement runs in a
 * transaction holding the schema's replay advisory lock, so two replays (API calls on two instances, a bulk
 * replay and a single one) cannot both see a pair as settled and both add a delivery for it.
 */

/** The latest delivery of each destination of an event (what `requeue` decides on). */
export const SELECT_LATEST_DELIVERIES_OF_EVENT = `-- Params: $1 text (event id)
SELECT DISTINCT ON (destination_id) destination_id, id, status
FROM {schema}.deliveries
WHERE event_id = $1
ORDER BY destination_id, seq DESC`

/** One row when the event exists. */
export const SELECT_EVENT_EXISTS = `-- Params: $1 text (event id)
SELECT 1 FROM {schema}.events WHERE id = $1`

/** Queues replays, due at $4, and wakes the workers. */
export const INSERT_REPLAYS = `-- Params: $1 text[] (new delivery ids), $2 text[] (event ids), $3 text[] (destination ids),
--         $4 timestamptz (created at = due at), $5 text[] (replay of: the pair's latest delivery id, NULL elements),
--         $6 text (wake channel)
WITH queued AS (
  INSERT INTO {schema}.deliveries (id, event_id, destination_id, status, created_at, next_attempt_at, due_at, replay_of)
  SELECT id, event_id, destination_id, 'pending', $4, $4, $4, replay_of
  FROM unnest($1::text[], $2::text[], $3::text[], $5::text[]) WITH ORDINALITY AS r (id, event_id, destination_id, replay_of, ord)
  ORDER BY ord
  RETURNING 1
),
wake AS (
  SELECT pg_notify($6, '') FROM (SELECT 1 FROM queued LIMIT 1) AS any_queued
)
SELECT (SELECT count(*) FROM queued)::integer AS queued, (SELECT count(*) FROM wake) AS woke`

/**
 * The conditions of a bulk replay: the LATEST delivery of its (event, destination) pair, final, matching the
 * filter. NULL parameters ($1..$5) mean "any". Shared by the count and the batch selection so both agree.
 */
const MATCH = `d.status IN ('delivered', 'dead')
  AND ($1::text IS NULL OR d.status = $1)
  AND ($2::text IS NULL OR d.destination_id = $2)
  AND ($3::text IS NULL OR e.source_id = $3)
  AND ($4::timestamptz IS NULL OR e.received_at >= $4)
  AND ($5::timestamptz IS NULL OR e.received_at < $5)
  AND NOT EXISTS (
    SELECT 1 FROM {schema}.deliveries n
    WHERE n.event_id = d.event_id AND n.destination_id = d.destination_id AND n.seq > d.seq
  )`

/** How many pairs a bulk replay would requeue now. */
export const COUNT_REPLAY_MATCHES = `-- Params: $1 text|NULL (latest status), $2 text|NULL (destination id), $3 text|NULL (source id),
--         $4 timestamptz|NULL (received from, inclusive), $5 timestamptz|NULL (received before)
SELECT count(*)::bigint AS n
FROM {schema}.deliveries d JOIN {schema}.events e ON e.id = d.event_id
WHERE ${MATCH}`

/**
 * One batch of a bulk replay, in delivery order, within the snapshot ($6, $7]: deliveries created after the
 * first batch (the replays themselves among them) are never matched, so the walk ends.
 */
export const SELECT_REPLAY_BATCH = `-- Params: $1..$5 as COUNT_REPLAY_MATCHES, $6 bigint (after seq), $7 bigint (until seq), $8 integer (limit)
SELECT d.seq, d.id, d.event_id, d.destination_id
FROM {schema}.deliveries d JOIN {schema}.events e ON e.id = d.event_id
WHERE d.seq > $6 AND d.seq <= $7
  AND ${MATCH}
ORDER BY d.seq
LIMIT $8`

/** The upper bound of a bulk replay's snapshot. */
export const SELECT_MAX_DELIVERY_SEQ = `-- Params: none
SELECT coalesce(max(seq), 0) AS seq FROM {schema}.deliveries`
