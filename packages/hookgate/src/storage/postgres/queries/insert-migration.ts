/** Records one applied migration, in the same transaction as its DDL. */
export const INSERT_MIGRATION = `-- Params: $1 text (migration id), $2 timestamptz (applied at)
INSERT INTO {schema}.schema_migrations (id, applied_at) VALUES ($1, $2)`
