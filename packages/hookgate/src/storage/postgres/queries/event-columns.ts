/** The columns every event read returns (the row shape `toStoredEvent` maps). */
export const EVENT_COLUMNS = `seq, id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body`
