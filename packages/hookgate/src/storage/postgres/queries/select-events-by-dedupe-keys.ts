import { EVENT_COLUMNS } from './event-columns.ts'

/** The stored events duplicates refer to, on the UNIQUE (source_id, dedupe_key) index. */
export const SELECT_EVENTS_BY_DEDUPE_KEYS = `-- Params: $1 text[] (source ids), $2 text[] (dedupe keys), pairwise
SELECT ${EVENT_COLUMNS}
FROM {schema}.events
WHERE (source_id, dedupe_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`
