/**
 * Settles a leased delivery after one attempt AND records the attempt, in one statement (one transaction), only
 * while $1 is still its lease: the first record, a reap and a re-claim all clear or replace the token. No row
 * back = lease lost, and nothing is written. Two concurrent records with the same token serialise on the row
 * lock; the second re-reads the row, finds the token gone and matches nothing.
 * `leased_by` is kept on the delivery: it names the worker in the attempt row.
 */
export const RECORD_ATTEMPT = `-- Params: $1 text (lease token), $2 text (new status: pending|delivered|dead), $3 timestamptz (started at),
--         $4 timestamptz|NULL (next attempt at: retry only), $5 timestamptz|NULL (completed at: final only),
--         $6 text|NULL (dead reason), $7 text (attempt id), $8 double precision (duration ms),
--         $9 integer|NULL (status code), $10 text|NULL (error), $11 bytea|NULL (response body, truncated),
--         $12 text (next kind: done|retry|dead)
WITH settled AS (
  UPDATE {schema}.deliveries
  SET status = $2, attempts = attempts + 1, last_attempt_at = $3,
      next_attempt_at = $4, due_at = $4,
      lease_token = NULL, lease_expires_at = NULL,
      completed_at = $5, dead_reason = $6
  WHERE lease_token = $1 AND status = 'in_flight'
  RETURNING id, attempts, leased_by
)
INSERT INTO {schema}.attempts (id, delivery_id, attempt_number, worker_id, started_at, duration_ms, status_code, error,
                               response_body, next_kind, next_at, next_reason)
SELECT $7, id, attempts, leased_by, $3, $8, $9, $10, $11, $12, $4, $6
FROM settled
RETURNING delivery_id`
