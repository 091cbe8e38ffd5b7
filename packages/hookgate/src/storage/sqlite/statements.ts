/**
 * @module storage/sqlite/statements
 * Every statement of the SQLite backend, prepared once per connection. Internal.
 */
import type Database from 'better-sqlite3'
import {
  CLAIM_DUE,
  CLAIM_DUE_FOR_DESTINATION,
  CLAIM_DUE_FOR_DESTINATIONS,
} from './queries/claim-due.ts'
import {
  ADD_TRAFFIC,
  COUNT_DELIVERED_UP_TO,
  DELIVERY_COUNTS,
  DESTINATION_BACKLOG,
  LATEST_EVENT_TIME,
  OLDEST_DUE,
  PRUNE_TRAFFIC,
  SELECT_TRAFFIC,
} from './queries/dashboard.ts'
import { DESTINATION_STATS } from './queries/destination-stats.ts'
import { LIST_DESTINATION_STATES, UPSERT_DESTINATION_STATE } from './queries/destinations.ts'
import { INSERT_DELIVERY } from './queries/insert-delivery.ts'
import { INSERT_EVENT } from './queries/insert-event.ts'
import { INSERT_REJECTION } from './queries/insert-rejection.ts'
import { LIST_ATTEMPTS } from './queries/list-attempts.ts'
import {
  LIST_ATTEMPTS_BY_EVENT,
  LIST_DELIVERIES_BY_EVENT,
} from './queries/list-deliveries-by-event.ts'
import {
  COUNT_REPLAY_MATCHES,
  SELECT_MAX_DELIVERY_SEQ,
  SELECT_REPLAY_BATCH,
} from './queries/match-replay.ts'
import { PRUNE_REJECTIONS } from './queries/prune-rejections.ts'
import {
  DELETE_OLD_REJECTIONS,
  DELETE_PRUNED_ATTEMPTS,
  DELETE_PRUNED_DELIVERIES,
  DELETE_PRUNED_EVENT,
  SELECT_EVENT_CAP_SEQ,
  SELECT_PRUNABLE_EVENTS,
} from './queries/prune.ts'
import { REAP_EXPIRED_LEASES } from './queries/reap-expired-leases.ts'
import { INSERT_ATTEMPT, SETTLE_DELIVERY } from './queries/record-attempt.ts'
import { SELECT_EVENT_BY_DEDUPE_KEY } from './queries/select-event-by-dedupe-key.ts'
import { SELECT_EVENT_BY_ID } from './queries/select-event-by-id.ts'
import { SELECT_REJECTION_BY_ID } from './queries/select-rejection-by-id.ts'
import { SELECT_LATEST_DELIVERIES_OF_EVENT } from './queries/select-latest-deliveries-of-event.ts'
import { TOUCH_HEALTH } from './queries/touch-health.ts'

const STATEMENTS = {
  // IMMEDIATE takes the write lock up front, so a busy database fails at BEGIN, not half-way through.
  begin: 'BEGIN IMMEDIATE',
  commit: 'COMMIT',
  savepoint: 'SAVEPOINT task',
  release: 'RELEASE task',
  rollbackTo: 'ROLLBACK TO task',
  insertEvent: INSERT_EVENT,
  selectEventByDedupeKey: SELECT_EVENT_BY_DEDUPE_KEY,
  selectEventById: SELECT_EVENT_BY_ID,
  insertRejection: INSERT_REJECTION,
  pruneRejections: PRUNE_REJECTIONS,
  selectRejectionById: SELECT_REJECTION_BY_ID,
  touchHealth: TOUCH_HEALTH,
  insertDelivery: INSERT_DELIVERY,
  claimDue: CLAIM_DUE,
  claimDueForDestinations: CLAIM_DUE_FOR_DESTINATIONS,
  claimDueForDestination: CLAIM_DUE_FOR_DESTINATION,
  settleDelivery: SETTLE_DELIVERY,
  insertAttempt: INSERT_ATTEMPT,
  reapExpiredLeases: REAP_EXPIRED_LEASES,
  listDeliveriesByEvent: LIST_DELIVERIES_BY_EVENT,
  listAttemptsByEvent: LIST_ATTEMPTS_BY_EVENT,
  listAttempts: LIST_ATTEMPTS,
  selectLatestDeliveriesOfEvent: SELECT_LATEST_DELIVERIES_OF_EVENT,
  countReplayMatches: COUNT_REPLAY_MATCHES,
  selectReplayBatch: SELECT_REPLAY_BATCH,
  selectMaxDeliverySeq: SELECT_MAX_DELIVERY_SEQ,
  destinationStats: DESTINATION_STATS,
  upsertDestinationState: UPSERT_DESTINATION_STATE,
  listDestinationStates: LIST_DESTINATION_STATES,
  selectPrunableEvents: SELECT_PRUNABLE_EVENTS,
  selectEventCapSeq: SELECT_EVENT_CAP_SEQ,
  deletePrunedAttempts: DELETE_PRUNED_ATTEMPTS,
  deletePrunedDeliveries: DELETE_PRUNED_DELIVERIES,
  deletePrunedEvent: DELETE_PRUNED_EVENT,
  deleteOldRejections: DELETE_OLD_REJECTIONS,
  deliveryCounts: DELIVERY_COUNTS,
  latestEventTime: LATEST_EVENT_TIME,
  destinationBacklog: DESTINATION_BACKLOG,
  countDeliveredUpTo: COUNT_DELIVERED_UP_TO,
  oldestDue: OLDEST_DUE,
  addTraffic: ADD_TRAFFIC,
  selectTraffic: SELECT_TRAFFIC,
  pruneTraffic: PRUNE_TRAFFIC,
} as const

export type Statements = { readonly [Name in keyof typeof STATEMENTS]: Database.Statement }

/** Prepares every statement; needs the tables, which exist only after `migrate()`. */
export function prepareStatements(db: Database.Database): Statements {
  const prepared: Partial<Record<keyof typeof STATEMENTS, Database.Statement>> = {}
  for (const [name, sql] of Object.entries(STATEMENTS))
    prepared[name as keyof typeof STATEMENTS] = db.prepare(sql)
  return prepared as Statements
}
