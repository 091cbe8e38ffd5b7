/**
 * @module router
 * The gateway's route table, HTTP path → handler, on the server-neutral core (`http/response.ts`):
 * - `/webhooks/<source id>` (any method): the ingest handler, or 503 `ingest_disabled` on a deliver-only instance
 * - `GET|HEAD /healthz` (process up), `GET|HEAD /readyz` (store writable, not draining), `GET|HEAD /metrics`
 * - `/api/…`: the admin API, 404 when it is not configured
 * - `/ui/…`: the dashboard (`dashboard/assets.ts`), with `/` redirecting to it
 * - anything else: 404
 *
 * With `admin.port` set, the gateway runs two listeners on this one table: `public` (webhooks, health, metrics)
 * and `admin` (admin API, dashboard, health, metrics), so the webhook port can face the internet and the admin
 * one stay private.
 */
import { ADMIN_PREFIX } from './admin/api.ts'
import { UI_PREFIX } from './dashboard/assets.ts'
import type { DeliveryMode } from './config.ts'
import {
  errorResponse,
  jsonResponse,
  type CoreRequest,
  type CoreResponse,
} from './http/response.ts'
import { webhookSourceId } from './http/urls.ts'
import { RETRY_AFTER_SECONDS } from './ingest/handler.ts'
import { StorageUnavailableError, type Storage } from './storage/types.ts'

export interface GatewayRoutes {
  /** `delivery.mode`: `deliver` refuses webhooks. */
  readonly mode: DeliveryMode
  readonly ingest: (req: CoreRequest, sourceId: string) => Promise<CoreResponse>
  /** `undefined`: the admin API is disabled. */
  readonly admin:
    | ((req: CoreRequest, pathname: string, params: URLSearchParams) => Promise<CoreResponse>)
    | undefined
  /** `undefined`: the dashboard is off (no admin token, or `admin.dashboard: false`). */
  readonly ui: ((req: CoreRequest, pathname: string) => Promise<CoreResponse>) | undefined
  /** What this listener serves: everything (default), or one side of a split (`admin.port`). */
  readonly surface?: 'all' | 'public' | 'admin'
  readonly metrics: () => Promise<CoreResponse>
  /** For `/readyz`. */
  readonly storage: Pick<Storage, 'checkWritable'>
  /** True once shutdown has begun (`/readyz` answers 503). */
  readonly draining: () => boolean
}

/** @internal Creates the dispatch function of the route table. */
export function createGatewayRouter(
  routes: GatewayRoutes,
): (req: CoreRequest) => Promise<CoreResponse> {
  const { mode, ingest, admin, ui, storage, draining } = routes
  const surface = routes.surface ?? 'all'
  const elsewhere = (what: string) =>
    errorResponse(
      404,
      'not_found',
      surface === 'public'
        ? `${what} is served on the admin listener (admin.host:admin.port), not here.`
        : `${what} is served on the webhook listener (server.host:server.port), not here.`,
      { close: true },
    )

  async function readiness(): Promise<CoreResponse> {
    if (draining()) return errorResponse(503, 'shutting_down', 'The gateway is shutting down.')
    try {
      await storage.checkWritable()
      return jsonResponse(200, { status: 'ready' })
    } catch (error) {
      const message =
        error instanceof StorageUnavailableError ? error.message : 'The store is not writable.'
      return errorResponse(503, 'storage_unavailable', message, {
        headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      })
    }
  }

  return async (req) => {
    const q = req.target.indexOf('?')
    const pathname = q === -1 ? req.target : req.target.slice(0, q)
    const sourceId = webhookSourceId(pathname)
    if (sourceId !== undefined) {
      if (surface === 'admin') return elsewhere('Webhook ingest')
      if (mode === 'deliver') {
        return errorResponse(
          503,
          'ingest_disabled',
          'This instance only delivers (delivery.mode: deliver); send webhooks to an ingesting instance.',
          {
            headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
            close: true,
          },
        )
      }
      return ingest(req, sourceId)
    }
    const read = req.method === 'GET' || req.method === 'HEAD'
    if (pathname === '/healthz' && read) return jsonResponse(200, { status: 'ok' })
    if (pathname === '/readyz' && read) return readiness()
    if (pathname === '/metrics' && read) return routes.metrics()
    if (pathname.startsWith(ADMIN_PREFIX) || pathname === '/api') {
      if (surface === 'public') return elsewhere('The admin API')
      if (admin === undefined)
        return errorResponse(
          404,
          'not_found',
          'The admin API is disabled: set admin.token in the configuration.',
        )
      return admin(req, pathname, new URLSearchParams(q === -1 ? '' : req.target.slice(q + 1)))
    }
    if (pathname.startsWith(UI_PREFIX) || pathname === '/ui') {
      if (surface === 'public') return elsewhere('The dashboard')
      if (ui === undefined)
        return errorResponse(
          404,
          'not_found',
          'The dashboard is off: it needs admin.token (and admin.dashboard not false).',
        )
      return ui(req, pathname)
    }
    if (pathname === '/' && read && ui !== undefined && surface !== 'public')
      return { status: 302, headers: { location: UI_PREFIX }, body: undefined }
    return errorResponse(
      404,
      'not_found',
      'Nothing here. Webhooks go to POST /webhooks/<source id>.',
      { close: true },
    )
  }
}
