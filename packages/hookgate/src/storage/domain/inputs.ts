/**
 * @module storage/domain/inputs
 * Checks and normalises the input of every storage contract method, once for all backends: the same bad
 * input is refused with the same error whichever database holds the data, and the normalised form is what
 * both store and answer with.
 *
 * Inputs are checked before they join a group-commit batch: a value the database would refuse inside the
 * transaction would fail every caller of the batch instead of the one that sent it.
 */
import {
  DELIVERY_STATUSES,
  type ClaimOptions,
  type DeliveryStatus,
  type ListQuery,
  type NewEvent,
  type CapturedRequest,
  type NewRejection,
  type PruneOptions,
  type RejectionHint,
  type ReplayFilter,
  type RequeueMatchingOptions,
  type RequeueOptions,
} from '../types.ts'
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  decodeCursor,
  decodeReplayCursor,
  type ReplayCursor,
} from './cursors.ts'
import {
  checkHeaders,
  checkLimit,
  diagnosticText,
  nowOf,
  optionalString,
  requireName,
  requireString,
  requireText,
  timeOf,
  wellFormed,
  wellFormedHeaders,
} from './validate.ts'

/** The most deliveries one `claimDue()` call may claim. */
export const MAX_CLAIM_LIMIT = 1_000
/** Pairs one `requeueMatching()` call requeues when it names no `limit`. */
export const DEFAULT_REPLAY_BATCH = 500
/** The most pairs one `requeueMatching()` call may requeue. */
export const MAX_REPLAY_BATCH = 1_000
/** The largest value a PostgreSQL `integer` column (rejection status) holds. */
const MAX_INT32 = 2_147_483_647

/** An event to ingest, in the form both backends store and answer with. */
export interface CheckedIngest {
  /** Text fields well-formed (see `wellFormed`); `receivedAt` a copy. */
  readonly event: NewEvent
  readonly receivedAtMs: number
  readonly headersJson: string
  /** Distinct, in their first order. */
  readonly destinationIds: readonly string[]
}

/**
 * Any string is accepted in the event's text fields, U+0000 included (a verified webhook is never refused for
 * its id or type: backends that cannot store a character encode it).
 */
export function checkIngest(input: NewEvent, destinationIds: readonly string[]): CheckedIngest {
  requireString(input.sourceId, 'event.sourceId')
  requireString(input.provider, 'event.provider')
  requireString(input.dedupeKey, 'event.dedupeKey')
  optionalString(input.providerEventId, 'event.providerEventId')
  optionalString(input.eventType, 'event.eventType')
  if (!(input.body instanceof Uint8Array)) throw new TypeError('event.body must be a Uint8Array')
  const receivedAtMs = timeOf(input.receivedAt, 'event.receivedAt')
  checkHeaders(input.headers, 'event.headers')
  const event: NewEvent = {
    sourceId: wellFormed(input.sourceId),
    provider: wellFormed(input.provider),
    dedupeKey: wellFormed(input.dedupeKey),
    providerEventId:
      input.providerEventId === undefined ? undefined : wellFormed(input.providerEventId),
    eventType: input.eventType === undefined ? undefined : wellFormed(input.eventType),
    receivedAt: new Date(receivedAtMs),
    headers: wellFormedHeaders(input.headers),
    body: input.body,
  }
  return {
    event,
    receivedAtMs,
    headersJson: JSON.stringify(event.headers),
    destinationIds: checkDestinationIds(destinationIds),
  }
}

export interface CheckedRejection {
  readonly rejection: NewRejection
  readonly receivedAtMs: number
  readonly headersJson: string
  /** JSON array of hints; null when not diagnosed. */
  readonly diagnosisJson: string | null
}

/** A rejection is a diagnostic record: odd characters in its free text are replaced rather than refused. */
export function checkRejection(input: NewRejection): CheckedRejection {
  requireString(input.sourceId, 'rejection.sourceId')
  requireText(input.reason, 'rejection.reason')
  requireString(input.message, 'rejection.message')
  requireText(input.bodySha256, 'rejection.bodySha256')
  optionalString(input.remoteAddress, 'rejection.remoteAddress')
  if (!Number.isSafeInteger(input.status) || Math.abs(input.status) > MAX_INT32) {
    throw new TypeError('rejection.status must be an integer')
  }
  if (!Number.isSafeInteger(input.bodySize) || input.bodySize < 0) {
    throw new TypeError('rejection.bodySize must be a non-negative integer')
  }
  const receivedAtMs = timeOf(input.receivedAt, 'rejection.receivedAt')
  checkHeaders(input.headers, 'rejection.headers')
  if (input.diagnosed !== undefined && typeof input.diagnosed !== 'boolean') {
    throw new TypeError('rejection.diagnosed must be a boolean or undefined')
  }
  const diagnosis = checkHints(input.diagnosis, input.diagnosed)
  const captured = input.captured === undefined ? undefined : checkCaptured(input.captured)
  const rejection: NewRejection = {
    sourceId: wellFormed(input.sourceId),
    receivedAt: new Date(receivedAtMs),
    status: input.status,
    reason: wellFormed(input.reason),
    message: diagnosticText(input.message),
    remoteAddress:
      input.remoteAddress === undefined ? undefined : diagnosticText(input.remoteAddress),
    headers: wellFormedHeaders(input.headers),
    bodySize: input.bodySize,
    bodySha256: input.bodySha256,
    ...(input.diagnosed === undefined ? {} : { diagnosed: input.diagnosed }),
    ...(diagnosis === undefined ? {} : { diagnosis }),
    ...(captured === undefined ? {} : { captured }),
  }
  return {
    rejection,
    receivedAtMs,
    headersJson: JSON.stringify(rejection.headers),
    diagnosisJson: diagnosis === undefined ? null : JSON.stringify(diagnosis),
  }
}

/** Hints only with `diagnosed: true` (a request not diagnosed has none); codes are chosen by code, messages free text. */
function checkHints(
  hints: readonly RejectionHint[] | undefined,
  diagnosed: boolean | undefined,
): readonly RejectionHint[] | undefined {
  if (diagnosed !== true) {
    if (hints !== undefined && hints.length > 0)
      throw new TypeError('rejection.diagnosis needs rejection.diagnosed: true')
    return undefined
  }
  if (hints === undefined) return []
  if (!Array.isArray(hints))
    throw new TypeError('rejection.diagnosis must be an array of { code, message }')
  return hints.map((hint) => {
    if (typeof hint !== 'object' || hint === null)
      throw new TypeError('rejection.diagnosis must be an array of { code, message }')
    requireText(hint.code, 'rejection.diagnosis[].code')
    requireString(hint.message, 'rejection.diagnosis[].message')
    return { code: hint.code, message: diagnosticText(hint.message) }
  })
}

function checkCaptured(captured: CapturedRequest): CapturedRequest {
  if (typeof captured !== 'object' || captured === null)
    throw new TypeError('rejection.captured must be an object')
  requireText(captured.method, 'rejection.captured.method')
  requireString(captured.url, 'rejection.captured.url')
  if (!(captured.body instanceof Uint8Array))
    throw new TypeError('rejection.captured.body must be a Uint8Array')
  if (typeof captured.truncated !== 'boolean')
    throw new TypeError('rejection.captured.truncated must be a boolean')
  if (captured.sealed !== undefined) requireText(captured.sealed, 'rejection.captured.sealed')
  return {
    method: captured.method,
    url: diagnosticText(captured.url),
    body: captured.body,
    truncated: captured.truncated,
    sealed: captured.sealed,
  }
}

/** Distinct destination ids, in their first order. */
export function checkDestinationIds(destinationIds: readonly string[]): readonly string[] {
  if (!Array.isArray(destinationIds))
    throw new TypeError('destinationIds must be an array of strings')
  for (const id of destinationIds) requireName(id, 'destinationIds[]')
  return destinationIds.length < 2 ? destinationIds : [...new Set(destinationIds)]
}

export interface CheckedListQuery {
  readonly limit: number
  readonly sourceId: string | undefined
  /** From the cursor: list rows with a smaller `seq`. Undefined on the first page. */
  readonly beforeSeq: bigint | undefined
}

/** @throws RangeError for a limit outside 1..500 or a cursor no store issued */
export function checkListQuery(query: ListQuery): CheckedListQuery {
  const limit = query.limit ?? DEFAULT_LIMIT
  checkLimit(limit, MAX_LIMIT)
  optionalString(query.sourceId, 'sourceId')
  return {
    limit,
    sourceId: query.sourceId,
    beforeSeq: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
  }
}

export interface CheckedClaim {
  readonly workerId: string
  readonly limit: number
  readonly nowMs: number
  readonly leaseUntilMs: number
  /** Undefined: every destination. */
  readonly destinationIds: readonly string[] | undefined
}

/** @throws RangeError for a limit outside 1..1000 or a leaseMs that is not a positive integer */
export function checkClaim(options: ClaimOptions): CheckedClaim {
  requireText(options.workerId, 'workerId')
  checkLimit(options.limit, MAX_CLAIM_LIMIT)
  if (!Number.isSafeInteger(options.leaseMs) || options.leaseMs < 1)
    throw new RangeError('leaseMs must be a positive integer')
  const nowMs = timeOf(options.now, 'now')
  return {
    workerId: options.workerId,
    limit: options.limit,
    nowMs,
    leaseUntilMs: nowMs + options.leaseMs,
    destinationIds:
      options.destinationIds === undefined
        ? undefined
        : checkDestinationIds(options.destinationIds),
  }
}

export interface CheckedRequeue {
  readonly eventId: string
  readonly nowMs: number
  /** Undefined: every destination the event has a delivery for. */
  readonly destinationIds: readonly string[] | undefined
}

export function checkRequeue(
  eventId: string,
  options: RequeueOptions,
  clock: () => number,
): CheckedRequeue {
  requireString(eventId, 'eventId')
  return {
    eventId,
    nowMs: nowOf(options.now, clock),
    destinationIds:
      options.destinationIds === undefined
        ? undefined
        : checkDestinationIds(options.destinationIds),
  }
}

/** A bulk-replay filter; null = any. */
export interface CheckedReplayFilter {
  readonly sourceId: string | null
  readonly destinationId: string | null
  readonly status: DeliveryStatus | null
  readonly fromMs: number | null
  readonly toMs: number | null
}

/** @throws RangeError for a status that is not a delivery status */
export function checkReplayFilter(filter: ReplayFilter): CheckedReplayFilter {
  optionalString(filter.sourceId, 'filter.sourceId')
  if (filter.destinationId !== undefined) requireName(filter.destinationId, 'filter.destinationId')
  if (filter.status !== undefined && !DELIVERY_STATUSES.includes(filter.status)) {
    throw new RangeError(`filter.status must be one of ${DELIVERY_STATUSES.join(', ')}`)
  }
  return {
    sourceId: filter.sourceId ?? null,
    destinationId: filter.destinationId ?? null,
    status: filter.status ?? null,
    fromMs: filter.from === undefined ? null : timeOf(filter.from, 'filter.from'),
    toMs: filter.to === undefined ? null : timeOf(filter.to, 'filter.to'),
  }
}

export interface CheckedRequeueMatching {
  readonly filter: CheckedReplayFilter
  readonly limit: number
  readonly nowMs: number
  /** Undefined on the first batch. */
  readonly cursor: ReplayCursor | undefined
}

/** @throws RangeError for a limit outside 1..1000, a bad status or a cursor no store issued */
export function checkRequeueMatching(
  filter: ReplayFilter,
  options: RequeueMatchingOptions,
  clock: () => number,
): CheckedRequeueMatching {
  const checked = checkReplayFilter(filter)
  const limit = options.limit ?? DEFAULT_REPLAY_BATCH
  checkLimit(limit, MAX_REPLAY_BATCH)
  return {
    filter: checked,
    limit,
    nowMs: nowOf(options.now, clock),
    cursor: options.cursor === undefined ? undefined : decodeReplayCursor(options.cursor),
  }
}

export interface CheckedDestinationChange {
  readonly destinationId: string
  readonly disabled: boolean
  /** Null when re-enabling. */
  readonly disabledAtMs: number | null
  readonly reason: string | null
}

export function checkDestinationChange(
  destinationId: string,
  disabled: boolean,
  options: { readonly reason?: string; readonly now?: Date },
  clock: () => number,
): CheckedDestinationChange {
  requireName(destinationId, 'destinationId')
  if (typeof disabled !== 'boolean') throw new TypeError('disabled must be a boolean')
  optionalString(options.reason, 'reason')
  if (!disabled) return { destinationId, disabled, disabledAtMs: null, reason: null }
  return {
    destinationId,
    disabled,
    disabledAtMs: nowOf(options.now, clock),
    reason: options.reason === undefined ? null : diagnosticText(options.reason),
  }
}

/** `prune` options, checked: times in ms (undefined: no cut-off), the cap (0: none) and the batch size. */
export interface CheckedPrune {
  readonly olderThanMs: number | undefined
  readonly maxEvents: number
  readonly rejectionsOlderThanMs: number | undefined
  readonly batchSize: number
}

/** Rows of each kind one `prune` call deletes at most. */
export const MAX_PRUNE_BATCH_SIZE = 10_000

export function checkPrune(options: PruneOptions): CheckedPrune {
  checkLimit(options.batchSize, MAX_PRUNE_BATCH_SIZE, 'batchSize')
  const maxEvents = options.maxEvents ?? 0
  if (!Number.isSafeInteger(maxEvents) || maxEvents < 0)
    throw new RangeError('maxEvents must be an integer >= 0')
  return {
    olderThanMs:
      options.olderThan === undefined ? undefined : timeOf(options.olderThan, 'olderThan'),
    maxEvents,
    rejectionsOlderThanMs:
      options.rejectionsOlderThan === undefined
        ? undefined
        : timeOf(options.rejectionsOlderThan, 'rejectionsOlderThan'),
    batchSize: options.batchSize,
  }
}
