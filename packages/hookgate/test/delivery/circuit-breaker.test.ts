/**
 * The circuit breaker on its own, with an injected clock: every decision is given its time, so multi-minute
 * cooldowns take no time at all.
 */
import { describe, expect, it } from 'vitest'
import { createCircuitBreaker, type CircuitTransition } from '../../src/delivery/circuit-breaker.ts'

const T0 = Date.parse('2030-01-01T00:00:00Z')
const at = (ms: number): Date => new Date(T0 + ms)

function breaker(options: { failureThreshold?: number; cooldownMs?: number } = {}) {
  const transitions: CircuitTransition[] = []
  return { cb: createCircuitBreaker(options, (t) => transitions.push(t)), transitions }
}

describe('circuit breaker', () => {
  it('stays closed below the threshold and passes every free slot through; a success resets the count', () => {
    const { cb, transitions } = breaker({ failureThreshold: 3 })
    expect(cb.allowance(7, at(0))).toBe(7)
    cb.record(false, at(1))
    cb.record(false, at(2))
    expect(cb).toMatchObject({ state: 'closed', consecutiveFailures: 2, openUntil: undefined })
    cb.record(true, at(3))
    expect(cb.consecutiveFailures).toBe(0)
    cb.record(false, at(4))
    cb.record(false, at(5))
    expect(cb.state).toBe('closed')
    expect(transitions).toEqual([])
  })

  it('opens at the threshold, allows nothing for the cooldown, then exactly one probe', () => {
    const { cb, transitions } = breaker({ failureThreshold: 2, cooldownMs: 60_000 })
    cb.record(false, at(0))
    cb.record(false, at(10))
    expect(cb).toMatchObject({ state: 'open', consecutiveFailures: 2 })
    expect(cb.openUntil).toEqual(at(60_010))
    expect(transitions).toEqual([{ to: 'open', consecutiveFailures: 2, openUntil: at(60_010) }])
    expect(cb.allowance(5, at(60_009))).toBe(0)
    expect(cb.state).toBe('open')
    // Cooled down: half-open, one probe whatever the free slots.
    expect(cb.allowance(5, at(60_010))).toBe(1)
    expect(cb.state).toBe('half_open')
    expect(cb.openUntil).toBeUndefined()
    cb.beginProbe()
    expect(cb.probing).toBe(true)
    expect(cb.allowance(5, at(60_011))).toBe(0)
    // Nothing was claimed for the probe: another may go.
    cb.endProbe()
    expect(cb.allowance(5, at(60_012))).toBe(1)
    expect(transitions.map((t) => t.to)).toEqual(['open', 'half_open'])
  })

  it('a failed probe opens it again for a full cooldown from the failure; a good one closes it', () => {
    const { cb, transitions } = breaker({ failureThreshold: 1, cooldownMs: 1_000 })
    cb.record(false, at(0))
    expect(cb.allowance(3, at(1_000))).toBe(1)
    cb.beginProbe()
    cb.endProbe()
    cb.record(false, at(1_500))
    expect(cb).toMatchObject({ state: 'open', consecutiveFailures: 2 })
    expect(cb.openUntil).toEqual(at(2_500))
    expect(cb.allowance(3, at(2_499))).toBe(0)
    expect(cb.allowance(3, at(2_500))).toBe(1)
    cb.beginProbe()
    cb.endProbe()
    cb.record(true, at(2_600))
    expect(cb).toMatchObject({
      state: 'closed',
      consecutiveFailures: 0,
      probing: false,
      openUntil: undefined,
    })
    expect(cb.allowance(3, at(2_601))).toBe(3)
    expect(transitions.map((t) => t.to)).toEqual([
      'open',
      'half_open',
      'open',
      'half_open',
      'closed',
    ])
  })

  it('failures of attempts still in flight while open count but do not extend the cooldown', () => {
    const { cb } = breaker({ failureThreshold: 2, cooldownMs: 100 })
    cb.record(false, at(0))
    cb.record(false, at(0))
    cb.record(false, at(50))
    expect(cb).toMatchObject({ state: 'open', consecutiveFailures: 3 })
    expect(cb.openUntil).toEqual(at(100))
  })

  it('defaults: 5 failures, 30 s', () => {
    const { cb } = breaker()
    for (let i = 0; i < 4; i++) cb.record(false, at(0))
    expect(cb.state).toBe('closed')
    cb.record(false, at(0))
    expect(cb.openUntil).toEqual(at(30_000))
  })
})
