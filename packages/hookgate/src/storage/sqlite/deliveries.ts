/**
 * @module storage/sqlite/deliveries
 * The delivery queue of the SQLite backend: claims, attempts, reaps and their listing. Lease bookkeeping is
 * group-committed without waiting for a sync (see "Durability of delivery bookkeeping" in commit-queue.ts).
 * Internal.
 */
import { newLeasePrefix, planAttempt } from '../domain/delivery-state.ts'
import { checkClaim } from '../domain/inputs.ts'
import {
  attemptsByDelivery,
  toClaimedDelivery,
  toDelivery,
  toStoredAttempt,
  toStoredEvent,
  type AttemptRow,
} from '../domain/rows.ts'
import { requireString, timeOf } from '../domain/validate.ts'
import type { DeliveryQueue } from '../types.ts'
import type { SqliteContext } from './context.ts'
import { attemptParams, settleParams, type SqliteDeliveryRow, type SqliteEventRow } from './rows.ts'

export function createSqliteDeliveryQueue(ctx: SqliteContext): DeliveryQueue {
  const { queue } = ctx
  return {
    async claimDue(options) {
      queue.assertOpen()
      const claim = checkClaim(options)
      const destinations = claim.destinationIds
      if (destinations !== undefined && destinations.length === 0) return []
      const params = {
        now: claim.nowMs,
        limit: claim.limit,
        leaseUntil: claim.leaseUntilMs,
        leasePrefix: newLeasePrefix(),
        workerId: claim.workerId,
      }
      return queue.write({
        durable: false,
        isolated: true,
        run: (s) => {
          const rows = (
            destinations === undefined
              ? s.claimDue.all(params)
              : destinations.length === 1
                ? s.claimDueForDestination.all({ ...params, destinationId: destinations[0] })
                : s.claimDueForDestinations.all({
                    ...params,
                    destinationIds: JSON.stringify(destinations),
                  })
          ) as SqliteDeliveryRow[]
          // RETURNING order is unspecified: earliest due first, as the contract says.
          rows.sort((a, b) => (a.next_attempt_at ?? 0) - (b.next_attempt_at ?? 0) || a.seq - b.seq)
          return rows.map((row) => {
            const event = s.selectEventById.get({ id: row.event_id }) as SqliteEventRow | undefined
            if (event === undefined) throw new Error(`Delivery ${row.id} refers to a missing event`)
            return toClaimedDelivery(row, toStoredEvent(event))
          })
        },
      })
    },

    async recordAttempt(leaseToken, attempt, next) {
      queue.assertOpen()
      const outcome = planAttempt(leaseToken, attempt, next)
      return queue.write({
        durable: false,
        isolated: true,
        run: (s) => {
          const row = s.settleDelivery.get(settleParams(leaseToken, outcome)) as
            { id: string; attempts: number; leased_by: string | null } | undefined
          if (row === undefined) return 'lease_lost' as const
          s.insertAttempt.run(
            attemptParams(outcome, {
              id: ctx.ids.attempt(),
              deliveryId: row.id,
              attemptNumber: row.attempts,
              workerId: row.leased_by ?? '',
            }),
          )
          return 'recorded' as const
        },
      })
    },

    async reapExpiredLeases(now) {
      queue.assertOpen()
      const nowMs = timeOf(now, 'now')
      return queue.write({
        durable: false,
        isolated: true,
        run: (s) => s.reapExpiredLeases.run({ now: nowMs }).changes,
      })
    },

    async listDeliveries(eventId) {
      queue.assertOpen()
      requireString(eventId, 'eventId')
      return queue.read((s) => {
        const deliveries = s.listDeliveriesByEvent.all({ eventId }) as SqliteDeliveryRow[]
        if (deliveries.length === 0) return []
        const attempts = attemptsByDelivery(s.listAttemptsByEvent.all({ eventId }) as AttemptRow[])
        return deliveries.map((row) => ({
          ...toDelivery(row),
          attemptLog: attempts.get(row.id) ?? [],
        }))
      })
    },

    async listAttempts(deliveryId) {
      queue.assertOpen()
      requireString(deliveryId, 'deliveryId')
      return queue.read((s) =>
        (s.listAttempts.all({ deliveryId }) as AttemptRow[]).map(toStoredAttempt),
      )
    },
  }
}
