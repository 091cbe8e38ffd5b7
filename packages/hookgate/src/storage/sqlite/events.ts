/**
 * @module storage/sqlite/events
 * The event log of the SQLite backend: ingest (with its deliveries, in the event's commit), rejections and
 * their listing. Internal.
 */
import { MAX_SEQ, page } from '../domain/cursors.ts'
import {
  checkEventIds,
  checkEventQuery,
  checkRejectionQuery,
  checkSourceIds,
  deliveryCountsOf,
  type CheckedEventQuery,
  type CheckedRejectionQuery,
} from '../domain/dashboard-inputs.ts'
import { checkIngest, checkRejection, type CheckedIngest } from '../domain/inputs.ts'
import {
  storedEventOf,
  toRejectionDetail,
  toStoredEvent,
  toStoredRejection,
} from '../domain/rows.ts'
import { requireString } from '../domain/validate.ts'
import type { DeliveryCounts, EventLog, IngestResult, Page } from '../types.ts'
import type { SqliteContext } from './context.ts'
import {
  deliveryParams,
  eventParams,
  rejectionParams,
  type SqliteEventRow,
  type SqliteRejectionDetailRow,
  type SqliteRejectionRow,
} from './rows.ts'
import { listEventsSql, listRejectionsSql } from './queries/dashboard.ts'
import type { Statements } from './statements.ts'

/** The filter parameters of the composed listing statements. */
const FILTERS = new Set(['sourceId', 'eventType', 'fromMs', 'toMs', 'search', 'status', 'reason'])

export function createSqliteEventLog(ctx: SqliteContext, maxRejections: number): EventLog {
  const { queue } = ctx
  // One function for every rejection write, so the batch runs it once (Write.beforeCommit).
  const pruneRejections = (s: Statements): void =>
    void s.pruneRejections.run({ keep: maxRejections })

  function insertEvent(s: Statements, id: string, checked: CheckedIngest): IngestResult {
    if (s.insertEvent.run(eventParams(id, checked)).changes === 1) {
      for (const destinationId of checked.destinationIds) {
        s.insertDelivery.run(
          deliveryParams(ctx.ids.delivery(), id, destinationId, checked.receivedAtMs, null),
        )
      }
      return { event: storedEventOf(id, checked), duplicate: false }
    }
    // Stored earlier, or earlier in this very batch (visible inside the transaction).
    const { sourceId, dedupeKey } = checked.event
    const row = s.selectEventByDedupeKey.get({ sourceId, dedupeKey }) as SqliteEventRow | undefined
    if (row === undefined)
      throw new Error('Event insert was ignored but no stored event matches its dedupe key')
    return { event: toStoredEvent(row), duplicate: true }
  }

  /** One page, newest first, of the statement composed for the query's filters. */
  function listPage<Row extends { readonly seq: number }, T>(
    checked: CheckedEventQuery | CheckedRejectionQuery,
    sql: string,
    map: (row: Row) => T,
  ): Page<T> {
    const { limit, beforeSeq } = checked
    const params: Record<string, unknown> = { beforeSeq: beforeSeq ?? MAX_SEQ, limit: limit + 1 }
    // Only the parameters the statement names: better-sqlite3 refuses extra named parameters.
    for (const [name, value] of Object.entries(checked))
      if (FILTERS.has(name) && value !== undefined && value !== null) params[name] = value
    const rows = queue.read(() => queue.statement(sql).all(params) as Row[])
    return page(rows, limit, map)
  }

  return {
    async ingest(event, destinationIds = []) {
      queue.assertOpen()
      const checked = checkIngest(event, destinationIds)
      const id = ctx.ids.event()
      return queue.write({
        durable: true,
        isolated: false,
        ingest: true,
        run: (s) => insertEvent(s, id, checked),
      })
    },

    async recordRejection(rejection) {
      queue.assertOpen()
      const params = rejectionParams(ctx.ids.rejection(), checkRejection(rejection))
      await queue.write({
        durable: true,
        isolated: false,
        run: (s) => void s.insertRejection.run(params),
        beforeCommit: pruneRejections,
      })
    },

    async getEvent(id) {
      queue.assertOpen()
      requireString(id, 'id')
      const row = queue.read((s) => s.selectEventById.get({ id }) as SqliteEventRow | undefined)
      return row === undefined ? undefined : toStoredEvent(row)
    },

    async listEvents(query) {
      queue.assertOpen()
      const checked = checkEventQuery(query)
      return listPage(checked, listEventsSql(checked), (row: SqliteEventRow) => toStoredEvent(row))
    },

    async listRejections(query) {
      queue.assertOpen()
      const checked = checkRejectionQuery(query)
      return listPage(checked, listRejectionsSql(checked), (row: SqliteRejectionRow) =>
        toStoredRejection(row),
      )
    },

    async deliveryCounts(eventIds) {
      queue.assertOpen()
      const ids = checkEventIds(eventIds)
      if (ids.length === 0) return new Map<string, DeliveryCounts>()
      const rows = queue.read(
        (s) =>
          s.deliveryCounts.all({ ids: JSON.stringify(ids) }) as {
            event_id: string
            status: string
            count: number
          }[],
      )
      return deliveryCountsOf(rows)
    },

    async latestEventTimes(sourceIds) {
      queue.assertOpen()
      const ids = checkSourceIds(sourceIds)
      const out = new Map<string, Date>()
      queue.read((s) => {
        for (const sourceId of ids) {
          const row = s.latestEventTime.get({ sourceId }) as { received_at: number } | undefined
          if (row !== undefined) out.set(sourceId, new Date(row.received_at))
        }
      })
      return out
    },

    async getRejection(id) {
      queue.assertOpen()
      requireString(id, 'id')
      const row = queue.read(
        (s) => s.selectRejectionById.get({ id }) as SqliteRejectionDetailRow | undefined,
      )
      return row === undefined ? undefined : toRejectionDetail(row)
    },
  }
}
