/** The stored event a duplicate refers to (uses the UNIQUE (source_id, dedupe_key) index). */
export const SELECT_EVENT_BY_DEDUPE_KEY = `-- Params: @sourceId TEXT, @dedupeKey TEXT
SELECT seq, id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body
FROM events
WHERE source_id = @sourceId AND dedupe_key = @dedupeKey`
