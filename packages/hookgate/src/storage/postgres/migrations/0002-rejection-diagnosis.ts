/**
 * @module storage/postgres/migrations/0002-rejection-diagnosis
 * Rejections gain their diagnosis (issue 9 §2): whether `diagnose()` ran (NULL: not a signature failure) and its
 * hints as a JSON array of `{ code, message }`; and, for sources with `captureRejected`, the request as received:
 * method, display URL, the body (at most `captureMaxBytes`, `captured_truncated` when cut) and the sealed
 * signature headers (AES-256-GCM under keys derived from the source's secrets; never a secret, never readable
 * without one). Captured requests are pruned with their rows by the rejection cap. Same columns as SQLite 0003.
 */
import type { PostgresMigration } from './index.ts'

export const migration0002: PostgresMigration = {
  id: '0002-rejection-diagnosis',
  sql: `
ALTER TABLE {schema}.rejections
  ADD COLUMN diagnosed          boolean,
  ADD COLUMN diagnosis          json,
  ADD COLUMN captured_method    text,
  ADD COLUMN captured_url       text,
  ADD COLUMN captured_body      bytea,
  ADD COLUMN captured_truncated boolean,
  ADD COLUMN captured_sealed    text;
`,
}
