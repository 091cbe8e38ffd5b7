/**
 * @module @hookgate/verify
 * Webhook signature verification on the raw bytes, one preset per provider, no dependencies.
 */
export { providers, isBuiltinProviderId, type BuiltinProviderId } from './providers/index.ts'
export {
  verifyWebhook,
  safeVerifyWebhook,
  verifyWebhookAsync,
  safeVerifyWebhookAsync,
  signWebhook,
  probeHandshake,
  VerifiedWebhook,
} from './verify.ts'
export type {
  VerifyOptions,
  VerifyAsyncOptions,
  VerifyResult,
  VerificationFailure,
  SignMessage,
} from './verify.ts'
export {
  createKeyResolver,
  type FetchKey,
  type KeyResolver,
  type KeyResolverOptions,
} from './keys/fetched.ts'
export {
  diagnose,
  DIAGNOSIS_CODES,
  MAX_DIAGNOSIS_ATTEMPTS,
  MAX_DIAGNOSIS_BODY_BYTES,
  type Diagnosis,
  type DiagnosisCode,
  type DiagnosisFinding,
  type DiagnoseOptions,
  type CandidateSecret,
} from './diagnose.ts'
export { fromFetchRequest, type WebhookRequest, type HeadersLike } from './request.ts'
export {
  WebhookError,
  WebhookVerificationError,
  RawBodyUnavailableError,
  isWebhookError,
  VERIFICATION_FAILURE_REASONS,
  REASON_STATUS,
  WEBHOOK_ERROR_CODES,
  type VerificationFailureReason,
  type VerificationFailureStatus,
  type WebhookErrorCode,
  type AnyWebhookError,
} from './errors.ts'
export {
  defineProvider,
  signatureHeadersOf,
  type Handshake,
  type HandshakeAnswer,
  type HandshakeExample,
  type KeySource,
  type TestProfile,
  type ProviderDefinition,
  type ProviderFactory,
  type ConfiguredPreset,
  type BaseOptions,
  type Secret,
  type Envelope,
} from './define.ts'
export { TRELLO_SOURCE_IPS, type TrelloOptions } from './providers/trello.ts'
export { twilioBodySha256, type TwilioOptions } from './providers/twilio.ts'
export {
  signAwsSnsMessage,
  AWS_SNS_MESSAGE_TYPES,
  type AwsSnsOptions,
  type AwsSnsMessage,
  type AwsSnsMessageType,
} from './providers/aws-sns.ts'
export type { HmacOptions } from './providers/hmac-sha256.ts'
export type { JwtOptions } from './providers/jwt.ts'
export { TRIVIALSEC_EVENT_NAMES, type TrivialsecOptions } from './providers/trivialsec.ts'
export {
  signedPreset,
  signedDefinition,
  type SignedSpec,
  type SignedConfig,
  type SignedAlgorithm,
  type SecretForm,
} from './families/signed.ts'
export { tokenPreset, type TokenSpec } from './families/token.ts'
export type { FieldSource } from './families/fields.ts'
export { standardWebhooksPreset, type StandardWebhooksSpec } from './providers/standard-webhooks.ts'
