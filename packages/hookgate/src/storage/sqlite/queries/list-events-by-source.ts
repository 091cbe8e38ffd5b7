/**
 * LIST_EVENTS for one source, walking the (source_id, seq) index. A separate statement rather than
 * `(@sourceId IS NULL OR …)`, which SQLite would plan without the index.
 */
export const LIST_EVENTS_BY_SOURCE = `-- Params: @sourceId TEXT, @beforeSeq INTEGER (exclusive), @limit INTEGER
SELECT seq, id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body
FROM events
WHERE source_id = @sourceId AND seq < @beforeSeq
ORDER BY seq DESC
LIMIT @limit`
