/**
 * @module delivery/worker
 * The delivery worker: leases due deliveries from the store, POSTs them (`forwarder.ts`), and records every
 * attempt with the retry policy's decision (`retry-policy.ts`). At least once: a delivery is claimed (durably)
 * before its attempt and settled after it, so a worker that dies mid-attempt leaves a lease that expires, and
 * any worker then claims the delivery again.
 *
 * Isolation, so a slow or black-holed destination never delays the others:
 * - claims are made per destination, for at most its free `maxInFlight` slots; attempts are never awaited by
 *   the claim loop, and each destination has its own sockets (forwarder);
 * - a per-destination circuit breaker (`circuit-breaker.ts`): while a destination's circuit is open nothing is
 *   claimed for it, then ONE probe is (half-open). Deliveries wait meanwhile without spending attempts.
 *
 * Wake-ups: `notify()` after an ingest in this process, a freed slot when more may be due, and a poll every
 * `pollIntervalMs` (retries coming due, events ingested by other processes, expired leases of dead workers).
 *
 * Time and randomness are injected (`now`, `random`): tests drive multi-hour schedules by moving a clock and
 * calling `poll()` / `idle()` instead of waiting.
 */
import { hostname } from 'node:os'
import { performance } from 'node:perf_hooks'
import type { DestinationConfig } from '../config.ts'
import type { GatewayEvents } from '../events.ts'
import type { GatewayLogger } from '../logger.ts'
import type { GatewayMetrics } from '../metrics.ts'
import type { ClaimedDelivery, Storage } from '../storage/types.ts'
import { displayUrl } from '../redact.ts'
import {
  createCircuitBreaker,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from './circuit-breaker.ts'
import { createForwarder, type Forward, type ForwardResult } from './forwarder.ts'
import {
  createRetryPolicy,
  describeOutcome,
  isInternalFailure,
  isSuccess,
  outcomeClass,
  type RetryPolicy,
} from './retry-policy.ts'

export interface DeliveryWorkerOptions {
  readonly storage: Storage
  readonly destinations: readonly DestinationConfig[]
  /** Stored with leases and attempts. Default `<hostname>:<pid>`. */
  readonly workerId?: string
  /** Default 1000 ms. */
  readonly pollIntervalMs?: number
  /** Lease = destination `timeoutMs` + this. Default 30 000 ms. */
  readonly leaseMarginMs?: number
  /** How often expired leases are returned to pending (claims take them over anyway). Default 30 000 ms. */
  readonly reapIntervalMs?: number
  readonly circuitBreaker?: CircuitBreakerOptions
  readonly logger?: GatewayLogger
  readonly metrics?: GatewayMetrics
  /** Default: the system clock. */
  readonly now?: () => Date
  /** Uniform in [0, 1), for jitter. Default `Math.random`. */
  readonly random?: () => number
  /** Default: a `createForwarder()` owned (and closed) by the worker. */
  readonly forward?: Forward
  /** Hears every recorded attempt (`delivery:attempted`; live views). */
  readonly events?: GatewayEvents
}

/** What the worker knows of a destination right now (admin API, metrics). */
export interface DestinationRuntimeState {
  readonly destinationId: string
  /** Attempts in flight in this worker. */
  readonly inFlight: number
  readonly circuit: CircuitState
  readonly consecutiveFailures: number
  /** When an open circuit allows its next probe. */
  readonly openUntil: Date | undefined
  /** This worker's latest failed attempt: its time, the status answered (if any) or the error. */
  readonly lastFailure:
    | {
        readonly at: Date
        readonly statusCode: number | undefined
        readonly error: string | undefined
      }
    | undefined
}

export interface DeliveryWorker {
  readonly workerId: string
  /** Starts the poll timer (and `notify` wake-ups). Idempotent. */
  start(): void
  /** Something may be due for these destinations (default: all): poll soon. No effect before `start()`. */
  notify(destinationIds?: readonly string[]): void
  /**
   * One claim round now: claims what is due for every destination with free slots and starts the attempts
   * (without awaiting them). Concurrent calls share a round. @returns deliveries claimed
   */
  poll(): Promise<number>
  /** Resolves once no claim round and no attempt is running. */
  idle(): Promise<void>
  states(): DestinationRuntimeState[]
  /**
   * Stops claiming and waits up to `timeoutMs` (default 10 s) for attempts in flight; the leases of any still
   * running then simply expire and another worker (or the next start) takes them over.
   */
  stop(options?: { readonly timeoutMs?: number }): Promise<void>
}

/** Claims per destination per round at most (the store's limit). */
const MAX_CLAIM = 1000

interface Runtime {
  readonly config: DestinationConfig
  readonly policy: RetryPolicy
  readonly leaseMs: number
  inFlight: number
  /** Something may be due: set by notify/timer, cleared when a claim came back short. */
  maybeMore: boolean
  readonly circuit: CircuitBreaker
  lastFailure: DestinationRuntimeState['lastFailure']
}

const noopLogger: GatewayLogger = { debug() {}, info() {}, warn() {}, error() {} }

/**
 * Creates a worker for the configured destinations (deliveries to destinations not configured are left alone).
 * @example
 * const worker = createDeliveryWorker({ storage, destinations: config.destinations, logger, metrics })
 * worker.start()
 * // after an ingest: worker.notify(['billing'])
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { storage } = options
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`
  const pollIntervalMs = options.pollIntervalMs ?? 1_000
  const leaseMarginMs = options.leaseMarginMs ?? 30_000
  const reapIntervalMs = options.reapIntervalMs ?? 30_000
  const logger = options.logger ?? noopLogger
  const metrics = options.metrics
  const now = options.now ?? (() => new Date())
  const random = options.random ?? Math.random
  const ownForwarder = options.forward === undefined ? createForwarder() : undefined
  const forward: Forward = options.forward ?? ownForwarder!.forward

  const runtimes = new Map<string, Runtime>()
  for (const config of options.destinations) {
    const destination = config.id
    runtimes.set(destination, {
      config,
      policy: createRetryPolicy({
        scheduleMs: config.retry.scheduleMs,
        jitter: config.retry.jitter,
        maxRetryAfterMs: config.retry.maxRetryAfterMs,
      }),
      leaseMs: config.timeoutMs + leaseMarginMs,
      inFlight: 0,
      maybeMore: true,
      lastFailure: undefined,
      circuit: createCircuitBreaker(options.circuitBreaker, (transition) => {
        if (transition.to === 'half_open')
          logger.info({ destination }, 'circuit half-open: probing the destination')
        else if (transition.to === 'closed')
          logger.info({ destination }, 'circuit closed: the destination answers again')
        else {
          logger.warn(
            {
              destination,
              consecutiveFailures: transition.consecutiveFailures,
              openUntil: transition.openUntil.toISOString(),
            },
            'circuit open: pausing deliveries to this destination',
          )
        }
      }),
    })
  }

  const attempts = new Set<Promise<void>>()
  let polling: Promise<number> | undefined
  let again = false
  let started = false
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let kicked: NodeJS.Immediate | undefined
  let lastReap = Number.NEGATIVE_INFINITY

  /** Free slots this round; the circuit may allow fewer (and moves from open to half-open once cooled down). */
  function slots(rt: Runtime, at: Date): number {
    return rt.circuit.allowance(
      Math.max(0, Math.min(rt.config.maxInFlight - rt.inFlight, MAX_CLAIM)),
      at,
    )
  }

  function attemptError(rt: Runtime, result: ForwardResult): string | undefined {
    const outcome = result.outcome
    if (outcome.kind === 'response') return undefined
    return outcome.code === 'timeout'
      ? `timeout: no complete answer within ${rt.config.timeoutMs} ms`
      : `${outcome.code}: ${outcome.message}`
  }

  async function attempt(
    rt: Runtime,
    claimed: ClaimedDelivery,
    probe: boolean,
    onReleased: () => void,
  ): Promise<void> {
    const log = { destination: rt.config.id, deliveryId: claimed.id, eventId: claimed.eventId }
    const startedAt = now()
    const t0 = performance.now()
    let result: ForwardResult
    try {
      result = await forward(rt.config, claimed, startedAt)
    } catch (error) {
      // A forwarder never rejects; if one does, the fault is ours, not the destination's.
      result = {
        outcome: {
          kind: 'error',
          code: 'internal_error',
          message: `the forwarder failed: ${error instanceof Error ? error.message : String(error)}`,
        },
        responseBody: undefined,
      }
    }
    const durationMs = performance.now() - t0
    // The HTTP exchange is over: its slot is free (maxInFlight bounds what the destination sees), even though
    // the attempt still has to be recorded, so that commit's latency does not cap the destination's throughput.
    release(rt)
    onReleased()
    const endedAt = now()
    const attemptNumber = claimed.attempts + 1
    const success = isSuccess(result.outcome)
    const decision = rt.policy.decide(attemptNumber, result.outcome, endedAt, random)
    metrics?.observeAttempt(rt.config.id, outcomeClass(result.outcome), durationMs / 1000)
    if (probe) rt.circuit.endProbe()
    // Our own failure (the request could not even be built) says nothing about the destination: its circuit
    // is left as it was, so one bad event cannot pause the deliveries of every other.
    if (isInternalFailure(result.outcome))
      logger.error(
        { ...log, error: attemptError(rt, result) },
        'could not build a delivery request; the destination was not contacted',
      )
    else rt.circuit.record(success, endedAt)
    if (!success)
      rt.lastFailure = {
        at: endedAt,
        statusCode: result.outcome.kind === 'response' ? result.outcome.statusCode : undefined,
        error: attemptError(rt, result),
      }

    let recorded: 'recorded' | 'lease_lost'
    try {
      recorded = await storage.recordAttempt(
        claimed.leaseToken,
        {
          startedAt,
          durationMs,
          statusCode: result.outcome.kind === 'response' ? result.outcome.statusCode : undefined,
          error: attemptError(rt, result),
          responseBody: result.responseBody,
        },
        decision.next,
      )
    } catch (error) {
      // The lease stays; when it expires the delivery is claimed and attempted again (at least once).
      logger.error(
        { ...log, error: error instanceof Error ? error.message : String(error) },
        'could not record a delivery attempt',
      )
      return
    }
    const next = decision.next
    options.events?.emit('delivery:attempted', {
      deliveryId: claimed.id,
      eventId: claimed.eventId,
      destinationId: rt.config.id,
      attempt: attemptNumber,
      statusCode: result.outcome.kind === 'response' ? result.outcome.statusCode : undefined,
      error: attemptError(rt, result),
      durationMs,
      outcome:
        recorded === 'lease_lost' ? 'lease_lost' : next.kind === 'done' ? 'delivered' : next.kind,
      startedAt,
    })
    if (recorded === 'lease_lost') {
      metrics?.countDelivery(rt.config.id, 'lease_lost')
      logger.warn(
        { ...log, attempt: attemptNumber },
        'lease lost before the attempt was recorded (another worker took the delivery over)',
      )
      return
    }
    if (next.kind === 'done') {
      metrics?.countDelivery(rt.config.id, 'delivered')
      metrics?.observeDeliveryLag(
        rt.config.id,
        Math.max(0, endedAt.getTime() - claimed.event.receivedAt.getTime()) / 1000,
      )
      logger.debug(
        { ...log, attempt: attemptNumber, status: describeOutcome(result.outcome) },
        'delivered',
      )
    } else if (next.kind === 'retry') {
      metrics?.countDelivery(rt.config.id, 'retry')
      logger.info(
        {
          ...log,
          attempt: attemptNumber,
          result: describeOutcome(result.outcome),
          nextAttemptAt: next.at.toISOString(),
        },
        'delivery failed; will retry',
      )
    } else {
      metrics?.countDelivery(rt.config.id, 'dead')
      logger.warn(
        {
          ...log,
          attempt: attemptNumber,
          result: describeOutcome(result.outcome),
          reason: next.reason,
        },
        'delivery dead-lettered',
      )
    }
    if (decision.disableDestination) {
      try {
        await storage.setDestinationDisabled(rt.config.id, true, {
          reason: 'the destination answered HTTP 410 Gone',
          now: endedAt,
        })
        logger.warn(
          { destination: rt.config.id, url: displayUrl(rt.config.url) },
          'destination disabled: it answered 410 Gone',
        )
      } catch (error) {
        logger.error(
          {
            destination: rt.config.id,
            error: error instanceof Error ? error.message : String(error),
          },
          'could not disable the destination',
        )
      }
    }
  }

  /** Frees the slot of one HTTP exchange. */
  function release(rt: Runtime): void {
    rt.inFlight -= 1
    // Slots are free: claim more at once if more may be due, rather than at the next tick — once half of them
    // are free, so a busy destination is refilled by a few larger claims instead of one claim (one write) per
    // finished attempt.
    if (rt.maybeMore && rt.inFlight <= Math.floor(rt.config.maxInFlight / 2)) kick()
  }

  function launch(rt: Runtime, claimed: ClaimedDelivery, probe: boolean): void {
    rt.inFlight += 1
    let released = false
    const running: Promise<void> = attempt(rt, claimed, probe, () => {
      released = true
    })
      .catch((error: unknown) => {
        logger.error(
          {
            destination: rt.config.id,
            deliveryId: claimed.id,
            error: error instanceof Error ? error.message : String(error),
          },
          'delivery attempt failed',
        )
      })
      .finally(() => {
        if (!released) release(rt)
        attempts.delete(running)
      })
    attempts.add(running)
  }

  async function round(): Promise<number> {
    const at = now()
    const nowMs = at.getTime()
    if (nowMs - lastReap >= reapIntervalMs) {
      lastReap = nowMs
      try {
        const reaped = await storage.reapExpiredLeases(at)
        if (reaped > 0) logger.info({ reaped }, 'expired delivery leases returned to the queue')
      } catch (error) {
        logger.error(
          { error: error instanceof Error ? error.message : String(error) },
          'could not reap expired leases',
        )
      }
    }
    const counts = await Promise.all(
      [...runtimes.values()].map(async (rt) => {
        if (!rt.maybeMore || stopped) return 0
        const limit = slots(rt, at)
        if (limit === 0) return 0
        const probe = rt.circuit.state === 'half_open'
        if (probe) rt.circuit.beginProbe()
        let claimed: ClaimedDelivery[]
        try {
          claimed = await storage.claimDue({
            workerId,
            limit,
            leaseMs: rt.leaseMs,
            now: at,
            destinationIds: [rt.config.id],
          })
        } catch (error) {
          if (probe) rt.circuit.endProbe()
          logger.error(
            {
              destination: rt.config.id,
              error: error instanceof Error ? error.message : String(error),
            },
            'could not claim deliveries',
          )
          return 0
        }
        rt.maybeMore = claimed.length === limit
        if (probe && claimed.length === 0) rt.circuit.endProbe()
        for (const delivery of claimed) launch(rt, delivery, probe)
        return claimed.length
      }),
    )
    return counts.reduce((a, b) => a + b, 0)
  }

  function poll(): Promise<number> {
    if (polling !== undefined) {
      again = true
      return polling
    }
    polling = (async () => {
      let total = 0
      do {
        again = false
        total += await round()
      } while (again && !stopped)
      return total
    })().finally(() => {
      polling = undefined
    })
    return polling
  }

  function kick(): void {
    if (!started || stopped || kicked !== undefined) return
    kicked = setImmediate(() => {
      kicked = undefined
      poll().catch((error: unknown) =>
        logger.error(
          { error: error instanceof Error ? error.message : String(error) },
          'delivery poll failed',
        ),
      )
    })
  }

  function tick(): void {
    timer = undefined
    if (stopped) return
    for (const rt of runtimes.values()) rt.maybeMore = true
    poll()
      .catch((error: unknown) =>
        logger.error(
          { error: error instanceof Error ? error.message : String(error) },
          'delivery poll failed',
        ),
      )
      .finally(() => {
        if (!stopped) {
          timer = setTimeout(tick, pollIntervalMs)
          timer.unref()
        }
      })
  }

  return {
    workerId,
    start() {
      if (started || stopped) return
      started = true
      tick()
    },
    notify(destinationIds) {
      if (destinationIds === undefined) for (const rt of runtimes.values()) rt.maybeMore = true
      else {
        for (const id of destinationIds) {
          const rt = runtimes.get(id)
          if (rt !== undefined) rt.maybeMore = true
        }
      }
      kick()
    },
    poll() {
      // A manual round looks at every destination.
      for (const rt of runtimes.values()) rt.maybeMore = true
      return poll()
    },
    async idle() {
      while (polling !== undefined || attempts.size > 0) {
        await Promise.allSettled([polling, ...attempts])
      }
    },
    states() {
      return [...runtimes.values()].map((rt) => ({
        destinationId: rt.config.id,
        inFlight: rt.inFlight,
        circuit: rt.circuit.state,
        consecutiveFailures: rt.circuit.consecutiveFailures,
        openUntil: rt.circuit.openUntil,
        lastFailure: rt.lastFailure,
      }))
    },
    async stop(stopOptions = {}) {
      if (stopped) return
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      if (kicked !== undefined) clearImmediate(kicked)
      const timeoutMs = stopOptions.timeoutMs ?? 10_000
      let expire: NodeJS.Timeout | undefined
      const deadline = new Promise<void>((resolve) => {
        expire = setTimeout(resolve, timeoutMs)
      })
      const drained = (async () => {
        while (polling !== undefined || attempts.size > 0)
          await Promise.allSettled([polling, ...attempts])
      })()
      await Promise.race([drained, deadline])
      clearTimeout(expire)
      if (attempts.size > 0)
        logger.warn(
          { inFlight: attempts.size },
          'stopping with delivery attempts still in flight; their leases will expire',
        )
      ownForwarder?.close()
    },
  }
}
