/** Records one applied migration, in the same transaction as its DDL. */
export const INSERT_MIGRATION = `-- Params: @id TEXT, @appliedAt INTEGER (ms since epoch)
INSERT INTO schema_migrations (id, applied_at) VALUES (@id, @appliedAt)`
