/**
 * @module storage/sqlite/migrations/0004-retention
 * Retention (issue 14) finds expired events by `received_at`: an index, so a prune batch reads only what it
 * deletes. (New databases are also created with `auto_vacuum = INCREMENTAL` by `createSqliteStorage`, which must
 * happen before the first table: an existing file would need a full VACUUM, which is left to the operator.)
 */
import type { SqliteMigration } from './index.ts'

export const migration0004: SqliteMigration = {
  id: '0004-retention',
  sql: `
CREATE INDEX events_received_at ON events (received_at);
`,
}
