/**
 * @module storage/postgres/migrations/0003-dashboard
 * What the dashboard's reads need to stay fast on a million events (issue 13), as SQLite's 0005:
 * - `traffic`: pre-aggregated counts per (minute, kind, subject, outcome) for the overview's charts, added to by
 *   every instance's traffic recorder every few seconds (an upsert adding counts). Keyed by minute first, so a
 *   window is one range scan.
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
import type { PostgresMigration } from './index.ts'

export const migration0003: PostgresMigration = {
  id: '0003-dashboard',
  sql: `
CREATE TABLE {schema}.traffic (
  minute     timestamptz NOT NULL,
  kind       text        NOT NULL CHECK (kind IN ('source', 'destination')),
  subject_id text        NOT NULL,
  outcome    text        NOT NULL,
  count      bigint      NOT NULL,
  CONSTRAINT traffic_key PRIMARY KEY (minute, kind, subject_id, outcome)
);

CREATE INDEX events_type_seq ON {schema}.events (event_type, seq);
CREATE INDEX events_provider_event_id_other ON {schema}.events (provider_event_id)
  WHERE provider_event_id IS NOT NULL AND provider_event_id <> dedupe_key;
CREATE INDEX deliveries_status ON {schema}.deliveries (status, destination_id, event_id);
`,
}
