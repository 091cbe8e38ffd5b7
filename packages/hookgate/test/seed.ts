/**
 * @module test/seed
 * Every random generator in the tests is seeded: `HOOKGATE_TEST_SEED` when set (to replay or vary a run),
 * else a seed fixed per test file, so a run is the same run every time unless asked otherwise.
 */

/** The seed for a test file: `HOOKGATE_TEST_SEED` if set, else `fixed`. */
export function testSeed(fixed: number): number {
  const raw = process.env.HOOKGATE_TEST_SEED
  if (raw === undefined || raw === '') return fixed
  const seed = Number(raw)
  if (!Number.isSafeInteger(seed))
    throw new Error(`HOOKGATE_TEST_SEED must be an integer, not ${JSON.stringify(raw)}`)
  return seed
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
