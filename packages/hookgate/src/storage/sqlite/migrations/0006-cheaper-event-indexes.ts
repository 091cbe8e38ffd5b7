/**
 * @module storage/sqlite/migrations/0006-cheaper-event-indexes
 * Issue 15: two of 0005's event indexes cost ingest more than everything else the store does per event. Both
 * are keyed by random values (GitHub delivery ids are UUIDs), so every new event dirtied one more random leaf page
 * of each, written to the WAL at its commit and again at the next checkpoint: about 33 µs of CPU per stored
 * event, as much as the rest of the store's work (a 60,000-event ingest through the store: 72 → 38 µs per event).
 * The dashboard's `?q=` finds the same rows without them:
 * - by dedupe key: the UNIQUE (source_id, dedupe_key) index the dedupe already maintains, probed once per stored
 *   source (the sources come from a skip scan of events_source_seq: a few index seeks, not a scan);
 * - by the provider's id: the gateway stores it as the dedupe key whenever there is one, so that probe finds it
 *   too; only rows whose provider id differs from their dedupe key (stored through the API with both given)
 *   need their own index, now partial to exactly those rows, and empty for what the gateway ingests.
 */
import type { SqliteMigration } from './index.ts'

export const migration0006: SqliteMigration = {
  id: '0006-cheaper-event-indexes',
  sql: `
DROP INDEX events_dedupe_key;
DROP INDEX events_provider_event_id;
CREATE INDEX events_provider_event_id_other ON events (provider_event_id)
  WHERE provider_event_id IS NOT NULL AND provider_event_id <> dedupe_key;
`,
}
