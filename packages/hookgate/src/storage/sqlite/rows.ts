/**
 * @module storage/sqlite/rows
 * Rows as better-sqlite3 hands them out (times as INTEGER milliseconds, JSON as TEXT) and the named
 * parameters of the insert statements. Mapping rows to the contract's types is shared: `domain/rows.ts`.
 */
import type { CheckedIngest, CheckedRejection } from '../domain/inputs.ts'
import type { AttemptOutcome } from '../domain/delivery-state.ts'
import type { DeliveryRow, EventRow, RejectionDetailRow, RejectionRow } from '../domain/rows.ts'

export interface SqliteEventRow extends EventRow {
  readonly seq: number
  readonly received_at: number
  readonly headers: string
}

export interface SqliteRejectionRow extends RejectionRow {
  readonly seq: number
}

export interface SqliteRejectionDetailRow extends RejectionDetailRow {
  readonly seq: number
}

export interface SqliteDeliveryRow extends DeliveryRow {
  readonly seq: number
  readonly next_attempt_at: number | null
}

/** A bulk-replay match: the pair's latest delivery. */
export interface ReplayMatchRow {
  readonly seq: number
  readonly id: string
  readonly event_id: string
  readonly destination_id: string
}

/** @see INSERT_EVENT (positional, in its column order) */
export function eventParams(
  id: string,
  { event, receivedAtMs, headersJson }: CheckedIngest,
): unknown[] {
  return [
    id,
    event.sourceId,
    event.provider,
    event.dedupeKey,
    event.providerEventId ?? null,
    event.eventType ?? null,
    receivedAtMs,
    headersJson,
    event.body,
  ]
}

/** @see INSERT_REJECTION */
export function rejectionParams(
  id: string,
  { rejection, receivedAtMs, headersJson, diagnosisJson }: CheckedRejection,
): Record<string, unknown> {
  const captured = rejection.captured
  return {
    id,
    sourceId: rejection.sourceId,
    receivedAt: receivedAtMs,
    status: rejection.status,
    reason: rejection.reason,
    message: rejection.message,
    remoteAddress: rejection.remoteAddress ?? null,
    headers: headersJson,
    bodySize: rejection.bodySize,
    bodySha256: rejection.bodySha256,
    diagnosed: rejection.diagnosed === undefined ? null : rejection.diagnosed ? 1 : 0,
    diagnosis: diagnosisJson,
    capturedMethod: captured?.method ?? null,
    capturedUrl: captured?.url ?? null,
    capturedBody: captured?.body ?? null,
    capturedTruncated: captured === undefined ? null : captured.truncated ? 1 : 0,
    capturedSealed: captured?.sealed ?? null,
  }
}

/** @see INSERT_DELIVERY */
export function deliveryParams(
  id: string,
  eventId: string,
  destinationId: string,
  dueAtMs: number,
  replayOf: string | null,
): Record<string, unknown> {
  return { id, eventId, destinationId, createdAt: dueAtMs, dueAt: dueAtMs, replayOf }
}

/** @see SETTLE_DELIVERY */
export function settleParams(leaseToken: string, outcome: AttemptOutcome): Record<string, unknown> {
  return {
    leaseToken,
    status: outcome.status,
    startedAt: outcome.startedAtMs,
    nextAttemptAt: outcome.nextAttemptAtMs,
    completedAt: outcome.completedAtMs,
    deadReason: outcome.deadReason,
  }
}

/** @see INSERT_ATTEMPT */
export function attemptParams(
  outcome: AttemptOutcome,
  attempt: {
    readonly id: string
    readonly deliveryId: string
    readonly attemptNumber: number
    readonly workerId: string
  },
): Record<string, unknown> {
  return {
    ...attempt,
    startedAt: outcome.startedAtMs,
    durationMs: outcome.durationMs,
    statusCode: outcome.statusCode,
    error: outcome.error,
    responseBody: outcome.responseBody,
    nextKind: outcome.nextKind,
    nextAt: outcome.nextAttemptAtMs,
    nextReason: outcome.deadReason,
  }
}
