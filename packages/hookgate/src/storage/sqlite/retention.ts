/**
 * @module storage/sqlite/retention
 * Retention of the SQLite backend: one short batch per `prune` call (it joins the group commit like any write,
 * so ingest waits at most for one batch), then the freed pages are given back to the file system
 * (`incremental_vacuum`, when the file was created with `auto_vacuum = INCREMENTAL`) and the WAL is checkpointed
 * (PASSIVE: never waits for readers) at the end of a run of batches and every few calls in it, so neither file grows
 * without bound. Internal.
 */
import { checkPrune } from '../domain/inputs.ts'
import type { Retention } from '../types.ts'
import type { SqliteContext } from './context.ts'

/** Pages freed per `incremental_vacuum` call at most, so one call never holds the lock long. */
const VACUUM_PAGES = 2_000
/** Calls of a run of batches (`more`) between two WAL checkpoints. */
const CHECKPOINT_EVERY = 8

export function createSqliteRetention(ctx: SqliteContext): Retention {
  const { queue } = ctx

  /** Calls that deleted or vacuumed since the last checkpoint. */
  let uncheckpointed = 0

  /**
   * Best effort, after the batch committed: gives up to VACUUM_PAGES free pages back (also on calls that deleted
   * nothing, so a large prune's free pages keep shrinking the file pass after pass) and checkpoints the WAL after
   * deletes or a vacuum (see below). A failure here (another process holding the lock) changes nothing about what was deleted, so it is
   * not the caller's error: the next call tries again.
   */
  function reclaim(deletedAny: boolean, more: boolean): void {
    try {
      queue.maintain((db) => {
        const vacuum =
          db.pragma('auto_vacuum', { simple: true }) === 2 &&
          (db.pragma('freelist_count', { simple: true }) as number) > 0
        if (vacuum) db.pragma(`incremental_vacuum(${VACUUM_PAGES})`)
        if (deletedAny || vacuum) uncheckpointed++
        // The file shrinks when the checkpoint copies the vacuumed pages back. It syncs the database file on the
        // main thread, so in a run of batches only every CHECKPOINT_EVERY-th call with changes and the last call
        // (not `more`) after changes do it.
        if (uncheckpointed === 0 || (more && uncheckpointed < CHECKPOINT_EVERY)) return
        uncheckpointed = 0
        db.pragma('wal_checkpoint(PASSIVE)')
      })
    } catch {
      // See above: retried on the next call.
    }
  }
  return {
    async prune(options) {
      queue.assertOpen()
      const { olderThanMs, maxEvents, rejectionsOlderThanMs, batchSize } = checkPrune(options)
      const deleted = await queue.write({
        durable: true,
        isolated: true,
        run: (s) => {
          let events = 0
          if (olderThanMs !== undefined || maxEvents > 0) {
            const cap =
              maxEvents > 0
                ? (s.selectEventCapSeq.get({ keep: maxEvents }) as { seq: number } | undefined)
                : undefined
            const rows = s.selectPrunableEvents.all({
              olderThan: olderThanMs ?? null,
              capSeq: cap?.seq ?? null,
              limit: batchSize,
            }) as { id: string }[]
            for (const { id: eventId } of rows) {
              s.deletePrunedAttempts.run({ eventId })
              s.deletePrunedDeliveries.run({ eventId })
              events += s.deletePrunedEvent.run({ eventId }).changes
            }
          }
          const rejections =
            rejectionsOlderThanMs === undefined
              ? 0
              : s.deleteOldRejections.run({ olderThan: rejectionsOlderThanMs, limit: batchSize })
                  .changes
          return { events, rejections }
        },
      })
      const more = deleted.events === batchSize || deleted.rejections === batchSize
      reclaim(deleted.events + deleted.rejections > 0, more)
      return { ...deleted, more }
    },
  }
}
