/**
 * Delivery counts per destination and status: an index-only scan of deliveries_destination_status (the earliest due
 * time comes from OLDEST_DUE, which reads the open deliveries only). Its cost still grows with history (every
 * delivered row is counted): retention bounds it; the dashboard's overview uses DESTINATION_BACKLOG instead.
 */
export const DESTINATION_STATS = `-- Params: none
SELECT destination_id, status, count(*) AS count
FROM deliveries
GROUP BY destination_id, status`
