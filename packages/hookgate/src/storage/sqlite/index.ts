/**
 * @module storage/sqlite
 * The embedded default backend: one SQLite file (better-sqlite3), no server to install.
 */
import type { Storage } from '../types.ts'
import { SqliteStorage, type SqliteStorageOptions } from './storage.ts'

export type { SqliteStorageOptions } from './storage.ts'
export { SQLITE_MIGRATIONS, type SqliteMigration } from './migrations/index.ts'

/**
 * Opens (creating it and its directory when missing) a SQLite database as Hookgate storage. Call
 * `migrate()` before use. Writes are group-committed: see `storage.ts`.
 * @throws StorageUnavailableError when the file cannot be opened
 * @example
 * const storage = createSqliteStorage({ path: './data/hookgate.db', onCommit: (n, ms) => histogram.observe(n) })
 * await storage.migrate()
 */
export function createSqliteStorage(options: SqliteStorageOptions): Storage {
  return new SqliteStorage(options)
}
