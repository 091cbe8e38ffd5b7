/**
 * @module storage/postgres/migrations/0004-cheaper-event-indexes
 * Issue 15, as SQLite's 0006: 0003's indexes on events (dedupe_key) and (provider_event_id) were keyed by random
 * values (UUID delivery ids), so every new event touched one more random leaf page of each (WAL records, full-page
 * writes after checkpoints). The dashboard's `?q=` finds the same rows through the UNIQUE (source_id, dedupe_key)
 * index, probed once per stored source (a skip scan of events_source_seq gives the sources), and through a partial
 * index on the provider's id holding only the rows where it differs from the dedupe key (the gateway stores the
 * provider's id AS the dedupe key whenever there is one).
 */
import type { PostgresMigration } from './index.ts'

export const migration0004: PostgresMigration = {
  id: '0004-cheaper-event-indexes',
  sql: `
DROP INDEX {schema}.events_dedupe_key;
DROP INDEX {schema}.events_provider_event_id;
CREATE INDEX events_provider_event_id_other ON {schema}.events (provider_event_id)
  WHERE provider_event_id IS NOT NULL AND provider_event_id <> dedupe_key;
`,
}
