/**
 * @module storage/postgres/context
 * What every part of the PostgreSQL backend shares: the client, the group-commit queue, the clock and the
 * id generators. Internal.
 */
import type { StoreIds } from '../ids.ts'
import type { PostgresClient } from './client.ts'
import type { PostgresCommitQueue } from './commit-queue.ts'

export interface PostgresContext {
  readonly db: PostgresClient
  readonly queue: PostgresCommitQueue
  /** Milliseconds since the epoch. */
  readonly now: () => number
  readonly ids: StoreIds
  /** Throws `StorageUnavailableError` once the store is closed. */
  readonly assertOpen: () => void
}
