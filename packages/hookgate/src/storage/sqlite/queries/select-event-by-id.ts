/** One event by its public id (`evt_…`). */
export const SELECT_EVENT_BY_ID = `-- Params: @id TEXT
SELECT seq, id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body
FROM events
WHERE id = @id`
