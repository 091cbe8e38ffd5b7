/**
 * Stores one event unless its (source_id, dedupe_key) is already stored. `changes` is 1 when inserted,
 * 0 for a duplicate (then read the stored row with SELECT_EVENT_BY_DEDUPE_KEY). Also catches a duplicate
 * earlier in the same batch: that row is visible inside the transaction.
 */
export const INSERT_EVENT = `-- Params, positional (binding an array costs less than named ones, per webhook): id TEXT, source_id TEXT,
--         provider TEXT, dedupe_key TEXT, provider_event_id TEXT|NULL, event_type TEXT|NULL,
--         received_at INTEGER (ms since epoch), headers TEXT (JSON object), body BLOB
INSERT INTO events (id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source_id, dedupe_key) DO NOTHING`
