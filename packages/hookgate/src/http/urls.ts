/**
 * @module http/urls
 * Where sources are served and every URL the gateway builds, in one place:
 * - {@link webhookUrl}: the URL a provider is given for a source (`gateway.endpoints()`, and the registered-URL
 *   option of presets that sign one, filled from `server.publicUrl` by the config loader);
 * - {@link serverOrigin} / {@link hostPort}: a listening address as a URL origin (wildcards shown as `localhost`,
 *   IPv6 in brackets);
 * - {@link requestUrl}: the URL a provider actually called, rebuilt from one request (URL-signed schemes: Twilio).
 *
 * The first two describe this gateway; the last describes one request and believes its `Host` and (from trusted
 * proxies only) `X-Forwarded-*` headers. They differ on purpose and share only `server.publicUrl`, which wins in both.
 */
import type { ClientInfo } from './client-address.ts'
import type { HeaderRecord } from './response.ts'

/** Where sources are served: `POST /webhooks/<id>`. */
export const WEBHOOKS_PREFIX = '/webhooks/'

/** The path a source is served on: `/webhooks/<id>`. */
export function webhookPath(sourceId: string): string {
  return WEBHOOKS_PREFIX + sourceId
}

/**
 * The URL of a source under `base` (an origin, or `server.publicUrl`, which may carry a path prefix).
 * @example webhookUrl('https://hooks.example.com', 'stripe-main') // 'https://hooks.example.com/webhooks/stripe-main'
 */
export function webhookUrl(base: string, sourceId: string): string {
  return base + webhookPath(sourceId)
}

/**
 * The source id in a request path (`/webhooks/stripe-main` → `stripe-main`), or `undefined` when the path is not
 * a webhook path. No decoding: configured ids are plain URL-safe characters, so an encoded id matches nothing.
 */
export function webhookSourceId(pathname: string): string | undefined {
  if (!pathname.startsWith(WEBHOOKS_PREFIX)) return undefined
  const id = pathname.slice(WEBHOOKS_PREFIX.length)
  return id === '' || id.includes('/') ? undefined : id
}

/** `host:port` for a URL: a wildcard address (`0.0.0.0`, `::`) is shown as `localhost`, IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host
  return `${shown.includes(':') ? `[${shown}]` : shown}:${port}`
}

/** `http://host:port` for a listening address (see {@link hostPort}). */
export function serverOrigin(host: string, port: number): string {
  return `http://${hostPort(host, port)}`
}

/**
 * The URL the provider called, for URL-signed schemes (Twilio): `server.publicUrl` + path and query as received
 * (a proxy or tunnel rewrites scheme, host and port, never what the provider signed); without `publicUrl`,
 * rebuilt from `X-Forwarded-Proto/-Host` (trusted proxies only) or the `Host` header, else `fallbackHost`.
 */
export function requestUrl(
  target: string,
  headers: HeaderRecord,
  client: ClientInfo,
  publicUrl: string | undefined,
  fallbackHost: string,
): string {
  if (publicUrl !== undefined) return publicUrl + target
  const proto = client.forwardedProto === 'https' ? 'https' : 'http'
  const hostHeader = headers.host
  const host =
    client.forwardedHost ??
    (typeof hostHeader === 'string' && hostHeader !== '' ? hostHeader : fallbackHost)
  return `${proto}://${host}${target}`
}
