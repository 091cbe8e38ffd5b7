/**
 * Retention (issue 14): deletes one batch of expired events, oldest first — received before $1 (NULL: no age
 * cut-off) or beyond the newest $2 events (NULL: no cap) — never one with a delivery still pending or in flight.
 * Deliveries and attempts go with them (ON DELETE CASCADE). Runs under the schema's replay lock, so no replay
 * adds a delivery to an event being deleted; SKIP LOCKED leaves rows another transaction holds for the next run.
 */
export const PRUNE_EVENTS = `-- Params: $1 timestamptz | NULL (older than), $2 integer | NULL (events kept), $3 integer (limit)
WITH doomed AS (
  SELECT e.seq
  FROM {schema}.events AS e
  WHERE (e.received_at < $1::timestamptz
         OR ($2::integer IS NOT NULL
             AND e.seq <= (SELECT seq FROM {schema}.events ORDER BY seq DESC OFFSET $2 LIMIT 1)))
    AND NOT EXISTS (
      SELECT 1 FROM {schema}.deliveries AS d
      WHERE d.event_id = e.id AND d.status IN ('pending', 'in_flight')
    )
  ORDER BY e.seq
  LIMIT $3
  FOR UPDATE OF e SKIP LOCKED
)
DELETE FROM {schema}.events WHERE seq IN (SELECT seq FROM doomed)`

/** One batch of rejections received before $1, oldest first. */
export const PRUNE_REJECTIONS = `-- Params: $1 timestamptz (older than), $2 integer (limit)
DELETE FROM {schema}.rejections
WHERE seq IN (
  SELECT seq FROM {schema}.rejections WHERE received_at < $1 ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED
)`
