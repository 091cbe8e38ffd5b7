/**
 * @module storage/sqlite/replay
 * Replays of the SQLite backend: new pending deliveries for settled pairs, one event or in bulk. Which pairs
 * is decided by `domain/delivery-state.ts` (one event) or the replay statements (in bulk). Internal.
 */
import { replayBatch } from '../domain/cursors.ts'
import { planRequeue } from '../domain/delivery-state.ts'
import {
  checkReplayFilter,
  checkRequeue,
  checkRequeueMatching,
  type CheckedReplayFilter,
} from '../domain/inputs.ts'
import type { DeliveryStatus, Replay } from '../types.ts'
import type { SqliteContext } from './context.ts'
import { deliveryParams, type ReplayMatchRow } from './rows.ts'

export function createSqliteReplay(ctx: SqliteContext): Replay {
  const { queue } = ctx
  return {
    async requeue(eventId, options = {}) {
      queue.assertOpen()
      const { nowMs, destinationIds } = checkRequeue(eventId, options, ctx.now)
      return queue.write({
        durable: true,
        isolated: true,
        run: (s) => {
          if (s.selectEventById.get({ id: eventId }) === undefined) return 0
          const latest = s.selectLatestDeliveriesOfEvent.all({ eventId }) as {
            id: string
            destination_id: string
            status: DeliveryStatus
          }[]
          const planned = planRequeue(
            latest.map((row) => ({
              destinationId: row.destination_id,
              id: row.id,
              status: row.status,
            })),
            destinationIds,
          )
          for (const { destinationId, replayOf } of planned) {
            s.insertDelivery.run(
              deliveryParams(ctx.ids.delivery(), eventId, destinationId, nowMs, replayOf),
            )
          }
          return planned.length
        },
      })
    },

    async requeueMatching(filter, options = {}) {
      queue.assertOpen()
      const { filter: match, limit, nowMs, cursor } = checkRequeueMatching(filter, options, ctx.now)
      return queue.write({
        durable: true,
        isolated: true,
        run: (s) => {
          const until = cursor?.until ?? (s.selectMaxDeliverySeq.get() as { seq: number }).seq
          const rows = s.selectReplayBatch.all({
            ...filterParams(match),
            afterSeq: cursor?.after ?? 0,
            untilSeq: until,
            limit,
          }) as ReplayMatchRow[]
          for (const row of rows) {
            s.insertDelivery.run(
              deliveryParams(ctx.ids.delivery(), row.event_id, row.destination_id, nowMs, row.id),
            )
          }
          return replayBatch(rows.length, rows.length, limit, rows.at(-1)?.seq, until)
        },
      })
    },

    async countMatching(filter) {
      queue.assertOpen()
      const params = filterParams(checkReplayFilter(filter))
      return queue.read((s) => (s.countReplayMatches.get(params) as { n: number }).n)
    },
  }
}

/** @see MATCH in queries/match-replay.ts */
function filterParams(filter: CheckedReplayFilter): Record<string, string | number | null> {
  return {
    sourceId: filter.sourceId,
    destinationId: filter.destinationId,
    status: filter.status,
    from: filter.fromMs,
    to: filter.toMs,
  }
}
