/**
 * One page of events, newest first, keyset-paginated on seq (never OFFSET: constant cost per page, and no
 * skipped or repeated rows while new events arrive). Without a cursor, pass the largest integer.
 */
export const LIST_EVENTS = `-- Params: @beforeSeq INTEGER (exclusive), @limit INTEGER
SELECT seq, id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body
FROM events
WHERE seq < @beforeSeq
ORDER BY seq DESC
LIMIT @limit`
