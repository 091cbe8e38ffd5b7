/**
 * @module storage/sqlite/migrations/0002-deliveries
 * Deliveries (one per event × destination, plus one per replay), their attempts, and the persistent state of
 * destinations (a 410 disables one across restarts).
 *
 * The queue key is `due_at`: `next_attempt_at` while pending, the lease end while in flight, NULL once final.
 * So "what can be claimed at @now" is one range scan of one partial index whatever the status, and a crashed
 * worker's claims become claimable again by themselves when their lease ends.
 */
import type { SqliteMigration } from './index.ts'

export const migration0002: SqliteMigration = {
  id: '0002-deliveries',
  sql: `
CREATE TABLE deliveries (
  seq              INTEGER PRIMARY KEY,
  id               TEXT    NOT NULL UNIQUE,
  event_id         TEXT    NOT NULL REFERENCES events (id),
  destination_id   TEXT    NOT NULL,
  status           TEXT    NOT NULL CHECK (status IN ('pending', 'in_flight', 'delivered', 'dead')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  next_attempt_at  INTEGER,
  due_at           INTEGER,
  lease_token      TEXT,
  lease_expires_at INTEGER,
  leased_by        TEXT,
  last_attempt_at  INTEGER,
  completed_at     INTEGER,
  dead_reason      TEXT,
  replay_of        TEXT,
  CHECK ((due_at IS NULL) = (status IN ('delivered', 'dead')))
) STRICT;

CREATE INDEX deliveries_due ON deliveries (due_at, seq) WHERE due_at IS NOT NULL;
CREATE INDEX deliveries_destination_due ON deliveries (destination_id, due_at, seq) WHERE due_at IS NOT NULL;
CREATE INDEX deliveries_event_pair ON deliveries (event_id, destination_id, seq);
CREATE UNIQUE INDEX deliveries_lease_token ON deliveries (lease_token) WHERE lease_token IS NOT NULL;
CREATE INDEX deliveries_destination_status ON deliveries (destination_id, status);

CREATE TABLE attempts (
  seq            INTEGER PRIMARY KEY,
  id             TEXT    NOT NULL UNIQUE,
  delivery_id    TEXT    NOT NULL REFERENCES deliveries (id),
  attempt_number INTEGER NOT NULL,
  worker_id      TEXT    NOT NULL,
  started_at     INTEGER NOT NULL,
  duration_ms    REAL    NOT NULL,
  status_code    INTEGER,
  error          TEXT,
  response_body  BLOB,
  next_kind      TEXT    NOT NULL CHECK (next_kind IN ('done', 'retry', 'dead')),
  next_at        INTEGER,
  next_reason    TEXT,
  UNIQUE (delivery_id, attempt_number)
) STRICT;

CREATE TABLE destinations (
  id              TEXT    PRIMARY KEY,
  disabled        INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  disabled_at     INTEGER,
  disabled_reason TEXT
) STRICT;
`,
}
