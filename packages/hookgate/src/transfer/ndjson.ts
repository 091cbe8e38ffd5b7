/**
 * @module transfer/ndjson
 * The file format of `hookgate export` and `hookgate import` (issue 14): NDJSON, UTF-8, one JSON object per line.
 *
 * - Line 1, the header: `{"format":"hookgate-events","version":1,"exportedAt":"…","filter":{…}}`.
 * - Every later line, one event: its ids (Hookgate `id`, `dedupeKey`, `providerEventId`, `eventType`), `sourceId`,
 *   `provider`, `receivedAt` (ISO 8601, milliseconds), the redacted `headers` as stored, the raw `body` in base64
 *   (byte-exact, whatever the encoding), and its `deliveries` with their states and `attemptLog` (response bodies
 *   in base64). Absent optional values are `null`.
 *
 * Reading checks every line completely (JSON, every field, the storage contract's own checks) and reports the
 * first bad one as an {@link ImportLineError} naming its line number: a garbage line never crashes the reader and
 * is never half-imported.
 */
import { Buffer } from 'node:buffer'
import { nextStepJson } from '../storage/domain/delivery-state.ts'
import { checkPortableEvents } from '../storage/domain/transfer.ts'
import {
  DELIVERY_STATUSES,
  type DeliveryStatus,
  type DeliveryWithAttempts,
  type ExportQuery,
  type NextStep,
  type PortableEvent,
  type StoredAttempt,
} from '../storage/types.ts'

/** The `format` of the header line. */
export const EXPORT_FORMAT = 'hookgate-events'
/** The version this release writes and reads. A reader refuses a newer one (`unsupported_format`). */
export const EXPORT_VERSION = 1

/** Why a line was refused: a closed set. */
export const IMPORT_LINE_REASONS = [
  'missing_header',
  'unsupported_format',
  'invalid_json',
  'invalid_record',
  'line_too_long',
] as const
export type ImportLineReason = (typeof IMPORT_LINE_REASONS)[number]

/** A line of an import file that cannot be imported. Its message names the line and never holds a body. */
export class ImportLineError extends Error {
  readonly code = 'ERR_HOOKGATE_IMPORT' as const
  readonly reason: ImportLineReason
  /** 1-based. */
  readonly line: number
  constructor(line: number, reason: ImportLineReason, detail: string) {
    super(`line ${line}: ${reason}: ${detail}`)
    this.name = 'ImportLineError'
    this.line = line
    this.reason = reason
  }
}

/** The header line (without its newline). */
export function headerLine(
  exportedAt: Date,
  filter: Omit<ExportQuery, 'limit' | 'cursor'>,
): string {
  return JSON.stringify({
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: exportedAt.toISOString(),
    filter: {
      sourceId: filter.sourceId ?? null,
      since: filter.since?.toISOString() ?? null,
      until: filter.until?.toISOString() ?? null,
    },
  })
}

/** One event's line (without its newline). */
export function eventLine({ event, deliveries }: PortableEvent): string {
  return JSON.stringify({
    id: event.id,
    sourceId: event.sourceId,
    provider: event.provider,
    dedupeKey: event.dedupeKey,
    providerEventId: event.providerEventId ?? null,
    eventType: event.eventType ?? null,
    receivedAt: event.receivedAt.toISOString(),
    headers: event.headers,
    body: base64(event.body),
    deliveries: deliveries.map((d) => ({
      id: d.id,
      destinationId: d.destinationId,
      status: d.status,
      attempts: d.attempts,
      createdAt: d.createdAt.toISOString(),
      nextAttemptAt: isoOrNull(d.nextAttemptAt),
      lastAttemptAt: isoOrNull(d.lastAttemptAt),
      completedAt: isoOrNull(d.completedAt),
      deadReason: d.deadReason ?? null,
      replayOf: d.replayOf ?? null,
      attemptLog: d.attemptLog.map((a) => ({
        id: a.id,
        attemptNumber: a.attemptNumber,
        workerId: a.workerId,
        startedAt: a.startedAt.toISOString(),
        durationMs: a.durationMs,
        statusCode: a.statusCode ?? null,
        error: a.error ?? null,
        responseBody: a.responseBody === undefined ? null : base64(a.responseBody),
        next: nextStepJson(a.next),
      })),
    })),
  })
}

/** Checks the header line. @throws ImportLineError (line 1) */
export function parseHeaderLine(text: string | undefined): void {
  if (text === undefined || text.trim() === '')
    throw new ImportLineError(1, 'missing_header', 'the file is empty; expected a header line')
  const header = parseJson(text, 1)
  if (!isObject(header) || header.format !== EXPORT_FORMAT)
    throw new ImportLineError(
      1,
      'missing_header',
      `expected the header {"format":"${EXPORT_FORMAT}","version":${EXPORT_VERSION},…} written by hookgate export`,
    )
  if (header.version !== EXPORT_VERSION)
    throw new ImportLineError(
      1,
      'unsupported_format',
      `format version ${JSON.stringify(header.version)} is not supported (this release reads version ${EXPORT_VERSION}); upgrade Hookgate`,
    )
}

/**
 * One event line, checked completely (the same checks `importEvents` makes, so a batch of checked lines is never
 * refused by the store for its content). @throws ImportLineError
 */
export function parseEventLine(text: string, line: number): PortableEvent {
  const value = parseJson(text, line)
  let record: PortableEvent
  try {
    record = toPortableEvent(value)
    checkPortableEvents([record])
  } catch (error) {
    if (error instanceof TypeError)
      throw new ImportLineError(line, 'invalid_record', error.message.replace(/^batch\[0\]: /, ''))
    throw error
  }
  return record
}

function parseJson(text: string, line: number): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    // Only the position: V8's message quotes the text, which may hold a body.
    const at = error instanceof SyntaxError ? /position (\d+)/.exec(error.message)?.[1] : undefined
    throw new ImportLineError(
      line,
      'invalid_json',
      at === undefined ? 'not valid JSON' : `not valid JSON (at character ${at})`,
    )
  }
}

/** The JSON of a line as the contract's record; throws TypeError naming the field. */
function toPortableEvent(value: unknown): PortableEvent {
  const o = object(value, 'the line')
  const id = string(o.id, 'id')
  const deliveries = array(o.deliveries, 'deliveries').map((item, i) =>
    toDelivery(item, id, `deliveries[${i}]`),
  )
  return {
    event: {
      id,
      sourceId: string(o.sourceId, 'sourceId'),
      provider: string(o.provider, 'provider'),
      dedupeKey: string(o.dedupeKey, 'dedupeKey'),
      providerEventId: optional(o.providerEventId, 'providerEventId', string),
      eventType: optional(o.eventType, 'eventType', string),
      receivedAt: date(o.receivedAt, 'receivedAt'),
      headers: headers(o.headers),
      body: bytes(o.body, 'body'),
    },
    deliveries,
  }
}

function toDelivery(value: unknown, eventId: string, name: string): DeliveryWithAttempts {
  const o = object(value, name)
  const id = string(o.id, `${name}.id`)
  const status = string(o.status, `${name}.status`)
  if (!(DELIVERY_STATUSES as readonly string[]).includes(status))
    throw new TypeError(`${name}.status must be one of ${DELIVERY_STATUSES.join(', ')}`)
  return {
    id,
    eventId,
    destinationId: string(o.destinationId, `${name}.destinationId`),
    status: status as DeliveryStatus,
    attempts: integer(o.attempts, `${name}.attempts`),
    createdAt: date(o.createdAt, `${name}.createdAt`),
    nextAttemptAt: optional(o.nextAttemptAt, `${name}.nextAttemptAt`, date),
    leaseExpiresAt: undefined,
    lastAttemptAt: optional(o.lastAttemptAt, `${name}.lastAttemptAt`, date),
    completedAt: optional(o.completedAt, `${name}.completedAt`, date),
    deadReason: optional(o.deadReason, `${name}.deadReason`, string),
    replayOf: optional(o.replayOf, `${name}.replayOf`, string),
    attemptLog: array(o.attemptLog, `${name}.attemptLog`).map((item, i) =>
      toAttempt(item, id, `${name}.attemptLog[${i}]`),
    ),
  }
}

function toAttempt(value: unknown, deliveryId: string, name: string): StoredAttempt {
  const o = object(value, name)
  const durationMs = o.durationMs
  if (typeof durationMs !== 'number') throw new TypeError(`${name}.durationMs must be a number`)
  return {
    id: string(o.id, `${name}.id`),
    deliveryId,
    attemptNumber: integer(o.attemptNumber, `${name}.attemptNumber`),
    workerId: string(o.workerId, `${name}.workerId`),
    startedAt: date(o.startedAt, `${name}.startedAt`),
    durationMs,
    statusCode: optional(o.statusCode, `${name}.statusCode`, integer),
    error: optional(o.error, `${name}.error`, string),
    responseBody: optional(o.responseBody, `${name}.responseBody`, bytes),
    next: toNext(o.next, `${name}.next`),
  }
}

function toNext(value: unknown, name: string): NextStep {
  const o = object(value, name)
  switch (o.kind) {
    case 'done':
      return { kind: 'done' }
    case 'retry':
      return { kind: 'retry', at: date(o.at, `${name}.at`) }
    case 'dead':
      return { kind: 'dead', reason: string(o.reason, `${name}.reason`) }
    default:
      throw new TypeError(`${name}.kind must be done, retry or dead`)
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (!isObject(value)) throw new TypeError(`${name} must be an object`)
  return value
}

function array(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array`)
  return value
}

function string(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
  return value
}

function integer(value: unknown, name: string): number {
  if (!Number.isSafeInteger(value)) throw new TypeError(`${name} must be an integer`)
  return value as number
}

function optional<T>(
  value: unknown,
  name: string,
  parse: (value: unknown, name: string) => T,
): T | undefined {
  return value === null || value === undefined ? undefined : parse(value, name)
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/

function date(value: unknown, name: string): Date {
  const ms = typeof value === 'string' && ISO.test(value) ? Date.parse(value) : Number.NaN
  if (!Number.isFinite(ms)) throw new TypeError(`${name} must be an ISO 8601 UTC time`)
  return new Date(ms)
}

function headers(value: unknown): Record<string, string> {
  const o = object(value, 'headers')
  for (const [key, text] of Object.entries(o))
    if (typeof text !== 'string') throw new TypeError(`headers.${key} must be a string`)
  return o as Record<string, string>
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Strict base64 (padded, canonical): a body that does not decode back to its text is refused, not guessed at. */
function bytes(value: unknown, name: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value))
    throw new TypeError(`${name} must be base64`)
  const decoded = Buffer.from(value, 'base64')
  if (decoded.toString('base64') !== value) throw new TypeError(`${name} must be canonical base64`)
  return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength)
}

function base64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')
}

function isoOrNull(date: Date | undefined): string | null {
  return date === undefined ? null : date.toISOString()
}

/**
 * The lines of a byte stream, split on `\n` (a trailing `\r` dropped), without holding more than one line and one
 * chunk: the caller awaiting between lines is the back-pressure. A line longer than `maxLineBytes` is refused.
 * Yields `[lineNumber, text]`; the last line may lack its newline.
 */
export async function* readLines(
  input: AsyncIterable<Buffer | string>,
  maxLineBytes: number,
): AsyncGenerator<readonly [number, string]> {
  let pending: Buffer[] = []
  let pendingBytes = 0
  let line = 0
  const take = (tail: Buffer): string => {
    const whole = pending.length === 0 ? tail : Buffer.concat([...pending, tail])
    pending = []
    pendingBytes = 0
    const end =
      whole.length > 0 && whole[whole.length - 1] === 0x0d ? whole.length - 1 : whole.length
    return whole.toString('utf8', 0, end)
  }
  for await (const chunk of input) {
    let buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    for (;;) {
      const newline = buffer.indexOf(0x0a)
      if (newline === -1) break
      line++
      if (pendingBytes + newline > maxLineBytes)
        throw new ImportLineError(line, 'line_too_long', `longer than ${maxLineBytes} bytes`)
      yield [line, take(buffer.subarray(0, newline))] as const
      buffer = buffer.subarray(newline + 1)
    }
    if (buffer.length > 0) {
      pendingBytes += buffer.length
      if (pendingBytes > maxLineBytes)
        throw new ImportLineError(line + 1, 'line_too_long', `longer than ${maxLineBytes} bytes`)
      pending.push(Buffer.from(buffer))
    }
  }
  if (pendingBytes > 0) yield [line + 1, take(Buffer.alloc(0))] as const
}
