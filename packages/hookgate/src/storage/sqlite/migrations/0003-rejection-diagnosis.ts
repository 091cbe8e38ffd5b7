/**
 * @module storage/sqlite/migrations/0003-rejection-diagnosis
 * Rejections gain their diagnosis (issue 9 §2): whether `diagnose()` ran (NULL: not a signature failure) and its
 * hints as a JSON array of `{ code, message }`; and, for sources with `captureRejected`, the request as received:
 * method, display URL, the body (at most `captureMaxBytes`, `captured_truncated` when cut) and the sealed
 * signature headers (AES-256-GCM under keys derived from the source's secrets; never a secret, never readable
 * without one). Captured requests are pruned with their rows by the rejection cap.
 */
import type { SqliteMigration } from './index.ts'

export const migration0003: SqliteMigration = {
  id: '0003-rejection-diagnosis',
  sql: `
ALTER TABLE rejections ADD COLUMN diagnosed INTEGER CHECK (diagnosed IN (0, 1));
ALTER TABLE rejections ADD COLUMN diagnosis TEXT;
ALTER TABLE rejections ADD COLUMN captured_method TEXT;
ALTER TABLE rejections ADD COLUMN captured_url TEXT;
ALTER TABLE rejections ADD COLUMN captured_body BLOB;
ALTER TABLE rejections ADD COLUMN captured_truncated INTEGER CHECK (captured_truncated IN (0, 1));
ALTER TABLE rejections ADD COLUMN captured_sealed TEXT;
`,
}
