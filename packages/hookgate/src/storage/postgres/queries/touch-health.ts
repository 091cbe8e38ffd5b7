/**
 * The write `checkWritable()` commits: a real row change in its own transaction, so it fails exactly when an
 * event commit would (server down, read-only standby after a failover, disk full, quota), which a `SELECT 1`
 * would not prove.
 */
export const TOUCH_HEALTH = `-- Params: $1 timestamptz (checked at)
INSERT INTO {schema}.health (id, checked_at) VALUES (1, $1)
ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`
