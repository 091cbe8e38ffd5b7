/**
 * @module storage/postgres/destinations
 * Destination backlog and state of the PostgreSQL backend. Re-enabling a destination wakes the workers of
 * every instance (its pending deliveries are due at once). Internal.
 */
import { checkDestinationChange } from '../domain/inputs.ts'
import { toDestinationState, type DestinationStateRow } from '../domain/rows.ts'
import {
  backlogOf,
  checkDeliveredCount,
  deliveredCountOf,
  statsOf,
} from '../domain/dashboard-inputs.ts'
import type { DestinationStates } from '../types.ts'
import { COUNT_DELIVERED_UP_TO, DESTINATION_BACKLOG, OLDEST_DUE } from './queries/dashboard.ts'
import type { PostgresContext } from './context.ts'
import {
  DESTINATION_STATS,
  DISABLE_DESTINATION,
  ENABLE_DESTINATION,
  LIST_DESTINATION_STATES,
} from './queries/destinations.ts'
import { iso, toPgText } from './rows.ts'

export function createPostgresDestinationStates(ctx: PostgresContext): DestinationStates {
  const { db } = ctx
  return {
    async destinationStats() {
      ctx.assertOpen()
      const [counts, oldest] = await Promise.all([
        db.query<{ destination_id: string; status: string; count: number }>(
          'destination-stats',
          DESTINATION_STATS,
          [],
        ),
        db.query<{ destination_id: string; oldest_due_at: Date | null }>(
          'oldest-due',
          OLDEST_DUE,
          [],
        ),
      ])
      return statsOf(counts.rows, oldest.rows)
    },

    async setDestinationDisabled(destinationId, disabled, options = {}) {
      ctx.assertOpen()
      const change = checkDestinationChange(destinationId, disabled, options, ctx.now)
      if (change.disabledAtMs === null) {
        await db.query('enable-destination', ENABLE_DESTINATION, [change.destinationId, db.channel])
      } else {
        await db.query('disable-destination', DISABLE_DESTINATION, [
          change.destinationId,
          iso(change.disabledAtMs),
          change.reason,
        ])
      }
    },

    async destinationBacklog() {
      ctx.assertOpen()
      const [counts, oldest] = await Promise.all([
        db.query<{ destination_id: string; status: string; count: number }>(
          'destination-backlog',
          DESTINATION_BACKLOG,
          [],
        ),
        db.query<{ destination_id: string; oldest_due_at: Date | null }>(
          'oldest-due',
          OLDEST_DUE,
          [],
        ),
      ])
      return backlogOf(counts.rows, oldest.rows)
    },

    async countDelivered(destinationIds, options) {
      ctx.assertOpen()
      const { ids, cap } = checkDeliveredCount(destinationIds, options)
      if (ids.length === 0) return []
      const { rows } = await db.query<{ destination_id: string; count: number }>(
        'count-delivered-up-to',
        COUNT_DELIVERED_UP_TO,
        [ids.map(toPgText), cap + 1],
      )
      const counted = new Map(rows.map((row) => [row.destination_id, Number(row.count)]))
      return ids.map((id) => deliveredCountOf(id, counted.get(toPgText(id)) ?? 0, cap))
    },

    async listDestinationStates() {
      ctx.assertOpen()
      const { rows } = await db.query<DestinationStateRow>(
        'list-destination-states',
        LIST_DESTINATION_STATES,
        [],
      )
      return rows.map(toDestinationState)
    },
  }
}
