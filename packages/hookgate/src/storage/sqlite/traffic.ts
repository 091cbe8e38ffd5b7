/**
 * @module storage/sqlite/traffic
 * The dashboard's pre-aggregated traffic counts on SQLite: one upsert per (minute, kind, subject, outcome) row,
 * all in one batch of the group commit. Internal.
 */
import { checkTrafficQuery, checkTrafficRows, toTrafficRow } from '../domain/dashboard-inputs.ts'
import { timeOf } from '../domain/validate.ts'
import type { Traffic } from '../types.ts'
import type { SqliteContext } from './context.ts'

export function createSqliteTraffic(ctx: SqliteContext): Traffic {
  const { queue } = ctx
  return {
    async addTraffic(rows) {
      queue.assertOpen()
      const checked = checkTrafficRows(rows)
      if (checked.length === 0) return
      await queue.write({
        // Statistics, not webhooks: like lease bookkeeping, a crash may lose the last flush (see commit-queue.ts).
        durable: false,
        isolated: true,
        run: (s) => {
          for (const row of checked)
            s.addTraffic.run({
              minute: row.minuteMs,
              kind: row.kind,
              subjectId: row.subjectId,
              outcome: row.outcome,
              count: row.count,
            })
        },
      })
    },

    async traffic(query) {
      queue.assertOpen()
      const { sinceMs, untilMs, bucketMs } = checkTrafficQuery(query)
      const rows = queue.read(
        (s) =>
          s.selectTraffic.all({ since: sinceMs, until: untilMs, bucketMs }) as Parameters<
            typeof toTrafficRow
          >[0][],
      )
      return rows.map(toTrafficRow)
    },

    async pruneTraffic(olderThan) {
      queue.assertOpen()
      const olderThanMs = timeOf(olderThan, 'olderThan')
      return queue.write({
        durable: true,
        isolated: true,
        run: (s) => s.pruneTraffic.run({ olderThan: olderThanMs }).changes,
      })
    },
  }
}
