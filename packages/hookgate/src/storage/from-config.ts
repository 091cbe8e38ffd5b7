/**
 * @module storage/from-config
 * Opens the store a validated configuration names (`storage.sqlite` or `storage.postgres`): what
 * `createGateway` and `hookgate migrate` share.
 */
import type { StorageConfig } from '../config.ts'
import { createPostgresStorage } from './postgres/index.ts'
import { createSqliteStorage } from './sqlite/index.ts'
import type { Storage } from './types.ts'

export interface StorageFromConfigHooks {
  /** Feeds the commit histograms of `/metrics`. */
  readonly onCommit?: (batchSize: number, durationMs: number) => void
  /** Background errors of the PostgreSQL pool (a dropped idle connection, the LISTEN connection lost). */
  readonly onError?: (error: Error) => void
}

/**
 * Creates (does not migrate) the configured store.
 * @throws StorageUnavailableError when a SQLite file cannot be opened (PostgreSQL connects lazily)
 */
export function createStorageFromConfig(
  config: StorageConfig,
  hooks: StorageFromConfigHooks = {},
): Storage {
  const maxRejections =
    config.maxRejections === undefined ? {} : { maxRejections: config.maxRejections }
  const onCommit = hooks.onCommit === undefined ? {} : { onCommit: hooks.onCommit }
  if (config.kind === 'postgres') {
    return createPostgresStorage({
      connectionString: config.postgres,
      schema: config.schema,
      poolSize: config.poolSize,
      ...maxRejections,
      ...onCommit,
      ...(hooks.onError === undefined ? {} : { onError: hooks.onError }),
    })
  }
  return createSqliteStorage({ path: config.sqlite, ...maxRejections, ...onCommit })
}

/** The store for logs and messages: the SQLite path, or the PostgreSQL URL without its password, plus the schema. */
export function describeStorage(config: StorageConfig): string {
  if (config.kind === 'sqlite') return config.sqlite
  return `${redactUrl(config.postgres)} (schema ${config.schema})`
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`; a password in the query string too. */
export function redactUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'postgres://(unparsable URL)'
  }
  if (url.password !== '') url.password = '***'
  for (const key of [...url.searchParams.keys()]) {
    if (/pass|secret|key|token/i.test(key)) url.searchParams.set(key, '***')
  }
  return url.toString()
}
