/**
 * @module storage/sqlite/migrations/0005-dashboard
 * What the dashboard's reads need to stay fast on a million events (issue 13):
 * - `traffic`: pre-aggregated counts per (minute, kind, subject, outcome) for the overview's charts, added to by
 *   the gateway's traffic recorder every few seconds (an upsert adding counts). Keyed by minute first, so a
 *   window is one range scan. WITHOUT ROWID: the key is the row.
 * - events by type (`?type=`), newest first;
 * - `?q=` (exact match) without an index keyed by random values (GitHub delivery ids are UUIDs: such an index
 *   dirties one more random leaf page per stored event, measured at about half the store's CPU per event, issue
 *   15): by dedupe key through the UNIQUE (source_id, dedupe_key) index the dedupe already keeps, probed once per
 *   stored source; by the provider's id through the same probe (the gateway stores it AS the dedupe key when
 *   there is one), plus a partial index holding only the rows whose provider id differs from their dedupe key
 *   (stored through the API with both given): empty for what the gateway ingests;
 * - deliveries by status, covering the destination and the event: the events filter `?status=dead` and the
 *   overview's backlog count open and dead deliveries without reading delivered history.
 */
import type { SqliteMigration } from './index.ts'

export const migration0005: SqliteMigration = {
  id: '0005-dashboard',
  sql: `
CREATE TABLE traffic (
  minute     INTEGER NOT NULL,
  kind       TEXT    NOT NULL CHECK (kind IN ('source', 'destination')),
  subject_id TEXT    NOT NULL,
  outcome    TEXT    NOT NULL,
  count      INTEGER NOT NULL,
  PRIMARY KEY (minute, kind, subject_id, outcome)
) STRICT, WITHOUT ROWID;

CREATE INDEX events_type_seq ON events (event_type, seq);
CREATE INDEX events_provider_event_id_other ON events (provider_event_id)
  WHERE provider_event_id IS NOT NULL AND provider_event_id <> dedupe_key;
CREATE INDEX deliveries_status ON deliveries (status, destination_id, event_id);
`,
}
