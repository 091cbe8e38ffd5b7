/**
 * @module storage/sqlite/migrations/0005-dashboard
 * What the dashboard's reads need to stay fast on a million events (issue 13):
 * - `traffic`: pre-aggregated counts per (minute, kind, subject, outcome) for the overview's charts, added to by
 *   the gateway's traffic recorder every few seconds (an upsert adding counts). Keyed by minute first, so a
 *   window is one range scan. WITHOUT ROWID: the key is the row.
 * - events by type (`?type=`), by the provider's id and by dedupe key (`?q=`, exact match), newest first;
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
CREATE INDEX events_provider_event_id ON events (provider_event_id) WHERE provider_event_id IS NOT NULL;
CREATE INDEX events_dedupe_key ON events (dedupe_key);
CREATE INDEX deliveries_status ON deliveries (status, destination_id, event_id);
`,
}
