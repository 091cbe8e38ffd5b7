/**
 * @module storage/postgres/client
 * How the PostgreSQL backend talks to the server: named statements prepared once per connection, borrowed
 * connections that are destroyed when broken, transactions holding an advisory lock, and every driver or
 * server error turned into the contract's `StorageUnavailableError`. Internal.
 */
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg'
import { StorageUnavailableError } from '../types.ts'
import { isConnectionError } from './migrations/index.ts'
import { inSchema, lockKeys, wakeChannel } from './sql.ts'

/** A statement of this backend: its text with the schema filled in, and the prepared-statement name. */
interface Statement {
  readonly name: string
  readonly text: string
}

export class PostgresClient {
  readonly pool: Pool
  readonly schema: string
  /** The LISTEN/NOTIFY channel of the schema ("deliveries may be due"). */
  readonly channel: string
  readonly #statements = new Map<string, Statement>()
  readonly #statementPrefix: string

  constructor(pool: Pool, schema: string) {
    this.pool = pool
    this.schema = schema
    this.channel = wakeChannel(schema)
    // Prepared-statement names are per connection; the schema hash keeps two storages sharing a pool apart.
    this.#statementPrefix = `hg_${this.channel.slice(-8)}_`
  }

  /** One statement on the pool (its own transaction), prepared once per connection. */
  async query<R extends QueryResultRow = QueryResultRow>(
    name: string,
    sql: string,
    values: unknown[],
  ): Promise<QueryResult<R>> {
    try {
      return await this.pool.query<R>({ ...this.#statement(name, sql), values })
    } catch (error) {
      throw toStorageError(error, 'PostgreSQL statement failed')
    }
  }

  /** One statement on a borrowed connection (inside a transaction). */
  run<R extends QueryResultRow = QueryResultRow>(
    client: PoolClient,
    name: string,
    sql: string,
    values: unknown[],
  ): Promise<QueryResult<R>> {
    return client.query<R>({ ...this.#statement(name, sql), values })
  }

  /** Runs `fn` in a transaction holding the schema's advisory lock for `purpose` (e.g. replays: queries/replay.ts). */
  async inLockedTransaction<T>(
    purpose: string,
    fn: (client: PoolClient) => Promise<T>,
  ): Promise<T> {
    return this.#withClient(async (client) => {
      await this.run(client, 'begin', 'BEGIN', [])
      try {
        const [key1, key2] = lockKeys(purpose, this.schema)
        await this.run(client, `${purpose}-lock`, 'SELECT pg_advisory_xact_lock($1, $2)', [
          key1,
          key2,
        ])
        const result = await fn(client)
        await this.run(client, 'commit', 'COMMIT', [])
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw error
      }
    })
  }

  /** Borrows a connection; a connection that failed is destroyed, not returned to the pool. */
  async #withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient
    try {
      client = await this.pool.connect()
    } catch (error) {
      throw toStorageError(error, 'PostgreSQL connection failed')
    }
    // A checked-out client has no 'error' listener of the pool's: a connection dropping between two statements
    // would otherwise be an unhandled 'error' event. The next statement reports it.
    let broken: Error | undefined
    const onError = (error: Error): void => {
      broken = error
    }
    client.on('error', onError)
    let failed: unknown
    try {
      return await fn(client)
    } catch (error) {
      failed = error
      throw toStorageError(error, 'PostgreSQL statement failed')
    } finally {
      client.off('error', onError)
      const destroy =
        broken ?? (failed instanceof Error && isConnectionError(failed) ? failed : undefined)
      client.release(destroy)
    }
  }

  #statement(name: string, sql: string): Statement {
    let statement = this.#statements.get(name)
    if (statement === undefined) {
      statement = { name: this.#statementPrefix + name, text: inSchema(sql, this.schema) }
      this.#statements.set(name, statement)
    }
    return statement
  }
}

/** Anything the driver or the server threw, as the contract's error (messages never hold the connection string). */
export function toStorageError(error: unknown, context: string): StorageUnavailableError {
  if (error instanceof StorageUnavailableError) return error
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  return new StorageUnavailableError(
    `${context}: ${typeof code === 'string' ? `${code}: ` : ''}${message}`,
    { cause: error },
  )
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
