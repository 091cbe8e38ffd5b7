/**
 * @module errors
 * The library's error family. Every failure carries a `code` (which kind of error) and, for verification
 * failures, a `reason` from a closed, documented set. Messages never contain secrets, signatures or bodies.
 */

/** Every code an error of this library can carry. Adding one is a minor release; renaming one is major. */
export const WEBHOOK_ERROR_CODES = [
  'ERR_WEBHOOK_GENERIC',
  'ERR_WEBHOOK_VERIFICATION_FAILED',
  'ERR_RAW_BODY_UNAVAILABLE',
] as const
export type WebhookErrorCode = (typeof WEBHOOK_ERROR_CODES)[number]

/** The closed set of reasons a verification can fail for (public API). */
export const VERIFICATION_FAILURE_REASONS = [
  'missing_signature',
  'malformed_signature',
  'unsupported_algorithm',
  'signature_mismatch',
  'timestamp_missing',
  'timestamp_too_old',
  'timestamp_in_future',
  'invalid_token',
  'claim_mismatch',
  'invalid_payload',
  'key_unavailable',
] as const
export type VerificationFailureReason = (typeof VERIFICATION_FAILURE_REASONS)[number]

/** The HTTP statuses a verification failure maps to (see {@link REASON_STATUS}). */
export type VerificationFailureStatus = 400 | 401 | 503

/**
 * HTTP status for each reason: 400 when the request is malformed (a client bug or garbage),
 * 401 when it is well formed but not authentic or no longer fresh, 503 when the key needed to decide could not be
 * obtained (`key_unavailable`: a fetched certificate timed out or failed): the sender should retry later.
 */
export const REASON_STATUS: Readonly<Record<VerificationFailureReason, VerificationFailureStatus>> =
  {
    missing_signature: 400,
    malformed_signature: 400,
    unsupported_algorithm: 400,
    signature_mismatch: 401,
    timestamp_missing: 400,
    timestamp_too_old: 401,
    timestamp_in_future: 401,
    invalid_token: 401,
    claim_mismatch: 401,
    invalid_payload: 400,
    key_unavailable: 503,
  }

const BRAND = Symbol.for('hookgate.error')

/** Base class of every error this library throws on purpose. */
export class WebhookError extends Error {
  readonly code: WebhookErrorCode = 'ERR_WEBHOOK_GENERIC'
  readonly status: number = 500
  readonly [BRAND] = true

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }

  /** What may be shown to a client: never secrets, signatures or bodies. */
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message }
  }
}

/** A request that did not verify. `reason` is one of {@link VERIFICATION_FAILURE_REASONS}. */
export class WebhookVerificationError extends WebhookError {
  override readonly code = 'ERR_WEBHOOK_VERIFICATION_FAILED' as const
  override readonly status: VerificationFailureStatus
  readonly reason: VerificationFailureReason
  readonly provider: string

  constructor(provider: string, reason: VerificationFailureReason, message: string) {
    super(message)
    this.provider = provider
    this.reason = reason
    this.status = REASON_STATUS[reason]
  }

  /**
   * The wire shape of an error answer, `{ code, message }`, where `code` is the failure **reason**
   * (`signature_mismatch`…): what the adapters and the gateway send as `{ "error": … }`. The class's own `code`
   * (`ERR_WEBHOOK_VERIFICATION_FAILED`) names the error family for `switch (err.code)` in code.
   */
  override toJSON(): { code: string; message: string } {
    return { code: this.reason, message: this.message }
  }
}

/**
 * The request body was consumed before the adapter ran (a JSON/urlencoded/text body parser, or another
 * middleware that read the stream): the exact bytes the provider signed are gone. A setup bug, so it
 * goes to the framework's error handler (status 500) rather than to the sender as a 4xx.
 */
export class RawBodyUnavailableError extends WebhookError {
  override readonly code = 'ERR_RAW_BODY_UNAVAILABLE' as const
  override readonly status = 500

  constructor(message: string) {
    super(message)
  }
}

export type AnyWebhookError =
  | WebhookVerificationError
  | (WebhookError & { code: 'ERR_WEBHOOK_GENERIC' })
  | (WebhookError & { code: 'ERR_RAW_BODY_UNAVAILABLE' })

/** True for any error thrown by this library, even across duplicated copies of the package. */
export function isWebhookError(value: unknown): value is AnyWebhookError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  )
}

/**
 * Thrown inside presets and caught by the verify loop, which turns it into a result or a
 * {@link WebhookVerificationError}. Not an `Error`: rejecting garbage must not pay for a stack trace.
 * @internal
 */
export class Failure {
  readonly reason: VerificationFailureReason
  readonly message: string
  constructor(reason: VerificationFailureReason, message: string) {
    this.reason = reason
    this.message = message
  }
}

/** @internal */
export function fail(reason: VerificationFailureReason, message: string): never {
  throw new Failure(reason, message)
}
