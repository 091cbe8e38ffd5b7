/**
 * @module ingest/verify
 * Signature verification on the exact bytes received, with the URL the provider actually called, and the
 * handshakes providers require (Trello's `HEAD`, Slack's `url_verification` challenge).
 */
import { safeVerifyWebhook, type VerifyResult } from '@hookgate/verify'
import type { HeaderRecord } from '../http/response.ts'
import type { ClientInfo } from './client-address.ts'
import type { RoutedSource } from './route.ts'

/**
 * The URL the provider called, for URL-signed schemes (Twilio): `server.publicUrl` + path and query as received
 * (a proxy or tunnel rewrites scheme, host and port, never what the provider signed); without `publicUrl`,
 * rebuilt from `X-Forwarded-Proto/-Host` (trusted proxies only) or the `Host` header.
 */
export function requestUrl(target: string, headers: HeaderRecord, client: ClientInfo, publicUrl: string | undefined, fallbackHost: string): string {
  if (publicUrl !== undefined) return publicUrl + target
  const proto = client.forwardedProto === 'https' ? 'https' : 'http'
  const hostHeader = headers.host
  const host = client.forwardedHost ?? (typeof hostHeader === 'string' && hostHeader !== '' ? hostHeader : fallbackHost)
  return `${proto}://${host}${target}`
}

/** Verifies the request against the source's preset, at `now` (injected clock). */
export function verifyRequest(source: RoutedSource, url: string, headers: HeaderRecord, body: Uint8Array, now: Date): VerifyResult {
  return safeVerifyWebhook(source.preset, { method: 'POST', url, headers, rawBody: body }, { now })
}

/**
 * Slack's Events API `url_verification`: a signed request whose answer must echo `challenge`. Checked only
 * after the signature holds, so an unsigned request cannot make the gateway echo text (or confirm a URL).
 * @see https://api.slack.com/events/url_verification
 */
export function slackChallenge(source: RoutedSource, verified: { json<T = unknown>(): T }): string | undefined {
  if (source.provider !== 'slack') return undefined
  let payload: unknown
  try {
    payload = verified.json()
  } catch {
    return undefined
  }
  if (typeof payload !== 'object' || payload === null) return undefined
  const { type, challenge } = payload as { type?: unknown; challenge?: unknown }
  return type === 'url_verification' && typeof challenge === 'string' ? challenge : undefined
}

/** Providers that probe the endpoint with `HEAD` before sending (Trello: "the endpoint must return 200"). */
export function answersHead(source: RoutedSource): boolean {
  return source.provider === 'trello'
}
