/**
 * @module test/storage/postgres-support
 * What the PostgreSQL tests share: the server from HOOKGATE_TEST_POSTGRES_URL, one schema per test
 * (`gw_<sha1(file + test name)>_<n>`, dropped only when the test passed, so a failure leaves its data to look
 * at), a schema dump for the migration parity check, and a TCP proxy that can cut the connection to the server
 * without stopping it (other tests use the same server).
 */
import { createHash } from 'node:crypto'
import { createServer, connect, type Server, type Socket } from 'node:net'
import pg from 'pg'
import { expect, onTestFinished } from 'vitest'

/** The server the tests use; undefined = skip them (a laptop without PostgreSQL). */
export const POSTGRES_URL = process.env.HOOKGATE_TEST_POSTGRES_URL || undefined

let admin: pg.Pool | undefined

/** A small pool for test set-up and inspection (never the pool under test). */
export function adminPool(): pg.Pool {
  if (POSTGRES_URL === undefined) throw new Error('HOOKGATE_TEST_POSTGRES_URL is not set')
  admin ??= new pg.Pool({ connectionString: POSTGRES_URL, max: 3, connectionTimeoutMillis: 5_000 })
  return admin
}

export async function closeAdminPool(): Promise<void> {
  const pool = admin
  admin = undefined
  await pool?.end()
}

const perTest = new Map<string, number>()

/**
 * A new, empty schema name for the current test (dropped first if a failed run left it behind), dropped again
 * when the test passes. Call it inside a test.
 */
export async function testSchema(file: string): Promise<string> {
  const state = expect.getState()
  const name = `${file}\u0000${state.currentTestName ?? 'outside a test'}`
  const n = (perTest.get(name) ?? 0) + 1
  perTest.set(name, n)
  const schema = `gw_${createHash('sha1').update(name).digest('hex').slice(0, 16)}_${n}`
  await adminPool().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  onTestFinished(async ({ task }) => {
    if (task.result?.state === 'pass')
      await adminPool().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  })
  return schema
}

/**
 * Tables, columns, constraints, indexes and the migration ledger of a schema, as comparable text (the schema
 * name replaced by `{schema}`).
 */
export async function dumpSchema(schema: string): Promise<string> {
  const pool = adminPool()
  const columns = await pool.query(
    `SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default, is_identity, identity_generation
     FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schema],
  )
  const constraints = await pool.query(
    `SELECT c.relname AS table_name, con.conname, con.contype, pg_get_constraintdef(con.oid) AS definition
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 ORDER BY c.relname, con.conname`,
    [schema],
  )
  const indexes = await pool.query(
    `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY tablename, indexname`,
    [schema],
  )
  const migrations = await pool.query(`SELECT id FROM "${schema}".schema_migrations ORDER BY id`)
  const text = JSON.stringify(
    {
      columns: columns.rows,
      constraints: constraints.rows,
      indexes: indexes.rows,
      migrations: migrations.rows,
    },
    null,
    1,
  )
  return text.replaceAll(`"${schema}"`, '{schema}').replaceAll(schema, '{schema}')
}

/** `postgres://…` of the test server with its host and port replaced (to go through a proxy). */
export function urlVia(host: string, port: number): string {
  const url = new URL(POSTGRES_URL!)
  url.hostname = host
  url.port = String(port)
  return url.toString()
}

/** Host and port of the test server. */
export function serverAddress(): { host: string; port: number } {
  const url = new URL(POSTGRES_URL!)
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 5432) }
}

/**
 * A TCP forwarder to the PostgreSQL server that a test can break and mend:
 * - `cut()`: every open connection is reset (RST) and new ones are refused — the server "went down";
 * - `blackhole()`: connections stay open but nothing passes either way, new ones are accepted and ignored —
 *   a network partition, where only timeouts notice anything;
 * - `restore()`: forwards again (on the same port).
 */
export class TcpProxy {
  readonly #target: { host: string; port: number }
  #server: Server | undefined
  #port = 0
  #mode: 'up' | 'blackhole' = 'up'
  readonly #pairs = new Set<[Socket, Socket | undefined]>()
  /** Connections accepted so far (clients reconnecting show up here). */
  accepted = 0

  constructor(target: { host: string; port: number }) {
    this.#target = target
  }

  get port(): number {
    return this.#port
  }

  async start(): Promise<number> {
    await this.#listen(0)
    return this.#port
  }

  cut(): Promise<void> {
    this.#dropAll()
    const server = this.#server
    this.#server = undefined
    return new Promise((resolve) =>
      server === undefined ? resolve() : server.close(() => resolve()),
    )
  }

  blackhole(): void {
    this.#mode = 'blackhole'
    for (const [client, upstream] of this.#pairs) {
      client.unpipe()
      upstream?.unpipe()
      client.pause()
      upstream?.pause()
    }
  }

  async restore(): Promise<void> {
    this.#dropAll()
    this.#mode = 'up'
    if (this.#server === undefined) await this.#listen(this.#port)
  }

  async close(): Promise<void> {
    await this.cut()
  }

  #dropAll(): void {
    for (const [client, upstream] of this.#pairs) {
      client.resetAndDestroy()
      upstream?.resetAndDestroy()
    }
    this.#pairs.clear()
  }

  #listen(port: number): Promise<void> {
    const server = createServer((client) => this.#accept(client))
    this.#server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        this.#port = (server.address() as { port: number }).port
        resolve()
      })
    })
  }

  #accept(client: Socket): void {
    this.accepted++
    client.on('error', () => undefined)
    if (this.#mode === 'blackhole') {
      const pair: [Socket, Socket | undefined] = [client, undefined]
      this.#pairs.add(pair)
      client.pause()
      return
    }
    const upstream = connect(this.#target.port, this.#target.host)
    const pair: [Socket, Socket | undefined] = [client, upstream]
    this.#pairs.add(pair)
    upstream.on('error', () => client.destroy())
    client.on('close', () => {
      upstream.destroy()
      this.#pairs.delete(pair)
    })
    upstream.on('close', () => client.destroy())
    client.pipe(upstream)
    upstream.pipe(client)
  }
}
