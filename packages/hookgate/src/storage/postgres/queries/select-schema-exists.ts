/** One row when the schema exists. */
export const SELECT_SCHEMA_EXISTS = `-- Params: $1 text (schema name)
SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1`
