/**
 * @module delivery/circuit-breaker
 * One destination's circuit breaker. After `failureThreshold` consecutive failed attempts the circuit opens and
 * nothing is sent for `cooldownMs`; then ONE probe is allowed (half-open): success closes the circuit, failure
 * opens it again. Pure state: the caller passes the time of every decision (its injected clock), so tests drive
 * it without waiting.
 */

/** `closed`: normal; `open`: nothing is sent until the cooldown ends; `half_open`: one probe attempt allowed. */
export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const
export type CircuitState = (typeof CIRCUIT_STATES)[number]

export interface CircuitBreakerOptions {
  /** Consecutive failed attempts that open the circuit. Default 5. */
  readonly failureThreshold?: number
  /** How long it stays open before a probe. Default 30 s. */
  readonly cooldownMs?: number
}

/** A change of state, for logging: `open` carries the failures that opened it and when a probe is allowed. */
export type CircuitTransition =
  | { readonly to: 'open'; readonly consecutiveFailures: number; readonly openUntil: Date }
  | { readonly to: 'half_open' }
  | { readonly to: 'closed' }

export interface CircuitBreaker {
  readonly state: CircuitState
  readonly consecutiveFailures: number
  /** When an open circuit allows its probe; `undefined` unless open. */
  readonly openUntil: Date | undefined
  /** True while the half-open probe is claimed or running. */
  readonly probing: boolean
  /**
   * How many attempts may start at `now`, given `free` slots: 0 while open (an open circuit whose cooldown is
   * over moves to half-open here), 1 when half-open and no probe is out, 0 while it is, else `free`.
   */
  allowance(free: number, now: Date): number
  /** The half-open probe was claimed: no other is allowed until {@link CircuitBreaker.endProbe}. */
  beginProbe(): void
  /** The probe ended (settled, or nothing was claimed for it). */
  endProbe(): void
  /** An attempt reached the destination and succeeded (`true`) or failed, at `now`. */
  record(success: boolean, now: Date): void
}

/**
 * Creates a closed circuit.
 * @example
 * const breaker = createCircuitBreaker({ failureThreshold: 5, cooldownMs: 30_000 }, (t) => log(t))
 * const limit = breaker.allowance(freeSlots, now())
 * // after each attempt that reached the destination: breaker.record(ok, now())
 */
export function createCircuitBreaker(
  options: CircuitBreakerOptions = {},
  onTransition?: (transition: CircuitTransition) => void,
): CircuitBreaker {
  const failureThreshold = options.failureThreshold ?? 5
  const cooldownMs = options.cooldownMs ?? 30_000
  let state: CircuitState = 'closed'
  let failures = 0
  let openUntil = 0
  let probing = false

  return {
    get state() {
      return state
    },
    get consecutiveFailures() {
      return failures
    },
    get openUntil() {
      return state === 'open' ? new Date(openUntil) : undefined
    },
    get probing() {
      return probing
    },
    allowance(free, now) {
      if (state === 'open') {
        if (now.getTime() < openUntil) return 0
        state = 'half_open'
        onTransition?.({ to: 'half_open' })
      }
      if (state === 'half_open') return probing ? 0 : 1
      return free
    },
    beginProbe() {
      probing = true
    },
    endProbe() {
      probing = false
    },
    record(success, now) {
      if (success) {
        const was = state
        state = 'closed'
        failures = 0
        if (was !== 'closed') onTransition?.({ to: 'closed' })
        return
      }
      failures += 1
      if (state === 'half_open' || (state === 'closed' && failures >= failureThreshold)) {
        state = 'open'
        openUntil = now.getTime() + cooldownMs
        onTransition?.({
          to: 'open',
          consecutiveFailures: failures,
          openUntil: new Date(openUntil),
        })
      }
    },
  }
}
