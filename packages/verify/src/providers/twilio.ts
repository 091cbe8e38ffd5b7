/**
 * @module providers/twilio
 * `X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + sorted form params as name+value))`.
 * JSON bodies: the URL carries `bodySHA256=<hex SHA-256 of the body>` and no params are appended.
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { Buffer } from 'node:buffer'
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring'
import { fail } from '../errors.ts'
import { getHeader } from '../_internal/headers.ts'
import { defineProvider, optionError, stringOption, utf8Secret } from '../define.ts'
import { hmacKey } from '../schemes/hmac.ts'
import { signContent, type Content } from '../schemes/index.ts'
import type { WebhookRequest } from '../request.ts'
import { encodedSignature, requireHeader } from './_shared.ts'

export interface TwilioOptions {
  /**
   * The public origin (and path prefix) Twilio calls, e.g. `https://hooks.example.com`. The request's
   * path and query are appended. Needed behind TLS-terminating proxies and tunnels, where the URL the
   * app sees (`http://localhost:3000/…`) is not the URL Twilio signed.
   */
  readonly publicUrl?: string
}

interface TwilioConfig {
  readonly publicUrl: string | undefined
}

/** The URL Twilio requested: the configured public base + the request's path and query, encoding untouched. */
function signedUrl(request: { url?: string | undefined }, config: TwilioConfig): string {
  const url = request.url
  if (url === undefined) throw new TypeError('[@hookgate/verify] twilio: the request has no url; Twilio signs the full URL')
  if (config.publicUrl === undefined) return url
  const start = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0].length ?? 0
  const pathAndQuery = url.slice(start)
  return config.publicUrl + (pathAndQuery.startsWith('/') || pathAndQuery === '' ? pathAndQuery : `/${pathAndQuery}`)
}

// URL variants exactly as twilio-node's validateRequest tries them (it splits with a regex so the
// original encoding survives, then tries the WHATWG-normalised form and the legacy querystring form).
const AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i

function splitUrl(url: string) {
  const match = AUTHORITY.exec(url)
  if (match === null) return undefined
  const [prefix, scheme = '', authority = ''] = match
  const userInfoEnd = authority.lastIndexOf('@')
  const hostAndPort = authority.slice(userInfoEnd + 1)
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1)
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  }
}

function addPort(url: string): string {
  const parts = splitUrl(url)
  if (parts === undefined || parts.port !== '') return url
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80'
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest
}

function removePort(url: string): string {
  const parts = splitUrl(url)
  return parts === undefined ? url : parts.scheme + parts.userInfo + parts.host + parts.rest
}

function withLegacyQuerystring(url: string): string {
  const queryStart = url.indexOf('?')
  if (queryStart === -1 || queryStart === url.length - 1) return url
  return `${url.slice(0, queryStart)}?${stringifyQuery(parseQuery(url.slice(queryStart + 1)))}`
}

function candidateUrls(url: string): string[] {
  const candidates = [removePort(url), addPort(url)]
  let normalized: string | undefined
  try {
    normalized = new URL(url).toString()
  } catch {
    normalized = undefined
  }
  if (normalized !== undefined) {
    const without = removePort(normalized)
    const withPort = addPort(normalized)
    candidates.push(without, withPort, withLegacyQuerystring(without), withLegacyQuerystring(withPort))
  }
  return [...new Set(candidates)]
}

function bodySha256Param(url: string): string | null | undefined {
  const query = url.indexOf('?')
  if (query === -1) return undefined
  const params = new URLSearchParams(url.slice(query + 1))
  return params.has('bodySHA256') ? params.get('bodySHA256') : undefined
}

/** Form params as Twilio appends them: names sorted, each value (de-duplicated, sorted) as name+value. */
function formParams(request: WebhookRequest, body: Uint8Array): string {
  if ((request.method ?? 'POST').toUpperCase() === 'GET') return ''
  const contentType = getHeader(request.headers, 'content-type') ?? 'application/x-www-form-urlencoded'
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) return ''
  const grouped = new Map<string, string[]>()
  for (const [name, value] of new URLSearchParams(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'))) {
    const values = grouped.get(name)
    if (values === undefined) grouped.set(name, [value])
    else values.push(value)
  }
  let out = ''
  for (const name of [...grouped.keys()].sort()) {
    for (const value of [...new Set(grouped.get(name))].sort()) out += name + value
  }
  return out
}

/**
 * Twilio (Programmable Messaging, Voice, Studio, …). The key is the account's primary Auth Token.
 * Id: the `I-Twilio-Idempotency-Token` header.
 */
export const twilio = defineProvider<TwilioOptions, TwilioConfig>({
  id: 'twilio',
  name: 'Twilio',
  scheme: 'X-Twilio-Signature — HMAC-SHA1 base64 of URL + sorted form params (JSON: URL with bodySHA256)',
  docsUrl: 'https://www.twilio.com/docs/usage/webhooks/webhooks-security',
  optionKeys: ['publicUrl'],
  mismatchHint:
    'Use the account\'s primary Auth Token (not an API key secret). Twilio signs the exact public URL it called: behind a proxy or tunnel set publicUrl (https, host and port as configured in Twilio).',
  configure(options) {
    const publicUrl = stringOption('twilio', options, 'publicUrl')
    if (publicUrl !== undefined && !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/i.test(publicUrl)) {
      throw optionError('twilio', 'option `publicUrl` must be an http(s) origin with an optional path, without query')
    }
    return { publicUrl: publicUrl?.replace(/\/+$/, '') }
  },
  decodeKey: (secret) => hmacKey('hmac-sha1', utf8Secret(secret)),
  parse(request) {
    const signature = encodedSignature('hmac-sha1', 'base64', requireHeader(request.headers, 'x-twilio-signature'), 'X-Twilio-Signature')
    const id = getHeader(request.headers, 'i-twilio-idempotency-token')
    return id === undefined || id === '' ? { signatures: [signature] } : { signatures: [signature], id }
  },
  signedContent(request, body, _envelope, config): Content[] {
    const url = signedUrl(request, config)
    const params = bodySha256Param(url) === undefined ? formParams(request, body) : ''
    return candidateUrls(url).map((candidate) => [candidate + params])
  },
  check(request, body, _envelope, config) {
    const expected = bodySha256Param(signedUrl(request, config))
    if (expected === undefined) return
    const actual = createHash('sha256').update(body).digest('hex')
    const given = Buffer.from(expected ?? '', 'latin1')
    if (given.length !== actual.length || !timingSafeEqual(given, Buffer.from(actual, 'latin1'))) {
      fail('signature_mismatch', 'The body\'s SHA-256 does not match the bodySHA256 the URL was signed with: the body was changed or re-serialised.')
    }
  },
  sign(input, key, config) {
    const url = signedUrl({ url: input.url }, config)
    const params = bodySha256Param(url) === undefined
      ? formParams({ method: input.method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: input.body }, input.body)
      : ''
    return { 'X-Twilio-Signature': signContent(key, [url + params], 'base64') }
  },
})

/** `?bodySHA256=` value for a JSON body Twilio would send: lower-case hex SHA-256. */
export function twilioBodySha256(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex')
}
