/**
 * @module storage/sqlite/transfer
 * Export, import and store size of the SQLite backend (issue 14). Its statements are prepared here, apart from
 * `statements.ts`: reads run at once (one page = three reads back to back, with no write in between since the
 * connection is single-threaded), an import batch is ONE isolated write of the group commit. Internal.
 */
import { statSync } from 'node:fs'
import type Database from 'better-sqlite3'
import { toRejectionDetail, toStoredEvent, type AttemptRow } from '../domain/rows.ts'
import {
  checkExportQuery,
  checkImportedRejections,
  checkPortableEvents,
  checkRejectionExportQuery,
  exportPage,
  rejectionPage,
} from '../domain/transfer.ts'
import { DELIVERY_STATUSES, type DeliveryStatus, type Transfer } from '../types.ts'
import type { SqliteContext } from './context.ts'
import {
  EXPORT_ATTEMPTS,
  EXPORT_DELIVERIES,
  EXPORT_EVENTS,
  EXPORT_REJECTIONS,
  IMPORT_ATTEMPT,
  IMPORT_DELIVERY,
  IMPORT_EVENT,
  IMPORT_REJECTION,
  STORE_COUNTS,
  STORE_DELIVERY_COUNTS,
} from './queries/transfer.ts'
import {
  eventParams,
  rejectionParams,
  type SqliteDeliveryRow,
  type SqliteEventRow,
  type SqliteRejectionDetailRow,
} from './rows.ts'

const SQL = {
  exportEvents: EXPORT_EVENTS,
  exportDeliveries: EXPORT_DELIVERIES,
  exportAttempts: EXPORT_ATTEMPTS,
  exportRejections: EXPORT_REJECTIONS,
  importEvent: IMPORT_EVENT,
  importDelivery: IMPORT_DELIVERY,
  importAttempt: IMPORT_ATTEMPT,
  importRejection: IMPORT_REJECTION,
  storeCounts: STORE_COUNTS,
  storeDeliveryCounts: STORE_DELIVERY_COUNTS,
} as const

type TransferStatements = { readonly [Name in keyof typeof SQL]: Database.Statement }

/** @param path the database file (`:memory:`: no file, bytes are the pages only) */
export function createSqliteTransfer(ctx: SqliteContext, path: string): Transfer {
  const { queue } = ctx
  let prepared: TransferStatements | undefined
  /** Prepared on first use (the tables exist only after `migrate()`). */
  const statements = (): TransferStatements => {
    prepared ??= queue.maintain((db) => {
      const out: Partial<Record<keyof typeof SQL, Database.Statement>> = {}
      for (const [name, sql] of Object.entries(SQL)) out[name as keyof typeof SQL] = db.prepare(sql)
      return out as TransferStatements
    })
    return prepared
  }

  return {
    async exportEvents(query) {
      queue.assertOpen()
      const q = checkExportQuery(query)
      const s = statements()
      return queue.read(() => {
        const rows = s.exportEvents.all({
          afterSeq: q.afterSeq,
          sourceId: q.sourceId ?? null,
          since: q.sinceMs ?? null,
          until: q.untilMs ?? null,
          limit: q.limit + 1,
        }) as SqliteEventRow[]
        const events = rows.map((row) => ({ seq: row.seq, event: toStoredEvent(row) }))
        const ids = events.slice(0, q.limit).map((e) => e.event.id)
        const deliveries =
          ids.length === 0
            ? []
            : (s.exportDeliveries.all({ eventIds: JSON.stringify(ids) }) as SqliteDeliveryRow[])
        const attempts =
          deliveries.length === 0
            ? []
            : (s.exportAttempts.all({
                deliveryIds: JSON.stringify(deliveries.map((d) => d.id)),
              }) as AttemptRow[])
        return exportPage(events, q.limit, deliveries, attempts)
      })
    },

    async importEvents(batch) {
      queue.assertOpen()
      const checked = checkPortableEvents(batch)
      if (checked.length === 0) return { imported: 0, skipped: 0 }
      const s = statements()
      return queue.write({
        durable: true,
        isolated: true,
        run: () => {
          let imported = 0
          for (const record of checked) {
            if (s.importEvent.run(eventParams(record.id, record.ingest)).changes === 0) continue
            imported++
            for (const d of record.deliveries) {
              s.importDelivery.run({
                id: d.id,
                eventId: d.eventId,
                destinationId: d.destinationId,
                status: d.status,
                attempts: d.attempts,
                createdAt: d.createdAtMs,
                dueAt: d.dueAtMs,
                lastAttemptAt: d.lastAttemptAtMs,
                completedAt: d.completedAtMs,
                deadReason: d.deadReason,
                replayOf: d.replayOf,
              })
            }
            for (const a of record.attempts) {
              s.importAttempt.run({
                id: a.id,
                deliveryId: a.deliveryId,
                attemptNumber: a.attemptNumber,
                workerId: a.workerId,
                startedAt: a.startedAtMs,
                durationMs: a.durationMs,
                statusCode: a.statusCode,
                error: a.error,
                responseBody: a.responseBody,
                nextKind: a.nextKind,
                nextAt: a.nextAtMs,
                nextReason: a.nextReason,
              })
            }
          }
          return { imported, skipped: checked.length - imported }
        },
      })
    },

    async exportRejections(query) {
      queue.assertOpen()
      const { limit, afterSeq } = checkRejectionExportQuery(query)
      const s = statements()
      const rows = queue.read(
        () => s.exportRejections.all({ afterSeq, limit: limit + 1 }) as SqliteRejectionDetailRow[],
      )
      return rejectionPage(rows, limit, toRejectionDetail)
    },

    async importRejections(batch) {
      queue.assertOpen()
      const checked = checkImportedRejections(batch)
      if (checked.length === 0) return { imported: 0, skipped: 0 }
      const s = statements()
      return queue.write({
        durable: true,
        isolated: true,
        run: () => {
          let imported = 0
          for (const { id, checked: rejection } of checked)
            imported += s.importRejection.run(rejectionParams(id, rejection)).changes
          return { imported, skipped: checked.length - imported }
        },
      })
    },

    async storeStats() {
      queue.assertOpen()
      const s = statements()
      const pages = queue.maintain(
        (db) =>
          (db.pragma('page_count', { simple: true }) as number) *
          (db.pragma('page_size', { simple: true }) as number),
      )
      const counts = queue.read(
        () =>
          s.storeCounts.get() as {
            events: number
            rejections: number
            oldest_event_at: number | null
            oldest_rejection_at: number | null
          },
      )
      const byStatus = queue.read(
        () => s.storeDeliveryCounts.all() as { status: DeliveryStatus; n: number }[],
      )
      const deliveries = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as {
        [Status in DeliveryStatus]: number
      }
      for (const { status, n } of byStatus) deliveries[status] = n
      return {
        bytes: pages + walBytes(path),
        rows: { events: counts.events, rejections: counts.rejections, deliveries },
        approximate: false,
        oldestEventAt:
          counts.oldest_event_at === null ? undefined : new Date(counts.oldest_event_at),
        oldestRejectionAt:
          counts.oldest_rejection_at === null ? undefined : new Date(counts.oldest_rejection_at),
      }
    },
  }
}

function walBytes(path: string): number {
  if (path === ':memory:') return 0
  try {
    return statSync(`${path}-wal`).size
  } catch {
    return 0
  }
}
