/**
 * @module admin/dashboard
 * The admin API routes the dashboard needs (issue 13); bearer auth is checked by `api.ts` before anything here runs.
 * - query parsing of `GET /api/events` and `GET /api/rejections` filters (coded `400 invalid_query`)
 * - `GET  /api/overview?window=1h|24h|7d`   per-source traffic series, rejection reasons, ingest latency,
 *                                          per-destination attempts and backlog (from the pre-aggregated counts)
 * - `GET  /api/sources`                    the configured sources: URL, last event, handshake, capture
 * - `POST /api/rejections/{id}/verify`     re-runs verification of a captured rejection with the source's
 *                                          CURRENT secrets
 * Never a secret, a signature or a sealed value in an answer.
 */
import type { KeyResolver } from '@hookgate/verify'
import type { DestinationConfig } from '../config.ts'
import {
  errorResponse,
  jsonResponse,
  type CoreResponse,
  type HeaderRecord,
} from '../http/response.ts'
import { webhookUrl } from '../http/urls.ts'
import { openSealedWithKeys, reconstructCapturedRequest } from '../ingest/capture.ts'
import type { ServedSource } from '../ingest/sources.ts'
import { diagnoseRequest, verifyRequest } from '../ingest/verify.ts'
import { errorSummary, type GatewayLogger } from '../logger.ts'
import type { GatewayMetrics } from '../metrics.ts'
import {
  DELIVERY_STATUSES,
  type DeliveryStatus,
  type EventQuery,
  type ListQuery,
  type RejectionQuery,
  type Storage,
} from '../storage/types.ts'

/** The overview's windows: width and bucket, both in seconds. */
export const OVERVIEW_WINDOWS = {
  '1h': { seconds: 3_600, bucketSeconds: 60 },
  '24h': { seconds: 86_400, bucketSeconds: 3_600 },
  '7d': { seconds: 604_800, bucketSeconds: 21_600 },
} as const
export type OverviewWindow = keyof typeof OVERVIEW_WINDOWS

/** Longest text filter accepted (`q`, `type`, `reason`). */
export const MAX_FILTER_LENGTH = 200

/** What the dashboard routes need from the gateway. */
export interface DashboardContext {
  readonly storage: Storage
  readonly sources: ReadonlyMap<string, ServedSource>
  readonly destinations: readonly DestinationConfig[]
  readonly metrics: GatewayMetrics
  /** `server.publicUrl`: sources' URLs are absolute only when it is set. */
  readonly publicUrl: string | undefined
  /** Resolves provider keys fetched at run time (AWS SNS), for re-verify. */
  readonly keys: KeyResolver
  readonly logger: GatewayLogger
  readonly now: () => Date
}

/** ISO 8601: a date (UTC midnight), or a date-time WITH its zone (a zoneless time would be the server's local time). */
const ISO_DATE = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:?\d\d))?$/i

function dateParam(params: URLSearchParams, name: string): Date | undefined | string {
  const value = params.get(name)
  if (value === null || value === '') return undefined
  const date = ISO_DATE.test(value) ? new Date(value) : new Date(Number.NaN)
  if (Number.isNaN(date.getTime()))
    return `${name} must be an ISO 8601 date or date-time with a zone, such as 2026-01-31T00:00:00Z`
  return date
}

function textParam(params: URLSearchParams, name: string): string | undefined | { error: string } {
  const value = params.get(name)
  if (value === null || value === '') return undefined
  if (value.length > MAX_FILTER_LENGTH)
    return { error: `${name} is too long (at most ${MAX_FILTER_LENGTH} characters)` }
  return value
}

/**
 * The filters shared by both listings (`from`, `to`) on top of `ListQuery`; a string is the 400 message.
 */
function timeRange(params: URLSearchParams): { from?: Date; to?: Date } | string {
  const from = dateParam(params, 'from')
  if (typeof from === 'string') return from
  const to = dateParam(params, 'to')
  if (typeof to === 'string') return to
  if (from !== undefined && to !== undefined && from.getTime() >= to.getTime())
    return 'from must be before to'
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }
}

/** `GET /api/events` filters: `type`, `status`, `from`, `to`, `q`. A string is the 400 message. */
export function eventFilters(params: URLSearchParams, base: ListQuery): EventQuery | string {
  const type = textParam(params, 'type')
  if (typeof type === 'object') return type.error
  const q = textParam(params, 'q')
  if (typeof q === 'object') return q.error
  const status = params.get('status')
  if (
    status !== null &&
    status !== '' &&
    !(DELIVERY_STATUSES as readonly string[]).includes(status)
  )
    return `status must be one of ${DELIVERY_STATUSES.join(', ')}`
  const range = timeRange(params)
  if (typeof range === 'string') return range
  return {
    ...base,
    ...range,
    ...(type === undefined ? {} : { eventType: type }),
    ...(q === undefined ? {} : { search: q }),
    ...(status === null || status === '' ? {} : { status: status as DeliveryStatus }),
  }
}

/** `GET /api/rejections` filters: `reason`, `from`, `to`. A string is the 400 message. */
export function rejectionFilters(
  params: URLSearchParams,
  base: ListQuery,
): RejectionQuery | string {
  const reason = textParam(params, 'reason')
  if (typeof reason === 'object') return reason.error
  const range = timeRange(params)
  if (typeof range === 'string') return range
  return { ...base, ...range, ...(reason === undefined ? {} : { reason }) }
}

const round = (value: number, digits = 3): number => {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** @internal The dashboard's routes; `undefined` for a path they do not serve. */
export function createDashboardRoutes(context: DashboardContext) {
  const { storage, sources, destinations } = context

  async function overview(params: URLSearchParams): Promise<CoreResponse> {
    const name = params.get('window') ?? '24h'
    if (!Object.hasOwn(OVERVIEW_WINDOWS, name))
      return errorResponse(
        400,
        'invalid_query',
        `window must be one of ${Object.keys(OVERVIEW_WINDOWS).join(', ')}`,
      )
    const window = OVERVIEW_WINDOWS[name as OverviewWindow]
    const bucketMs = window.bucketSeconds * 1000
    const count = window.seconds / window.bucketSeconds
    const nowMs = context.now().getTime()
    const lastStart = Math.floor(nowMs / bucketMs) * bucketMs
    const firstStart = lastStart - (count - 1) * bucketMs
    const [rows, backlog] = await Promise.all([
      storage.traffic({
        since: new Date(firstStart),
        until: new Date(lastStart + bucketMs),
        bucketSeconds: window.bucketSeconds,
      }),
      storage.destinationBacklog(),
    ])

    const series = new Map<
      string,
      { accepted: number[]; duplicate: number[]; rejected: number[] }
    >()
    for (const id of sources.keys())
      series.set(id, {
        accepted: new Array<number>(count).fill(0),
        duplicate: new Array<number>(count).fill(0),
        rejected: new Array<number>(count).fill(0),
      })
    const reasons = new Map<string, number>()
    const attempts = new Map<string, { delivered: number; retry: number; dead: number }>()
    for (const d of destinations) attempts.set(d.id, { delivered: 0, retry: 0, dead: 0 })
    for (const row of rows) {
      const index = (row.bucketStart.getTime() - firstStart) / bucketMs
      if (!Number.isInteger(index) || index < 0 || index >= count) continue
      if (row.kind === 'source') {
        const s = series.get(row.subjectId)
        if (s === undefined) continue // a source no longer configured
        if (row.outcome === 'accepted' || row.outcome === 'duplicate')
          s[row.outcome][index]! += row.count
        else if (row.outcome.startsWith('rejected:')) {
          s.rejected[index]! += row.count
          const reason = row.outcome.slice('rejected:'.length)
          reasons.set(reason, (reasons.get(reason) ?? 0) + row.count)
        }
      } else {
        const a = attempts.get(row.subjectId)
        if (
          a !== undefined &&
          (row.outcome === 'delivered' || row.outcome === 'retry' || row.outcome === 'dead')
        )
          a[row.outcome] += row.count
      }
    }
    const sum = (values: readonly number[]) => values.reduce((total, n) => total + n, 0)
    const backlogById = new Map(backlog.map((b) => [b.destinationId, b]))
    const latency = context.metrics.ingestLatency()
    return jsonResponse(200, {
      window: name,
      from: new Date(firstStart).toISOString(),
      to: new Date(nowMs).toISOString(),
      bucketSeconds: window.bucketSeconds,
      buckets: Array.from({ length: count }, (_, i) =>
        new Date(firstStart + i * bucketMs).toISOString(),
      ),
      sources: [...sources.values()].map((source) => {
        const s = series.get(source.id)!
        return {
          sourceId: source.id,
          provider: source.provider,
          totals: {
            accepted: sum(s.accepted),
            duplicate: sum(s.duplicate),
            rejected: sum(s.rejected),
          },
          series: s,
        }
      }),
      rejectionReasons: [...reasons.entries()]
        .map(([reason, n]) => ({ reason, count: n }))
        .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1)),
      ingestLatencyMs:
        latency === undefined
          ? null
          : { p50: round(latency.p50Ms), p99: round(latency.p99Ms), count: latency.count },
      destinations: destinations.map((d) => {
        const a = attempts.get(d.id)!
        const total = a.delivered + a.retry + a.dead
        const b = backlogById.get(d.id)
        return {
          id: d.id,
          attempts: total,
          delivered: a.delivered,
          failed: a.retry + a.dead,
          successRate: total === 0 ? null : round(a.delivered / total, 4),
          backlog: { pending: b?.pending ?? 0, inFlight: b?.inFlight ?? 0, dead: b?.dead ?? 0 },
          oldestDueAt: b?.oldestDueAt?.toISOString() ?? null,
        }
      }),
    })
  }

  async function listSources(): Promise<CoreResponse> {
    const latest = await storage.latestEventTimes([...sources.keys()])
    return jsonResponse(200, {
      items: [...sources.values()].map((source) => {
        const handshake = source.preset.definition.handshake
        return {
          id: source.id,
          provider: source.provider,
          path: source.path,
          url: context.publicUrl === undefined ? null : webhookUrl(context.publicUrl, source.id),
          lastEventAt: latest.get(source.id)?.toISOString() ?? null,
          handshake: handshake === undefined ? null : { description: handshake.description },
          captureRejected: source.captureRejected,
        }
      }),
    })
  }

  /**
   * Re-verifies a captured rejection with the source's current configuration: the sealed signature headers and
   * full URL are opened with the source's capture keys (derived from its current secrets), verification runs at
   * the time the request was received (what the gateway judged), and diagnosis explains a failure.
   */
  async function reverify(id: string): Promise<CoreResponse> {
    const rejection = await storage.getRejection(id)
    if (rejection === undefined)
      return errorResponse(
        404,
        'not_found',
        'No such rejection (unknown, or dropped by storage.maxRejections).',
      )
    const { captured } = rejection
    if (captured === undefined)
      return errorResponse(
        409,
        'not_captured',
        `This rejection has no captured request: set captureRejected: true on source "${rejection.sourceId.slice(0, 64)}" to keep the next ones.`,
      )
    if (captured.truncated)
      return errorResponse(
        409,
        'truncated',
        `The body was captured truncated (${captured.body.byteLength} of ${rejection.bodySize} bytes, sources[].captureMaxBytes): it cannot verify.`,
      )
    const source = sources.get(rejection.sourceId)
    if (source === undefined)
      return errorResponse(
        409,
        'unknown_source',
        `Source "${rejection.sourceId.slice(0, 64)}" is no longer configured: there is nothing to verify against.`,
      )
    const opened =
      captured.sealed === undefined
        ? undefined
        : openSealedWithKeys(captured.sealed, source.captureKeys, source.id, rejection.bodySha256)
    const request = reconstructCapturedRequest(rejection.headers, captured, opened)
    const headers: HeaderRecord = request.headers
    const result = await verifyRequest(
      source,
      request.url,
      headers,
      request.rawBody,
      rejection.receivedAt,
      context.keys,
    )
    if (result.ok)
      return jsonResponse(200, { verified: true, reason: null, message: null, diagnosis: [] })
    let diagnosis: { code: string; message: string }[] = []
    try {
      diagnosis =
        diagnoseRequest(
          source,
          request.url,
          headers,
          request.rawBody,
          rejection.receivedAt,
          request.method,
        ) ?? []
    } catch (error) {
      context.logger.warn(
        { source: source.id, error: errorSummary(error) },
        'could not diagnose a re-verified rejection',
      )
    }
    if (captured.sealed !== undefined && opened === undefined)
      diagnosis.unshift({
        code: 'sealed_headers_unreadable',
        message:
          'The captured signature headers were sealed under secrets this source no longer has: verification ran without them. Use `hookgate verify --rejection` with the old secret to read them.',
      })
    return jsonResponse(200, {
      verified: false,
      reason: result.reason,
      message: result.message,
      diagnosis,
    })
  }

  return async (
    method: string,
    pathname: string,
    params: URLSearchParams,
  ): Promise<CoreResponse | undefined> => {
    const get = method === 'GET' || method === 'HEAD'
    const notAllowed = (allow: string) =>
      errorResponse(405, 'method_not_allowed', `Use ${allow} on this route.`, {
        headers: { allow },
        close: true,
      })
    if (pathname === '/api/overview') return get ? overview(params) : notAllowed('GET, HEAD')
    if (pathname === '/api/sources') return get ? listSources() : notAllowed('GET, HEAD')
    const verify = /^\/api\/rejections\/([^/]{1,100})\/verify$/.exec(pathname)
    if (verify !== null) return method === 'POST' ? reverify(verify[1]!) : notAllowed('POST')
    return undefined
  }
}
