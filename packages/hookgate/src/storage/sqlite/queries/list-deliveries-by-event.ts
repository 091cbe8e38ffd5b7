import { DELIVERY_COLUMNS } from './delivery-columns.ts'

/** An event's deliveries, oldest first. */
export const LIST_DELIVERIES_BY_EVENT = `-- Params: @eventId TEXT
SELECT ${DELIVERY_COLUMNS}
FROM deliveries
WHERE event_id = @eventId
ORDER BY seq`

/** The attempts of all of an event's deliveries, in recording order. */
export const LIST_ATTEMPTS_BY_EVENT = `-- Params: @eventId TEXT
SELECT a.seq, a.id, a.delivery_id, a.attempt_number, a.worker_id, a.started_at, a.duration_ms, a.status_code, a.error,
       a.response_body, a.next_kind, a.next_at, a.next_reason
FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
WHERE d.event_id = @eventId
ORDER BY a.delivery_id, a.attempt_number`
