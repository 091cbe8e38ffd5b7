/**
 * @module storage/postgres/events
 * The event log of the PostgreSQL backend: ingest and rejections go through the group commit
 * (`commit-queue.ts`); reads are single statements. Internal.
 */
import { MAX_SEQ, page } from '../domain/cursors.ts'
import {
  checkEventIds,
  checkEventQuery,
  checkRejectionQuery,
  checkSourceIds,
  deliveryCountsOf,
} from '../domain/dashboard-inputs.ts'
import { checkIngest, checkRejection } from '../domain/inputs.ts'
import { toRejectionDetail, toStoredEvent, toStoredRejection } from '../domain/rows.ts'
import { requireString } from '../domain/validate.ts'
import type { QueryResultRow } from 'pg'
import type { EventLog, Page } from '../types.ts'
import type { PostgresContext } from './context.ts'
import {
  DELIVERY_COUNTS,
  LATEST_EVENT_TIMES,
  listEventsQuery,
  listRejectionsQuery,
  type ComposedQuery,
} from './queries/dashboard.ts'
import { SELECT_REJECTION_BY_ID } from './queries/rejections.ts'
import { SELECT_EVENT_BY_ID } from './queries/select-event-by-id.ts'
import {
  decodeEventRow,
  decodeRejectionRow,
  toPgText,
  type PgEventRow,
  type PgRejectionDetailRow,
  type PgRejectionRow,
} from './rows.ts'

export function createPostgresEventLog(ctx: PostgresContext): EventLog {
  const { db, queue } = ctx
  /** One page, newest first, of the statement composed for the query's filters. */
  async function listPage<Row extends QueryResultRow & { readonly seq: string }, T>(
    limit: number,
    { name, sql, values }: ComposedQuery,
    map: (row: Row) => T,
  ): Promise<Page<T>> {
    const { rows } = await db.query<Row>(name, sql, values)
    return page(rows, limit, map)
  }

  return {
    async ingest(event, destinationIds = []) {
      ctx.assertOpen()
      return queue.ingest(checkIngest(event, destinationIds))
    },

    async recordRejection(rejection) {
      ctx.assertOpen()
      return queue.recordRejection(checkRejection(rejection))
    },

    async getEvent(id) {
      ctx.assertOpen()
      requireString(id, 'id')
      // No event id holds U+0000 (and PostgreSQL text cannot): nothing to look up.
      if (id.includes('\u0000')) return undefined
      const { rows } = await db.query<PgEventRow>('select-event-by-id', SELECT_EVENT_BY_ID, [id])
      return rows[0] === undefined ? undefined : toStoredEvent(decodeEventRow(rows[0]))
    },

    async listEvents(query) {
      ctx.assertOpen()
      const checked = checkEventQuery(query)
      return listPage(
        checked.limit,
        listEventsQuery(checked, String(checked.beforeSeq ?? MAX_SEQ)),
        (row: PgEventRow) => toStoredEvent(decodeEventRow(row)),
      )
    },

    async listRejections(query) {
      ctx.assertOpen()
      const checked = checkRejectionQuery(query)
      return listPage(
        checked.limit,
        listRejectionsQuery(checked, String(checked.beforeSeq ?? MAX_SEQ)),
        (row: PgRejectionRow) => toStoredRejection(decodeRejectionRow(row)),
      )
    },

    async deliveryCounts(eventIds) {
      ctx.assertOpen()
      const ids = checkEventIds(eventIds)
      if (ids.length === 0) return new Map()
      const { rows } = await db.query<{ event_id: string; status: string; count: number }>(
        'delivery-counts',
        DELIVERY_COUNTS,
        [ids],
      )
      return deliveryCountsOf(rows)
    },

    async latestEventTimes(sourceIds) {
      ctx.assertOpen()
      const ids = checkSourceIds(sourceIds)
      const out = new Map<string, Date>()
      if (ids.length === 0) return out
      const { rows } = await db.query<{ ord: string; received_at: Date | null }>(
        'latest-event-times',
        LATEST_EVENT_TIMES,
        [ids.map(toPgText)],
      )
      for (const row of rows) {
        const sourceId = ids[Number(row.ord) - 1]
        if (sourceId !== undefined && row.received_at !== null) out.set(sourceId, row.received_at)
      }
      return out
    },

    async getRejection(id) {
      ctx.assertOpen()
      requireString(id, 'id')
      if (id.includes('\u0000')) return undefined
      const { rows } = await db.query<PgRejectionDetailRow>(
        'select-rejection-by-id',
        SELECT_REJECTION_BY_ID,
        [id],
      )
      return rows[0] === undefined ? undefined : toRejectionDetail(decodeRejectionRow(rows[0]))
    },
  }
}
