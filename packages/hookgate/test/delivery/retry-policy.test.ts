/**
 * The retry policy, pure: outcome classes, the schedule within its jitter bounds (property), Retry-After
 * (seconds, HTTP date, cap, only with 429/503), and dead after the last step.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createRetryPolicy,
  retryAfterMs,
  type AttemptOutcome,
} from '../../src/delivery/retry-policy.ts'
import { testSeed } from '../seed.ts'

const NOW = new Date('2026-03-01T12:00:00.000Z')
const status = (statusCode: number, retryAfter?: string): AttemptOutcome => ({
  kind: 'response',
  statusCode,
  retryAfter,
})
const error = (code: 'timeout' | 'connection_refused' | 'connection_reset'): AttemptOutcome => ({
  kind: 'error',
  code,
  message: code,
})
const half = (): number => 0.5
const policy = createRetryPolicy({
  scheduleMs: [5_000, 300_000, 1_800_000],
  jitter: 0.2,
  maxRetryAfterMs: 3_600_000,
})
const delayOf = (next: { kind: string; at?: Date }): number => next.at!.getTime() - NOW.getTime()

describe('retry policy', () => {
  it('2xx is done; every 2xx status', () => {
    for (const code of [200, 201, 202, 204, 299]) {
      expect(policy.decide(1, status(code), NOW, half)).toEqual({
        next: { kind: 'done' },
        disableDestination: false,
      })
    }
  })

  it('3xx, 4xx, 5xx and errors retry on the schedule (a redirect is a failure, never followed)', () => {
    for (const outcome of [
      status(301),
      status(302),
      status(308),
      status(400),
      status(404),
      status(500),
      status(502),
      error('timeout'),
      error('connection_refused'),
      error('connection_reset'),
    ]) {
      const decision = policy.decide(1, outcome, NOW, half)
      expect(decision.disableDestination).toBe(false)
      expect(decision.next.kind).toBe('retry')
      expect(delayOf(decision.next)).toBe(5_000) // random 0.5 = no jitter
    }
  })

  it('410 is dead at once and disables the destination, whatever the attempt number', () => {
    for (const n of [1, 2, 4]) {
      const decision = policy.decide(n, status(410), NOW, half)
      expect(decision.disableDestination).toBe(true)
      expect(decision.next).toMatchObject({ kind: 'dead', reason: expect.stringContaining('410') })
    }
  })

  it('after the schedule is used up the delivery is dead, naming the last result', () => {
    expect(policy.maxAttempts).toBe(4)
    expect(delayOf(policy.decide(3, status(500), NOW, half).next)).toBe(1_800_000)
    const last = policy.decide(4, error('timeout'), NOW, half)
    expect(last).toEqual({
      next: { kind: 'dead', reason: 'retry schedule exhausted after 4 attempts (last: timeout)' },
      disableDestination: false,
    })
    expect(createRetryPolicy({ scheduleMs: [] }).decide(1, status(500), NOW, half).next.kind).toBe(
      'dead',
    )
  })

  it('property: each retry lands within [base × (1 - jitter), base × (1 + jitter)], and the bounds are reached', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 * 3_600_000 }), { minLength: 1, maxLength: 10 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.nat(),
        (schedule, jitter, r, pick) => {
          const p = createRetryPolicy({ scheduleMs: schedule, jitter })
          const n = (pick % schedule.length) + 1
          const base = schedule[n - 1]!
          const decision = p.decide(n, status(503), NOW, () => r)
          const delay = delayOf(decision.next)
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - jitter)))
          expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + jitter)))
          expect(p.decide(schedule.length + 1, status(503), NOW, () => r).next.kind).toBe('dead')
        },
      ),
      { numRuns: 500, seed: testSeed(0x7e77_0001) },
    )
    // The extremes of random() reach the extremes of the window.
    expect(delayOf(policy.decide(2, status(500), NOW, () => 0).next)).toBe(240_000)
    expect(delayOf(policy.decide(2, status(500), NOW, () => 0.999_999_999).next)).toBe(360_000)
  })

  it('honours Retry-After on 429 and 503 (seconds or HTTP date), never earlier than the schedule, capped', () => {
    expect(delayOf(policy.decide(1, status(429, '120'), NOW, half).next)).toBe(120_000)
    expect(
      delayOf(policy.decide(1, status(503, 'Sun, 01 Mar 2026 12:30:00 GMT'), NOW, half).next),
    ).toBe(1_800_000)
    // Shorter than the schedule's step: the schedule wins (Retry-After is a floor).
    expect(delayOf(policy.decide(2, status(429, '1'), NOW, half).next)).toBe(300_000)
    // Longer than the cap: cut to the cap.
    expect(delayOf(policy.decide(1, status(429, '999999'), NOW, half).next)).toBe(3_600_000)
    // Only 429/503 carry it; garbage is ignored.
    expect(delayOf(policy.decide(1, status(500, '120'), NOW, half).next)).toBe(5_000)
    expect(delayOf(policy.decide(1, status(429, 'soon'), NOW, half).next)).toBe(5_000)
    expect(delayOf(policy.decide(1, status(429, '-5'), NOW, half).next)).toBe(5_000)
  })

  it('parses Retry-After values', () => {
    expect(retryAfterMs('0', NOW)).toBe(0)
    expect(retryAfterMs(' 30 ', NOW)).toBe(30_000)
    expect(retryAfterMs('Sun, 01 Mar 2026 11:00:00 GMT', NOW)).toBe(0) // in the past
    expect(retryAfterMs('2026-03-01T13:00:00Z', NOW)).toBeUndefined()
    expect(retryAfterMs(undefined, NOW)).toBeUndefined()
    expect(retryAfterMs('1.5', NOW)).toBeUndefined()
  })

  it('refuses bad options', () => {
    expect(() => createRetryPolicy({ scheduleMs: [-1] })).toThrow(RangeError)
    expect(() => createRetryPolicy({ scheduleMs: [1], jitter: 1.5 })).toThrow(RangeError)
  })
})
