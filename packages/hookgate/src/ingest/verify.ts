/**
 * @module ingest/verify
 * Signature verification on the exact bytes received, with the URL the provider actually called (rebuilt by
 * `http/urls.ts`). The handshakes providers require (Trello's `HEAD`, Slack's `url_verification`) are declared
 * by their presets and answered by the ingest handler.
 */
import { safeVerifyWebhook, type VerifyResult } from '@hookgate/verify'
import type { HeaderRecord } from '../http/response.ts'
import type { ServedSource } from './sources.ts'

/** Verifies the request against the source's preset, at `now` (injected clock). */
export function verifyRequest(source: ServedSource, url: string, headers: HeaderRecord, body: Uint8Array, now: Date): VerifyResult {
  return safeVerifyWebhook(source.preset, { method: 'POST', url, headers, rawBody: body }, { now })
}
