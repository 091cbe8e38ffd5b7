/** The migration ledger. Created by the migration runner itself (not by a migration), hence IF NOT EXISTS. */
export const CREATE_MIGRATIONS_TABLE = `-- Params: none
CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
  id         text        PRIMARY KEY,
  applied_at timestamptz NOT NULL
)`
