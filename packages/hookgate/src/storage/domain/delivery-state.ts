/**
 * @module storage/domain/delivery-state
 * The delivery state machine, once for all backends: what recording an attempt does to a delivery, what a
 * claim's lease tokens look like, and which pairs a replay requeues. Backends only write the outcome.
 *
 *   pending ──claim──▶ in_flight ──attempt: retry──▶ pending
 *      ▲                  │ └──────attempt: done──▶ delivered ─┐
 *      └─reap (expired)───┘ └──────attempt: dead──▶ dead ──────┴─replay──▶ a NEW pending delivery
 */
import { randomBytes } from 'node:crypto'
import {
  MAX_RESPONSE_BODY_BYTES,
  type AttemptRecord,
  type DeliveryStatus,
  type NextStep,
} from '../types.ts'
import { diagnosticText, optionalString, requireString, timeOf } from './validate.ts'

/** What `recordAttempt` writes: the delivery's new state and the attempt row. */
export interface AttemptOutcome {
  readonly status: 'pending' | 'delivered' | 'dead'
  readonly startedAtMs: number
  /** `retry` only: when the delivery is due again. */
  readonly nextAttemptAtMs: number | null
  /** `done`/`dead` only: the end of the final attempt, in whole milliseconds. */
  readonly completedAtMs: number | null
  readonly deadReason: string | null
  readonly nextKind: NextStep['kind']
  readonly durationMs: number
  readonly statusCode: number | null
  readonly error: string | null
  /** At most {@link MAX_RESPONSE_BODY_BYTES}. */
  readonly responseBody: Uint8Array | null
}

/**
 * Checks an attempt and the policy's decision, and plans the delivery's transition.
 * @throws TypeError for a malformed attempt, decision or lease token
 */
export function planAttempt(
  leaseToken: string,
  attempt: AttemptRecord,
  next: NextStep,
): AttemptOutcome {
  requireString(leaseToken, 'leaseToken')
  const startedAtMs = timeOf(attempt.startedAt, 'attempt.startedAt')
  const { durationMs, statusCode, error, responseBody } = attempt
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
    throw new TypeError('attempt.durationMs must be a non-negative number')
  }
  if (
    statusCode !== undefined &&
    (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 999)
  ) {
    throw new TypeError('attempt.statusCode must be an HTTP status (100-999) or undefined')
  }
  optionalString(error, 'attempt.error')
  if (responseBody !== undefined && !(responseBody instanceof Uint8Array)) {
    throw new TypeError('attempt.responseBody must be a Uint8Array or undefined')
  }
  const attemptRow = {
    startedAtMs,
    nextKind: next.kind,
    durationMs,
    statusCode: statusCode ?? null,
    error: error === undefined ? null : diagnosticText(error),
    // Truncated, not refused: an endless error page must not cost more than 4 KiB per attempt.
    responseBody:
      responseBody === undefined ? null : responseBody.subarray(0, MAX_RESPONSE_BODY_BYTES),
  }
  const endMs = Math.round(startedAtMs + durationMs)
  switch (next.kind) {
    case 'done':
      return {
        ...attemptRow,
        status: 'delivered',
        nextAttemptAtMs: null,
        completedAtMs: endMs,
        deadReason: null,
      }
    case 'retry':
      return {
        ...attemptRow,
        status: 'pending',
        nextAttemptAtMs: timeOf(next.at, 'next.at'),
        completedAtMs: null,
        deadReason: null,
      }
    case 'dead':
      requireString(next.reason, 'next.reason')
      return {
        ...attemptRow,
        status: 'dead',
        nextAttemptAtMs: null,
        completedAtMs: endMs,
        deadReason: diagnosticText(next.reason),
      }
    default:
      throw new TypeError('next.kind must be done, retry or dead')
  }
}

/**
 * The prefix of one claim's lease tokens: unguessable per claim; the claim statement appends each row's `seq`,
 * so every token is unique.
 */
export function newLeasePrefix(): string {
  return `${randomBytes(12).toString('base64url')}.`
}

/**
 * A pending or in-flight delivery will be delivered anyway: a replay of its pair would only duplicate it. The
 * bulk replay statements say the same in SQL (`status IN ('delivered', 'dead')`).
 */
export function isStillQueued(status: DeliveryStatus): boolean {
  return status === 'pending' || status === 'in_flight'
}

/** The latest delivery of one (event, destination) pair. */
export interface LatestDelivery {
  readonly destinationId: string
  readonly id: string
  readonly status: DeliveryStatus
}

/** One new delivery of a replay. */
export interface PlannedReplay {
  readonly destinationId: string
  /** The pair's latest delivery; null for a destination the event never had. */
  readonly replayOf: string | null
}

/**
 * What `requeue` adds: one new delivery per requested destination (default: every destination the event has a
 * delivery for, in id order) — except pairs still queued.
 */
export function planRequeue(
  latest: readonly LatestDelivery[],
  requested: readonly string[] | undefined,
): PlannedReplay[] {
  const byDestination = new Map(latest.map((delivery) => [delivery.destinationId, delivery]))
  const targets = requested ?? [...byDestination.keys()].sort()
  const planned: PlannedReplay[] = []
  for (const destinationId of targets) {
    const previous = byDestination.get(destinationId)
    if (previous !== undefined && isStillQueued(previous.status)) continue
    planned.push({ destinationId, replayOf: previous?.id ?? null })
  }
  return planned
}

/** The retry policy's decision as the admin API and `hookgate export` write it. */
export function nextStepJson(next: NextStep) {
  return next.kind === 'retry'
    ? { kind: 'retry' as const, at: next.at.toISOString() }
    : next.kind === 'dead'
      ? { kind: 'dead' as const, reason: next.reason }
      : { kind: 'done' as const }
}
