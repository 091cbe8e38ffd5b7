import { EVENT_COLUMNS } from './event-columns.ts'

/**
 * One page of events, newest first, keyset-paginated on seq (never OFFSET: constant cost per page, and no
 * skipped or repeated rows while new events arrive). Without a cursor, pass the largest bigint.
 */
export const LIST_EVENTS = `-- Params: $1 bigint (before seq, exclusive), $2 integer (limit)
SELECT ${EVENT_COLUMNS}
FROM {schema}.events
WHERE seq < $1
ORDER BY seq DESC
LIMIT $2`

/** LIST_EVENTS for one source, on the (source_id, seq) index (a separate statement, so the plan can use it). */
export const LIST_EVENTS_BY_SOURCE = `-- Params: $1 text (source id), $2 bigint (before seq, exclusive), $3 integer (limit)
SELECT ${EVENT_COLUMNS}
FROM {schema}.events
WHERE source_id = $1 AND seq < $2
ORDER BY seq DESC
LIMIT $3`
