/**
 * Settles the leased delivery after one attempt, only while @leaseToken is still its lease (the first record,
 * a reap and a re-claim all replace or clear the token). No row back = lease lost. `leased_by` is kept: it
 * names the worker for the attempt row written next.
 */
export const SETTLE_DELIVERY = `-- Params: @leaseToken TEXT, @status TEXT ('pending'|'delivered'|'dead'), @startedAt INTEGER (ms),
--         @nextAttemptAt INTEGER|NULL (ms, retry only), @completedAt INTEGER|NULL (ms, final only), @deadReason TEXT|NULL
UPDATE deliveries
SET status = @status, attempts = attempts + 1, last_attempt_at = @startedAt,
    next_attempt_at = @nextAttemptAt, due_at = @nextAttemptAt,
    lease_token = NULL, lease_expires_at = NULL,
    completed_at = @completedAt, dead_reason = @deadReason
WHERE lease_token = @leaseToken AND status = 'in_flight'
RETURNING id, attempts, leased_by`

/** The attempt itself, numbered by the delivery's new attempt count. */
export const INSERT_ATTEMPT = `-- Params: @id TEXT, @deliveryId TEXT, @attemptNumber INTEGER, @workerId TEXT, @startedAt INTEGER (ms),
--         @durationMs REAL, @statusCode INTEGER|NULL, @error TEXT|NULL, @responseBody BLOB|NULL (truncated),
--         @nextKind TEXT ('done'|'retry'|'dead'), @nextAt INTEGER|NULL (ms), @nextReason TEXT|NULL
INSERT INTO attempts (id, delivery_id, attempt_number, worker_id, started_at, duration_ms, status_code, error,
                      response_body, next_kind, next_at, next_reason)
VALUES (@id, @deliveryId, @attemptNumber, @workerId, @startedAt, @durationMs, @statusCode, @error,
        @responseBody, @nextKind, @nextAt, @nextReason)`
