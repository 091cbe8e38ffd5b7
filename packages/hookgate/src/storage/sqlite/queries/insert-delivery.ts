/**
 * One new pending delivery: at ingest (in the event's transaction, due at its receivedAt) or for a replay
 * (due at the requeue's now, `replayOf` naming the pair's previous latest delivery).
 */
export const INSERT_DELIVERY = `-- Params: @id TEXT, @eventId TEXT, @destinationId TEXT, @createdAt INTEGER (ms since epoch),
--         @dueAt INTEGER (ms since epoch), @replayOf TEXT|NULL
INSERT INTO deliveries (id, event_id, destination_id, status, attempts, created_at, next_attempt_at, due_at, replay_of)
VALUES (@id, @eventId, @destinationId, 'pending', 0, @createdAt, @dueAt, @dueAt, @replayOf)`
