/** The latest delivery of each (event, destination) pair of one event: what a replay builds on. */
export const SELECT_LATEST_DELIVERIES_OF_EVENT = `-- Params: @eventId TEXT
SELECT d.id, d.destination_id, d.status
FROM deliveries d
WHERE d.event_id = @eventId
  AND d.seq = (SELECT max(seq) FROM deliveries n WHERE n.event_id = d.event_id AND n.destination_id = d.destination_id)`
