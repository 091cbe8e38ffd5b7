/**
 * @module storage/paging
 * Keyset paging shared by the storage backends: list limits, pages and the cursor format.
 *
 * A cursor is opaque to clients: the base64url of the last row's `seq` in decimal. Each backend decodes it
 * itself, since the range of `seq` it accepts depends on how the database hands the column out (a bigint as
 * text in PostgreSQL, a safe integer in SQLite); the encoded form is the same for both.
 */
import { Buffer } from 'node:buffer'
import type { ListQuery, Page } from './types.ts'

/** Rows per page when the query names no `limit`. */
export const DEFAULT_LIMIT = 50
/** The largest `limit` a list query may ask for. */
export const MAX_LIMIT = 500

/** Validates `limit` (1..500, default 50): anything else is a `RangeError`. */
export function pageLimit(query: ListQuery): number {
  const limit = query.limit ?? DEFAULT_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_LIMIT}`)
  }
  return limit
}

/** Rows were fetched with `limit + 1`: the extra one only tells that another page exists. */
export function page<Row extends { readonly seq: string | number }, T>(
  rows: Row[],
  limit: number,
  map: (row: Row) => T,
): Page<T> {
  const items = rows.slice(0, limit).map(map)
  if (rows.length <= limit) return { items }
  return { items, nextCursor: encodeCursor(rows[limit - 1]!.seq) }
}

/** Opaque to clients: base64url of the last row's seq, as decimal text. */
export function encodeCursor(seq: string | number): string {
  return Buffer.from(String(seq), 'utf8').toString('base64url')
}
