/**
 * @module storage/postgres/retention
 * Retention of the PostgreSQL backend: one short transaction per `prune` call, deleting at most `batchSize` rows
 * of each kind, so autovacuum keeps up and no lock is held for long. (For very large stores, partition the
 * tables by time and drop old partitions instead: see the README.) Internal.
 */
import { checkPrune } from '../domain/inputs.ts'
import type { Retention } from '../types.ts'
import { toStorageError } from './client.ts'
import type { PostgresContext } from './context.ts'
import { PRUNE_EVENTS, PRUNE_REJECTIONS } from './queries/prune.ts'
import { iso } from './rows.ts'

export function createPostgresRetention(ctx: PostgresContext): Retention {
  const { db } = ctx
  return {
    async prune(options) {
      ctx.assertOpen()
      const { olderThanMs, maxEvents, rejectionsOlderThanMs, batchSize } = checkPrune(options)
      let events = 0
      let rejections = 0
      try {
        if (olderThanMs !== undefined || maxEvents > 0) {
          events = await db.inLockedTransaction('replay', async (client) => {
            const result = await db.run(client, 'prune-events', PRUNE_EVENTS, [
              olderThanMs === undefined ? null : iso(olderThanMs),
              maxEvents > 0 ? maxEvents : null,
              batchSize,
            ])
            return result.rowCount ?? 0
          })
        }
        if (rejectionsOlderThanMs !== undefined) {
          const result = await db.query('prune-rejections', PRUNE_REJECTIONS, [
            iso(rejectionsOlderThanMs),
            batchSize,
          ])
          rejections = result.rowCount ?? 0
        }
      } catch (error) {
        throw toStorageError(error, 'PostgreSQL prune failed')
      }
      return { events, rejections, more: events === batchSize || rejections === batchSize }
    },
  }
}
