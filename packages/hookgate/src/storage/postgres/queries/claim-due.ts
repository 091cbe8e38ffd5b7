import { DELIVERY_COLUMNS } from './delivery-columns.ts'

/** The event columns of a claim, prefixed `e_` so they cannot clash with the delivery's. */
const CLAIMED_EVENT_COLUMNS = `e.seq AS e_seq, e.id AS e_id, e.source_id AS e_source_id, e.provider AS e_provider,
  e.dedupe_key AS e_dedupe_key, e.provider_event_id AS e_provider_event_id, e.event_type AS e_event_type,
  e.received_at AS e_received_at, e.headers AS e_headers, e.body AS e_body`

/** Shared tail of both claims: lease the picked rows, return them with their events, earliest due first. */
const LEASE_PICKED = `
claimed AS (
  UPDATE {schema}.deliveries d
  SET status = 'in_flight', lease_token = $4 || d.seq, lease_expires_at = $3, due_at = $3, leased_by = $5
  FROM picked p
  WHERE d.seq = p.seq
  RETURNING ${DELIVERY_COLUMNS}, p.due_at AS was_due
)
SELECT d.*, ${CLAIMED_EVENT_COLUMNS}
FROM claimed d JOIN {schema}.events e ON e.id = d.event_id
ORDER BY d.was_due, d.seq`

/**
 * Leases the earliest-due deliveries of every enabled destination: pending ones that are due, and in-flight
 * ones whose lease ended (`due_at` is the lease end while in flight: their worker is presumed dead).
 *
 * `FOR UPDATE SKIP LOCKED`: concurrent claimers (other workers, other instances) skip the rows one of them is
 * leasing instead of queueing behind it, and a row another claimer leased meanwhile is re-checked against
 * `due_at <= $1` on its new version (READ COMMITTED re-evaluation), so it is never handed out twice. The lease
 * token is `$4 || seq`: unique per row, unguessable per claim ($4 is random per call).
 */
export const CLAIM_DUE = `-- Params: $1 timestamptz (now), $2 integer (limit), $3 timestamptz (lease until), $4 text (lease prefix),
--         $5 text (worker id)
WITH picked AS (
  SELECT d.seq, d.due_at
  FROM {schema}.deliveries d
  WHERE d.due_at <= $1
    AND NOT EXISTS (SELECT 1 FROM {schema}.destinations x WHERE x.id = d.destination_id AND x.disabled)
  ORDER BY d.due_at, d.seq
  LIMIT $2
  FOR UPDATE OF d SKIP LOCKED
),${LEASE_PICKED}`

/**
 * CLAIM_DUE restricted to some destinations (the worker claims per destination to enforce `maxInFlight`),
 * on the (destination_id, due_at) index: a destination with a large due backlog does not slow down claims
 * for the others.
 */
export const CLAIM_DUE_FOR_DESTINATIONS = `-- Params: $1 timestamptz (now), $2 integer (limit), $3 timestamptz (lease until), $4 text (lease prefix),
--         $5 text (worker id), $6 text[] (destination ids)
WITH picked AS (
  SELECT d.seq, d.due_at
  FROM {schema}.deliveries d
  WHERE d.destination_id = ANY ($6::text[])
    AND d.due_at <= $1
    AND NOT EXISTS (SELECT 1 FROM {schema}.destinations x WHERE x.id = d.destination_id AND x.disabled)
  ORDER BY d.due_at, d.seq
  LIMIT $2
  FOR UPDATE OF d SKIP LOCKED
),${LEASE_PICKED}`
