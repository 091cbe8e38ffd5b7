/**
 * @module storage/sqlite/events
 * The event log of the SQLite backend: ingest (with its deliveries, in the event's commit), rejections and
 * their listing. Internal.
 */
import { MAX_SEQ, page } from '../domain/cursors.ts'
import {
  checkIngest,
  checkListQuery,
  checkRejection,
  type CheckedIngest,
} from '../domain/inputs.ts'
import {
  storedEventOf,
  toRejectionDetail,
  toStoredEvent,
  toStoredRejection,
} from '../domain/rows.ts'
import { requireString } from '../domain/validate.ts'
import type { Statement } from 'better-sqlite3'
import type { EventLog, IngestResult, ListQuery, Page } from '../types.ts'
import type { SqliteContext } from './context.ts'
import {
  deliveryParams,
  eventParams,
  rejectionParams,
  type SqliteEventRow,
  type SqliteRejectionDetailRow,
  type SqliteRejectionRow,
} from './rows.ts'
import type { Statements } from './statements.ts'

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

  /** One page, newest first: `statements` picks the statement for all sources and the one for one source. */
  function listPage<Row extends { readonly seq: number }, T>(
    query: ListQuery,
    statements: (s: Statements) => readonly [all: Statement, bySource: Statement],
    map: (row: Row) => T,
  ): Page<T> {
    queue.assertOpen()
    const { limit, sourceId, beforeSeq } = checkListQuery(query)
    const params = { beforeSeq: beforeSeq ?? MAX_SEQ, limit: limit + 1 }
    const rows = queue.read((s) => {
      const [all, bySource] = statements(s)
      return (
        sourceId === undefined ? all.all(params) : bySource.all({ ...params, sourceId })
      ) as Row[]
    })
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
      return listPage(
        query,
        (s) => [s.listEvents, s.listEventsBySource],
        (row: SqliteEventRow) => toStoredEvent(row),
      )
    },

    async listRejections(query) {
      return listPage(
        query,
        (s) => [s.listRejections, s.listRejectionsBySource],
        (row: SqliteRejectionRow) => toStoredRejection(row),
      )
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
