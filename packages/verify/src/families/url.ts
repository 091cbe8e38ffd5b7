/** @module families/url  The URL a provider signed, as URL-signed schemes (Twilio, Square, Twilio-likes) need it. */

/**
 * The URL the provider requested: the configured public base + the request's path and query, encoding untouched
 * (a proxy or tunnel rewrites scheme, host and port, never what the provider signed). Without a base, the URL as given.
 */
export function publicRequestUrl(
  provider: string,
  url: string | undefined,
  publicUrl: string | undefined,
): string {
  if (url === undefined)
    throw new TypeError(
      `[@hookgate/verify] ${provider}: the request has no url; ${provider} signs the full URL`,
    )
  if (publicUrl === undefined) return url
  const start = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0].length ?? 0
  const pathAndQuery = url.slice(start)
  return (
    publicUrl +
    (pathAndQuery.startsWith('/') || pathAndQuery === '' ? pathAndQuery : `/${pathAndQuery}`)
  )
}
