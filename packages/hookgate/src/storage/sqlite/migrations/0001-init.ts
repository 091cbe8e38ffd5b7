/**
 * @module storage/sqlite/migrations/0001-init
 * Events (deduplicated per source, raw body as a BLOB), rejections (capped by the storage) and the
 * one-row health table that `checkWritable()` writes to. Deliveries arrive in a later migration.
 *
 * Conventions for every SQLite migration: STRICT tables (a BLOB stays a BLOB, an INTEGER an INTEGER),
 * `seq INTEGER PRIMARY KEY` (the rowid) as the insertion order that keyset pagination walks, times as
 * integer milliseconds since the epoch, JSON as TEXT. Never edit a migration once released: add the next one.
 */
import type { SqliteMigration } from './index.ts'

export const migration0001: SqliteMigration = {
  id: '0001-init',
  sql: `
CREATE TABLE events (
  seq               INTEGER PRIMARY KEY,
  id                TEXT    NOT NULL UNIQUE,
  source_id         TEXT    NOT NULL,
  provider          TEXT    NOT NULL,
  dedupe_key        TEXT    NOT NULL,
  provider_event_id TEXT,
  event_type        TEXT,
  received_at       INTEGER NOT NULL,
  headers           TEXT    NOT NULL,
  body              BLOB    NOT NULL,
  UNIQUE (source_id, dedupe_key)
) STRICT;

CREATE INDEX events_source_seq ON events (source_id, seq);

CREATE TABLE rejections (
  seq            INTEGER PRIMARY KEY,
  id             TEXT    NOT NULL UNIQUE,
  source_id      TEXT    NOT NULL,
  received_at    INTEGER NOT NULL,
  status         INTEGER NOT NULL,
  reason         TEXT    NOT NULL,
  message        TEXT    NOT NULL,
  remote_address TEXT,
  headers        TEXT    NOT NULL,
  body_size      INTEGER NOT NULL,
  body_sha256    TEXT    NOT NULL
) STRICT;

CREATE INDEX rejections_source_seq ON rejections (source_id, seq);

CREATE TABLE health (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  checked_at INTEGER NOT NULL
) STRICT;
`,
}
