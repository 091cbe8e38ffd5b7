/**
 * @module storage/postgres/sql
 * What every PostgreSQL statement of this backend shares: the `{schema}` placeholder, schema-name rules,
 * advisory-lock keys and the notification channel. Internal.
 */
import { createHash } from 'node:crypto'

/** The schema used when none is configured. */
export const DEFAULT_SCHEMA = 'hookgate'

/**
 * Schema names accepted: an unquoted-style lowercase identifier, so that the quoted form used in statements,
 * the name shown in `psql` and the name written in the config are all the same string.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** @throws TypeError for a name outside `[a-z_][a-z0-9_]{0,62}` */
export function checkSchemaName(schema: string): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new TypeError(
      `schema must be 1-63 lowercase letters, digits or "_", not starting with a digit (got ${JSON.stringify(String(schema).slice(0, 70))})`,
    )
  }
  return schema
}

/** Replaces every `{schema}` in a statement by the quoted schema name (validated by {@link checkSchemaName}). */
export function inSchema(sql: string, schema: string): string {
  return sql.replaceAll('{schema}', `"${checkSchemaName(schema)}"`)
}

/**
 * A pair of int4 keys for `pg_advisory_lock(int, int)`, derived from `purpose` and the schema: the same
 * purpose in two schemas never blocks, and no other application's single-bigint keys are touched.
 */
export function lockKeys(purpose: string, schema: string): [number, number] {
  const digest = createHash('sha256').update(`hookgate:${purpose}:${schema}`).digest()
  return [digest.readInt32BE(0), digest.readInt32BE(4)]
}

/**
 * The LISTEN/NOTIFY channel that says "deliveries may be due" for one schema. Hashed because channel names are
 * identifiers (63 bytes at most) and the schema alone may already be that long.
 */
export function wakeChannel(schema: string): string {
  return `hookgate_due_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`
}
