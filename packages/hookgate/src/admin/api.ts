/**
 * @module admin/api
 * The admin API (JSON), `Authorization: Bearer <admin.token>` or a dashboard session (`dashboard/session.ts`: cookie,
 * plus `X-CSRF-Token` on anything that changes state); `/api/session` signs in (POST), hands the page its CSRF token
 * (GET) and signs out (DELETE):
 * `GET /api/events?source=&type=&status=&from=&to=&q=&limit=&cursor=` (each item with its delivery counts),
 * `GET /api/events/{id}`, `GET /api/rejections?source=&reason=&from=&to=&limit=&cursor=`,
 * `GET /api/rejections/{id}` (with the captured request, if any), plus the delivery routes of `deliveries.ts` (deliveries
 * and attempts, replay, destinations), the dashboard routes of `dashboard.ts` (overview, sources, re-verify) and the
 * live `GET /api/stream` of `stream.ts` (server-sent events).
 * Stored payloads are customer data: every route but `/api/session`, unknown ones included, answers 401 before
 * anything else.
 */
import type { Buffer } from 'node:buffer'
import { createHash, timingSafeEqual } from 'node:crypto'
import {
  errorResponse,
  jsonResponse,
  type CoreRequest,
  type CoreResponse,
} from '../http/response.ts'
import { createRejectionLimiter } from '../ingest/rejection-limiter.ts'
import { errorSummary } from '../logger.ts'
import {
  createDashboardRoutes,
  eventFilters,
  rejectionFilters,
  type DashboardContext,
} from './dashboard.ts'
import { bodyView, createDeliveryRoutes, type AdminDeliveryContext } from './deliveries.ts'
import type { EventStream } from './stream.ts'
import {
  clearedSessionCookie,
  sessionCookie,
  type Session,
  type Sessions,
} from '../dashboard/session.ts'
import type { GatewayLogger } from '../logger.ts'
import {
  StorageUnavailableError,
  type DeliveryCounts,
  type ListQuery,
  type Storage,
  type RejectionDetail,
  type StoredEvent,
  type StoredRejection,
} from '../storage/types.ts'

/** Where the admin API is served. */
export const ADMIN_PREFIX = '/api/'

const MAX_LIMIT = 500

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/**
 * True when `Authorization: Bearer <token>` carries the admin token. Both sides are hashed first so the
 * comparison is constant-time whatever the lengths (threat: a timing oracle recovering the token byte by byte).
 */
export function isAuthorized(
  header: string | readonly string[] | undefined,
  expectedDigest: Buffer,
): boolean {
  if (typeof header !== 'string') return false
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
  if (match === null) return false
  return timingSafeEqual(digest(match[1] as string), expectedDigest)
}

/** An event in a listing: metadata only. */
export function eventSummary(event: StoredEvent) {
  return {
    id: event.id,
    sourceId: event.sourceId,
    provider: event.provider,
    providerEventId: event.providerEventId ?? null,
    eventType: event.eventType ?? null,
    dedupeKey: event.dedupeKey,
    receivedAt: event.receivedAt.toISOString(),
    bodySize: event.body.byteLength,
  }
}

/** One event in full: the body as text when it is valid UTF-8, else base64 (`encoding` says which). */
export function eventDetail(event: StoredEvent) {
  return { ...eventSummary(event), headers: event.headers, ...bodyView(event.body) }
}

/**
 * A rejection in a listing. `diagnosed`: null for refusals that are not about the signature (403, 405, 413…),
 * false for a signature failure that was not diagnosed (the source's per-minute budget was spent), true with
 * `diagnosis` (hints: code + message; empty when none of the known mistakes explains it).
 */
export function rejectionView(
  rejection: StoredRejection,
  providerOf?: (sourceId: string) => string | undefined,
) {
  return {
    id: rejection.id,
    sourceId: rejection.sourceId,
    provider: providerOf?.(rejection.sourceId) ?? null,
    receivedAt: rejection.receivedAt.toISOString(),
    status: rejection.status,
    reason: rejection.reason,
    message: rejection.message,
    remoteAddress: rejection.remoteAddress ?? null,
    headers: rejection.headers,
    bodySize: rejection.bodySize,
    bodySha256: rejection.bodySha256,
    diagnosed: rejection.diagnosed ?? null,
    diagnosis:
      rejection.diagnosed === true
        ? (rejection.diagnosis ?? []).map(({ code, message }) => ({ code, message }))
        : null,
    capturedBytes: rejection.capturedBytes ?? null,
  }
}

/**
 * One rejection in full: with `captured`, the request as received (body like `GET /api/events/{id}`'s, `truncated`
 * when cut at `captureMaxBytes`, and `sealed`: the signature headers and full URL, opaque without a source secret).
 */
export function rejectionDetailView(
  rejection: RejectionDetail,
  providerOf?: (sourceId: string) => string | undefined,
) {
  const { captured } = rejection
  return {
    ...rejectionView(rejection, providerOf),
    captured:
      captured === undefined
        ? null
        : {
            method: captured.method,
            url: captured.url,
            ...bodyView(captured.body),
            truncated: captured.truncated,
            sealed: captured.sealed ?? null,
          },
  }
}

function listQuery(params: URLSearchParams): ListQuery | string {
  const query: { sourceId?: string; limit?: number; cursor?: string } = {}
  const source = params.get('source')
  if (source !== null && source !== '') {
    if (source.length > 64) return 'source is too long'
    query.sourceId = source
  }
  const limit = params.get('limit')
  if (limit !== null && limit !== '') {
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT)
      return `limit must be a whole number from 1 to ${MAX_LIMIT}`
    query.limit = Number(limit)
  }
  const cursor = params.get('cursor')
  if (cursor !== null && cursor !== '') {
    if (cursor.length > 512) return 'cursor is not valid'
    query.cursor = cursor
  }
  return query
}

export interface AdminOptions {
  readonly token: string
  readonly storage: Storage
  readonly logger: GatewayLogger
  /** Enables the delivery routes. */
  readonly delivery?: Omit<AdminDeliveryContext, 'storage'>
  /** Enables `GET /api/stream`. */
  readonly stream?: EventStream
  /** The provider (preset id) of a configured source, shown with its rejections (`hookgate verify --rejection`). */
  readonly providerOf?: (sourceId: string) => string | undefined
  /** Dashboard sign-in (`/api/session`, cookie auth with CSRF checks); absent: bearer token only. */
  readonly sessions?: {
    readonly authority: Sessions
    /** True when the request reached the gateway over https (the cookie is then `Secure`). */
    readonly secure: (req: CoreRequest) => boolean
    /** The client's address (through `server.trustProxy`), which failed sign-ins are counted against. */
    readonly clientAddress: (req: CoreRequest) => string | undefined
    readonly now: () => Date
  }
  /** Enables the dashboard routes (`/api/overview`, `/api/sources`, re-verify). */
  readonly dashboard?: Omit<DashboardContext, 'storage' | 'logger'>
}

const NO_DELIVERIES: DeliveryCounts = { pending: 0, inFlight: 0, delivered: 0, dead: 0 }

/** The delivery counts of an event in a listing (snake_case statuses, as everywhere in the API). */
function deliveriesView(counts: DeliveryCounts | undefined) {
  const c = counts ?? NO_DELIVERIES
  return { pending: c.pending, in_flight: c.inFlight, delivered: c.delivered, dead: c.dead }
}

/** @internal Creates the `/api/*` handler. */
export function createAdminHandler(
  options: AdminOptions,
): (req: CoreRequest, pathname: string, params: URLSearchParams) => Promise<CoreResponse> {
  const expected = digest(options.token)
  const { storage, logger } = options
  const deliveryRoutes =
    options.delivery === undefined
      ? undefined
      : createDeliveryRoutes({ ...options.delivery, storage })
  const dashboardRoutes =
    options.dashboard === undefined
      ? undefined
      : createDashboardRoutes({ ...options.dashboard, storage, logger })

  async function list<Q extends ListQuery, T>(
    query: Q,
    load: (query: Q) => Promise<{ items: readonly T[]; nextCursor?: string }>,
    view: (items: readonly T[]) => Promise<unknown[]>,
  ) {
    try {
      const page = await load(query)
      return jsonResponse(200, {
        items: await view(page.items),
        nextCursor: page.nextCursor ?? null,
      })
    } catch (error) {
      if (error instanceof StorageUnavailableError) throw error
      // The cursor is opaque: a forged or stale one is the caller's mistake, not a server error.
      if (query.cursor !== undefined)
        return errorResponse(400, 'invalid_query', 'cursor is not valid')
      throw error
    }
  }

  async function route(
    req: CoreRequest,
    pathname: string,
    params: URLSearchParams,
  ): Promise<CoreResponse> {
    const delivered = await deliveryRoutes?.(req, pathname)
    if (delivered !== undefined) return delivered
    const dashboard = await dashboardRoutes?.(req.method, pathname, params)
    if (dashboard !== undefined) return dashboard
    if (
      pathname === '/api/stream' &&
      options.stream !== undefined &&
      (req.method === 'GET' || req.method === 'HEAD')
    )
      return options.stream.respond()
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return errorResponse(405, 'method_not_allowed', 'This admin route is read-only (GET).', {
        headers: { allow: 'GET, HEAD' },
        close: true,
      })
    }
    if (pathname === '/api/events' || pathname === '/api/rejections') {
      const base = listQuery(params)
      if (typeof base === 'string') return errorResponse(400, 'invalid_query', base)
      if (pathname === '/api/events') {
        const query = eventFilters(params, base)
        if (typeof query === 'string') return errorResponse(400, 'invalid_query', query)
        return list(
          query,
          (q) => storage.listEvents(q),
          async (events) => {
            // One query for the whole page, never one per row.
            const counts = await storage.deliveryCounts(events.map((event) => event.id))
            return events.map((event) => ({
              ...eventSummary(event),
              deliveries: deliveriesView(counts.get(event.id)),
            }))
          },
        )
      }
      const query = rejectionFilters(params, base)
      if (typeof query === 'string') return errorResponse(400, 'invalid_query', query)
      return list(
        query,
        (q) => storage.listRejections(q),
        async (rejections) =>
          rejections.map((rejection) => rejectionView(rejection, options.providerOf)),
      )
    }
    if (pathname.startsWith('/api/rejections/')) {
      const id = pathname.slice('/api/rejections/'.length)
      if (id === '' || id.includes('/') || id.length > 100)
        return errorResponse(404, 'not_found', 'No such rejection.')
      const rejection = await storage.getRejection(id)
      return rejection === undefined
        ? errorResponse(
            404,
            'not_found',
            'No such rejection (unknown, or dropped by storage.maxRejections).',
          )
        : jsonResponse(200, rejectionDetailView(rejection, options.providerOf))
    }
    if (pathname.startsWith('/api/events/')) {
      const id = pathname.slice('/api/events/'.length)
      if (id === '' || id.includes('/') || id.length > 100)
        return errorResponse(404, 'not_found', 'No such event.')
      const event = await storage.getEvent(id)
      return event === undefined
        ? errorResponse(404, 'not_found', 'No such event.')
        : jsonResponse(200, eventDetail(event))
    }
    return errorResponse(404, 'not_found', 'No such admin route.')
  }

  const unauthorized = (): CoreResponse =>
    errorResponse(
      401,
      'unauthorized',
      'The admin API needs "Authorization: Bearer <admin.token>" (or a dashboard session).',
      { headers: { 'www-authenticate': 'Bearer realm="hookgate"' } },
    )

  const sessions = options.sessions
  // Wrong tokens cost a client: 10 at once, then one every 6 s (429 with Retry-After until then). A token of the
  // minimum length is out of reach of guessing anyway; this keeps a scripted guesser from even trying fast.
  const signInLimiter = createRejectionLimiter({ burst: 10, perSecond: 1 / 6, maxClients: 10_000 })
  const sessionOf = (req: CoreRequest): Session | undefined =>
    sessions?.authority.fromCookieHeader(req.headers.cookie)

  /** `POST` signs in (token → cookie), `GET` hands the page its CSRF token, `DELETE` signs out. */
  async function sessionRoute(req: CoreRequest): Promise<CoreResponse> {
    if (sessions === undefined) return errorResponse(404, 'not_found', 'No such admin route.')
    if (isCrossSite(req)) return crossSite()
    const secure = sessions.secure(req)
    if (req.method === 'GET' || req.method === 'HEAD') {
      const session = sessionOf(req)
      return session === undefined
        ? errorResponse(401, 'unauthorized', 'Not signed in.')
        : jsonResponse(200, sessionView(session))
    }
    if (req.method === 'DELETE') {
      const session = sessionOf(req)
      if (session !== undefined) {
        if (!sessions.authority.checkCsrf(session, req.headers['x-csrf-token'])) return csrfFailed()
        sessions.authority.revoke(session)
      }
      return {
        status: 204,
        headers: { 'cache-control': 'no-store', 'set-cookie': clearedSessionCookie({ secure }) },
        body: undefined,
      }
    }
    if (req.method !== 'POST')
      return errorResponse(405, 'method_not_allowed', 'Use GET, POST or DELETE on this route.', {
        headers: { allow: 'GET, HEAD, POST, DELETE' },
        close: true,
      })
    const client = sessions.clientAddress(req)
    const wait = signInLimiter.retryAfter(client, sessions.now().getTime())
    if (wait > 0)
      return errorResponse(
        429,
        'too_many_rejections',
        'Too many wrong tokens from this address: wait and try again.',
        { headers: { 'retry-after': String(wait) }, close: true },
      )
    const read = await req.readBody(4096)
    if (read.kind !== 'ok')
      return errorResponse(400, 'invalid_request', 'Send {"token": "<admin.token>"}.', {
        close: true,
      })
    let token: unknown
    try {
      token = (JSON.parse(read.body.toString('utf8')) as { token?: unknown } | null)?.token
    } catch {
      token = undefined
    }
    if (typeof token !== 'string')
      return errorResponse(400, 'invalid_request', 'Send {"token": "<admin.token>"}.')
    if (!timingSafeEqual(digest(token), expected)) {
      signInLimiter.refused(client, sessions.now().getTime())
      return errorResponse(401, 'unauthorized', 'That is not the admin token.')
    }
    const issued = sessions.authority.issue()
    return jsonResponse(201, sessionView(issued), {
      'set-cookie': sessionCookie(issued, { secure, now: sessions.now() }),
    })
  }

  return async (req, pathname, params) => {
    if (pathname === '/api/session') return sessionRoute(req)
    if (!isAuthorized(req.headers.authorization, expected)) {
      const session = sessionOf(req)
      if (session === undefined || sessions === undefined) return unauthorized()
      // A browser request: anything that changes state must come from this origin's page, with its CSRF token.
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        if (isCrossSite(req)) return crossSite()
        if (!sessions.authority.checkCsrf(session, req.headers['x-csrf-token'])) return csrfFailed()
      }
    }
    try {
      return await route(req, pathname, params)
    } catch (error) {
      if (error instanceof StorageUnavailableError) {
        return errorResponse(503, 'storage_unavailable', 'The store is not available.', {
          headers: { 'retry-after': '5' },
        })
      }
      logger.error({ error: errorSummary(error), path: pathname }, 'admin API failed')
      return errorResponse(500, 'internal_error', 'The admin API failed.')
    }
  }
}

const sessionView = (session: Session) => ({
  csrfToken: session.csrfToken,
  expiresAt: session.expiresAt.toISOString(),
})

const csrfFailed = (): CoreResponse =>
  errorResponse(
    403,
    'csrf_failed',
    'This request needs the X-CSRF-Token header of the dashboard session (GET /api/session).',
  )

const crossSite = (): CoreResponse =>
  errorResponse(403, 'csrf_failed', 'Requests from another site are refused.')

/**
 * True for a request another site's page made: browsers say so in `Sec-Fetch-Site`; older ones only send an
 * `Origin`, which must then name the host the request was sent to.
 */
export function isCrossSite(req: CoreRequest): boolean {
  const site = req.headers['sec-fetch-site']
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none'
  const origin = req.headers.origin
  if (typeof origin !== 'string') return false
  try {
    return new URL(origin).host !== req.headers.host
  } catch {
    return true
  }
}
