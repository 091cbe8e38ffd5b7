/**
 * @module storage/sqlite
 * The embedded default backend: one SQLite file (better-sqlite3), no server to install.
 */
export { createSqliteStorage, type SqliteStorageOptions } from './storage.ts'
export { SQLITE_MIGRATIONS, type SqliteMigration } from './migrations/index.ts'
