/**
 * @module storage/postgres/deliveries
 * The delivery queue of the PostgreSQL backend: claims (`FOR UPDATE SKIP LOCKED`), attempts, reaps and their
 * listing, each one statement. Internal.
 */
import { newLeasePrefix, planAttempt } from '../domain/delivery-state.ts'
import { checkClaim } from '../domain/inputs.ts'
import {
  attemptsByDelivery,
  toClaimedDelivery,
  toDelivery,
  toStoredEvent,
  type AttemptRow,
} from '../domain/rows.ts'
import { requireString, timeOf } from '../domain/validate.ts'
import type { DeliveryQueue, StoredAttempt } from '../types.ts'
import type { PostgresContext } from './context.ts'
import { CLAIM_DUE, CLAIM_DUE_FOR_DESTINATIONS } from './queries/claim-due.ts'
import { LIST_ATTEMPTS, LIST_DELIVERIES_BY_EVENT } from './queries/list-deliveries.ts'
import { REAP_EXPIRED_LEASES } from './queries/reap-expired-leases.ts'
import { RECORD_ATTEMPT } from './queries/record-attempt.ts'
import {
  bufferOf,
  claimedEventRow,
  iso,
  optionalIso,
  type PgClaimRow,
  type PgDeliveryRow,
} from './rows.ts'

export function createPostgresDeliveryQueue(ctx: PostgresContext): Omit<DeliveryQueue, 'onWake'> {
  const { db } = ctx

  async function attemptsOf(deliveryIds: readonly string[]): Promise<Map<string, StoredAttempt[]>> {
    const { rows } = await db.query<AttemptRow>('list-attempts', LIST_ATTEMPTS, [deliveryIds])
    return attemptsByDelivery(rows)
  }

  return {
    async claimDue(options) {
      ctx.assertOpen()
      const claim = checkClaim(options)
      const destinations = claim.destinationIds
      if (destinations !== undefined && destinations.length === 0) return []
      const params: unknown[] = [
        iso(claim.nowMs),
        claim.limit,
        iso(claim.leaseUntilMs),
        newLeasePrefix(),
        claim.workerId,
      ]
      const { rows } =
        destinations === undefined
          ? await db.query<PgClaimRow>('claim-due', CLAIM_DUE, params)
          : await db.query<PgClaimRow>('claim-due-for-destinations', CLAIM_DUE_FOR_DESTINATIONS, [
              ...params,
              destinations,
            ])
      return rows.map((row) => toClaimedDelivery(row, toStoredEvent(claimedEventRow(row))))
    },

    async recordAttempt(leaseToken, attempt, next) {
      ctx.assertOpen()
      const outcome = planAttempt(leaseToken, attempt, next)
      // No lease token holds U+0000 (and PostgreSQL text cannot): it was never issued.
      if (leaseToken.includes('\u0000')) return 'lease_lost'
      const { rowCount } = await db.query('record-attempt', RECORD_ATTEMPT, [
        leaseToken,
        outcome.status,
        iso(outcome.startedAtMs),
        optionalIso(outcome.nextAttemptAtMs),
        optionalIso(outcome.completedAtMs),
        outcome.deadReason,
        ctx.ids.attempt(),
        outcome.durationMs,
        outcome.statusCode,
        outcome.error,
        outcome.responseBody === null ? null : bufferOf(outcome.responseBody),
        outcome.nextKind,
      ])
      return rowCount === 1 ? 'recorded' : 'lease_lost'
    },

    async reapExpiredLeases(now) {
      ctx.assertOpen()
      const { rows } = await db.query<{ reaped: number }>('reap', REAP_EXPIRED_LEASES, [
        iso(timeOf(now, 'now')),
        db.channel,
      ])
      return rows[0]?.reaped ?? 0
    },

    async listDeliveries(eventId) {
      ctx.assertOpen()
      requireString(eventId, 'eventId')
      if (eventId.includes('\u0000')) return []
      const { rows } = await db.query<PgDeliveryRow>('list-deliveries', LIST_DELIVERIES_BY_EVENT, [
        eventId,
      ])
      if (rows.length === 0) return []
      const attempts = await attemptsOf(rows.map((row) => row.id))
      return rows.map((row) => ({ ...toDelivery(row), attemptLog: attempts.get(row.id) ?? [] }))
    },

    async listAttempts(deliveryId) {
      ctx.assertOpen()
      requireString(deliveryId, 'deliveryId')
      if (deliveryId.includes('\u0000')) return []
      return (await attemptsOf([deliveryId])).get(deliveryId) ?? []
    },
  }
}
