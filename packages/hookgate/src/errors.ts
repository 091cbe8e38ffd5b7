/**
 * @module errors
 * The gateway's own errors and the closed set of `code`s its HTTP error answers carry.
 */
import { VERIFICATION_FAILURE_REASONS } from '@hookgate/verify'

/**
 * Every `error.code` an HTTP answer of the gateway can carry: the verification reasons of
 * `@hookgate/verify` (400/401) plus the gateway's own. Adding one is a minor release.
 */
export const GATEWAY_ERROR_CODES = [
  ...VERIFICATION_FAILURE_REASONS,
  'not_found',
  'unknown_source',
  'method_not_allowed',
  'invalid_handshake',
  'payload_too_large',
  'ip_not_allowed',
  'storage_unavailable',
  'shutting_down',
  'too_many_rejections',
  'unauthorized',
  'invalid_query',
  'invalid_request',
  'ingest_disabled',
  'internal_error',
  'request_timeout',
  'headers_too_large',
  'malformed_request',
  'expectation_failed',
  'too_many_streams',
  'csrf_failed',
  'dashboard_unavailable',
  'not_captured',
  'truncated',
] as const
export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number]

/**
 * The configuration is invalid. `issues` holds one line per problem, each naming the exact path:
 * `sources[2].secrets: must not be empty`. Never contains a secret's value.
 */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG_INVALID' as const
  readonly issues: readonly string[]

  constructor(issues: readonly string[], file?: string) {
    const where = file === undefined ? 'Invalid configuration' : `Invalid configuration in ${file}`
    super(`${where}:\n${issues.map((issue) => `  ${issue}`).join('\n')}`)
    this.name = 'ConfigError'
    this.issues = issues
  }
}
