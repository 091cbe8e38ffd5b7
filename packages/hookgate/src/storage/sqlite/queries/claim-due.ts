import { DELIVERY_COLUMNS } from './delivery-columns.ts'

/**
 * Leases the earliest-due deliveries of every enabled destination: pending ones that are due, and in-flight ones
 * whose lease ended (their worker is presumed dead). One statement, so with SQLite's single writer no delivery
 * can be handed to two callers. The lease token is `@leasePrefix || seq`: unique per row, unguessable per claim.
 * RETURNING order is unspecified: callers sort.
 */
export const CLAIM_DUE = `-- Params: @now INTEGER (ms), @limit INTEGER, @leaseUntil INTEGER (ms), @leasePrefix TEXT, @workerId TEXT
UPDATE deliveries
SET status = 'in_flight', lease_token = @leasePrefix || seq, lease_expires_at = @leaseUntil,
    due_at = @leaseUntil, leased_by = @workerId
WHERE seq IN (
  SELECT seq FROM deliveries
  WHERE due_at <= @now
    AND destination_id NOT IN (SELECT id FROM destinations WHERE disabled = 1)
  ORDER BY due_at, seq
  LIMIT @limit
)
RETURNING ${DELIVERY_COLUMNS}`

/**
 * CLAIM_DUE restricted to some destinations (the worker claims per destination to enforce its maxInFlight),
 * walking the (destination_id, due_at) index per destination.
 */
export const CLAIM_DUE_FOR_DESTINATIONS = `-- Params: @now INTEGER (ms), @limit INTEGER, @leaseUntil INTEGER (ms), @leasePrefix TEXT, @workerId TEXT,
--         @destinationIds TEXT (JSON array of destination ids)
UPDATE deliveries
SET status = 'in_flight', lease_token = @leasePrefix || seq, lease_expires_at = @leaseUntil,
    due_at = @leaseUntil, leased_by = @workerId
WHERE seq IN (
  SELECT seq FROM deliveries
  WHERE destination_id IN (SELECT value FROM json_each(@destinationIds))
    AND due_at <= @now
    AND destination_id NOT IN (SELECT id FROM destinations WHERE disabled = 1)
  ORDER BY due_at, seq
  LIMIT @limit
)
RETURNING ${DELIVERY_COLUMNS}`

/**
 * CLAIM_DUE for ONE destination (what the worker asks, per destination, to enforce its maxInFlight): walks the
 * (destination_id, due_at, seq) index in order and stops after @limit rows, whatever the backlog. (The json_each
 * form above sorts every due row of its destinations first.)
 */
export const CLAIM_DUE_FOR_DESTINATION = `-- Params: @now INTEGER (ms), @limit INTEGER, @leaseUntil INTEGER (ms), @leasePrefix TEXT, @workerId TEXT,
--         @destinationId TEXT
UPDATE deliveries
SET status = 'in_flight', lease_token = @leasePrefix || seq, lease_expires_at = @leaseUntil,
    due_at = @leaseUntil, leased_by = @workerId
WHERE seq IN (
  SELECT seq FROM deliveries
  WHERE destination_id = @destinationId
    AND due_at <= @now
    AND NOT EXISTS (SELECT 1 FROM destinations WHERE id = @destinationId AND disabled = 1)
  ORDER BY due_at, seq
  LIMIT @limit
)
RETURNING ${DELIVERY_COLUMNS}`
