/**
 * @module hookgate
 * The webhook gateway: verifies, deduplicates and durably stores webhooks (embedded SQLite by default).
 * Explicit named re-exports only.
 */
export {
  createGateway,
  type Gateway,
  type CreateGatewayOptions,
  type StorageHooks,
  type ListeningAddress,
  type SourceEndpoint,
} from './app.ts'
export {
  defineConfig,
  loadConfig,
  parseConfig,
  parseConfigText,
  isSecretPath,
  MIN_SECRET_LENGTH,
  DEFAULT_MAX_BODY_BYTES,
  type HookgateConfig,
  type GatewayConfig,
  type ServerConfig,
  type StorageConfig,
  type SqliteStorageConfig,
  type PostgresStorageConfig,
  type SourceConfig,
  type ParseConfigOptions,
  type EnvFallback,
  type LogLevel,
  DEFAULT_RETRY_SCHEDULE,
  type DestinationConfig,
  type DeliveryConfig,
  type DeliveryMode,
} from './config.ts'
export {
  createDeliveryWorker,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
  type DestinationRuntimeState,
} from './delivery/worker.ts'
export {
  createCircuitBreaker,
  CIRCUIT_STATES,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  type CircuitTransition,
} from './delivery/circuit-breaker.ts'
export {
  createRetryPolicy,
  retryAfterMs,
  ATTEMPT_ERROR_CODES,
  type RetryPolicy,
  type RetryPolicyOptions,
  type RetryDecision,
  type AttemptOutcome,
  type AttemptErrorCode,
} from './delivery/retry-policy.ts'
export {
  createForwarder,
  deliveryHeaders,
  type Forward,
  type Forwarder,
  type ForwardResult,
} from './delivery/forwarder.ts'
export {
  createFanOut,
  compileGlob,
  type FanOut,
  type FanOutDestination,
  // Deprecated aliases of the three above (the names before "route" was given one meaning).
  createRouter,
  type Router,
  type RoutableDestination,
} from './delivery/fan-out.ts'
export { parseDurationMs } from './delivery/duration.ts'
export { ConfigError, GATEWAY_ERROR_CODES, type GatewayErrorCode } from './errors.ts'
export { createLogger, type GatewayLogger, type CreateLoggerOptions } from './logger.ts'
export {
  createMetrics,
  OUTCOMES,
  DELIVERY_OUTCOMES,
  type GatewayMetrics,
  type Outcome,
  type DeliveryOutcome,
  type DestinationGauges,
} from './metrics.ts'
export { redactHeaders, isSensitiveHeader, REDACTED } from './redact.ts'
export { createSqliteStorage, type SqliteStorageOptions } from './storage/sqlite/index.ts'
export {
  createPostgresStorage,
  type PostgresStorageOptions,
  type PostgresStorageInstance,
} from './storage/postgres/index.ts'
export {
  StorageUnavailableError,
  DELIVERY_STATUSES,
  MAX_RESPONSE_BODY_BYTES,
  type DeliveryStatus,
  type NextStep,
  type Delivery,
  type ClaimedDelivery,
  type AttemptRecord,
  type StoredAttempt,
  type DeliveryWithAttempts,
  type ClaimOptions,
  type RequeueOptions,
  type ReplayFilter,
  type RequeueMatchingOptions,
  type RequeueBatch,
  type DestinationStats,
  type DestinationState,
  type Storage,
  type EventLog,
  type DeliveryQueue,
  type Replay,
  type DestinationStates,
  type StorageLifecycle,
  type NewEvent,
  type StoredEvent,
  type NewRejection,
  type StoredRejection,
  type RejectionDetail,
  type RejectionFacts,
  type RejectionHint,
  type CapturedRequest,
  type ListQuery,
  type Page,
  type IngestResult,
} from './storage/types.ts'
