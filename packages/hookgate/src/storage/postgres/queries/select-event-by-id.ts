import { EVENT_COLUMNS } from './event-columns.ts'

/** One event by its public id (`evt_…`). */
export const SELECT_EVENT_BY_ID = `-- Params: $1 text (event id)
SELECT ${EVENT_COLUMNS}
FROM {schema}.events
WHERE id = $1`
