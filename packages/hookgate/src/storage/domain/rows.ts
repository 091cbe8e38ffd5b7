/**
 * @module storage/domain/rows
 * Table rows as the drivers hand them out, mapped to the contract's types, once for all backends.
 *
 * The two drivers differ only in how a value arrives: a time is SQLite INTEGER milliseconds or a PostgreSQL
 * timestamptz `Date`; JSON is SQLite TEXT or parsed PostgreSQL json; a bigint count is a number or text;
 * a boolean is 0/1 or a boolean; bytes are a Buffer (copied out, so callers never share driver memory).
 */
import type {
  ClaimedDelivery,
  Delivery,
  DeliveryStatus,
  DestinationState,
  NextStep,
  StoredAttempt,
  StoredEvent,
  RejectionDetail,
  RejectionHint,
  StoredRejection,
} from '../types.ts'
import type { CheckedIngest } from './inputs.ts'

/** SQLite: milliseconds since the epoch. PostgreSQL: timestamptz. */
export type RowTime = number | Date
/** SQLite: JSON text. PostgreSQL: json, already parsed. */
export type RowHeaders = string | Readonly<Record<string, string>>

export interface EventRow {
  readonly seq: number | string
  readonly id: string
  readonly source_id: string
  readonly provider: string
  readonly dedupe_key: string
  readonly provider_event_id: string | null
  readonly event_type: string | null
  readonly received_at: RowTime
  readonly headers: RowHeaders
  readonly body: Uint8Array
}

export interface RejectionRow {
  readonly seq: number | string
  readonly id: string
  readonly source_id: string
  readonly received_at: RowTime
  readonly status: number
  readonly reason: string
  readonly message: string
  readonly remote_address: string | null
  readonly headers: RowHeaders
  readonly body_size: number | string
  readonly body_sha256: string
  /** SQLite 0/1, PostgreSQL boolean; null when not a signature failure. */
  readonly diagnosed: number | boolean | null
  /** JSON array of hints (SQLite text, PostgreSQL parsed json); null when not diagnosed. */
  readonly diagnosis: string | readonly RejectionHint[] | null
  /** octet_length of the captured body; null when nothing was captured. */
  readonly captured_bytes: number | string | null
}

/** A rejection row with its captured request (`getRejection`). */
export interface RejectionDetailRow extends RejectionRow {
  readonly captured_method: string | null
  readonly captured_url: string | null
  readonly captured_body: Uint8Array | null
  readonly captured_truncated: number | boolean | null
  readonly captured_sealed: string | null
}

export interface DeliveryRow {
  readonly seq: number | string
  readonly id: string
  readonly event_id: string
  readonly destination_id: string
  readonly status: DeliveryStatus
  readonly attempts: number
  readonly created_at: RowTime
  readonly next_attempt_at: RowTime | null
  readonly lease_token: string | null
  readonly lease_expires_at: RowTime | null
  readonly last_attempt_at: RowTime | null
  readonly completed_at: RowTime | null
  readonly dead_reason: string | null
  readonly replay_of: string | null
}

export interface AttemptRow {
  readonly id: string
  readonly delivery_id: string
  readonly attempt_number: number
  readonly worker_id: string
  readonly started_at: RowTime
  readonly duration_ms: number
  readonly status_code: number | null
  readonly error: string | null
  readonly response_body: Uint8Array | null
  readonly next_kind: NextStep['kind']
  readonly next_at: RowTime | null
  readonly next_reason: string | null
}

export interface DestinationStateRow {
  readonly id: string
  readonly disabled: number | boolean
  readonly disabled_at: RowTime | null
  readonly disabled_reason: string | null
}

/** The answer to the ingest of a new event: what a later read returns. */
export function storedEventOf(id: string, checked: CheckedIngest): StoredEvent {
  return { id, ...checked.event }
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    sourceId: row.source_id,
    provider: row.provider,
    dedupeKey: row.dedupe_key,
    providerEventId: row.provider_event_id ?? undefined,
    eventType: row.event_type ?? undefined,
    receivedAt: dateOf(row.received_at),
    headers: headersOf(row.headers),
    body: new Uint8Array(row.body),
  }
}

export function toStoredRejection(row: RejectionRow): StoredRejection {
  const diagnosed =
    row.diagnosed === null ? undefined : row.diagnosed === true || row.diagnosed === 1
  return {
    id: row.id,
    sourceId: row.source_id,
    receivedAt: dateOf(row.received_at),
    status: row.status,
    reason: row.reason,
    message: row.message,
    remoteAddress: row.remote_address ?? undefined,
    headers: headersOf(row.headers),
    bodySize: Number(row.body_size),
    bodySha256: row.body_sha256,
    ...(diagnosed === undefined ? {} : { diagnosed }),
    ...(row.diagnosis === null
      ? {}
      : {
          diagnosis:
            typeof row.diagnosis === 'string'
              ? (JSON.parse(row.diagnosis) as RejectionHint[])
              : row.diagnosis,
        }),
    ...(row.captured_bytes === null ? {} : { capturedBytes: Number(row.captured_bytes) }),
  }
}

export function toRejectionDetail(row: RejectionDetailRow): RejectionDetail {
  const stored = toStoredRejection(row)
  if (row.captured_body === null || row.captured_method === null || row.captured_url === null)
    return stored
  return {
    ...stored,
    captured: {
      method: row.captured_method,
      url: row.captured_url,
      body: new Uint8Array(row.captured_body),
      truncated: row.captured_truncated === true || row.captured_truncated === 1,
      sealed: row.captured_sealed ?? undefined,
    },
  }
}

export function toDelivery(row: DeliveryRow): Delivery {
  const queued = row.status === 'pending' || row.status === 'in_flight'
  return {
    id: row.id,
    eventId: row.event_id,
    destinationId: row.destination_id,
    status: row.status,
    attempts: row.attempts,
    createdAt: dateOf(row.created_at),
    nextAttemptAt: queued ? optionalDate(row.next_attempt_at) : undefined,
    leaseExpiresAt: row.status === 'in_flight' ? optionalDate(row.lease_expires_at) : undefined,
    lastAttemptAt: optionalDate(row.last_attempt_at),
    completedAt: optionalDate(row.completed_at),
    deadReason: row.dead_reason ?? undefined,
    replayOf: row.replay_of ?? undefined,
  }
}

/** A row just leased by a claim statement, with its event. */
export function toClaimedDelivery(row: DeliveryRow, event: StoredEvent): ClaimedDelivery {
  if (row.lease_token === null || row.lease_expires_at === null)
    throw new Error(`Claimed delivery ${row.id} has no lease`)
  return {
    ...toDelivery(row),
    status: 'in_flight',
    leaseToken: row.lease_token,
    leaseExpiresAt: dateOf(row.lease_expires_at),
    event,
  }
}

export function toStoredAttempt(row: AttemptRow): StoredAttempt {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    attemptNumber: row.attempt_number,
    workerId: row.worker_id,
    startedAt: dateOf(row.started_at),
    durationMs: row.duration_ms,
    statusCode: row.status_code ?? undefined,
    error: row.error ?? undefined,
    responseBody: row.response_body === null ? undefined : new Uint8Array(row.response_body),
    next: nextStepOf(row),
  }
}

/** Attempts (in row order) grouped by delivery id. */
export function attemptsByDelivery(rows: readonly AttemptRow[]): Map<string, StoredAttempt[]> {
  const byDelivery = new Map<string, StoredAttempt[]>()
  for (const row of rows) {
    const list = byDelivery.get(row.delivery_id)
    if (list === undefined) byDelivery.set(row.delivery_id, [toStoredAttempt(row)])
    else list.push(toStoredAttempt(row))
  }
  return byDelivery
}

export function toDestinationState(row: DestinationStateRow): DestinationState {
  return {
    destinationId: row.id,
    disabled: row.disabled === true || row.disabled === 1,
    disabledAt: optionalDate(row.disabled_at),
    disabledReason: row.disabled_reason ?? undefined,
  }
}

function nextStepOf(row: AttemptRow): NextStep {
  switch (row.next_kind) {
    case 'done':
      return { kind: 'done' }
    case 'retry':
      return {
        kind: 'retry',
        at: row.next_at === null ? new Date(Number.NaN) : dateOf(row.next_at),
      }
    case 'dead':
      return { kind: 'dead', reason: row.next_reason ?? '' }
  }
}

function dateOf(time: RowTime): Date {
  return typeof time === 'number' ? new Date(time) : time
}

function optionalDate(time: RowTime | null): Date | undefined {
  return time === null ? undefined : dateOf(time)
}

function headersOf(headers: RowHeaders): Readonly<Record<string, string>> {
  return typeof headers === 'string' ? (JSON.parse(headers) as Record<string, string>) : headers
}
