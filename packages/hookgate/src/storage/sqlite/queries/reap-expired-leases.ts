/**
 * Returns in-flight deliveries whose lease ended to pending, keeping their original due time (so they keep
 * their place at the front of the queue) and clearing the token (a late record from the old holder is refused).
 */
export const REAP_EXPIRED_LEASES = `-- Params: @now INTEGER (ms)
UPDATE deliveries
SET status = 'pending', due_at = next_attempt_at, lease_token = NULL, lease_expires_at = NULL
WHERE due_at <= @now AND status = 'in_flight'`
