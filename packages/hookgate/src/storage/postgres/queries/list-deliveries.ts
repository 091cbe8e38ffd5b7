import { DELIVERY_COLUMNS } from './delivery-columns.ts'

/** An event's deliveries, oldest first (the (event_id, destination_id, seq) index finds them). */
export const LIST_DELIVERIES_BY_EVENT = `-- Params: $1 text (event id)
SELECT ${DELIVERY_COLUMNS}
FROM {schema}.deliveries d
WHERE d.event_id = $1
ORDER BY d.seq`

/** The attempts of some deliveries, per delivery in attempt order (on the (delivery_id, attempt_number) key). */
export const LIST_ATTEMPTS = `-- Params: $1 text[] (delivery ids)
SELECT id, delivery_id, attempt_number, worker_id, started_at, duration_ms, status_code, error, response_body,
       next_kind, next_at, next_reason
FROM {schema}.attempts
WHERE delivery_id = ANY ($1::text[])
ORDER BY delivery_id, attempt_number`
