/**
 * Retention (issue 14): one batch of expired events, oldest first, never one with a delivery still pending or in
 * flight. @capSeq is the seq of the newest event beyond the `maxEvents` cap (NULL: no cap), @olderThan the age
 * cut-off (NULL: none). Their deliveries and attempts are deleted with them (DELETE_PRUNED_*), in the same
 * transaction.
 */
export const SELECT_PRUNABLE_EVENTS = `-- Params: @olderThan INTEGER | NULL, @capSeq INTEGER | NULL, @limit INTEGER
SELECT id
FROM events AS e
WHERE (e.received_at < @olderThan OR e.seq <= @capSeq)
  AND NOT EXISTS (
    SELECT 1 FROM deliveries AS d
    WHERE d.event_id = e.id AND d.status IN ('pending', 'in_flight')
  )
ORDER BY e.seq
LIMIT @limit`

/** The seq of the newest event beyond the newest @keep (none when there are at most @keep events). */
export const SELECT_EVENT_CAP_SEQ = `-- Params: @keep INTEGER
SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET @keep`

export const DELETE_PRUNED_ATTEMPTS = `-- Params: @eventId TEXT
DELETE FROM attempts
WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id = @eventId)`

export const DELETE_PRUNED_DELIVERIES = `-- Params: @eventId TEXT
DELETE FROM deliveries WHERE event_id = @eventId`

export const DELETE_PRUNED_EVENT = `-- Params: @eventId TEXT
DELETE FROM events WHERE id = @eventId`

/** One batch of rejections received before @olderThan, oldest first. */
export const DELETE_OLD_REJECTIONS = `-- Params: @olderThan INTEGER, @limit INTEGER
DELETE FROM rejections
WHERE seq IN (SELECT seq FROM rejections WHERE received_at < @olderThan ORDER BY seq LIMIT @limit)`
