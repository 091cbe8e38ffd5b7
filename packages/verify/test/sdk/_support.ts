/**
 * @module test/sdk/_support
 * Shared pieces of the SDK differential tests: generators (bodies, secrets, clocks), the deviation
 * tally, and small helpers. Every `<provider>.test.ts` in this folder compares @hookgate/verify with the
 * provider's official SDK and lists its intentional deviations (docs/deviations.md) explicitly.
 */
import { Buffer, isUtf8 } from 'node:buffer'
import fc from 'fast-check'
import { expect } from 'vitest'
import type { VerifyResult } from '@hookgate/verify'

/**
 * fast-check parameters. Unseeded by default so every run explores new cases; set
 * `HOOKGATE_FC_SEED` to replay a failure (fast-check prints the seed and path when a property fails).
 */
export function fcParams(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.HOOKGATE_FC_SEED
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed) }
}

/** Any UTF-16 code unit, lone surrogates included (they become U+FFFD on the wire). */
const char16 = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code))

/** Unicode text of every flavour: ASCII, astral code points, grapheme clusters (emoji), raw UTF-16 units. */
export function unicodeText(
  constraints: { minLength?: number; maxLength?: number } = {},
): fc.Arbitrary<string> {
  const { minLength = 0, maxLength = 64 } = constraints
  return fc.oneof(
    fc.string({ unit: 'grapheme-ascii', minLength, maxLength }),
    fc.string({ unit: 'grapheme', minLength, maxLength }),
    fc.string({ unit: 'binary', minLength, maxLength }),
    fc.string({ unit: char16, minLength, maxLength }),
  )
}

/** A JSON body like a provider sends, with unicode inside string values. */
export const jsonBody: fc.Arbitrary<string> = fc
  .record({
    id: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
    text: unicodeText(),
    n: fc.integer(),
  })
  .map((value) => JSON.stringify(value))

/** Text bodies: JSON or any unicode text, optionally behind a byte-order mark. */
export function textBody(constraints: { minLength?: number } = {}): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: jsonBody },
    {
      weight: 3,
      arbitrary: unicodeText({ minLength: constraints.minLength ?? 0, maxLength: 200 }),
    },
    {
      weight: 1,
      arbitrary: unicodeText({ minLength: 0, maxLength: 40 }).map((text) => `\uFEFF${text}`),
    },
  )
}

/** Raw bodies: UTF-8 text, or arbitrary bytes (mostly not valid UTF-8). */
export function byteBody(constraints: { minLength?: number } = {}): fc.Arbitrary<Uint8Array> {
  const minLength = constraints.minLength ?? 0
  return fc.oneof(
    {
      weight: 3,
      arbitrary: textBody({ minLength })
        .map((text) => utf8(text))
        .filter((b) => b.length >= minLength),
    },
    { weight: 2, arbitrary: fc.uint8Array({ minLength: Math.max(minLength, 1), maxLength: 200 }) },
  )
}

/** A text secret that is not blank (blank secrets are refused at construction: see docs/deviations.md). */
export const textSecret: fc.Arbitrary<string> = unicodeText({ minLength: 1, maxLength: 48 }).filter(
  (s) => s.trim().length > 0,
)

/** Clock offsets in seconds (timestamp − now), dense around ±tolerance. */
export function clockOffset(toleranceSeconds: number): fc.Arbitrary<number> {
  const t = toleranceSeconds
  return fc.oneof(
    fc.constant(0),
    fc.integer({ min: -t - 3, max: -t + 3 }),
    fc.integer({ min: t - 3, max: t + 3 }),
    fc.integer({ min: -3 * t, max: 3 * t }),
  )
}

/** A "now" in milliseconds, with a random sub-second part so that flooring is exercised. */
export const nowMs: fc.Arbitrary<number> = fc.integer({
  min: 1_600_000_000_000,
  max: 2_000_000_000_000,
})

/** `undefined` nine times in ten, else a value: for rare case features (a wrong secret, a custom tolerance). */
export function rarely<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary })
}

/** Zero, one or two header mutations, with no mutation in about a third of the cases. */
export function mutations<M>(mutation: fc.Arbitrary<M>): fc.Arbitrary<M[]> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(null).map((): M[] => []) },
    { weight: 4, arbitrary: fc.tuple(mutation).map((m): M[] => m) },
    { weight: 2, arbitrary: fc.tuple(mutation, mutation).map((m): M[] => m) },
  )
}

export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'))
}

/** What an SDK that decodes the body as UTF-8 (`buffer.toString()`) actually authenticates. */
export function lossyText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
}

export { isUtf8 }

/** Flips the lowest bit of one character (index taken modulo the length); '' stays ''. */
export function flipChar(value: string, index: number): string {
  if (value.length === 0) return value
  const i = index % value.length
  return value.slice(0, i) + String.fromCharCode(value.charCodeAt(i) ^ 1) + value.slice(i + 1)
}

export const lowerHex = (bytes: number): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'))

export const base64Of = (bytes: number): fc.Arbitrary<string> =>
  fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .map((b) => Buffer.from(b).toString('base64'))

/**
 * True when `mutated` is a different string that a forgiving base64url decoder (jose's) reads as the same bytes as
 * `original`: other unused low bits in the last character, or `=` padding. Hookgate compares signatures in their
 * canonical encoding and refuses these (deviation non_canonical_signature).
 */
export function sameBytesOtherEncoding(original: string, mutated: string): boolean {
  if (
    mutated === original ||
    !/^[A-Za-z0-9_-]*={0,2}$/.test(mutated) ||
    mutated.replace(/=+$/, '').length % 4 === 1
  )
    return false
  return Buffer.from(mutated, 'base64url').equals(Buffer.from(original, 'base64url'))
}

/**
 * Runs an SDK verification: true when it accepts, false when it rejects with one of the errors it is
 * documented to throw (`rejects`). Anything else is rethrown, so a harness mistake cannot pass for a rejection.
 */
export function sdkAccepts(run: () => unknown, rejects: (error: unknown) => boolean): boolean {
  try {
    const result = run()
    return result !== false
  } catch (error) {
    if (rejects(error)) return false
    throw error
  }
}

export async function sdkAcceptsAsync(
  run: () => Promise<unknown>,
  rejects: (error: unknown) => boolean,
): Promise<boolean> {
  try {
    const result = await run()
    return result !== false
  } catch (error) {
    if (rejects(error)) return false
    throw error
  }
}

/** Counts cases per class so each file can show that its deviation classes were really exercised. */
export class Tally {
  readonly counts = new Map<string, number>()
  add(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1)
  }
  get(name: string): number {
    return this.counts.get(name) ?? 0
  }
  /**
   * Asserts that every named class occurred at least once (guards against a generator that stopped producing
   * it). A name counts every key that starts with it, so `future_timestamp` covers `future_timestamp:sdk_accepts`.
   */
  expectSeen(...names: string[]): void {
    // HOOKGATE_FC_TALLY=1 prints the distribution (how many cases each class got) for tuning the generators.
    if (process.env.HOOKGATE_FC_TALLY !== undefined)
      console.log(JSON.stringify(Object.fromEntries([...this.counts].sort())))
    for (const name of names) {
      let count = 0
      for (const [key, n] of this.counts) if (key.startsWith(name)) count += n
      expect({ name, count }).not.toMatchObject({ count: 0 })
    }
  }
}

/** Describes a result for assertion messages: 'ok' or the failure reason. */
export function outcome(result: VerifyResult): string {
  return result.ok ? 'ok' : result.reason
}
