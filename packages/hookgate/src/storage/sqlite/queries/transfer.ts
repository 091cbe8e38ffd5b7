/**
 * Export, import and store size (issue 14): `hookgate export`/`import`, `migrate-store` and the `/metrics` store
 * gauges. Export pages walk `seq` upwards (oldest first, keyset); imports keep every id and skip records already
 * stored (`ON CONFLICT DO NOTHING` on any unique key: the id, or an event's (source_id, dedupe_key)).
 */
import { DELIVERY_COLUMNS } from './delivery-columns.ts'
import { REJECTION_COLUMNS } from './rejection-columns.ts'

export const EXPORT_EVENTS = `-- Params: @afterSeq INTEGER, @sourceId TEXT|NULL, @since INTEGER|NULL (ms), @until INTEGER|NULL (ms), @limit INTEGER
SELECT seq, id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body
FROM events
WHERE seq > @afterSeq
  AND (@sourceId IS NULL OR source_id = @sourceId)
  AND (@since IS NULL OR received_at >= @since)
  AND (@until IS NULL OR received_at < @until)
ORDER BY seq
LIMIT @limit`

/** The deliveries of a page's events (on the (event_id, destination_id, seq) index). */
export const EXPORT_DELIVERIES = `-- Params: @eventIds TEXT (JSON array of event ids)
SELECT ${DELIVERY_COLUMNS}
FROM deliveries
WHERE event_id IN (SELECT value FROM json_each(@eventIds))
ORDER BY seq`

/** The attempts of a page's deliveries, per delivery in attempt order. */
export const EXPORT_ATTEMPTS = `-- Params: @deliveryIds TEXT (JSON array of delivery ids)
SELECT id, delivery_id, attempt_number, worker_id, started_at, duration_ms, status_code, error, response_body,
       next_kind, next_at, next_reason
FROM attempts
WHERE delivery_id IN (SELECT value FROM json_each(@deliveryIds))
ORDER BY delivery_id, attempt_number`

export const EXPORT_REJECTIONS = `-- Params: @afterSeq INTEGER, @limit INTEGER
SELECT ${REJECTION_COLUMNS}, captured_method, captured_url, captured_body, captured_truncated, captured_sealed
FROM rejections
WHERE seq > @afterSeq
ORDER BY seq
LIMIT @limit`

/** An imported event under its own id; `changes` 0 when its id or (source_id, dedupe_key) is already stored. */
export const IMPORT_EVENT = `-- Params: as INSERT_EVENT
INSERT INTO events (id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING`

/** An imported delivery in its state (never in flight: no lease crosses stores). */
export const IMPORT_DELIVERY = `-- Params: @id TEXT, @eventId TEXT, @destinationId TEXT, @status TEXT, @attempts INTEGER, @createdAt INTEGER,
--         @dueAt INTEGER|NULL, @lastAttemptAt INTEGER|NULL, @completedAt INTEGER|NULL, @deadReason TEXT|NULL, @replayOf TEXT|NULL
INSERT INTO deliveries (id, event_id, destination_id, status, attempts, created_at, next_attempt_at, due_at,
                        last_attempt_at, completed_at, dead_reason, replay_of)
VALUES (@id, @eventId, @destinationId, @status, @attempts, @createdAt, @dueAt, @dueAt,
        @lastAttemptAt, @completedAt, @deadReason, @replayOf)
ON CONFLICT DO NOTHING`

export const IMPORT_ATTEMPT = `-- Params: as INSERT_ATTEMPT
INSERT INTO attempts (id, delivery_id, attempt_number, worker_id, started_at, duration_ms, status_code, error,
                      response_body, next_kind, next_at, next_reason)
VALUES (@id, @deliveryId, @attemptNumber, @workerId, @startedAt, @durationMs, @statusCode, @error,
        @responseBody, @nextKind, @nextAt, @nextReason)
ON CONFLICT DO NOTHING`

export const IMPORT_REJECTION = `-- Params: as INSERT_REJECTION
INSERT INTO rejections (id, source_id, received_at, status, reason, message, remote_address, headers, body_size, body_sha256,
                        diagnosed, diagnosis, captured_method, captured_url, captured_body, captured_truncated, captured_sealed)
VALUES (@id, @sourceId, @receivedAt, @status, @reason, @message, @remoteAddress, @headers, @bodySize, @bodySha256,
        @diagnosed, @diagnosis, @capturedMethod, @capturedUrl, @capturedBody, @capturedTruncated, @capturedSealed)
ON CONFLICT DO NOTHING`

/**
 * Rows per kind and the oldest records, for the cached `/metrics` store gauges. count(*) walks the smallest index
 * (no table pages); min(received_at) is one index probe; the oldest rejection is the first by seq.
 */
export const STORE_COUNTS = `-- Params: none
SELECT (SELECT count(*) FROM events) AS events,
       (SELECT count(*) FROM rejections) AS rejections,
       (SELECT min(received_at) FROM events) AS oldest_event_at,
       (SELECT received_at FROM rejections ORDER BY seq LIMIT 1) AS oldest_rejection_at`

/** Deliveries per status, on the (destination_id, status) index. */
export const STORE_DELIVERY_COUNTS = `-- Params: none
SELECT status, count(*) AS n FROM deliveries GROUP BY status`
