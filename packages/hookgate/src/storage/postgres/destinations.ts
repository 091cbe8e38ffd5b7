/**
 * @module storage/postgres/destinations
 * Destination backlog and state of the PostgreSQL backend. Re-enabling a destination wakes the workers of
 * every instance (its pending deliveries are due at once). Internal.
 */
import { checkDestinationChange } from '../domain/inputs.ts'
import { toDestinationState, type DestinationStateRow } from '../domain/rows.ts'
import { backlogOf, statsOf } from '../domain/dashboard-inputs.ts'
import type { DestinationStates } from '../types.ts'
import { DESTINATION_BACKLOG, OLDEST_DUE } from './queries/dashboard.ts'
import type { PostgresContext } from './context.ts'
import {
  DESTINATION_STATS,
  DISABLE_DESTINATION,
  ENABLE_DESTINATION,
  LIST_DESTINATION_STATES,
} from './queries/destinations.ts'
import { iso } from './rows.ts'

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
