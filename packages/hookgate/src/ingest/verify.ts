/**
 * @module ingest/verify
 * Signature verification on the exact bytes received, with the URL the provider actually called. The handshakes
 * providers require (Trello's `HEAD`, Slack's `url_verification`) are declared by their presets.
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
