/**
 * @module admin/traffic
 * The traffic recorder behind `GET /api/overview` (issue 13): it listens to the gateway's bus (`events.ts`) and
 * counts, per minute, what each source accepted, saw as a duplicate or rejected (per reason), and how each
 * destination's attempts ended (delivered, retry, dead). Counting is an in-memory increment — the ingest and
 * delivery paths write nothing more to the store — and every `flushIntervalMs` (and on close) the counts go to the
 * store in ONE `addTraffic` call, which adds them to what is stored (several instances on PostgreSQL sum up).
 *
 * Bounded: a flush that fails keeps its counts for the next one, up to `maxPendingRows` rows; beyond that the
 * oldest minutes are dropped (and logged), so a store that stays down cannot grow the gateway's memory.
 */
import type { GatewayEvents } from '../events.ts'
import { errorSummary, type GatewayLogger } from '../logger.ts'
import type { Storage, TrafficKind, TrafficRow } from '../storage/types.ts'

/** Default flush interval. */
export const DEFAULT_TRAFFIC_FLUSH_MS = 5_000
/** Rows held in memory at most (a failing store). */
export const DEFAULT_MAX_PENDING_ROWS = 50_000

const MINUTE_MS = 60_000

export interface TrafficRecorderOptions {
  readonly events: GatewayEvents
  readonly storage: Pick<Storage, 'addTraffic'>
  readonly logger?: GatewayLogger
  /** Default 5000 ms. */
  readonly flushIntervalMs?: number
  readonly maxPendingRows?: number
}

export interface TrafficRecorder {
  /** Subscribes to the bus and starts the flush timer. Idempotent. */
  start(): void
  /** Writes the counts gathered so far (one `addTraffic` call); resolves when stored. Never rejects. */
  flush(): Promise<void>
  /** Unsubscribes, stops the timer and flushes what is left. Idempotent. */
  close(): Promise<void>
}

interface Count {
  readonly kind: TrafficKind
  readonly subjectId: string
  readonly minuteMs: number
  readonly outcome: string
  count: number
}

/**
 * Creates the recorder (not started).
 * @example
 * const traffic = createTrafficRecorder({ events, storage })
 * traffic.start()
 * await traffic.close() // on shutdown, before the store closes
 */
export function createTrafficRecorder(options: TrafficRecorderOptions): TrafficRecorder {
  const { events, storage, logger } = options
  const flushIntervalMs = options.flushIntervalMs ?? DEFAULT_TRAFFIC_FLUSH_MS
  const maxPendingRows = options.maxPendingRows ?? DEFAULT_MAX_PENDING_ROWS
  let counts = new Map<string, Count>()
  let timer: NodeJS.Timeout | undefined
  let offs: (() => void)[] = []
  let flushing: Promise<void> = Promise.resolve()
  let closed = false

  /** The hot path: one Map lookup and an increment. */
  function add(kind: TrafficKind, subjectId: string, at: Date, outcome: string, n = 1): void {
    const minuteMs = Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS
    const key = `${kind}\u0000${subjectId}\u0000${minuteMs}\u0000${outcome}`
    const found = counts.get(key)
    if (found !== undefined) found.count += n
    else counts.set(key, { kind, subjectId, minuteMs, outcome, count: n })
  }

  /** Puts back the counts of a failed flush (newest kept when over the cap). */
  function restore(failed: Map<string, Count>): void {
    for (const [key, row] of failed) {
      const found = counts.get(key)
      if (found !== undefined) found.count += row.count
      else counts.set(key, row)
    }
    if (counts.size <= maxPendingRows) return
    const sorted = [...counts.entries()].sort(([, a], [, b]) => b.minuteMs - a.minuteMs)
    const dropped = sorted.length - maxPendingRows
    counts = new Map(sorted.slice(0, maxPendingRows))
    logger?.warn({ droppedRows: dropped }, 'traffic counts dropped: the store keeps refusing them')
  }

  async function write(): Promise<void> {
    if (counts.size === 0) return
    const batch = counts
    counts = new Map()
    const rows: TrafficRow[] = [...batch.values()].map((row) => ({
      kind: row.kind,
      subjectId: row.subjectId,
      bucketStart: new Date(row.minuteMs),
      outcome: row.outcome,
      count: row.count,
    }))
    try {
      await storage.addTraffic(rows)
    } catch (error) {
      restore(batch)
      logger?.warn(
        { error: errorSummary(error), rows: rows.length },
        'could not store traffic counts; retrying at the next flush',
      )
    }
  }

  /** Flushes run one after the other, never two at once. */
  function flush(): Promise<void> {
    flushing = flushing.then(write)
    return flushing
  }

  return {
    start() {
      if (closed || timer !== undefined) return
      offs = [
        events.on('event:stored', (e) =>
          add('source', e.sourceId, e.receivedAt, e.duplicate ? 'duplicate' : 'accepted'),
        ),
        events.on('rejection:recorded', (r) =>
          add('source', r.sourceId, r.receivedAt, `rejected:${r.reason}`),
        ),
        events.on('delivery:attempted', (d) => {
          // A lost lease is settled by the worker that took the delivery over, which counts it.
          if (d.outcome !== 'lease_lost')
            add('destination', d.destinationId, d.startedAt, d.outcome)
        }),
      ]
      timer = setInterval(() => void flush(), flushIntervalMs)
      timer.unref()
    },
    flush,
    async close() {
      if (closed) return flushing
      closed = true
      for (const off of offs) off()
      offs = []
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      return flush()
    },
  }
}
