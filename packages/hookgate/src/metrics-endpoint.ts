/**
 * @module metrics-endpoint
 * `GET /metrics`: the counters and histograms of `metrics.ts`, plus per-destination gauges read at scrape time
 * (the store's backlog, this instance's circuit states). A store that cannot answer costs the gauges of that
 * scrape only; the counters always render.
 */
import type { DestinationConfig } from './config.ts'
import type { DestinationRuntimeState } from './delivery/worker.ts'
import type { CoreResponse } from './http/response.ts'
import { errorSummary, type GatewayLogger } from './logger.ts'
import type { DestinationGauges, GatewayMetrics, StoreGauges } from './metrics.ts'
import type { Storage, StoreStats } from './storage/types.ts'

export interface MetricsEndpointOptions {
  readonly metrics: GatewayMetrics
  readonly storage: Pick<Storage, 'destinationBacklog' | 'storeStats'>
  readonly destinations: readonly Pick<DestinationConfig, 'id'>[]
  /** This instance's circuit states; `undefined` when it does not deliver. */
  readonly circuits:
    (() => readonly Pick<DestinationRuntimeState, 'destinationId' | 'circuit'>[]) | undefined
  readonly logger: GatewayLogger
  readonly now: () => Date
  /**
   * How long the store gauges (`hookgate_store_*`) are reused before `storeStats()` runs again: scrapes in between
   * cost nothing. Default {@link STORE_STATS_TTL_MS}.
   */
  readonly storeStatsTtlMs?: number
}

/** The store gauges are computed at most once per this many milliseconds. */
export const STORE_STATS_TTL_MS = 15_000

const CIRCUIT_GAUGE = { closed: 0, half_open: 0.5, open: 1 } as const

/** @internal Creates the `/metrics` handler. */
export function createMetricsEndpoint(
  options: MetricsEndpointOptions,
): () => Promise<CoreResponse> {
  const { metrics, storage, destinations, logger, now } = options
  const ttlMs = options.storeStatsTtlMs ?? STORE_STATS_TTL_MS
  let cached: { readonly stats: StoreStats; readonly atMs: number } | undefined
  /** One computation at a time: concurrent scrapes share it. */
  let computing: Promise<void> | undefined

  async function storeGauges(): Promise<StoreGauges | undefined> {
    const nowMs = now().getTime()
    if (cached === undefined || nowMs - cached.atMs >= ttlMs) {
      computing ??= (async () => {
        try {
          cached = { stats: await storage.storeStats(), atMs: nowMs }
        } catch (error) {
          // The last figures are kept (their age says how old); the other series render as usual.
          logger.warn({ error: errorSummary(error) }, 'could not read the store size for /metrics')
        } finally {
          computing = undefined
        }
      })()
      await computing
    }
    if (cached === undefined) return undefined
    const { stats, atMs } = cached
    const ageOf = (date: Date | undefined): number =>
      date === undefined ? 0 : Math.max(0, nowMs - date.getTime()) / 1000
    return {
      bytes: stats.bytes,
      events: stats.rows.events,
      rejections: stats.rows.rejections,
      deliveries: stats.rows.deliveries,
      approximate: stats.approximate,
      oldestEventAgeSeconds: ageOf(stats.oldestEventAt),
      oldestRejectionAgeSeconds: ageOf(stats.oldestRejectionAt),
      computedAgeSeconds: Math.max(0, nowMs - atMs) / 1000,
    }
  }

  async function gauges(): Promise<DestinationGauges[] | undefined> {
    if (destinations.length === 0) return undefined
    try {
      // The open deliveries only: a scrape's cost must not grow with the delivered history.
      const stats = new Map((await storage.destinationBacklog()).map((s) => [s.destinationId, s]))
      const circuits = new Map((options.circuits?.() ?? []).map((s) => [s.destinationId, s]))
      const nowMs = now().getTime()
      return destinations.map((d) => {
        const backlog = stats.get(d.id)
        const circuit = circuits.get(d.id)?.circuit
        return {
          destination: d.id,
          pending: backlog?.pending ?? 0,
          inFlight: backlog?.inFlight ?? 0,
          dead: backlog?.dead ?? 0,
          oldestDueAgeSeconds:
            backlog?.oldestDueAt === undefined
              ? 0
              : Math.max(0, nowMs - backlog.oldestDueAt.getTime()) / 1000,
          circuitOpen: circuit === undefined ? undefined : CIRCUIT_GAUGE[circuit],
        }
      })
    } catch (error) {
      // Counters still render; the backlog gauges are missing from this scrape only.
      logger.warn(
        { error: errorSummary(error) },
        'could not read the delivery backlog for /metrics',
      )
      return undefined
    }
  }

  return async () => ({
    status: 200,
    headers: {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'cache-control': 'no-store',
    },
    body: metrics.render(await gauges(), await storeGauges()),
  })
}
