/**
 * @module storage/domain/cursors
 * Keyset paging of lists and the cursors of bulk replays, the same in every backend.
 *
 * Cursors are opaque to clients: base64url of decimal `seq` values (`<seq>` for a list page,
 * `r1.<after>.<until>` for a replay batch). They decode to `bigint`, which covers a PostgreSQL bigint and a
 * SQLite rowid alike; a cursor that does not re-encode to itself was not issued by a store (`RangeError`).
 */
import { Buffer } from 'node:buffer'
import type { Page, RequeueBatch } from '../types.ts'

/** Rows per page when the query names no `limit`. */
export const DEFAULT_LIMIT = 50
/** The largest `limit` a list query may ask for. */
export const MAX_LIMIT = 500

/** Decimal `seq` text a cursor may carry: positive, at most 18 digits (below 2^63). */
const SEQ = '[1-9][0-9]{0,17}'
const LIST_CURSOR = new RegExp(`^${SEQ}$`)
const REPLAY_CURSOR = new RegExp(`^r1\\.(${SEQ})\\.(${SEQ})$`)

type Seq = string | number | bigint

/** The bound of a first page: larger than any `seq` (the largest signed 64-bit integer). */
export const MAX_SEQ = 9_223_372_036_854_775_807n

/** Rows were fetched with `limit + 1`: the extra one only tells that another page exists. */
export function page<Row extends { readonly seq: string | number }, T>(
  rows: readonly Row[],
  limit: number,
  map: (row: Row) => T,
): Page<T> {
  const items = rows.slice(0, limit).map(map)
  if (rows.length <= limit) return { items }
  return { items, nextCursor: encodeCursor(rows[limit - 1]!.seq) }
}

/** Opaque to clients: base64url of the last row's seq, as decimal text. */
export function encodeCursor(seq: Seq): string {
  return toBase64url(String(seq))
}

/** The exclusive upper bound on `seq` a list cursor stands for. @throws RangeError for a cursor no store issued */
export function decodeCursor(cursor: unknown): bigint {
  const text = decodedText(cursor)
  if (!LIST_CURSOR.test(text) || encodeCursor(text) !== cursor) throw invalidCursor()
  return BigInt(text)
}

/** A bulk replay's position: batches walk `seq` in (`after`, `until`]; `until` is fixed by the first batch. */
export interface ReplayCursor {
  readonly after: bigint
  readonly until: bigint
}

export function encodeReplayCursor(after: Seq, until: Seq): string {
  return toBase64url(`r1.${after}.${until}`)
}

/** @throws RangeError for a cursor no store issued */
export function decodeReplayCursor(cursor: unknown): ReplayCursor {
  const match = REPLAY_CURSOR.exec(decodedText(cursor))
  if (match === null || encodeReplayCursor(match[1]!, match[2]!) !== cursor) throw invalidCursor()
  const after = BigInt(match[1]!)
  const until = BigInt(match[2]!)
  if (after > until) throw invalidCursor()
  return { after, until }
}

/**
 * The answer to one bulk-replay batch of at most `limit` pairs, the last at `lastSeq`: a full batch carries a
 * cursor, since more pairs may match.
 */
export function replayBatch(
  requeued: number,
  matched: number,
  limit: number,
  lastSeq: Seq | undefined,
  until: Seq,
): RequeueBatch {
  if (matched < limit || lastSeq === undefined) return { requeued }
  return { requeued, nextCursor: encodeReplayCursor(lastSeq, until) }
}

function decodedText(cursor: unknown): string {
  if (typeof cursor !== 'string') throw invalidCursor()
  return Buffer.from(cursor, 'base64url').toString('utf8')
}

function toBase64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url')
}

function invalidCursor(): RangeError {
  return new RangeError('Invalid cursor')
}
