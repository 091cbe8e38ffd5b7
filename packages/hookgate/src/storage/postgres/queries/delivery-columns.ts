/** The columns every delivery read returns (the row shape `toDelivery` maps), for a table aliased `d`. */
export const DELIVERY_COLUMNS = `d.seq, d.id, d.event_id, d.destination_id, d.status, d.attempts, d.created_at, d.next_attempt_at,
  d.lease_token, d.lease_expires_at, d.last_attempt_at, d.completed_at, d.dead_reason, d.replay_of`
