/**
 * @module storage/postgres/replay
 * Replays of the PostgreSQL backend, each in a transaction holding the schema's replay lock (see
 * queries/replay.ts). Which pairs is decided by `domain/delivery-state.ts` (one event) or the replay
 * statements (in bulk). Internal.
 */
import type { PoolClient } from 'pg'
import { replayBatch } from '../domain/cursors.ts'
import { planRequeue, type PlannedReplay } from '../domain/delivery-state.ts'
import {
  checkReplayFilter,
  checkRequeue,
  checkRequeueMatching,
  type CheckedReplayFilter,
} from '../domain/inputs.ts'
import type { DeliveryStatus, Replay } from '../types.ts'
import type { PostgresContext } from './context.ts'
import {
  COUNT_REPLAY_MATCHES,
  INSERT_REPLAYS,
  SELECT_EVENT_EXISTS,
  SELECT_LATEST_DELIVERIES_OF_EVENT,
  SELECT_MAX_DELIVERY_SEQ,
  SELECT_REPLAY_BATCH,
} from './queries/replay.ts'
import { iso, toPgText, type ReplayMatchRow } from './rows.ts'

export function createPostgresReplay(ctx: PostgresContext): Replay {
  const { db } = ctx

  async function insertReplays(
    client: PoolClient,
    eventIds: readonly string[],
    replays: readonly PlannedReplay[],
    nowMs: number,
  ): Promise<number> {
    if (replays.length === 0) return 0
    const { rows } = await db.run<{ queued: number }>(client, 'insert-replays', INSERT_REPLAYS, [
      replays.map(() => ctx.ids.delivery()),
      eventIds,
      replays.map((r) => r.destinationId),
      iso(nowMs),
      replays.map((r) => r.replayOf),
      db.channel,
    ])
    return rows[0]?.queued ?? 0
  }

  return {
    async requeue(eventId, options = {}) {
      ctx.assertOpen()
      const { nowMs, destinationIds } = checkRequeue(eventId, options, ctx.now)
      // An id with U+0000 names no event (PostgreSQL text cannot even hold it).
      if (destinationIds?.length === 0 || eventId.includes('\u0000')) return 0
      return db.inLockedTransaction('replay', async (client) => {
        const exists = await db.run(client, 'select-event-exists', SELECT_EVENT_EXISTS, [eventId])
        if (exists.rowCount === 0) return 0
        const latest = await db.run<{ destination_id: string; id: string; status: DeliveryStatus }>(
          client,
          'select-latest-deliveries',
          SELECT_LATEST_DELIVERIES_OF_EVENT,
          [eventId],
        )
        const planned = planRequeue(
          latest.rows.map((row) => ({
            destinationId: row.destination_id,
            id: row.id,
            status: row.status,
          })),
          destinationIds,
        )
        return insertReplays(
          client,
          planned.map(() => eventId),
          planned,
          nowMs,
        )
      })
    },

    async requeueMatching(filter, options = {}) {
      ctx.assertOpen()
      const { filter: match, limit, nowMs, cursor } = checkRequeueMatching(filter, options, ctx.now)
      return db.inLockedTransaction('replay', async (client) => {
        let until = cursor === undefined ? undefined : String(cursor.until)
        if (until === undefined) {
          const max = await db.run<{ seq: string }>(
            client,
            'select-max-delivery-seq',
            SELECT_MAX_DELIVERY_SEQ,
            [],
          )
          until = max.rows[0]?.seq ?? '0'
        }
        const batch = await db.run<ReplayMatchRow>(
          client,
          'select-replay-batch',
          SELECT_REPLAY_BATCH,
          [...filterParams(match), String(cursor?.after ?? 0n), until, limit],
        )
        const requeued = await insertReplays(
          client,
          batch.rows.map((row) => row.event_id),
          batch.rows.map((row) => ({ destinationId: row.destination_id, replayOf: row.id })),
          nowMs,
        )
        return replayBatch(requeued, batch.rows.length, limit, batch.rows.at(-1)?.seq, until)
      })
    },

    async countMatching(filter) {
      ctx.assertOpen()
      const { rows } = await db.query<{ n: string }>(
        'count-replay-matches',
        COUNT_REPLAY_MATCHES,
        filterParams(checkReplayFilter(filter)),
      )
      return Number(rows[0]?.n ?? 0)
    },
  }
}

/** $1..$5 of the replay statements. */
function filterParams(filter: CheckedReplayFilter): (string | null)[] {
  return [
    filter.status,
    filter.destinationId,
    filter.sourceId === null ? null : toPgText(filter.sourceId),
    filter.fromMs === null ? null : iso(filter.fromMs),
    filter.toMs === null ? null : iso(filter.toMs),
  ]
}
