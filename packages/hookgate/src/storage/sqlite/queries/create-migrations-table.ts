/** The migration ledger. Created by the migration runner itself (not by a migration), hence IF NOT EXISTS. */
export const CREATE_MIGRATIONS_TABLE = `-- Params: none
CREATE TABLE IF NOT EXISTS schema_migrations (
  id         TEXT    PRIMARY KEY,
  applied_at INTEGER NOT NULL
) STRICT`
