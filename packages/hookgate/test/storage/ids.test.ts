import { describe, expect, it } from 'vitest'
import { createIdGenerator } from '../../src/storage/ids.ts'

const ID = /^evt_[0-9a-hjkmnp-tv-z]{26}$/

describe('createIdGenerator', () => {
  it('encodes time then randomness in 26 lowercase Crockford base32 characters', () => {
    const zero = createIdGenerator('evt', { now: () => 0, random: (b) => b.fill(0) })
    expect(zero()).toBe('evt_00000000000000000000000000')
    const max = createIdGenerator('evt', { now: () => 2 ** 48 - 1, random: (b) => b.fill(0xff) })
    expect(max()).toBe('evt_7zzzzzzzzzzzzzzzzzzzzzzzzz')
    // 1 ms is the last time character; 0x01 as the last random byte is the last character.
    const one = createIdGenerator('rej', { now: () => 1, random: (b) => (b.fill(0), (b[9] = 1)) })
    expect(one()).toBe('rej_00000000010000000000000001')
  })

  it('is strictly increasing within one millisecond and when the clock steps back', () => {
    let now = 1_750_000_000_000
    const next = createIdGenerator('evt', { now: () => now, random: (b) => b.fill(0xab) })
    const ids = [next(), next(), next()]
    now -= 5_000
    ids.push(next(), next())
    now += 10_000
    ids.push(next())
    for (const id of ids) expect(id).toMatch(ID)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    // Same millisecond: the random part counted up by one.
    expect(ids[1]!.slice(-1)).not.toBe(ids[0]!.slice(-1))
    expect(ids[1]!.slice(0, -1)).toBe(ids[0]!.slice(0, -1))
  })

  it('carries into the time when the random part overflows', () => {
    const next = createIdGenerator('evt', { now: () => 1000, random: (b) => b.fill(0xff) })
    const a = next()
    const b = next()
    expect(b > a).toBe(true)
    expect(b).toBe(createIdGenerator('evt', { now: () => 1001, random: (x) => x.fill(0) })())
  })

  it('sorts by time across generators (different random parts)', () => {
    const early = createIdGenerator('evt', { now: () => 5_000, random: (b) => b.fill(0xff) })()
    const late = createIdGenerator('evt', { now: () => 5_001, random: (b) => b.fill(0x00) })()
    expect(early < late).toBe(true)
  })

  it('rejects a clock outside 0..2^48-1', () => {
    expect(() => createIdGenerator('evt', { now: () => -1 })()).toThrow(RangeError)
    expect(() => createIdGenerator('evt', { now: () => 2 ** 48 })()).toThrow(RangeError)
  })
})
