/**
 * @module storage/domain/validate
 * The primitive input checks of the storage domain, with the error types and messages every backend shares.
 *
 * Why shared: the contract (`types.ts`) promises callers the same `TypeError`/`RangeError` for the same bad
 * input whichever database holds the data; one copy keeps the backends from drifting apart.
 */

/** Throws `TypeError('<name> must be a string')` unless `value` is a string. */
export function requireString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
}

/** Throws `TypeError('<name> must be a string or undefined')` unless `value` is a string or undefined. */
export function optionalString(value: unknown, name: string): asserts value is string | undefined {
  if (value !== undefined && typeof value !== 'string')
    throw new TypeError(`${name} must be a string or undefined`)
}

/**
 * A string the gateway itself chooses (worker id, rejection reason, body digest) without U+0000: no
 * configuration or code produces one, and PostgreSQL text could not hold it.
 */
export function requireText(value: unknown, name: string): asserts value is string {
  requireString(value, name)
  if (value.includes('\u0000')) throw new TypeError(`${name} must not contain U+0000`)
}

/** A configured id (a destination's): {@link requireText}, and not empty. */
export function requireName(value: unknown, name: string): asserts value is string {
  requireText(value, name)
  if (value === '') throw new TypeError(`${name} must not be empty`)
}

/** Checks that `headers` is a plain object whose values are all strings. */
export function checkHeaders(headers: Readonly<Record<string, string>>, name: string): void {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new TypeError(`${name} must be an object of strings`)
  }
  // The label is made once, not per header (for-in: no array of values either; this runs per webhook).
  const label = `${name} values`
  for (const key in headers) requireString(headers[key], label)
}

/** Milliseconds since the epoch of a valid `Date`; anything else is a `TypeError`. */
export function timeOf(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN
  if (!Number.isFinite(ms)) throw new TypeError(`${name} must be a valid Date`)
  return ms
}

/** Milliseconds since the epoch of an optional `now` (default: the store's clock). */
export function nowOf(date: Date | undefined, clock: () => number): number {
  return date === undefined ? clock() : timeOf(date, 'now')
}

/** Throws a `RangeError` unless `value` is an integer from 1 to `max`. */
export function checkLimit(value: number, max: number, name = 'limit'): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer from 1 to ${max}`)
  }
}

/** A backend option: `fallback` when absent, else a safe integer `>= min` (otherwise a `RangeError`). */
export function integerOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer >= ${min}`)
  return value
}

declare global {
  // ES2024, in Node since 20; not in this project's ES2023 lib.
  interface String {
    isWellFormed(): boolean
    toWellFormed(): string
  }
}

/**
 * A lone UTF-16 surrogate (`"\ud800"` in a JSON body's event type, say) has no UTF-8 form: every UTF-8
 * encoder, and so every database, stores U+FFFD instead. It becomes U+FFFD here, so the answer to a write
 * is what a read returns later. (`isWellFormed` is native and answers a one-byte string, as every header is,
 * without scanning it.)
 */
export function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed()
}

/** {@link wellFormed} for every header name and value. */
export function wellFormedHeaders(
  headers: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  let clean = true
  for (const name in headers) {
    if (!name.isWellFormed() || !headers[name]!.isWellFormed()) {
      clean = false
      break
    }
  }
  if (clean) return headers
  const out: Record<string, string> = {}
  for (const name of Object.keys(headers)) out[wellFormed(name)] = wellFormed(headers[name]!)
  return out
}

/** Free text kept only for people (errors, reasons, messages): U+0000 becomes U+FFFD instead of failing the write. */
export function diagnosticText(text: string): string {
  return wellFormed(text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text)
}
