/**
 * @module delivery/retry-policy
 * What happens after an attempt: a pure function of the attempt number, what the destination answered (or
 * what went wrong), the clock and a random source (STYLE 3.4: retry math in TS, not SQL; 3.0 rule 6:
 * time and randomness injected).
 *
 * - 2xx → done. Nothing else counts as delivered: a 3xx is a failure and is never followed (a redirect
 *   could point the signed payload anywhere).
 * - 410 Gone → dead at once, and the destination is to be disabled (it said it will never want more).
 * - Anything else (3xx, 4xx, 5xx, timeout, refused, reset, …) → retry after the next step of the schedule,
 *   scaled by a random factor in [1 - jitter, 1 + jitter] so a recovering destination is not hit by every
 *   retry at the same instant. With 429 or 503, a `Retry-After` (seconds or HTTP date) is honoured: the retry
 *   is never earlier than it asks, but a longer wait than `maxRetryAfterMs` is cut to that cap, so a
 *   destination cannot park its deliveries for ever.
 * - When the schedule is used up → dead (dead-lettered; a replay can send it again).
 * - `internal_error` (the gateway could not build the request) → dead at once: the same event would fail the
 *   same way on every retry; the reason says so, and a replay sends it once the cause is fixed.
 *
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md (retry schedule)
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
import type { NextStep } from '../storage/types.ts'

/**
 * Why an attempt got no HTTP answer. `address_refused`: the destination's address is link-local or cloud
 * metadata (refused unless the destination sets `allowLinkLocal`). `internal_error`: the gateway failed before contacting the destination
 * (it could not build the request); it says nothing about the destination.
 */
export const ATTEMPT_ERROR_CODES = [
  'timeout',
  'connection_refused',
  'connection_reset',
  'dns_error',
  'address_refused',
  'network_error',
  'internal_error',
] as const
export type AttemptErrorCode = (typeof ATTEMPT_ERROR_CODES)[number]

/** What an attempt produced: a status (with its `Retry-After`), or an error when no answer came. */
export type AttemptOutcome =
  | {
      readonly kind: 'response'
      readonly statusCode: number
      readonly retryAfter: string | undefined
    }
  | { readonly kind: 'error'; readonly code: AttemptErrorCode; readonly message: string }

export interface RetryPolicyOptions {
  /** Delay before each retry, ms. `[5000, 300000]` = 3 attempts: now, +5 s, +5 min. */
  readonly scheduleMs: readonly number[]
  /** 0..1. Default 0.2. */
  readonly jitter?: number
  /** Cap on a honoured `Retry-After`, ms. Default one hour. */
  readonly maxRetryAfterMs?: number
}

export interface RetryDecision {
  readonly next: NextStep
  /** 410 Gone: the worker disables the destination. */
  readonly disableDestination: boolean
}

export interface RetryPolicy {
  /**
   * @param attemptNumber 1-based number of the attempt that just ended
   * @param now when it ended (the retry is scheduled from here)
   * @param random a uniform number in [0, 1)
   */
  decide(
    attemptNumber: number,
    outcome: AttemptOutcome,
    now: Date,
    random: () => number,
  ): RetryDecision
  /** The number of attempts at most: 1 + the schedule's length. */
  readonly maxAttempts: number
}

const DEFAULT_JITTER = 0.2
const DEFAULT_MAX_RETRY_AFTER_MS = 3_600_000

/**
 * Parses a `Retry-After` value into milliseconds from `now`: delta-seconds or an HTTP date. `undefined` when
 * absent or unparsable (then the schedule alone decides). A date in the past is 0.
 * @example retryAfterMs('120', now) // 120000
 */
export function retryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000
  // An HTTP date always names its weekday and GMT; Date.parse alone would also take "5" or "tomorrow"-ish text.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime())
}

/** `2xx`, `3xx`, `4xx`, `5xx`, or the error code: the label attempts are counted by in `/metrics`. */
export function outcomeClass(outcome: AttemptOutcome): string {
  return outcome.kind === 'response' ? `${Math.floor(outcome.statusCode / 100)}xx` : outcome.code
}

/** True for a 2xx answer. */
export function isSuccess(outcome: AttemptOutcome): boolean {
  return outcome.kind === 'response' && outcome.statusCode >= 200 && outcome.statusCode < 300
}

/** True when the gateway itself failed before contacting the destination: not the destination's failure. */
export function isInternalFailure(outcome: AttemptOutcome): boolean {
  return outcome.kind === 'error' && outcome.code === 'internal_error'
}

/** A short description for logs and dead reasons: `HTTP 503`, `timeout`. */
export function describeOutcome(outcome: AttemptOutcome): string {
  return outcome.kind === 'response' ? `HTTP ${outcome.statusCode}` : outcome.code
}

/**
 * Creates the schedule-based policy.
 * @throws RangeError for a negative or non-finite delay, or a jitter outside 0..1
 * @example
 * const policy = createRetryPolicy({ scheduleMs: [5_000, 300_000] })
 * policy.decide(1, { kind: 'error', code: 'timeout', message: '…' }, new Date(), Math.random)
 * // { next: { kind: 'retry', at: <now + 4..6 s> }, disableDestination: false }
 */
export function createRetryPolicy(options: RetryPolicyOptions): RetryPolicy {
  const schedule = [...options.scheduleMs]
  for (const ms of schedule)
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError('scheduleMs must hold non-negative numbers')
  const jitter = options.jitter ?? DEFAULT_JITTER
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError('jitter must be from 0 to 1')
  const maxRetryAfter = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS
  if (!(maxRetryAfter >= 0)) throw new RangeError('maxRetryAfterMs must be non-negative')

  return {
    maxAttempts: schedule.length + 1,
    decide(attemptNumber, outcome, now, random) {
      if (isSuccess(outcome)) return { next: { kind: 'done' }, disableDestination: false }
      if (outcome.kind === 'response' && outcome.statusCode === 410) {
        return {
          next: {
            kind: 'dead',
            reason: 'the destination answered 410 Gone; it is disabled until re-enabled',
          },
          disableDestination: true,
        }
      }
      if (outcome.kind === 'error' && outcome.code === 'internal_error') {
        return {
          next: {
            kind: 'dead',
            reason: `the gateway could not build the request (${outcome.message}); replay the event once the cause is fixed`,
          },
          disableDestination: false,
        }
      }
      const base = schedule[attemptNumber - 1]
      if (base === undefined) {
        return {
          next: {
            kind: 'dead',
            reason: `retry schedule exhausted after ${attemptNumber} attempts (last: ${describeOutcome(outcome)})`,
          },
          disableDestination: false,
        }
      }
      // random() is in [0, 1): the factor is in [1 - jitter, 1 + jitter).
      let delay = Math.round(base * (1 - jitter + 2 * jitter * random()))
      if (
        outcome.kind === 'response' &&
        (outcome.statusCode === 429 || outcome.statusCode === 503)
      ) {
        const asked = retryAfterMs(outcome.retryAfter, now)
        if (asked !== undefined) delay = Math.max(delay, Math.min(asked, maxRetryAfter))
      }
      return {
        next: { kind: 'retry', at: new Date(now.getTime() + delay) },
        disableDestination: false,
      }
    },
  }
}
