/**
 * @module storage/postgres/events
 * The event log of the PostgreSQL backend: ingest and rejections go through the group commit
 * (`commit-queue.ts`); reads are single statements. Internal.
 */
import { MAX_SEQ, page } from '../domain/cursors.ts'
import { checkIngest, checkListQuery, checkRejection } from '../domain/inputs.ts'
import { toRejectionDetail, toStoredEvent, toStoredRejection } from '../domain/rows.ts'
import { requireString } from '../domain/validate.ts'
import type { QueryResultRow } from 'pg'
import type { EventLog, ListQuery, Page } from '../types.ts'
import type { PostgresContext } from './context.ts'
import { LIST_EVENTS, LIST_EVENTS_BY_SOURCE } from './queries/list-events.ts'
import {
  LIST_REJECTIONS,
  LIST_REJECTIONS_BY_SOURCE,
  SELECT_REJECTION_BY_ID,
} from './queries/rejections.ts'
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
  /** One page, newest first, with the named statement for all sources or the one for one source. */
  async function listPage<Row extends QueryResultRow & { readonly seq: string }, T>(
    query: ListQuery,
    all: readonly [name: string, sql: string],
    bySource: readonly [name: string, sql: string],
    map: (row: Row) => T,
  ): Promise<Page<T>> {
    ctx.assertOpen()
    const { limit, sourceId, beforeSeq } = checkListQuery(query)
    const bounds = [String(beforeSeq ?? MAX_SEQ), limit + 1]
    const { rows } =
      sourceId === undefined
        ? await db.query<Row>(...all, bounds)
        : await db.query<Row>(...bySource, [toPgText(sourceId), ...bounds])
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

    listEvents: (query) =>
      listPage(
        query,
        ['list-events', LIST_EVENTS],
        ['list-events-by-source', LIST_EVENTS_BY_SOURCE],
        (row: PgEventRow) => toStoredEvent(decodeEventRow(row)),
      ),

    listRejections: (query) =>
      listPage(
        query,
        ['list-rejections', LIST_REJECTIONS],
        ['list-rejections-by-source', LIST_REJECTIONS_BY_SOURCE],
        (row: PgRejectionRow) => toStoredRejection(decodeRejectionRow(row)),
      ),

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
