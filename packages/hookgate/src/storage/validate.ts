/**
 * @module storage/validate
 * Input checks that every storage backend makes the same way, with the same error types and messages.
 *
 * Why here: the contract (`types.ts`) promises callers the same `TypeError`/`RangeError` for the same bad
 * input whichever database holds the data; one copy keeps the backends from drifting apart. Checks that
 * depend on what a database can store (PostgreSQL text refusing U+0000, say) stay in that backend.
 */

/** Throws `TypeError('<name> must be a string')` unless `value` is a string. */
export function requireString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
}

/** Throws `TypeError('<name> must be a string or undefined')` unless `value` is a string or undefined. */
export function optionalString(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'string') throw new TypeError(`${name} must be a string or undefined`)
}

/** Checks that `headers` is a plain object whose values are all strings. */
export function checkHeaders(headers: Readonly<Record<string, string>>, name: string): void {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new TypeError(`${name} must be an object of strings`)
  }
  for (const value of Object.values(headers)) requireString(value, `${name} values`)
}

/** Milliseconds since the epoch of a valid `Date`; anything else is a `TypeError`. */
export function timeOf(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN
  if (!Number.isFinite(ms)) throw new TypeError(`${name} must be a valid Date`)
  return ms
}

/** The most deliveries one `claimDue()` call may claim. */
export const MAX_CLAIM_LIMIT = 1_000

/** Checks `claimDue()`'s `limit`: an integer from 1 to {@link MAX_CLAIM_LIMIT}, else a `RangeError`. */
export function checkClaimLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CLAIM_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_CLAIM_LIMIT}`)
  }
}

/** A backend option: `fallback` when absent, else a safe integer `>= min` (otherwise a `RangeError`). */
export function integerOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`)
  return value
}
