/**
 * @module admin/deliveries
 * The delivery half of the admin API (bearer auth is checked by `api.ts` before anything here runs):
 * - `GET  /api/events/{id}/deliveries`   the event's deliveries, each with its attempts
 * - `POST /api/events/{id}/replay`       `{ destinationIds? }` → a new delivery per destination
 * - `POST /api/replay`                   a filter → new deliveries, in batches (`cursor`), or a count (`dryRun`)
 * - `GET  /api/destinations`             configuration, state (disabled), circuit, backlog counts
 * - `POST /api/destinations/{id}/enable` re-enables a destination (disabled by a 410 or an operator)
 * - `POST /api/destinations/{id}/disable` an operator's disable: the worker stops delivering to it until enabled
 */
import { Buffer, isUtf8 } from 'node:buffer'
import type { DestinationConfig } from '../config.ts'
import { formatDurationMs } from '../delivery/duration.ts'
import { nextStepJson } from '../storage/domain/delivery-state.ts'
import { displayUrl } from '../redact.ts'
import type { FanOut } from '../delivery/fan-out.ts'
import type { DeliveryWorker } from '../delivery/worker.ts'
import {
  errorResponse,
  jsonResponse,
  type CoreRequest,
  type CoreResponse,
} from '../http/response.ts'
import {
  DELIVERY_STATUSES,
  type DeliveryStatus,
  type DeliveryWithAttempts,
  type ReplayFilter,
  type Storage,
  type StoredAttempt,
} from '../storage/types.ts'

/** What the delivery routes need from the gateway. */
export interface AdminDeliveryContext {
  readonly storage: Storage
  readonly destinations: readonly DestinationConfig[]
  readonly fanOut: FanOut
  /** Absent when this instance does not deliver (`delivery.mode: ingest`). */
  readonly worker: DeliveryWorker | undefined
  readonly now: () => Date
}

/** Largest JSON body the admin API reads. */
const MAX_BODY_BYTES = 64 * 1024
const MAX_REPLAY_BATCH = 1000
/** `GET /api/destinations` counts delivered deliveries up to this many (then `deliveredCapped`). */
export const DELIVERED_COUNT_CAP = 10_000

/** Bytes as text when they are valid UTF-8, else base64 (`encoding` says which): stored bodies and answers. */
export function bodyView(bytes: Uint8Array): { encoding: 'utf8' | 'base64'; body: string } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const utf8 = isUtf8(buffer)
  return { encoding: utf8 ? 'utf8' : 'base64', body: buffer.toString(utf8 ? 'utf8' : 'base64') }
}

const iso = (date: Date | undefined): string | null =>
  date === undefined ? null : date.toISOString()

export function attemptView(attempt: StoredAttempt) {
  return {
    id: attempt.id,
    attemptNumber: attempt.attemptNumber,
    startedAt: attempt.startedAt.toISOString(),
    durationMs: Math.round(attempt.durationMs * 1000) / 1000,
    statusCode: attempt.statusCode ?? null,
    error: attempt.error ?? null,
    response: attempt.responseBody === undefined ? null : bodyView(attempt.responseBody),
    workerId: attempt.workerId,
    next: nextStepJson(attempt.next),
  }
}

export function deliveryView(delivery: DeliveryWithAttempts) {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    destinationId: delivery.destinationId,
    status: delivery.status,
    attempts: delivery.attempts,
    createdAt: delivery.createdAt.toISOString(),
    nextAttemptAt: iso(delivery.nextAttemptAt),
    leaseExpiresAt: iso(delivery.leaseExpiresAt),
    lastAttemptAt: iso(delivery.lastAttemptAt),
    completedAt: iso(delivery.completedAt),
    deadReason: delivery.deadReason ?? null,
    replayOf: delivery.replayOf ?? null,
    attemptLog: delivery.attemptLog.map(attemptView),
  }
}

async function readJson(
  req: CoreRequest,
): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; response: CoreResponse }> {
  const read = await req.readBody(MAX_BODY_BYTES)
  if (read.kind === 'too_large')
    return {
      ok: false,
      response: errorResponse(413, 'payload_too_large', 'The request body is too large.', {
        close: true,
      }),
    }
  if (read.kind === 'aborted')
    return {
      ok: false,
      response: errorResponse(400, 'invalid_request', 'The request body ended early.', {
        close: true,
      }),
    }
  if (read.kind === 'timeout')
    return {
      ok: false,
      response: errorResponse(408, 'request_timeout', 'The request body did not arrive in time.', {
        close: true,
      }),
    }
  const text = read.body.toString('utf8').trim()
  if (text === '') return { ok: true, value: {} }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return {
      ok: false,
      response: errorResponse(400, 'invalid_request', 'The body must be a JSON object.'),
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      response: errorResponse(400, 'invalid_request', 'The body must be a JSON object.'),
    }
  }
  return { ok: true, value: value as Record<string, unknown> }
}

const invalid = (message: string): CoreResponse => errorResponse(400, 'invalid_request', message)

function optionalString(
  body: Record<string, unknown>,
  key: string,
): string | undefined | CoreResponse {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value === '' || value.length > 128)
    return invalid(`${key} must be a non-empty string`)
  return value
}

function optionalDate(body: Record<string, unknown>, key: string): Date | undefined | CoreResponse {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  const date =
    typeof value === 'string' && /^\d{4}-\d\d-\d\d/.test(value)
      ? new Date(value)
      : new Date(Number.NaN)
  if (Number.isNaN(date.getTime()))
    return invalid(`${key} must be an ISO 8601 date-time such as 2026-01-31T00:00:00Z`)
  return date
}

const isResponse = (value: unknown): value is CoreResponse =>
  typeof value === 'object' && value !== null && 'status' in value && 'headers' in value

/** @internal Handles the delivery routes; `undefined` when the path is not one of them. */
export function createDeliveryRoutes(context: AdminDeliveryContext) {
  const { storage, destinations } = context
  const configured = new Map(destinations.map((d) => [d.id, d]))

  async function replayEvent(req: CoreRequest, eventId: string): Promise<CoreResponse> {
    const parsed = await readJson(req)
    if (!parsed.ok) return parsed.response
    const event = await storage.getEvent(eventId)
    if (event === undefined) return errorResponse(404, 'not_found', 'No such event.')
    let destinationIds: readonly string[]
    const requested = parsed.value.destinationIds
    if (requested === undefined || requested === null) {
      // Default: where the event would be routed today (a destination added since gets it too).
      destinationIds = context.fanOut(event.sourceId, event.eventType)
    } else {
      if (
        !Array.isArray(requested) ||
        requested.length > 100 ||
        !requested.every((id) => typeof id === 'string')
      ) {
        return invalid('destinationIds must be a list of destination ids')
      }
      const unknown = requested.filter((id) => !configured.has(id))
      if (unknown.length > 0)
        return invalid(
          `unknown destination: ${unknown.map((id) => String(id).slice(0, 64)).join(', ')}`,
        )
      destinationIds = requested as string[]
    }
    const requeued = await storage.requeue(eventId, { destinationIds, now: context.now() })
    if (requeued > 0) context.worker?.notify(destinationIds)
    return jsonResponse(202, { eventId, requeued, destinationIds })
  }

  async function replayMatching(req: CoreRequest): Promise<CoreResponse> {
    const parsed = await readJson(req)
    if (!parsed.ok) return parsed.response
    const body = parsed.value
    const known = new Set([
      'sourceId',
      'from',
      'to',
      'status',
      'destinationId',
      'limit',
      'cursor',
      'dryRun',
    ])
    const extra = Object.keys(body).filter((key) => !known.has(key))
    if (extra.length > 0)
      return invalid(`unknown field: ${extra.map((key) => key.slice(0, 40)).join(', ')}`)

    const sourceId = optionalString(body, 'sourceId')
    const destinationId = optionalString(body, 'destinationId')
    const status = optionalString(body, 'status')
    const cursor = optionalString(body, 'cursor')
    const from = optionalDate(body, 'from')
    const to = optionalDate(body, 'to')
    for (const value of [sourceId, destinationId, status, cursor, from, to])
      if (isResponse(value)) return value
    if (
      status !== undefined &&
      !(DELIVERY_STATUSES as readonly string[]).includes(status as string)
    ) {
      return invalid(`status must be one of ${DELIVERY_STATUSES.join(', ')}`)
    }
    if (destinationId !== undefined && !configured.has(destinationId as string))
      return invalid(`unknown destination: ${String(destinationId).slice(0, 64)}`)
    const limit = body.limit ?? 500
    if (
      typeof limit !== 'number' ||
      !Number.isInteger(limit) ||
      limit < 1 ||
      limit > MAX_REPLAY_BATCH
    ) {
      return invalid(`limit must be a whole number from 1 to ${MAX_REPLAY_BATCH}`)
    }
    if (body.dryRun !== undefined && typeof body.dryRun !== 'boolean')
      return invalid('dryRun must be true or false')

    const filter: ReplayFilter = {
      ...(sourceId === undefined ? {} : { sourceId: sourceId as string }),
      ...(destinationId === undefined ? {} : { destinationId: destinationId as string }),
      ...(status === undefined ? {} : { status: status as DeliveryStatus }),
      ...(from === undefined ? {} : { from: from as Date }),
      ...(to === undefined ? {} : { to: to as Date }),
    }
    // The count comes with the first batch (and alone for a dry run): progress bars need a total.
    const matched = cursor === undefined ? await storage.countMatching(filter) : undefined
    if (body.dryRun === true) return jsonResponse(200, { matched, requeued: 0, nextCursor: null })
    let batch
    try {
      batch = await storage.requeueMatching(filter, {
        limit,
        now: context.now(),
        ...(cursor === undefined ? {} : { cursor: cursor as string }),
      })
    } catch (error) {
      if (error instanceof RangeError) return invalid('cursor is not valid')
      throw error
    }
    if (batch.requeued > 0)
      context.worker?.notify(
        filter.destinationId === undefined ? undefined : [filter.destinationId],
      )
    return jsonResponse(200, {
      ...(matched === undefined ? {} : { matched }),
      requeued: batch.requeued,
      nextCursor: batch.nextCursor ?? null,
    })
  }

  async function listDestinations(): Promise<CoreResponse> {
    // The open backlog, plus delivered counts bounded per destination: the listing costs the same on a store of
    // a million deliveries as on ten (an exact total would count the whole delivered history).
    const [backlogs, delivered, states] = await Promise.all([
      storage.destinationBacklog(),
      storage.countDelivered(
        destinations.map((d) => d.id),
        { cap: DELIVERED_COUNT_CAP },
      ),
      storage.listDestinationStates(),
    ])
    const statsById = new Map(backlogs.map((s) => [s.destinationId, s]))
    const deliveredById = new Map(delivered.map((d) => [d.destinationId, d]))
    const stateById = new Map(states.map((s) => [s.destinationId, s]))
    const runtime = new Map((context.worker?.states() ?? []).map((s) => [s.destinationId, s]))
    const items = destinations.map((d) => {
      const backlog = statsById.get(d.id)
      const state = stateById.get(d.id)
      const rt = runtime.get(d.id)
      return {
        id: d.id,
        url: displayUrl(d.url),
        sources: d.sources,
        eventTypes: d.eventTypes ?? null,
        timeoutMs: d.timeoutMs,
        maxInFlight: d.maxInFlight,
        retrySchedule: d.retry.scheduleMs.map(formatDurationMs),
        state: state?.disabled === true ? 'disabled' : 'enabled',
        disabledAt: iso(state?.disabledAt),
        disabledReason: state?.disabledReason ?? null,
        circuit:
          rt === undefined
            ? null
            : {
                state: rt.circuit,
                consecutiveFailures: rt.consecutiveFailures,
                openUntil: iso(rt.openUntil),
                inFlight: rt.inFlight,
              },
        // This instance's latest failed attempt (none yet, or this instance does not deliver: null).
        lastFailure:
          rt?.lastFailure === undefined
            ? null
            : {
                at: rt.lastFailure.at.toISOString(),
                statusCode: rt.lastFailure.statusCode ?? null,
                error: rt.lastFailure.error ?? null,
              },
        backlog: {
          pending: backlog?.pending ?? 0,
          inFlight: backlog?.inFlight ?? 0,
          delivered: deliveredById.get(d.id)?.delivered ?? 0,
          deliveredCapped: deliveredById.get(d.id)?.capped ?? false,
          dead: backlog?.dead ?? 0,
          oldestDueAt: iso(backlog?.oldestDueAt),
        },
      }
    })
    return jsonResponse(200, { items })
  }

  /** Returns the response, or undefined for a path this module does not serve. */
  return async (req: CoreRequest, pathname: string): Promise<CoreResponse | undefined> => {
    const post = req.method === 'POST'
    const get = req.method === 'GET' || req.method === 'HEAD'
    const methodNotAllowed = (allow: string) =>
      errorResponse(405, 'method_not_allowed', `Use ${allow} on this route.`, {
        headers: { allow },
        close: true,
      })

    if (pathname === '/api/destinations')
      return get ? listDestinations() : methodNotAllowed('GET, HEAD')
    if (pathname === '/api/replay') return post ? replayMatching(req) : methodNotAllowed('POST')

    const event = /^\/api\/events\/([^/]{1,100})\/(deliveries|replay)$/.exec(pathname)
    if (event !== null) {
      const [, id, action] = event as unknown as [string, string, string]
      if (action === 'deliveries') {
        if (!get) return methodNotAllowed('GET, HEAD')
        if ((await storage.getEvent(id)) === undefined)
          return errorResponse(404, 'not_found', 'No such event.')
        const deliveries = await storage.listDeliveries(id)
        return jsonResponse(200, { eventId: id, items: deliveries.map(deliveryView) })
      }
      return post ? replayEvent(req, id) : methodNotAllowed('POST')
    }

    const change = /^\/api\/destinations\/([^/]{1,64})\/(enable|disable)$/.exec(pathname)
    if (change !== null) {
      if (!post) return methodNotAllowed('POST')
      const id = change[1]!
      if (!configured.has(id)) return errorResponse(404, 'not_found', 'No such destination.')
      if (change[2] === 'disable') {
        // Deliveries in flight finish; no new one is claimed (claimDue skips disabled destinations).
        await storage.setDestinationDisabled(id, true, {
          reason: 'disabled by an operator',
          now: context.now(),
        })
        return jsonResponse(200, { id, state: 'disabled' })
      }
      await storage.setDestinationDisabled(id, false)
      context.worker?.notify([id])
      return jsonResponse(200, { id, state: 'enabled' })
    }
    return undefined
  }
}
