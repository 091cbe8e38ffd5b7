/**
 * @module storage/postgres
 * The backend for several gateway instances: one PostgreSQL database (13 or later), one schema per deployment.
 */
export {
  createPostgresStorage,
  type PostgresStorageInstance,
  type PostgresStorageOptions,
} from './storage.ts'
export {
  POSTGRES_MIGRATIONS,
  runPostgresMigrations,
  type PostgresMigration,
} from './migrations/index.ts'
