/** Ids of the migrations already applied, in the order they were applied. */
export const SELECT_APPLIED_MIGRATIONS = `-- Params: none
SELECT id FROM schema_migrations ORDER BY id`
