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
import type { ClientBase } from 'pg'

/** A connection for LISTEN and how to give it back (`true`/an error: destroy it). */
export interface ListenConnection {
  readonly client: ClientBase
  release(destroy?: boolean | Error): void
}

const MIN_RETRY_MS = 250
const MAX_RETRY_MS = 10_000

export class WakeListener {
  readonly #connect: () => Promise<ListenConnection>
  readonly #channel: string
  readonly #onError: (error: Error) => void
  readonly #listeners = new Set<() => void>()
  #connection: ListenConnection | undefined
  #connecting = false
  #retryMs = MIN_RETRY_MS
  #timer: NodeJS.Timeout | undefined
  #closed = false

  /** `connect` opens the dedicated connection (its own, not one of the pool's when the storage owns the pool). */
  constructor(
    connect: () => Promise<ListenConnection>,
    channel: string,
    onError: (error: Error) => void,
  ) {
    this.#connect = connect
    this.#channel = channel
    this.#onError = onError
  }

  /** Adds a subscriber; returns its unsubscribe function. The first subscriber starts the connection. */
  subscribe(listener: () => void): () => void {
    if (this.#closed) return () => undefined
    this.#listeners.add(listener)
    if (this.#connection === undefined && !this.#connecting && this.#timer === undefined)
      void this.#open()
    return () => {
      this.#listeners.delete(listener)
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#listeners.clear()
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    const connection = this.#connection
    this.#connection = undefined
    // Destroyed rather than returned: a pooled connection must not stay subscribed to the channel.
    connection?.release(true)
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

  async #open(): Promise<void> {
    this.#connecting = true
    let connection: ListenConnection | undefined
    try {
      connection = await this.#connect()
      const opened = connection
      // Without an 'error' listener a dropped connection would be an unhandled 'error' event and crash the
      // process (a checked-out pool client has none of the pool's).
      opened.client.on('error', (error: Error) => this.#lost(opened, error))
      opened.client.on('notification', (message) => {
        if (message.channel === this.#channel) this.#wake()
      })
      await opened.client.query(`LISTEN "${this.#channel}"`)
      if (this.#closed) {
        opened.release(true)
        return
      }
      this.#connection = opened
      this.#retryMs = MIN_RETRY_MS
      // Whatever was notified while nobody listened is lost: let the subscribers look for themselves.
      this.#wake()
    } catch (error) {
      connection?.release(true)
      this.#onError(error instanceof Error ? error : new Error(String(error)))
      this.#retry()
    } finally {
      this.#connecting = false
    }
  }

  #lost(connection: ListenConnection, error: Error): void {
    if (this.#connection !== connection) return
    this.#connection = undefined
    connection.release(error)
    this.#onError(error)
    this.#retry()
  }

  #retry(): void {
    if (this.#closed || this.#listeners.size === 0) return
    const delay = this.#retryMs
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (!this.#closed) void this.#open()
    }, delay)
    this.#timer.unref()
  }
}
