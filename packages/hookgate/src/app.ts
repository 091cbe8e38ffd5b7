/**
 * @module app
 * `createGateway(config)`: the receiving half of Hookgate. One server-neutral core (`dispatch`) serves
 * `node:http` (the hot path, `listener` / `listen()`) and `fetch(Request)`:
 * - `POST /webhooks/<source id>`: verify → dedupe → durable commit → 200 (see `ingest/handler.ts`)
 * - `GET /healthz` (process up), `GET /readyz` (store writable), `GET /metrics` (Prometheus text)
 * - `GET /api/…`: the admin API (bearer `admin.token`), with replay
 * - the delivery worker (`delivery/worker.ts`), unless `delivery.mode` is `ingest`: every event is forwarded to
 *   the destinations routed to it; in `deliver` mode the instance delivers only and refuses webhooks (503)
 *
 * Shutdown (`close()`): stop accepting connections but keep the open ones, answer every request on them with
 * 503 and `Connection: close` (a request already on its way on a keep-alive connection is answered, not
 * reset), let in-flight ones finish (up to `server.shutdownTimeoutMs`; open connections get at least
 * `server.shutdownGraceMs` within it), close what is left, stop the worker (its attempts in flight get as long
 * again), then close the store, which flushes its last batch.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net'
import { ADMIN_PREFIX, createAdminHandler } from './admin/api.ts'
import type { GatewayConfig } from './config.ts'
import type { Forward } from './delivery/forwarder.ts'
import { createFanOut } from './delivery/fan-out.ts'
import { createDeliveryWorker, type DeliveryWorker } from './delivery/worker.ts'
import { fromFetch, toFetch } from './http/fetch.ts'
import { fromNode, writeNode } from './http/node.ts'
import { createNodeServer } from './http/node-server.ts'
import { errorResponse, jsonResponse, type CoreRequest, type CoreResponse } from './http/response.ts'
import { createAddressMatcher } from './http/client-address.ts'
import { hostPort, serverOrigin, webhookSourceId, webhookUrl } from './http/urls.ts'
import { createIngestHandler, RETRY_AFTER_SECONDS } from './ingest/handler.ts'
import { createSourceTable } from './ingest/sources.ts'
import { createLogger, errorSummary, type GatewayLogger } from './logger.ts'
import { createMetrics, type GatewayMetrics } from './metrics.ts'
import { createStorageFromConfig } from './storage/from-config.ts'
import { StorageUnavailableError, type Storage } from './storage/types.ts'

/** What a storage factory is handed: the hook that feeds the commit histograms of `/metrics`. */
export interface StorageHooks {
  onCommit(batchSize: number, durationMs: number): void
}

export interface CreateGatewayOptions {
  /**
   * The store: an instance (the caller closes it), or a factory given the commit hook (the gateway closes what
   * it made). Default: the store `config.storage` names (SQLite file or PostgreSQL schema). `start()`/`listen()`
   * always run `migrate()` (idempotent).
   */
  readonly storage?: Storage | ((hooks: StorageHooks) => Storage)
  /** Default: pino JSON lines on stdout at `config.log.level`. */
  readonly logger?: GatewayLogger
  /** The clock for `receivedAt`, signature windows and delivery schedules. Default: the system clock. */
  readonly now?: () => Date
  /** Uniform in [0, 1), for retry jitter. Default `Math.random`. */
  readonly random?: () => number
  /** Replaces the HTTP forwarder of the delivery worker (tests). */
  readonly forward?: Forward
}

/** Where the gateway listens. */
export interface ListeningAddress {
  /** `http://127.0.0.1:8080` */
  readonly url: string
  readonly host: string
  readonly port: number
}

/** A configured source and the URL providers should call. */
export interface SourceEndpoint {
  readonly id: string
  readonly provider: string
  readonly url: string
}

export interface Gateway {
  /** `node:http` request listener (what `listen()` serves). */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void
  /** The same gateway as a Fetch handler. `remoteAddress` feeds allowlists (a bare `Request` has no peer). */
  fetch(request: Request, info?: { readonly remoteAddress?: string }): Promise<Response>
  /** Migrates the store. Called by `listen()`; call it yourself when only using `fetch`/`listener`. */
  start(): Promise<void>
  /** Starts an HTTP server (port 0 picks a free one). Defaults: `config.server.host`/`port`. */
  listen(options?: { readonly host?: string; readonly port?: number }): Promise<ListeningAddress>
  /** The sources and their URLs (`server.publicUrl`, else the listening address). */
  endpoints(): SourceEndpoint[]
  /** Graceful shutdown; idempotent. */
  close(): Promise<void>
  readonly storage: Storage
  readonly metrics: GatewayMetrics
  /** The delivery worker; `undefined` when `delivery.mode` is `ingest` or no destination is configured. */
  readonly worker: DeliveryWorker | undefined
}

/**
 * Creates the gateway for a validated configuration (see `loadConfig`/`parseConfig`).
 * @example
 * const gateway = createGateway(await loadConfig('hookgate.yaml'))
 * const { url } = await gateway.listen()
 * process.once('SIGTERM', () => void gateway.close())
 */
export function createGateway(config: GatewayConfig, options: CreateGatewayOptions = {}): Gateway {
  const metrics = createMetrics()
  const logger = options.logger ?? createLogger({ level: config.log.level })
  const now = options.now ?? (() => new Date())
  const hooks: StorageHooks = { onCommit: (size, ms) => metrics.observeCommit(size, ms) }
  const ownsStorage = typeof options.storage !== 'object'
  const storage: Storage =
    options.storage === undefined
      ? createStorageFromConfig(config.storage, {
          onCommit: hooks.onCommit,
          onError: (error) => logger.warn({ error: errorSummary(error) }, 'store connection error (calls retry on a new connection)'),
        })
      : typeof options.storage === 'function'
        ? options.storage(hooks)
        : options.storage

  const fanOut = createFanOut(config.destinations)
  const mode = config.delivery.mode
  const worker =
    mode === 'ingest' || config.destinations.length === 0
      ? undefined
      : createDeliveryWorker({
          storage,
          destinations: config.destinations,
          ...(config.delivery.workerId === undefined ? {} : { workerId: config.delivery.workerId }),
          pollIntervalMs: config.delivery.pollIntervalMs,
          leaseMarginMs: config.delivery.leaseMarginMs,
          circuitBreaker: config.delivery.circuitBreaker,
          logger,
          metrics,
          now,
          ...(options.random === undefined ? {} : { random: options.random }),
          ...(options.forward === undefined ? {} : { forward: options.forward }),
        })

  let server: Server | undefined
  let address: ListeningAddress | undefined
  let draining = false
  let closing: Promise<void> | undefined
  let inFlight = 0
  /** Open connections of the listening server (kept through a shutdown's grace). */
  const connections = new Set<Socket>()
  /** Called when a request settles or a connection closes during a shutdown. */
  let progress: (() => void) | undefined

  const trustProxy = createAddressMatcher(config.server.trustProxy)
  const ingest = createIngestHandler({
    sources: createSourceTable(config.sources),
    server: config.server,
    trustProxy,
    storage,
    logger,
    metrics,
    now,
    listenHost: () => (address === undefined ? hostPort(config.server.host, config.server.port) : hostPort(address.host, address.port)),
    draining: () => draining,
    fanOut,
    ...(worker === undefined ? {} : { onQueued: (destinationIds: readonly string[]) => worker.notify(destinationIds) }),
  })
  const admin =
    config.admin === undefined
      ? undefined
      : createAdminHandler({
          token: config.admin.token,
          storage,
          logger,
          delivery: { destinations: config.destinations, fanOut, worker, now },
        })

  async function renderMetrics(): Promise<CoreResponse> {
    let gauges
    if (config.destinations.length > 0) {
      try {
        const stats = new Map((await storage.destinationStats()).map((s) => [s.destinationId, s]))
        const circuits = new Map((worker?.states() ?? []).map((s) => [s.destinationId, s]))
        const nowMs = now().getTime()
        gauges = config.destinations.map((d) => {
          const backlog = stats.get(d.id)
          const circuit = circuits.get(d.id)?.circuit
          return {
            destination: d.id,
            pending: backlog?.pending ?? 0,
            inFlight: backlog?.inFlight ?? 0,
            dead: backlog?.dead ?? 0,
            oldestDueAgeSeconds: backlog?.oldestDueAt === undefined ? 0 : Math.max(0, nowMs - backlog.oldestDueAt.getTime()) / 1000,
            circuitOpen: circuit === undefined ? undefined : circuit === 'open' ? 1 : circuit === 'half_open' ? 0.5 : 0,
          }
        })
      } catch (error) {
        // Counters still render; the backlog gauges are missing from this scrape only.
        logger.warn({ error: errorSummary(error) }, 'could not read the delivery backlog for /metrics')
      }
    }
    return {
      status: 200,
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' },
      body: metrics.render(gauges),
    }
  }

  async function readiness(): Promise<CoreResponse> {
    if (draining) return errorResponse(503, 'shutting_down', 'The gateway is shutting down.')
    try {
      await storage.checkWritable()
      return jsonResponse(200, { status: 'ready' })
    } catch (error) {
      const message = error instanceof StorageUnavailableError ? error.message : 'The store is not writable.'
      return errorResponse(503, 'storage_unavailable', message, { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } })
    }
  }

  async function dispatch(req: CoreRequest): Promise<CoreResponse> {
    const q = req.target.indexOf('?')
    const pathname = q === -1 ? req.target : req.target.slice(0, q)
    const sourceId = webhookSourceId(pathname)
    if (sourceId !== undefined) {
      if (mode === 'deliver') {
        return errorResponse(503, 'ingest_disabled', 'This instance only delivers (delivery.mode: deliver); send webhooks to an ingesting instance.', {
          headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
          close: true,
        })
      }
      return ingest(req, sourceId)
    }
    const read = req.method === 'GET' || req.method === 'HEAD'
    if (pathname === '/healthz' && read) return jsonResponse(200, { status: 'ok' })
    if (pathname === '/readyz' && read) return readiness()
    if (pathname === '/metrics' && read) return renderMetrics()
    if (pathname.startsWith(ADMIN_PREFIX) || pathname === '/api') {
      if (admin === undefined) return errorResponse(404, 'not_found', 'The admin API is disabled: set admin.token in the configuration.')
      return admin(req, pathname, new URLSearchParams(q === -1 ? '' : req.target.slice(q + 1)))
    }
    return errorResponse(404, 'not_found', 'Nothing here. Webhooks go to POST /webhooks/<source id>.', { close: true })
  }

  function settled(): void {
    inFlight -= 1
    progress?.()
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight += 1
    let counted = true
    const release = (): void => {
      if (counted) {
        counted = false
        settled()
      }
    }
    res.once('close', release)
    dispatch(fromNode(req, config.server.bodyTimeoutMs)).then(
      (response) => writeNode(res, draining ? { ...response, close: true } : response, req.method === 'HEAD'),
      (error: unknown) => {
        logger.error({ error: errorSummary(error) }, 'request failed')
        writeNode(res, errorResponse(500, 'internal_error', 'The gateway failed to handle this request.', { close: true }))
      },
    )
  }

  let started: Promise<void> | undefined
  let stopWaking: (() => void) | undefined
  const start = (): Promise<void> => {
    started ??= storage.migrate().then(() => {
      if (worker === undefined) return
      worker.start()
      // Other instances' ingests, reaped leases and re-enabled destinations (PostgreSQL LISTEN/NOTIFY) wake the
      // worker at once instead of at its next poll.
      stopWaking = storage.onWake?.(() => worker.notify())
    })
    return started
  }

  /**
   * Waits until no request is in flight and either no connection is open or the grace is over; at
   * `shutdownTimeoutMs` it cuts whatever is still open.
   */
  async function drain(): Promise<void> {
    const graceMs = Math.min(config.server.shutdownGraceMs, config.server.shutdownTimeoutMs)
    await new Promise<void>((resolve) => {
      let graceOver = graceMs === 0
      const finish = (): void => {
        clearTimeout(grace)
        clearTimeout(timer)
        progress = undefined
        resolve()
      }
      const check = (): void => {
        if (inFlight === 0 && (graceOver || connections.size === 0)) finish()
      }
      const grace = setTimeout(() => {
        graceOver = true
        check()
      }, graceMs)
      const timer = setTimeout(() => {
        logger.warn({ inFlight }, 'shutdown timeout: closing connections with requests still in flight')
        server?.closeAllConnections()
        finish()
      }, config.server.shutdownTimeoutMs)
      progress = check
      check()
    })
  }

  return {
    listener,
    storage,
    metrics,
    worker,
    async fetch(request, info) {
      const response = await dispatch(fromFetch(request, info?.remoteAddress))
      return toFetch(response, request.method === 'HEAD')
    },
    start,
    async listen(listenOptions = {}) {
      if (server !== undefined) throw new Error('the gateway is already listening')
      await start()
      const host = listenOptions.host ?? config.server.host
      const port = listenOptions.port ?? config.server.port
      const created = createNodeServer(listener, { server: config.server, trustProxy, logger, metrics })
      created.on('connection', (socket: Socket) => {
        connections.add(socket)
        socket.once('close', () => {
          connections.delete(socket)
          progress?.()
        })
      })
      server = created
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject)
        created.listen(port, host, () => {
          created.off('error', reject)
          resolve()
        })
      })
      const info = created.address() as AddressInfo
      address = { host: info.address, port: info.port, url: serverOrigin(info.address, info.port) }
      return address
    },
    endpoints() {
      const base = config.server.publicUrl ?? address?.url ?? serverOrigin(config.server.host, config.server.port)
      return config.sources.map((source) => ({ id: source.id, provider: source.provider, url: webhookUrl(base, source.id) }))
    },
    close() {
      closing ??= (async () => {
        draining = true
        const current = server
        // Stop accepting, keeping open connections: http.Server#close would also destroy the idle keep-alive
        // ones at once, and a request already on its way on one would meet a reset instead of a 503.
        const closed =
          current === undefined ? Promise.resolve() : new Promise<void>((resolve) => NetServer.prototype.close.call(current, () => resolve()))
        await drain()
        // Now http.Server#close: it ends the idle connections and Node's timeout checks; then cut anything left.
        current?.close()
        current?.closeAllConnections()
        await closed
        stopWaking?.()
        await worker?.stop({ timeoutMs: config.server.shutdownTimeoutMs })
        if (ownsStorage) await storage.close()
      })()
      return closing
    },
  }
}
