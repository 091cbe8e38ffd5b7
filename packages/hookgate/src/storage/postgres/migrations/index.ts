/**
 * @module storage/postgres/migrations
 * The ordered list of PostgreSQL migrations and the runner. Migrations are TypeScript modules holding SQL text
 * (no runtime `.sql` reads, so bundling and `dist/` need no asset copying).
 */
import type { Pool, PoolClient } from 'pg'
import { CREATE_MIGRATIONS_TABLE } from '../queries/create-migrations-table.ts'
import { INSERT_MIGRATION } from '../queries/insert-migration.ts'
import { SELECT_APPLIED_MIGRATIONS } from '../queries/select-applied-migrations.ts'
import { SELECT_SCHEMA_EXISTS } from '../queries/select-schema-exists.ts'
import { inSchema, lockKeys } from '../sql.ts'
import { migration0001 } from './0001-init.ts'
import { migration0002 } from './0002-rejection-diagnosis.ts'
import { migration0003 } from './0003-dashboard.ts'

/** One schema step. `id` is `NNNN-name`; ids sort in the order they must run. `{schema}` is the target schema. */
export interface PostgresMigration {
  readonly id: string
  readonly sql: string
}

/** Every migration, oldest first. Append only. */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  migration0001,
  migration0002,
  migration0003,
]

/**
 * Creates the schema when missing and applies the migrations it lacks, in order, in ONE transaction
 * (PostgreSQL DDL is transactional): a crash leaves the schema at the old or the new version, never between.
 *
 * Safe when several instances start at once: the transaction first takes a transaction-level advisory lock
 * keyed on the schema (`pg_advisory_xact_lock`), so concurrent runs queue up; each re-reads the ledger once it
 * holds the lock, and all but the first find nothing left to do. The lock is released by COMMIT/ROLLBACK, also
 * when the connection dies, so a crashed migrator never blocks the next one.
 * @returns the ids applied by this call (empty when already up to date)
 * @throws Error when the schema holds a migration this code does not know (it was migrated by a newer release)
 */
export async function runPostgresMigrations(
  pool: Pick<Pool, 'connect'>,
  schema: string,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
  now: () => number = Date.now,
): Promise<string[]> {
  const client = await pool.connect()
  let failed: unknown
  try {
    return await migrateWith(client, schema, migrations, now)
  } catch (error) {
    failed = error
    throw error
  } finally {
    // A broken connection must not go back to the pool.
    client.release(failed instanceof Error && isConnectionError(failed) ? failed : undefined)
  }
}

async function migrateWith(
  client: PoolClient,
  schema: string,
  migrations: readonly PostgresMigration[],
  now: () => number,
): Promise<string[]> {
  await client.query('BEGIN')
  try {
    const [key1, key2] = lockKeys('migrate', schema)
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [key1, key2])
    // Checked before creating: CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege on the database,
    // which a role given an existing schema may lack.
    const exists = await client.query(SELECT_SCHEMA_EXISTS, [schema])
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${schema}"`)
    await client.query(inSchema(CREATE_MIGRATIONS_TABLE, schema))
    const done = (
      await client.query<{ id: string }>(inSchema(SELECT_APPLIED_MIGRATIONS, schema))
    ).rows.map((row) => row.id)
    const known = new Set(migrations.map((m) => m.id))
    const unknown = done.filter((id) => !known.has(id))
    if (unknown.length > 0) {
      throw new Error(
        `The schema "${schema}" was migrated by a newer Hookgate (unknown migrations: ${unknown.join(', ')}); upgrade Hookgate`,
      )
    }
    const applied: string[] = []
    for (const migration of migrations) {
      if (done.includes(migration.id)) continue
      // No parameters: sent as a simple query, so one migration may hold several statements.
      await client.query(inSchema(migration.sql, schema))
      await client.query(inSchema(INSERT_MIGRATION, schema), [migration.id, new Date(now())])
      applied.push(migration.id)
    }
    await client.query('COMMIT')
    return applied
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
}

/** Errors of the connection itself (as opposed to an SQL error reported by the server). */
export function isConnectionError(error: Error): boolean {
  const code = (error as { code?: unknown }).code
  // SQLSTATE codes are 5 characters; anything else (ECONNRESET, …) or none at all is the socket or the client.
  return (
    typeof code !== 'string' ||
    !/^[0-9A-Z]{5}$/.test(code) ||
    code.startsWith('08') ||
    code.startsWith('57P')
  )
}
