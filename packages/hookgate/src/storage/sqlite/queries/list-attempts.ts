/** One delivery's attempts, oldest first (the UNIQUE (delivery_id, attempt_number) index). */
export const LIST_ATTEMPTS = `-- Params: @deliveryId TEXT
SELECT seq, id, delivery_id, attempt_number, worker_id, started_at, duration_ms, status_code, error, response_body,
       next_kind, next_at, next_reason
FROM attempts
WHERE delivery_id = @deliveryId
ORDER BY attempt_number`
