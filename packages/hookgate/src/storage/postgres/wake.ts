/**
 * @module storage/postgres/wake
 * LISTEN side of "deliveries may be due": one dedicated connection per storage, started on the first
 * subscription, that calls every subscriber when any instance on the same schema queues or frees deliveries
 * (`pg_notify` in the same statement, so only after the commit). Internal.
 *
 * The connection is re-established with a capped backoff when it drops (server restart, failover, network),
 * and subscribers are called once after every (re)connect: notifications sent while it was down are lost, so
 * the worker must look at the queue itself. A notification is only a hint; workers still poll, slowly.
 */
import type { Pool, PoolClient } from 'pg'

const MIN_RETRY_MS = 250
const MAX_RETRY_MS = 10_000

export class WakeListener {
  readonly #pool: Pick<Pool, 'connect'>
  readonly #channel: string
  readonly #onError: (error: Error) => void
  readonly #listeners = new Set<() => void>()
  #client: PoolClient | undefined
  #connecting = false
  #retryMs = MIN_RETRY_MS
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(pool: Pick<Pool, 'connect'>, channel: string, onError: (error: Error) => void) {
    this.#pool = pool
    this.#channel = channel
    this.#onError = onError
  }

  /** Adds a subscriber; returns its unsubscribe function. The first subscriber starts the connection. */
  subscribe(listener: () => void): () => void {
    if (this.#closed) return () => undefined
    this.#listeners.add(listener)
    if (this.#client === undefined && !this.#connecting && this.#timer === undefined) void this.#connect()
    return () => {
      this.#listeners.delete(listener)
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#listeners.clear()
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    const client = this.#client
    this.#client = undefined
    if (client !== undefined) {
      // Destroyed rather than returned: a pooled connection must not stay subscribed to the channel.
      client.release(true)
    }
  }

  #wake(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener()
      } catch (error) {
        this.#onError(error instanceof Error ? error : new Error(String(error)))
      }
    }
  }

  async #connect(): Promise<void> {
    this.#connecting = true
    let client: PoolClient | undefined
    try {
      client = await this.#pool.connect()
      const connected = client
      // A checked-out client has no 'error' listener of the pool's: without ours, a dropped connection would
      // be an unhandled 'error' event and crash the process.
      connected.on('error', (error: Error) => this.#lost(connected, error))
      connected.on('notification', (message) => {
        if (message.channel === this.#channel) this.#wake()
      })
      await connected.query(`LISTEN "${this.#channel}"`)
      if (this.#closed) {
        connected.release(true)
        return
      }
      this.#client = connected
      this.#retryMs = MIN_RETRY_MS
      // Whatever was notified while nobody listened is lost: let the subscribers look for themselves.
      this.#wake()
    } catch (error) {
      client?.release(true)
      this.#onError(error instanceof Error ? error : new Error(String(error)))
      this.#retry()
    } finally {
      this.#connecting = false
    }
  }

  #lost(client: PoolClient, error: Error): void {
    if (this.#client !== client) return
    this.#client = undefined
    client.release(error)
    this.#onError(error)
    this.#retry()
  }

  #retry(): void {
    if (this.#closed || this.#listeners.size === 0) return
    const delay = this.#retryMs
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (!this.#closed) void this.#connect()
    }, delay)
    this.#timer.unref()
  }
}
