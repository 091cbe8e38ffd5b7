/**
 * @module storage/postgres
 * The backend for several gateway instances: one PostgreSQL database (13 or later), one schema per deployment.
 */
import type { Storage } from '../types.ts'
import { PostgresStorage, type PostgresStorageOptions } from './storage.ts'

export type { PostgresStorageOptions } from './storage.ts'
export { POSTGRES_MIGRATIONS, runPostgresMigrations, type PostgresMigration } from './migrations/index.ts'

/** A PostgreSQL storage: the contract, plus the LISTEN/NOTIFY wake-up its delivery workers can use. */
export type PostgresStorageInstance = Storage & {
  readonly dialect: 'postgres'
  readonly schema: string
  onWake(listener: () => void): () => void
}

/**
 * Connects (lazily: nothing happens before the first call) to PostgreSQL as Hookgate storage. Call `migrate()`
 * before use; it creates the schema and its tables, and is safe to run from several instances at once.
 * Writes are group-committed: see `storage.ts`.
 * @throws TypeError for invalid options (no connection string or pool, a bad schema name)
 * @example
 * const storage = createPostgresStorage({ connectionString: process.env.DATABASE_URL, schema: 'hookgate' })
 * await storage.migrate()
 */
export function createPostgresStorage(options: PostgresStorageOptions): PostgresStorageInstance {
  return new PostgresStorage(options)
}
