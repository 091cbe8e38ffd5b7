/** The columns every delivery read returns (one list, so row mapping has one shape). */
export const DELIVERY_COLUMNS = `seq, id, event_id, destination_id, status, attempts, created_at, next_attempt_at, lease_token,
  lease_expires_at, last_attempt_at, completed_at, dead_reason, replay_of`
