/**
 * @module storage/sqlite/context
 * What every part of the SQLite backend shares: the commit queue (every write and read goes through it),
 * the clock and the id generators. Internal.
 */
import type { StoreIds } from '../ids.ts'
import type { SqliteCommitQueue } from './commit-queue.ts'

export interface SqliteContext {
  readonly queue: SqliteCommitQueue
  /** Milliseconds since the epoch. */
  readonly now: () => number
  readonly ids: StoreIds
}
