/**
 * @module storage/postgres/transfer
 * Export, import and store size of the PostgreSQL backend (issue 14). An export page is three reads (events,
 * their deliveries, their attempts); an import batch is one statement. `storeStats` never counts a large table:
 * above {@link EXACT_BELOW} live rows (the server's own estimate) it reports the estimate (`approximate: true`).
 * Internal.
 */
import { toRejectionDetail, toStoredEvent, type AttemptRow } from '../domain/rows.ts'
import {
  checkExportQuery,
  checkImportedRejections,
  checkPortableEvents,
  checkRejectionExportQuery,
  exportPage,
  rejectionPage,
} from '../domain/transfer.ts'
import type { Transfer } from '../types.ts'
import type { PostgresContext } from './context.ts'
import { LIST_ATTEMPTS } from './queries/list-deliveries.ts'
import {
  COUNT_EVENTS,
  COUNT_REJECTIONS,
  COUNT_SETTLED_DELIVERIES,
  EXPORT_DELIVERIES,
  EXPORT_EVENTS,
  EXPORT_REJECTIONS,
  IMPORT_EVENTS,
  IMPORT_REJECTIONS,
  SAMPLE_SETTLED_DELIVERIES,
  STORE_ESTIMATES,
} from './queries/transfer.ts'
import {
  bufferOf,
  decodeEventRow,
  decodeRejectionRow,
  eventColumns,
  iso,
  optionalIso,
  rejectionInput,
  toPgText,
  type PgDeliveryRow,
  type PgEventRow,
  type PgRejectionDetailRow,
} from './rows.ts'

/** Tables with fewer live rows than this (estimated) are counted exactly. */
const EXACT_BELOW = 200_000
/** Rows a delivered/dead sample aims at. */
const SAMPLE_ROWS = 50_000

interface EstimateRow {
  readonly bytes: string
  readonly events: string | null
  readonly rejections: string | null
  readonly deliveries: string | null
  readonly pending: string
  readonly in_flight: string
  readonly oldest_event_at: Date | null
  readonly oldest_rejection_at: Date | null
}

export function createPostgresTransfer(ctx: PostgresContext): Transfer {
  const { db } = ctx

  /** Exact when the estimate says the table is small (or has no statistics yet), else the estimate. */
  async function rows(
    estimate: string | null,
    name: string,
    sql: string,
  ): Promise<{ n: number; approximate: boolean }> {
    const estimated = estimate === null ? 0 : Number(estimate)
    if (estimated >= EXACT_BELOW) return { n: estimated, approximate: true }
    const { rows: counted } = await db.query<{ n: string }>(name, sql, [])
    return { n: Number(counted[0]?.n ?? 0), approximate: false }
  }

  return {
    async exportEvents(query) {
      ctx.assertOpen()
      const q = checkExportQuery(query)
      const { rows: eventRows } = await db.query<PgEventRow>('export-events', EXPORT_EVENTS, [
        String(q.afterSeq),
        q.sourceId === undefined ? null : toPgText(q.sourceId),
        q.sinceMs === undefined ? null : iso(q.sinceMs),
        q.untilMs === undefined ? null : iso(q.untilMs),
        q.limit + 1,
      ])
      const events = eventRows.map((row) => ({
        seq: row.seq,
        event: toStoredEvent(decodeEventRow(row)),
      }))
      const ids = events.slice(0, q.limit).map((e) => e.event.id)
      const deliveries =
        ids.length === 0
          ? []
          : (await db.query<PgDeliveryRow>('export-deliveries', EXPORT_DELIVERIES, [ids])).rows
      const attempts =
        deliveries.length === 0
          ? []
          : (
              await db.query<AttemptRow>('list-attempts', LIST_ATTEMPTS, [
                deliveries.map((d) => d.id),
              ])
            ).rows
      return exportPage(events, q.limit, deliveries, attempts)
    },

    async importEvents(batch) {
      ctx.assertOpen()
      const checked = checkPortableEvents(batch)
      if (checked.length === 0) return { imported: 0, skipped: 0 }
      const events: Record<string, unknown>[] = []
      const deliveries: Record<string, unknown>[] = []
      const attempts: Record<string, unknown>[] = []
      for (const { id, ingest, deliveries: ds, attempts: as } of checked) {
        events.push({
          ord: events.length,
          ...eventColumns(id, ingest),
          body: bufferOf(ingest.event.body).toString('base64'),
        })
        for (const d of ds) {
          deliveries.push({
            ord: deliveries.length,
            id: d.id,
            event_id: d.eventId,
            destination_id: d.destinationId,
            status: d.status,
            attempts: d.attempts,
            created_at: iso(d.createdAtMs),
            due_at: optionalIso(d.dueAtMs),
            last_attempt_at: optionalIso(d.lastAttemptAtMs),
            completed_at: optionalIso(d.completedAtMs),
            dead_reason: d.deadReason,
            replay_of: d.replayOf,
          })
        }
        for (const a of as) {
          attempts.push({
            ord: attempts.length,
            id: a.id,
            delivery_id: a.deliveryId,
            attempt_number: a.attemptNumber,
            worker_id: a.workerId,
            started_at: iso(a.startedAtMs),
            duration_ms: a.durationMs,
            status_code: a.statusCode,
            error: a.error,
            response_body:
              a.responseBody === null ? null : bufferOf(a.responseBody).toString('base64'),
            next_kind: a.nextKind,
            next_at: optionalIso(a.nextAtMs),
            next_reason: a.nextReason,
          })
        }
      }
      const { rows: inserted } = await db.query('import-events', IMPORT_EVENTS, [
        JSON.stringify(events),
        JSON.stringify(deliveries),
        JSON.stringify(attempts),
        db.channel,
      ])
      return { imported: inserted.length, skipped: checked.length - inserted.length }
    },

    async exportRejections(query) {
      ctx.assertOpen()
      const { limit, afterSeq } = checkRejectionExportQuery(query)
      const { rows } = await db.query<PgRejectionDetailRow>(
        'export-rejections',
        EXPORT_REJECTIONS,
        [String(afterSeq), limit + 1],
      )
      return rejectionPage(rows, limit, (row) => toRejectionDetail(decodeRejectionRow(row)))
    },

    async importRejections(batch) {
      ctx.assertOpen()
      const checked = checkImportedRejections(batch)
      if (checked.length === 0) return { imported: 0, skipped: 0 }
      const input = checked.map(({ id, checked: rejection }, ord) =>
        rejectionInput(ord, id, rejection),
      )
      const { rows } = await db.query('import-rejections', IMPORT_REJECTIONS, [
        JSON.stringify(input),
      ])
      return { imported: rows.length, skipped: checked.length - rows.length }
    },

    async storeStats() {
      ctx.assertOpen()
      const { rows: estimates } = await db.query<EstimateRow>('store-estimates', STORE_ESTIMATES, [
        db.schema,
      ])
      const e = estimates[0]!
      const events = await rows(e.events, 'count-events', COUNT_EVENTS)
      const rejections = await rows(e.rejections, 'count-rejections', COUNT_REJECTIONS)
      const pending = Number(e.pending)
      const inFlight = Number(e.in_flight)
      const estimatedDeliveries = e.deliveries === null ? 0 : Number(e.deliveries)
      let settled: { delivered: string; dead: string }
      let approximateDeliveries = false
      if (estimatedDeliveries < EXACT_BELOW) {
        settled = (await db.query<typeof settled>('count-settled', COUNT_SETTLED_DELIVERIES, []))
          .rows[0]!
      } else {
        // Scale a block sample's split to the estimated number of settled deliveries.
        const percent = Math.min(100, (100 * SAMPLE_ROWS) / estimatedDeliveries)
        const sample = (
          await db.query<typeof settled>('sample-settled', SAMPLE_SETTLED_DELIVERIES, [percent])
        ).rows[0]!
        const sampled = Number(sample.delivered) + Number(sample.dead)
        const total = Math.max(0, estimatedDeliveries - pending - inFlight)
        const deadShare = sampled === 0 ? 0 : Number(sample.dead) / sampled
        const dead = Math.round(total * deadShare)
        settled = { delivered: String(total - dead), dead: String(dead) }
        approximateDeliveries = true
      }
      return {
        bytes: Number(e.bytes),
        rows: {
          events: events.n,
          rejections: rejections.n,
          deliveries: {
            pending,
            in_flight: inFlight,
            delivered: Number(settled.delivered),
            dead: Number(settled.dead),
          },
        },
        approximate: events.approximate || rejections.approximate || approximateDeliveries,
        oldestEventAt: e.oldest_event_at ?? undefined,
        oldestRejectionAt: e.oldest_rejection_at ?? undefined,
      }
    },
  }
}
