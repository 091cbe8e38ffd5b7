/**
 * @module storage/postgres/traffic
 * The dashboard's pre-aggregated traffic counts on PostgreSQL: one upsert statement per flush, adding to the
 * counts other instances may be adding to at the same time (the row lock of ON CONFLICT serialises them). Internal.
 */
import { checkTrafficQuery, checkTrafficRows, toTrafficRow } from '../domain/dashboard-inputs.ts'
import { timeOf } from '../domain/validate.ts'
import type { Traffic } from '../types.ts'
import type { PostgresContext } from './context.ts'
import { ADD_TRAFFIC, PRUNE_TRAFFIC, SELECT_TRAFFIC } from './queries/dashboard.ts'
import { iso } from './rows.ts'

export function createPostgresTraffic(ctx: PostgresContext): Traffic {
  const { db } = ctx
  return {
    async addTraffic(rows) {
      ctx.assertOpen()
      const checked = checkTrafficRows(rows)
      if (checked.length === 0) return
      // Sorted by key: two instances upserting the same minutes lock the rows in the same order (no deadlock).
      const input = checked
        .map((row) => ({
          minute_ms: row.minuteMs,
          kind: row.kind,
          subject_id: row.subjectId,
          outcome: row.outcome,
          count: row.count,
        }))
        .sort((a, b) =>
          a.minute_ms !== b.minute_ms
            ? a.minute_ms - b.minute_ms
            : `${a.kind}\n${a.subject_id}\n${a.outcome}` <
                `${b.kind}\n${b.subject_id}\n${b.outcome}`
              ? -1
              : 1,
        )
      await db.query('add-traffic', ADD_TRAFFIC, [JSON.stringify(input)])
    },

    async traffic(query) {
      ctx.assertOpen()
      const { sinceMs, untilMs, bucketMs } = checkTrafficQuery(query)
      const { rows } = await db.query<Parameters<typeof toTrafficRow>[0]>(
        'select-traffic',
        SELECT_TRAFFIC,
        [iso(sinceMs), iso(untilMs), bucketMs],
      )
      return rows.map(toTrafficRow)
    },

    async pruneTraffic(olderThan) {
      ctx.assertOpen()
      const olderThanMs = timeOf(olderThan, 'olderThan')
      const result = await db.query('prune-traffic', PRUNE_TRAFFIC, [iso(olderThanMs)])
      return result.rowCount ?? 0
    },
  }
}
