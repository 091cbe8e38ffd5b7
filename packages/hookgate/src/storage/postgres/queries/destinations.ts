/**
 * Delivery counts per destination and status: an index-only scan of deliveries_status (the earliest due time comes
 * from OLDEST_DUE, which reads the open deliveries only). Its cost still grows with history (every delivered row
 * is counted): retention bounds it (docs/scaling.md); the dashboard's overview uses DESTINATION_BACKLOG instead.
 */
export const DESTINATION_STATS = `-- Params: none
SELECT destination_id, status, count(*)::integer AS count
FROM {schema}.deliveries
GROUP BY destination_id, status`

/** Disables a destination; a second disable keeps the first time and reason. */
export const DISABLE_DESTINATION = `-- Params: $1 text (destination id), $2 timestamptz (disabled at), $3 text|NULL (reason)
INSERT INTO {schema}.destinations AS x (id, disabled, disabled_at, disabled_reason)
VALUES ($1, true, $2, $3)
ON CONFLICT (id) DO UPDATE
SET disabled = true,
    disabled_at = CASE WHEN x.disabled THEN x.disabled_at ELSE excluded.disabled_at END,
    disabled_reason = CASE WHEN x.disabled THEN x.disabled_reason ELSE excluded.disabled_reason END`

/** Re-enables a destination (clearing time and reason) and wakes the workers: its backlog is claimable again. */
export const ENABLE_DESTINATION = `-- Params: $1 text (destination id), $2 text (wake channel)
WITH enabled AS (
  INSERT INTO {schema}.destinations (id, disabled, disabled_at, disabled_reason)
  VALUES ($1, false, NULL, NULL)
  ON CONFLICT (id) DO UPDATE SET disabled = false, disabled_at = NULL, disabled_reason = NULL
  RETURNING 1
)
SELECT pg_notify($2, '') FROM enabled`

/** Every destination ever disabled or re-enabled. */
export const LIST_DESTINATION_STATES = `-- Params: none
SELECT id, disabled, disabled_at, disabled_reason
FROM {schema}.destinations
ORDER BY id`
