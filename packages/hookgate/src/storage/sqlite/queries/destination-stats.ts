/**
 * Delivery counts per destination and status, and the earliest due time of the pending ones. A scan of the
 * (destination_id, status) index: cost grows with history (see the storage notes).
 */
export const DESTINATION_STATS = `-- Params: none
SELECT destination_id,
       sum(status = 'pending') AS pending,
       sum(status = 'in_flight') AS in_flight,
       sum(status = 'delivered') AS delivered,
       sum(status = 'dead') AS dead,
       min(CASE WHEN status = 'pending' THEN next_attempt_at END) AS oldest_due_at
FROM deliveries
GROUP BY destination_id
ORDER BY destination_id`
