/**
 * @module app
 * `createGateway(config)`: the receiving half of Hookgate, wired from its parts. One server-neutral core
 * (`router.ts`) serves `node:http` (the hot path, `listener` / `listen()`, `http/server-lifecycle.ts`) and
 * `fetch(Request)`:
 * - `POST /webhooks/<source id>`: verify → dedupe → durable commit → 200 (see `ingest/handler.ts`)
 * - `GET /healthz` (process up), `GET /readyz` (store writable), `GET /metrics` (Prometheus text, `metrics-endpoint.ts`)
 * - `GET /api/…`: the admin API (bearer `admin.token`), with replay and the live `GET /api/stream` (SSE, fed by
 *   the in-process bus of `events.ts`)
 * - the delivery worker (`delivery/worker.ts`), unless `delivery.mode` is `ingest`: every event is forwarded to
 *   the destinations its fan-out names; in `deliver` mode the instance delivers only and refuses webhooks (503)
 *
 * Shutdown (`close()`): the server drains (see `http/server-lifecycle.ts`: open connections kept, answered with
 * `Connection: close`, in-flight requests finished within `server.shutdownTimeoutMs`), then the worker stops
 * (its attempts in flight get as long again), then the store closes, which flushes its last batch.
 */
import { createKeyResolver, type FetchKey } from '@hookgate/verify'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createAdminHandler } from './admin/api.ts'
import { createEventStream } from './admin/stream.ts'
import { createDashboardAssets } from './dashboard/assets.ts'
import { createSessions } from './dashboard/session.ts'
import { createTrafficRecorder, type TrafficRecorder } from './admin/traffic.ts'
import { createGatewayEvents, type GatewayEvents } from './events.ts'
import type { GatewayConfig } from './config.ts'
import type { Forward } from './delivery/forwarder.ts'
import { createFanOut } from './delivery/fan-out.ts'
import { createDeliveryWorker, type DeliveryWorker } from './delivery/worker.ts'
import { createPruner, type Pruner } from './retention.ts'
import { createAddressMatcher, resolveClient } from './http/client-address.ts'
import { fromFetch, toFetch } from './http/fetch.ts'
import { createServerLifecycle, type ListeningAddress } from './http/server-lifecycle.ts'
import { hostPort, serverOrigin, webhookUrl } from './http/urls.ts'
import { createIngestHandler } from './ingest/handler.ts'
import { createSourceTable } from './ingest/sources.ts'
import { createLogger, errorSummary, type GatewayLogger } from './logger.ts'
import { createMetricsEndpoint } from './metrics-endpoint.ts'
import { createMetrics, type GatewayMetrics } from './metrics.ts'
import { createGatewayRouter } from './router.ts'
import { createStorageFromConfig } from './storage/from-config.ts'
import type { Storage } from './storage/types.ts'

export type { ListeningAddress } from './http/server-lifecycle.ts'

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
  /** Fetches provider keys and certificates (AWS SNS); default: `fetch`, https only, from the preset's hosts. */
  readonly fetchKey?: FetchKey
  /** Performs handshake follow-ups (AWS SNS subscription confirmation GETs); default: `fetch`, no redirects. */
  readonly followUp?: (url: string) => Promise<number>
  /** How often the traffic counts of `GET /api/overview` are written to the store. Default 5000 ms. */
  readonly trafficFlushMs?: number
  /** `GET /api/stream` tuning: heartbeat interval (default 15 000 ms) and per-client unsent-byte cap (default 1 MiB). */
  readonly stream?: {
    readonly heartbeatMs?: number
    readonly maxBufferedBytes?: number
    readonly maxClients?: number
  }
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
  /** The admin listener's address when `admin.port` is set (after `listen()`), else `undefined`. */
  readonly adminAddress: ListeningAddress | undefined
  /** Graceful shutdown; idempotent. */
  close(): Promise<void>
  readonly storage: Storage
  readonly metrics: GatewayMetrics
  /** The delivery worker; `undefined` when `delivery.mode` is `ingest` or no destination is configured. */
  readonly worker: DeliveryWorker | undefined
  /** Retention (`retention:`): started by `start()`/`listen()`, every `retention.interval`. */
  readonly pruner: Pruner
  /** This process's live traffic (`event:stored`, `rejection:recorded`, `delivery:attempted`): metadata only. */
  readonly events: GatewayEvents
  /**
   * Counts that traffic per minute for `GET /api/overview` and writes the counts to the store every few seconds
   * (`flush()` writes them now). Started by `start()`/`listen()`, flushed by `close()`.
   */
  readonly traffic: TrafficRecorder
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
          onError: (error) =>
            logger.warn(
              { error: errorSummary(error) },
              'store connection error (calls retry on a new connection)',
            ),
        })
      : typeof options.storage === 'function'
        ? options.storage(hooks)
        : options.storage

  const events = createGatewayEvents((error, name) =>
    logger.warn({ error: errorSummary(error), event: name }, 'an event listener threw'),
  )
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
          events,
        })

  const traffic = createTrafficRecorder({
    events,
    storage,
    logger,
    ...(options.trafficFlushMs === undefined ? {} : { flushIntervalMs: options.trafficFlushMs }),
  })
  const sources = createSourceTable(config.sources)
  const keys = createKeyResolver(
    options.fetchKey === undefined ? {} : { fetchKey: options.fetchKey },
  )
  const trustProxy = createAddressMatcher(config.server.trustProxy)
  // `dispatch` is called per request, after all of this is built.
  const lifecycle = createServerLifecycle({
    server: config.server,
    trustProxy,
    logger,
    metrics,
    dispatch: (req) => dispatch(req),
  })
  const draining = (): boolean => lifecycle.draining
  const ingest = createIngestHandler({
    sources,
    server: config.server,
    trustProxy,
    storage,
    logger,
    metrics,
    now,
    listenHost: () => {
      const address = lifecycle.address
      return address === undefined
        ? hostPort(config.server.host, config.server.port)
        : hostPort(address.host, address.port)
    },
    draining,
    fanOut,
    ...(worker === undefined
      ? {}
      : { onQueued: (destinationIds: readonly string[]) => worker.notify(destinationIds) }),
    keys,
    ...(options.followUp === undefined ? {} : { followUp: options.followUp }),
    events,
  })
  const stream =
    config.admin === undefined
      ? undefined
      : createEventStream({ events, logger, ...options.stream })
  const admin =
    config.admin === undefined
      ? undefined
      : createAdminHandler({
          token: config.admin.token,
          storage,
          logger,
          delivery: { destinations: config.destinations, fanOut, worker, now },
          ...(stream === undefined ? {} : { stream }),
          providerOf: (sourceId) =>
            config.sources.find((source) => source.id === sourceId)?.provider,
          ...(config.admin.dashboard
            ? {
                sessions: {
                  authority: createSessions({ token: config.admin.token, now }),
                  now,
                  // The cookie is Secure when the browser reached us over https: a public https URL, or a
                  // trusted proxy saying so.
                  clientAddress: (req) =>
                    resolveClient(req.peerAddress, req.headers, trustProxy).address,
                  secure: (req) =>
                    config.server.publicUrl?.startsWith('https:') === true ||
                    resolveClient(req.peerAddress, req.headers, trustProxy).forwardedProto ===
                      'https',
                },
              }
            : {}),
          dashboard: {
            sources,
            destinations: config.destinations,
            metrics,
            publicUrl: config.server.publicUrl,
            keys,
            now,
          },
        })
  const ui = config.admin?.dashboard === true ? createDashboardAssets() : undefined
  const routes = {
    mode,
    ingest,
    admin,
    ui,
    metrics: createMetricsEndpoint({
      metrics,
      storage,
      destinations: config.destinations,
      circuits: worker === undefined ? undefined : () => worker.states(),
      logger,
      now,
    }),
    storage,
    draining,
  }
  const adminListen = config.admin?.listen
  const dispatch = createGatewayRouter({
    ...routes,
    surface: adminListen === undefined ? 'all' : 'public',
  })
  // `admin.port`: the admin API and dashboard on a listener of their own.
  const adminLifecycle =
    adminListen === undefined
      ? undefined
      : createServerLifecycle({
          server: config.server,
          trustProxy,
          logger,
          metrics,
          dispatch: createGatewayRouter({ ...routes, surface: 'admin' }),
        })

  const pruner = createPruner({ storage, retention: config.retention, now, logger })

  let started: Promise<void> | undefined
  let stopWaking: (() => void) | undefined
  const start = (): Promise<void> => {
    started ??= storage.migrate().then(() => {
      pruner.start()
      traffic.start()
      if (worker === undefined) return
      worker.start()
      // Other instances' ingests, reaped leases and re-enabled destinations (PostgreSQL LISTEN/NOTIFY) wake the
      // worker at once instead of at its next poll.
      stopWaking = storage.onWake?.(() => worker.notify())
    })
    return started
  }

  let closing: Promise<void> | undefined
  return {
    listener: lifecycle.listener,
    storage,
    metrics,
    worker,
    pruner,
    events,
    traffic,
    async fetch(request, info) {
      const response = await dispatch(fromFetch(request, info?.remoteAddress))
      return toFetch(response, request.method === 'HEAD')
    },
    start,
    async listen(listenOptions = {}) {
      if (lifecycle.listening) throw new Error('the gateway is already listening')
      await start()
      const address = await lifecycle.listen(
        listenOptions.host ?? config.server.host,
        listenOptions.port ?? config.server.port,
      )
      if (adminLifecycle !== undefined && adminListen !== undefined)
        await adminLifecycle.listen(adminListen.host, adminListen.port)
      return address
    },
    get adminAddress() {
      return adminLifecycle?.address
    },
    endpoints() {
      const base =
        config.server.publicUrl ??
        lifecycle.address?.url ??
        serverOrigin(config.server.host, config.server.port)
      return config.sources.map((source) => ({
        id: source.id,
        provider: source.provider,
        url: webhookUrl(base, source.id),
      }))
    },
    close() {
      closing ??= (async () => {
        // Live streams never end on their own: end them first, so the drain waits only for real requests.
        stream?.close()
        await Promise.all([lifecycle.shutdown(), adminLifecycle?.shutdown()])
        stopWaking?.()
        await worker?.stop({ timeoutMs: config.server.shutdownTimeoutMs })
        // After the worker: its last attempts are counted too; before the store closes.
        await traffic.close()
        await pruner.stop()
        if (ownsStorage) await storage.close()
      })()
      return closing
    },
  }
}
