/**
 * @module storage/postgres/migrations/0003-dashboard
 * What the dashboard's reads need to stay fast on a million events (issue 13), as SQLite's 0005:
 * - `traffic`: pre-aggregated counts per (minute, kind, subject, outcome) for the overview's charts, added to by
 *   every instance's traffic recorder every few seconds (an upsert adding counts). Keyed by minute first, so a
 *   window is one range scan.
 * - events by type (`?type=`), by the provider's id and by dedupe key (`?q=`, exact match), newest first;
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
CREATE INDEX events_provider_event_id ON {schema}.events (provider_event_id) WHERE provider_event_id IS NOT NULL;
CREATE INDEX events_dedupe_key ON {schema}.events (dedupe_key);
CREATE INDEX deliveries_status ON {schema}.deliveries (status, destination_id, event_id);
`,
}
