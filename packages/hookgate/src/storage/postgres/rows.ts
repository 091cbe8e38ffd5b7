/**
 * @module storage/postgres/rows
 * Rows as node-postgres hands them out, the JSON rows of the batch inserts, and the text encoding of event
 * fields. Mapping rows to the contract's types is shared: `domain/rows.ts`. Internal.
 *
 * PostgreSQL text cannot hold U+0000, yet a verified webhook's id or type may contain it, and the contract
 * stores every verified event as given (issue 12). The event's text fields (source, provider, dedupe key,
 * provider event id, type) and a rejection's source are therefore stored escaped, with U+FFFF as the escape
 * character: U+0000 → U+FFFF "0", U+FFFF → U+FFFF U+FFFF. The encoding is reversible and one-to-one (so dedupe
 * keys stay distinct), and strings holding neither character — every real one — are stored unchanged, so
 * `psql` shows them as they are. U+FFFF is a Unicode noncharacter (reserved for a program's internal use):
 * a row stored before this encoding that held it unescaped reads back as stored unless the U+FFFF is followed
 * by "0" or another U+FFFF. Filters on these columns (a source id) are encoded the same way.
 */
import { Buffer } from 'node:buffer'
import type { CheckedIngest, CheckedRejection } from '../domain/inputs.ts'
import type { DeliveryRow, EventRow, RejectionDetailRow, RejectionRow } from '../domain/rows.ts'

const NEEDS_ESCAPE = /[\u0000\uFFFF]/
const TO_ESCAPE = /[\u0000\uFFFF]/g
const ESCAPED = /\uFFFF([0\uFFFF])/g

/** Text as stored in an encoded column (see the module comment). */
export function toPgText(text: string): string {
  return NEEDS_ESCAPE.test(text)
    ? text.replace(TO_ESCAPE, (char) => (char === '\u0000' ? '\uFFFF0' : '\uFFFF\uFFFF'))
    : text
}

/** The inverse of {@link toPgText}. */
export function fromPgText(text: string): string {
  return text.includes('\uFFFF')
    ? text.replace(ESCAPED, (_, char: string) => (char === '0' ? '\u0000' : '\uFFFF'))
    : text
}

function optionalPgText(text: string | undefined): string | null {
  return text === undefined ? null : toPgText(text)
}

function optionalFromPgText(text: string | null): string | null {
  return text === null ? null : fromPgText(text)
}

export interface PgEventRow extends EventRow {
  readonly seq: string
  readonly received_at: Date
  readonly headers: Record<string, string>
  readonly body: Buffer
}

export interface PgRejectionRow extends RejectionRow {
  readonly seq: string
}

export interface PgRejectionDetailRow extends RejectionDetailRow {
  readonly seq: string
}

export interface PgDeliveryRow extends DeliveryRow {
  readonly seq: string
}

/** A claimed delivery with its event's columns (`e_…`), as CLAIM_DUE returns it. */
export interface PgClaimRow extends PgDeliveryRow {
  readonly e_seq: string
  readonly e_id: string
  readonly e_source_id: string
  readonly e_provider: string
  readonly e_dedupe_key: string
  readonly e_provider_event_id: string | null
  readonly e_event_type: string | null
  readonly e_received_at: Date
  readonly e_headers: Record<string, string>
  readonly e_body: Buffer
}

/** A bulk-replay match: the pair's latest delivery. */
export interface ReplayMatchRow {
  readonly seq: string
  readonly id: string
  readonly event_id: string
  readonly destination_id: string
}

/** An events row with its encoded text fields decoded. */
export function decodeEventRow(row: PgEventRow): PgEventRow {
  return {
    ...row,
    source_id: fromPgText(row.source_id),
    provider: fromPgText(row.provider),
    dedupe_key: fromPgText(row.dedupe_key),
    provider_event_id: optionalFromPgText(row.provider_event_id),
    event_type: optionalFromPgText(row.event_type),
  }
}

export function decodeRejectionRow<Row extends PgRejectionRow | PgRejectionDetailRow>(
  row: Row,
): Row {
  return { ...row, source_id: fromPgText(row.source_id) }
}

/** The event of a claim row. */
export function claimedEventRow(row: PgClaimRow): PgEventRow {
  return decodeEventRow({
    seq: row.e_seq,
    id: row.e_id,
    source_id: row.e_source_id,
    provider: row.e_provider,
    dedupe_key: row.e_dedupe_key,
    provider_event_id: row.e_provider_event_id,
    event_type: row.e_event_type,
    received_at: row.e_received_at,
    headers: row.e_headers,
    body: row.e_body,
  })
}

/** (source id, dedupe key) as stored: what identifies an event in a batch and in SELECT_EVENTS_BY_DEDUPE_KEYS. */
export function storedDedupeKey(sourceId: string, dedupeKey: string): string {
  return JSON.stringify([sourceId, dedupeKey])
}

/** An event's columns (its body apart) as the JSON parameters of INSERT_EVENTS and IMPORT_EVENTS carry them. */
export function eventColumns(id: string, { event, headersJson }: CheckedIngest) {
  return {
    id,
    source_id: toPgText(event.sourceId),
    provider: toPgText(event.provider),
    dedupe_key: toPgText(event.dedupeKey),
    provider_event_id: optionalPgText(event.providerEventId),
    event_type: optionalPgText(event.eventType),
    received_at: event.receivedAt.toISOString(),
    headers: headersJson,
  }
}

/** One row of INSERT_EVENTS' JSON parameter (`body_at`/`body_length` slice the concatenated bodies). */
export function eventInput(
  ord: number,
  id: string,
  checked: CheckedIngest,
  bodyAt: number,
): Record<string, unknown> {
  return {
    ord,
    ...eventColumns(id, checked),
    body_at: bodyAt,
    body_length: checked.event.body.byteLength,
  }
}

/** One row of INSERT_REJECTIONS' JSON parameter. */
export function rejectionInput(
  ord: number,
  id: string,
  { rejection, headersJson, diagnosisJson }: CheckedRejection,
): Record<string, unknown> {
  const captured = rejection.captured
  return {
    ord,
    id,
    source_id: toPgText(rejection.sourceId),
    received_at: rejection.receivedAt.toISOString(),
    status: rejection.status,
    reason: rejection.reason,
    message: rejection.message,
    remote_address: rejection.remoteAddress ?? null,
    headers: headersJson,
    body_size: rejection.bodySize,
    body_sha256: rejection.bodySha256,
    diagnosed: rejection.diagnosed ?? null,
    diagnosis: diagnosisJson,
    captured_method: captured?.method ?? null,
    captured_url: captured?.url ?? null,
    captured_body: captured === undefined ? null : bufferOf(captured.body).toString('base64'),
    captured_truncated: captured?.truncated ?? null,
    captured_sealed: captured?.sealed ?? null,
  }
}

/** Timestamps go over the wire as ISO text in UTC: no dependence on the process's time zone. */
export function iso(ms: number): string {
  return new Date(ms).toISOString()
}

export function optionalIso(ms: number | null): string | null {
  return ms === null ? null : iso(ms)
}

export function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
