/**
 * @module ingest/verify
 * Signature verification on the exact bytes received, with the URL the provider actually called (rebuilt by
 * `http/urls.ts`). The handshakes providers require (Trello's `HEAD`, Slack's `url_verification`) are declared
 * by their presets and answered by the ingest handler.
 */
import {
  diagnose,
  safeVerifyWebhook,
  safeVerifyWebhookAsync,
  type KeyResolver,
  type VerifyResult,
} from '@hookgate/verify'
import type { HeaderRecord } from '../http/response.ts'
import type { RejectionHint } from '../storage/types.ts'
import type { ServedSource } from './sources.ts'

/**
 * Verifies the request against the source's preset, at `now` (injected clock). Presets whose keys are fetched at
 * run time (AWS SNS certificates) resolve them through `keys` (cached, host-allowlisted) first; every other preset
 * stays on the synchronous path.
 */
export function verifyRequest(
  source: ServedSource,
  url: string,
  headers: HeaderRecord,
  body: Uint8Array,
  now: Date,
  keys: KeyResolver,
): VerifyResult | Promise<VerifyResult> {
  const request = { method: 'POST', url, headers, rawBody: body }
  if (source.preset.definition.keySource === undefined)
    return safeVerifyWebhook(source.preset, request, { now })
  return safeVerifyWebhookAsync(source.preset, request, { now, keys })
}

/**
 * The hints of `diagnose()` for a request that failed verification, as a rejection records them: codes and
 * sentences only (never a secret). Undefined for presets whose keys are fetched at run time (diagnosis is offline
 * and synchronous). Shared by the ingest path and the admin API's re-verify.
 * @throws whatever `diagnose()` throws (callers log it and go on without hints)
 */
export function diagnoseRequest(
  source: ServedSource,
  url: string,
  headers: HeaderRecord,
  body: Uint8Array,
  now: Date,
  method = 'POST',
): RejectionHint[] | undefined {
  if (source.preset.definition.keySource !== undefined) return undefined
  const { findings } = diagnose(source.preset, { method, url, headers, rawBody: body }, { now })
  return findings.map(({ code, message }) => ({ code, message }))
}
