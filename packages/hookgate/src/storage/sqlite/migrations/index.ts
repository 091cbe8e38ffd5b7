/**
 * @module storage/sqlite/migrations
 * The ordered list of SQLite migrations and the runner. Migrations are TypeScript modules holding SQL text
 * (no runtime `.sql` reads, so bundling and `dist/` need no asset copying).
 */
import type BetterSqlite3 from 'better-sqlite3'
import { CREATE_MIGRATIONS_TABLE } from '../queries/create-migrations-table.ts'
import { INSERT_MIGRATION } from '../queries/insert-migration.ts'
import { SELECT_APPLIED_MIGRATIONS } from '../queries/select-applied-migrations.ts'
import { migration0001 } from './0001-init.ts'
import { migration0002 } from './0002-deliveries.ts'
import { migration0003 } from './0003-rejection-diagnosis.ts'
import { migration0004 } from './0004-retention.ts'
import { migration0005 } from './0005-dashboard.ts'

/** One schema step. `id` is `NNNN-name`; ids sort in the order they must run. */
export interface SqliteMigration {
  readonly id: string
  readonly sql: string
}

/** Every migration, oldest first. Append only. */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
]

/**
 * Applies the migrations of `migrations` that the database lacks, in order, in ONE `BEGIN IMMEDIATE`
 * transaction (SQLite DDL is transactional): a crash leaves the schema at the old or the new version, never
 * between, and two processes migrating at once serialise on the write lock. Idempotent.
 * @returns the ids applied by this call (empty when already up to date)
 * @throws Error when the database holds a migration this code does not know (it was migrated by a newer release)
 */
export function runMigrations(
  db: BetterSqlite3.Database,
  migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS,
  now: () => number = Date.now,
): string[] {
  const migrate = db.transaction(() => {
    db.prepare(CREATE_MIGRATIONS_TABLE).run()
    const done = (db.prepare(SELECT_APPLIED_MIGRATIONS).all() as { id: string }[]).map(
      (row) => row.id,
    )
    const known = new Set(migrations.map((m) => m.id))
    const unknown = done.filter((id) => !known.has(id))
    if (unknown.length > 0) {
      throw new Error(
        `The database was migrated by a newer Hookgate (unknown migrations: ${unknown.join(', ')}); upgrade Hookgate`,
      )
    }
    const applied: string[] = []
    const insert = db.prepare(INSERT_MIGRATION)
    for (const migration of migrations) {
      if (done.includes(migration.id)) continue
      db.exec(migration.sql)
      insert.run({ id: migration.id, appliedAt: now() })
      applied.push(migration.id)
    }
    return applied
  })
  return migrate.immediate()
}
