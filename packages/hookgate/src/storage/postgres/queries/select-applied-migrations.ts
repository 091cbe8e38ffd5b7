/** Ids of the migrations already applied, in id order (the order they ran). */
export const SELECT_APPLIED_MIGRATIONS = `-- Params: none
SELECT id FROM {schema}.schema_migrations ORDER BY id`
