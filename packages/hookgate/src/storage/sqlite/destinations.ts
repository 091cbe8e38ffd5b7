/**
 * @module storage/sqlite/destinations
 * Destination backlog and state of the SQLite backend. Internal.
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
import type { SqliteContext } from './context.ts'

export function createSqliteDestinationStates(ctx: SqliteContext): DestinationStates {
  const { queue } = ctx
  return {
    async destinationStats() {
      queue.assertOpen()
      return queue.read((s) =>
        statsOf(
          s.destinationStats.all() as { destination_id: string; status: string; count: number }[],
          s.oldestDue.all() as { destination_id: string; oldest_due_at: number | null }[],
        ),
      )
    },

    async setDestinationDisabled(destinationId, disabled, options = {}) {
      queue.assertOpen()
      const change = checkDestinationChange(destinationId, disabled, options, ctx.now)
      const params = {
        id: change.destinationId,
        disabled: change.disabled ? 1 : 0,
        disabledAt: change.disabledAtMs,
        disabledReason: change.reason,
      }
      await queue.write({
        durable: true,
        isolated: true,
        run: (s) => void s.upsertDestinationState.run(params),
      })
    },

    async destinationBacklog() {
      queue.assertOpen()
      return queue.read((s) =>
        backlogOf(
          s.destinationBacklog.all() as { destination_id: string; status: string; count: number }[],
          s.oldestDue.all() as { destination_id: string; oldest_due_at: number | null }[],
        ),
      )
    },

    async countDelivered(destinationIds, options) {
      queue.assertOpen()
      const { ids, cap } = checkDeliveredCount(destinationIds, options)
      return queue.read((s) =>
        ids.map((id) =>
          deliveredCountOf(
            id,
            (s.countDeliveredUpTo.get(id, cap + 1) as { count: number }).count,
            cap,
          ),
        ),
      )
    },

    async listDestinationStates() {
      queue.assertOpen()
      return queue
        .read((s) => s.listDestinationStates.all() as DestinationStateRow[])
        .map(toDestinationState)
    },
  }
}
