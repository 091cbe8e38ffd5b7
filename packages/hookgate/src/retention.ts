/**
 * @module retention
 * Retention (issue 14, `retention:` in the config): deletes expired events (with their deliveries and attempts)
 * and rejections in small batches through `Storage.prune`, never an event whose delivery is still pending or in
 * flight. `hookgate serve` runs {@link createPruner} every `retention.interval`, pausing between batches so ingest
 * is not held up ({@link SERVE_PACE}); `hookgate prune` runs {@link pruneOnce} to completion (cron, {@link CLI_PACE}).
 */
import { setTimeout as delay } from 'node:timers/promises'
import type { RetentionConfig } from './config.ts'
import { errorSummary, type GatewayLogger } from './logger.ts'
import type { PruneOptions, Storage } from './storage/types.ts'

/** Rows of each kind deleted per batch (one short transaction). */
export const PRUNE_BATCH_SIZE = 500

/**
 * How a pass spaces its batches: after a batch that took `d` ms it waits `max(minPauseMs, d × ratio)`, so pruning
 * takes at most `1 / (1 + ratio)` of the time and ingest is never queued behind a run of batches.
 */
export interface PrunePace {
  readonly batchSize: number
  readonly ratio: number
  readonly minPauseMs: number
}

/**
 * The serve loop: small batches, at most a fifth of the time (about 2,500 events/s on the bench machine). Measured
 * with bench/retention.mjs (20,000-event backlog, ingest at 200/s): back-to-back batches of 500 took the ingest p99
 * from 32 to 160 ms; batches of 200 paced like this from 9.4 to 20 ms; of 100, from 10.8 to 17 ms.
 */
export const SERVE_PACE: PrunePace = { batchSize: 100, ratio: 4, minPauseMs: 2 }

/**
 * `hookgate prune`: batches of 500, and a pause of at least 100 ms between them: when a gateway runs on the same
 * SQLite file, its writer waits for the lock in the busy handler (sleeping up to 100 ms between tries), so it needs
 * the lock free for that long to get in.
 */
export const CLI_PACE: PrunePace = { batchSize: PRUNE_BATCH_SIZE, ratio: 1, minPauseMs: 100 }

export interface PruneTotals {
  readonly events: number
  readonly rejections: number
  /** Traffic count rows (the overview's, per minute) deleted. */
  readonly traffic: number
  /** `prune` calls made (batches). */
  readonly batches: number
  readonly durationMs: number
}

/** The `prune` options for `retention` at `now`; undefined when nothing can expire (everything kept forever). */
export function pruneOptions(
  retention: RetentionConfig,
  now: Date,
  batchSize = PRUNE_BATCH_SIZE,
): PruneOptions | undefined {
  if (
    retention.eventsMs === undefined &&
    retention.maxEvents === 0 &&
    retention.rejectionsMs === undefined
  )
    return undefined
  const at = now.getTime()
  return {
    batchSize,
    ...(retention.eventsMs === undefined ? {} : { olderThan: new Date(at - retention.eventsMs) }),
    ...(retention.maxEvents === 0 ? {} : { maxEvents: retention.maxEvents }),
    ...(retention.rejectionsMs === undefined
      ? {}
      : { rejectionsOlderThan: new Date(at - retention.rejectionsMs) }),
  }
}

/** The overview's longest window: traffic counts are kept at least this long. */
export const TRAFFIC_MIN_KEEP_MS = 7 * 86_400_000

/**
 * Where traffic counts expire: the longest overview window (7 days) or the events' retention, whichever is longer;
 * undefined when events are kept forever (their counts are then kept too).
 */
export function trafficCutoff(retention: RetentionConfig, now: Date): Date | undefined {
  if (retention.eventsMs === undefined) return undefined
  return new Date(now.getTime() - Math.max(TRAFFIC_MIN_KEEP_MS, retention.eventsMs))
}

/**
 * Prunes until nothing more is expired (cut-offs fixed at `now` for the whole run), pausing between batches as
 * `pace` says. `shouldStop` is checked between batches.
 */
export async function pruneOnce(
  storage: Storage,
  retention: RetentionConfig,
  now: Date,
  shouldStop: () => boolean = () => false,
  pace: PrunePace = CLI_PACE,
): Promise<PruneTotals> {
  const started = performance.now()
  const options = pruneOptions(retention, now, pace.batchSize)
  let events = 0
  let rejections = 0
  let batches = 0
  if (options !== undefined) {
    for (;;) {
      const batchStarted = performance.now()
      const result = await storage.prune(options)
      batches++
      events += result.events
      rejections += result.rejections
      if (!result.more || shouldStop()) break
      const pauseMs = Math.max(pace.minPauseMs, (performance.now() - batchStarted) * pace.ratio)
      await delay(Math.round(pauseMs))
      if (shouldStop()) break
    }
  }
  const cutoff = trafficCutoff(retention, now)
  const traffic = cutoff === undefined || shouldStop() ? 0 : await storage.pruneTraffic(cutoff)
  return {
    events,
    rejections,
    traffic,
    batches,
    durationMs: Math.round(performance.now() - started),
  }
}

export interface Pruner {
  /** Runs a first pass at once, then one every `retention.intervalMs`. Idempotent. */
  start(): void
  /** One pass now (or waits for the one running). */
  runNow(): Promise<PruneTotals | undefined>
  /** Stops the timer and waits for a pass in progress to finish its current batch. Idempotent. */
  stop(): Promise<void>
}

export function createPruner(options: {
  readonly storage: Storage
  readonly retention: RetentionConfig
  readonly now: () => Date
  readonly logger: GatewayLogger
}): Pruner {
  const { storage, retention, now, logger } = options
  let timer: NodeJS.Timeout | undefined
  let running: Promise<PruneTotals | undefined> | undefined
  let stopped = false

  const pass = async (): Promise<PruneTotals | undefined> => {
    try {
      const totals = await pruneOnce(storage, retention, now(), () => stopped, SERVE_PACE)
      if (totals.events + totals.rejections + totals.traffic > 0) {
        logger.info(
          {
            events: totals.events,
            rejections: totals.rejections,
            traffic: totals.traffic,
            batches: totals.batches,
            durationMs: totals.durationMs,
          },
          'retention: pruned expired records',
        )
      }
      return totals
    } catch (error) {
      if (!stopped)
        logger.warn(
          { error: errorSummary(error) },
          'retention: prune failed; retrying next interval',
        )
      return undefined
    }
  }
  const runNow = (): Promise<PruneTotals | undefined> => {
    if (stopped) return Promise.resolve(undefined)
    running ??= pass().finally(() => (running = undefined))
    return running
  }

  return {
    start() {
      if (stopped || timer !== undefined) return
      timer = setInterval(() => void runNow(), retention.intervalMs)
      timer.unref()
      void runNow()
    },
    runNow,
    async stop() {
      stopped = true
      if (timer !== undefined) clearInterval(timer)
      await running
    },
  }
}
