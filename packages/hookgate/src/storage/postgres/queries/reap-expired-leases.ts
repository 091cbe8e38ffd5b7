/**
 * Returns every in-flight delivery whose lease ended to pending, due at its old due time (at once: that time
 * is past), and wakes the workers when there was any. One range scan of the due index.
 */
export const REAP_EXPIRED_LEASES = `-- Params: $1 timestamptz (now), $2 text (wake channel)
WITH reaped AS (
  UPDATE {schema}.deliveries
  SET status = 'pending', lease_token = NULL, lease_expires_at = NULL,
      due_at = LEAST(coalesce(next_attempt_at, $1), $1), next_attempt_at = LEAST(coalesce(next_attempt_at, $1), $1)
  WHERE due_at <= $1 AND status = 'in_flight'
  RETURNING 1
),
wake AS (
  SELECT pg_notify($2, '') FROM (SELECT 1 FROM reaped LIMIT 1) AS any_reaped
)
SELECT (SELECT count(*) FROM reaped)::integer AS reaped, (SELECT count(*) FROM wake) AS woke`
