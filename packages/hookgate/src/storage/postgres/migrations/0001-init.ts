/**
 * @module storage/postgres/migrations/0001-init
 * The whole PostgreSQL schema of the first release of this backend: events (deduplicated per source, raw body
 * as bytea), rejections (capped by the storage), deliveries with their attempts, the persistent state of
 * destinations, and the one-row health table that `checkWritable()` writes to. It mirrors SQLite's 0001 + 0002.
 *
 * Conventions for every PostgreSQL migration: `{schema}` stands for the quoted schema name (substituted by the
 * runner, so one text serves every schema); `seq bigint GENERATED ALWAYS AS IDENTITY` is the insertion order
 * that keyset pagination walks; times are `timestamptz` (microseconds, so JavaScript's milliseconds round-trip);
 * headers are `json` (the text as written: key order kept, and `\u0000` escapes allowed, which `jsonb` refuses).
 * Never edit a migration once released: add the next one.
 *
 * `deliveries.due_at` is the queue key, as in SQLite: `next_attempt_at` while pending, the lease end while in
 * flight, NULL once final. "What can be claimed at $now" is then one range scan of one partial index whatever
 * the status, and a crashed worker's claims become claimable by themselves when their lease ends.
 */
import type { PostgresMigration } from './index.ts'

export const migration0001: PostgresMigration = {
  id: '0001-init',
  sql: `
CREATE TABLE {schema}.events (
  seq               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id                text        NOT NULL UNIQUE,
  source_id         text        NOT NULL,
  provider          text        NOT NULL,
  dedupe_key        text        NOT NULL,
  provider_event_id text,
  event_type        text,
  received_at       timestamptz NOT NULL,
  headers           json        NOT NULL,
  body              bytea       NOT NULL,
  CONSTRAINT events_source_dedupe UNIQUE (source_id, dedupe_key)
);

CREATE INDEX events_source_seq ON {schema}.events (source_id, seq);
CREATE INDEX events_received_at ON {schema}.events (received_at);

CREATE TABLE {schema}.rejections (
  seq            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id             text        NOT NULL UNIQUE,
  source_id      text        NOT NULL,
  received_at    timestamptz NOT NULL,
  status         integer     NOT NULL,
  reason         text        NOT NULL,
  message        text        NOT NULL,
  remote_address text,
  headers        json        NOT NULL,
  body_size      bigint      NOT NULL,
  body_sha256    text        NOT NULL
);

CREATE INDEX rejections_source_seq ON {schema}.rejections (source_id, seq);

CREATE TABLE {schema}.deliveries (
  seq              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id               text        NOT NULL UNIQUE,
  event_id         text        NOT NULL REFERENCES {schema}.events (id) ON DELETE CASCADE,
  destination_id   text        NOT NULL,
  status           text        NOT NULL CHECK (status IN ('pending', 'in_flight', 'delivered', 'dead')),
  attempts         integer     NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL,
  next_attempt_at  timestamptz,
  due_at           timestamptz,
  lease_token      text,
  lease_expires_at timestamptz,
  leased_by        text,
  last_attempt_at  timestamptz,
  completed_at     timestamptz,
  dead_reason      text,
  replay_of        text,
  CONSTRAINT deliveries_due_iff_open CHECK ((due_at IS NULL) = (status IN ('delivered', 'dead')))
);

CREATE INDEX deliveries_due ON {schema}.deliveries (due_at, seq) WHERE due_at IS NOT NULL;
CREATE INDEX deliveries_destination_due ON {schema}.deliveries (destination_id, due_at, seq) WHERE due_at IS NOT NULL;
CREATE INDEX deliveries_event_pair ON {schema}.deliveries (event_id, destination_id, seq);
CREATE UNIQUE INDEX deliveries_lease_token ON {schema}.deliveries (lease_token) WHERE lease_token IS NOT NULL;

CREATE TABLE {schema}.attempts (
  seq            bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id             text             NOT NULL UNIQUE,
  delivery_id    text             NOT NULL REFERENCES {schema}.deliveries (id) ON DELETE CASCADE,
  attempt_number integer          NOT NULL,
  worker_id      text             NOT NULL,
  started_at     timestamptz      NOT NULL,
  duration_ms    double precision NOT NULL,
  status_code    integer,
  error          text,
  response_body  bytea,
  next_kind      text             NOT NULL CHECK (next_kind IN ('done', 'retry', 'dead')),
  next_at        timestamptz,
  next_reason    text,
  CONSTRAINT attempts_delivery_number UNIQUE (delivery_id, attempt_number)
);

CREATE TABLE {schema}.destinations (
  id              text        PRIMARY KEY,
  disabled        boolean     NOT NULL,
  disabled_at     timestamptz,
  disabled_reason text
);

CREATE TABLE {schema}.health (
  id         integer     PRIMARY KEY CHECK (id = 1),
  checked_at timestamptz NOT NULL
);
`,
}
