/**
 * @module providers/twilio
 * `X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + sorted form params as name+value))`.
 * JSON bodies: the URL carries `bodySHA256=<hex SHA-256 of the body>` and no params are appended.
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
import { createHash } from 'node:crypto'
import { Buffer, isAscii, isUtf8 } from 'node:buffer'
import {
  parse as parseQuery,
  stringify as stringifyQuery,
  unescape as unescapeQuery,
} from 'node:querystring'
import { fail } from '../errors.ts'
import { getHeader } from '../_internal/headers.ts'
import { defineProvider, optionError, stringOption, utf8Secret } from '../define.ts'
import { constantTimeEqual, hmacKey } from '../schemes/hmac.ts'
import { signContent, type Content } from '../schemes/index.ts'
import type { WebhookRequest } from '../request.ts'
import { encodedSignature, requireHeader } from './_shared.ts'
import { publicRequestUrl } from '../families/url.ts'

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

/** Worked out once in parse, used by signedContent and check. */
interface TwilioData {
  /** The URL Twilio signed. */
  readonly url: string
  /** Its `bodySHA256` query parameter (JSON bodies); undefined when absent. */
  readonly bodySha256: string | null | undefined
}

/** The URL Twilio requested: the configured public base + the request's path and query, encoding untouched. */
function signedUrl(request: { url?: string | undefined }, config: TwilioConfig): string {
  return publicRequestUrl('twilio', request.url, config.publicUrl)
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

/** The URL without and with its default port (`:443`, `:80`), split once; a URL with a port keeps it in both forms' second. */
function portSpellings(url: string): readonly [without: string, withPort: string] {
  const parts = splitUrl(url)
  if (parts === undefined) return [url, url]
  const origin = parts.scheme + parts.userInfo + parts.host
  const withPort =
    parts.port !== ''
      ? url
      : origin + (parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80') + parts.rest
  return [origin + parts.rest, withPort]
}

function withLegacyQuerystring(url: string): string {
  const queryStart = url.indexOf('?')
  if (queryStart === -1 || queryStart === url.length - 1) return url
  return `${url.slice(0, queryStart)}?${stringifyQuery(parseQuery(url.slice(queryStart + 1)))}`
}

/**
 * Lazily and without repeats, in twilio-node's order: the URL as received (without, then with its default port)
 * matches almost always, so the normalised forms (URL parsing, querystring rewriting) are built only after a miss.
 */
function* candidateUrls(url: string, normalised: boolean): Generator<string, void, undefined> {
  const [asSent, asSentWithPort] = portSpellings(url)
  yield asSent
  if (asSentWithPort !== asSent) yield asSentWithPort
  if (!normalised) return
  let normalized: string
  try {
    normalized = new URL(url).toString()
  } catch {
    return
  }
  const tried = new Set([asSent, asSentWithPort])
  const [without, withPort] = portSpellings(normalized)
  for (const candidate of [
    without,
    withPort,
    withLegacyQuerystring(without),
    withLegacyQuerystring(withPort),
  ]) {
    if (!tried.has(candidate)) yield candidate
    tried.add(candidate)
  }
}

const BODY_SHA256 = 'bodySHA256'

/** The URL's `bodySHA256` query parameter as URLSearchParams reads it (the first one); undefined when absent. */
function bodySha256Param(url: string): string | null | undefined {
  const query = url.indexOf('?')
  if (query === -1) return undefined
  const text = url.slice(query + 1)
  // Nothing to decode (no `%`, no `+`) and no second `?` (which URLSearchParams would drop): the names and values
  // are the text between `&` and `=` as is, so the parameter is found without building the whole parameter list.
  if (text.includes('%') || text.includes('+') || text.startsWith('?')) {
    const params = new URLSearchParams(text)
    return params.has('bodySHA256') ? params.get('bodySHA256') : undefined
  }
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('&', start)
    if (end === -1) end = text.length
    const eq = text.indexOf('=', start)
    const nameEnd = eq === -1 || eq > end ? end : eq
    if (nameEnd - start === BODY_SHA256.length && text.startsWith(BODY_SHA256, start))
      return nameEnd === end ? '' : text.slice(eq + 1, end)
    start = end + 1
  }
  return undefined
}

// A `%` then two hex digits, `+` allowed in between: exactly when Node's URLSearchParams percent-decodes a part.
const PERCENT_ENCODED = /%\+*[0-9A-Fa-f]\+*[0-9A-Fa-f]/
const HEX_VALUES = new Int8Array(128).fill(-1)
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUES[digit.toString(16).charCodeAt(0)] = digit
  HEX_VALUES[digit.toString(16).toUpperCase().charCodeAt(0)] = digit
}

/**
 * Form bytes `[start, end)` decoded into `out` from `at` (`+` → space, `%XX` → byte; any other `%` kept as is);
 * returns where the output ends. The output is never longer than the input, so `out` may be `bytes` itself.
 */
function decodeFormBytes(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
): number {
  for (let i = start; i < end; i++) {
    let code = bytes[i]!
    if (code === 0x2b) {
      code = 0x20
    } else if (code === 0x25 && i + 2 < end) {
      const high = HEX_VALUES[bytes[i + 1]!] ?? -1
      const low = HEX_VALUES[bytes[i + 2]!] ?? -1
      if (high >= 0 && low >= 0) {
        code = high * 16 + low
        i += 2
      }
    }
    out[at++] = code
  }
  return at
}

/**
 * An ASCII form component decoded in one pass: `+` → space, `%XX` → byte, then UTF-8. For ASCII text this is what
 * URLSearchParams yields (`decodeURIComponent` and the byte-wise fallback it takes when that throws agree on these
 * bytes), at a fraction of the cost of `replaceAll('+', ' ')` plus `decodeURIComponent`. undefined for non-ASCII text.
 */
function decodeAsciiComponent(raw: string): string | undefined {
  for (let i = 0; i < raw.length; i++) if (raw.charCodeAt(i) > 0x7f) return undefined
  const bytes = Buffer.from(raw, 'latin1')
  return bytes.toString('utf8', 0, decodeFormBytes(bytes, 0, bytes.length, bytes, 0))
}

/**
 * One name or value of a form body, decoded exactly as `new URLSearchParams(body)` decodes it (`+` is a space, then
 * `querystring.unescape` when a `%XX` is present), without its character-by-character parser, which cost several
 * times the HMAC itself (bench/verify.mjs).
 */
function formComponent(raw: string): string {
  if (!raw.includes('%') && !raw.includes('+')) return raw
  const ascii = decodeAsciiComponent(raw)
  if (ascii !== undefined) return ascii
  const text = raw.includes('+') ? raw.replaceAll('+', ' ') : raw
  return PERCENT_ENCODED.test(raw) ? unescapeQuery(text) : text
}

/**
 * The most `&`-separated parts a form body may have when verifying. Twilio sends a few dozen parameters; a hostile
 * 1 MiB body of `a=b&…` has about 260,000, and decoding and sorting them cost 20–40× the HMAC (issue 12). Past the cap
 * the request is refused as `invalid_payload` before any decoding, after counting at most this many `&` bytes.
 */
export const MAX_TWILIO_FORM_PARAMS = 1000

/**
 * Form params larger than this (UTF-8 bytes) are checked against the URL as received only, with and without its
 * default port, not also against its four normalised spellings (WHATWG URL, legacy querystring) as twilio-node does.
 * Each spelling is one more HMAC over the whole params: a hostile 1 MiB form behind a URL whose query forces every
 * spelling cost 1.9x what accepting it does (bench/hostile.mjs). Real Twilio forms are a few KiB (an SMS body is
 * at most 1600 characters), far below the cap, so they keep all six candidates (docs/deviations.md).
 */
export const MAX_TWILIO_NORMALISED_PARAM_BYTES = 64 * 1024

/** Refuses a form body with more than MAX_TWILIO_FORM_PARAMS parts; counts `&` bytes and stops at the cap. */
function checkParamCount(body: Uint8Array): void {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  let at = -1
  for (let separators = 0; separators < MAX_TWILIO_FORM_PARAMS; separators++) {
    at = bytes.indexOf(0x26, at + 1)
    if (at === -1) return
  }
  fail(
    'invalid_payload',
    `The form body has more than ${MAX_TWILIO_FORM_PARAMS} parameters; Twilio sends far fewer, so it is refused unverified.`,
  )
}

/** One parameter of a plain form body: its name, and where its raw value lies in the body. */
interface PlainParam {
  readonly name: string
  readonly nameStart: number
  readonly nameEnd: number
  readonly valueStart: number
  readonly valueEnd: number
}

function byName(a: PlainParam, b: PlainParam): number {
  return compare(a.name, b.name)
}

/**
 * Sorted by name (UTF-16 code units, as Array#sort). A form of a few dozen params, what Twilio sends, is sorted by
 * insertion, in line: Array#sort's call of the comparator per step cost a third of the whole form reading. Longer
 * ones (up to the cap, from anyone) take Array#sort, which stays O(n log n).
 */
function sortByName(params: PlainParam[]): void {
  if (params.length > 64) {
    params.sort(byName)
    return
  }
  for (let i = 1; i < params.length; i++) {
    const param = params[i]!
    const name = param.name
    let j = i - 1
    while (j >= 0 && params[j]!.name > name) {
      params[j + 1] = params[j]!
      j--
    }
    params[j + 1] = param
  }
}

/**
 * {@link formParamBytes} for the body Twilio sends: ASCII only (it percent-encodes the rest), no name holding `%`
 * or `+`, no name twice, decoded values valid UTF-8. Those params are sorted by name alone and their values
 * decoded straight into the signed bytes: no string and no decoding buffer per component, no re-encoding of the
 * joined text, which made reading a 1 KiB form cost about four times its HMAC (bench/verify.mjs). The bytes are the
 * general path's for such a body: names are their own ASCII bytes, a value's bytes decoded as
 * {@link decodeAsciiComponent} does are the UTF-8 of its string when they are valid UTF-8 (each value lies between
 * ASCII names, so the whole being valid means each is), and distinct names need no sort by value nor dropping of
 * repeated pairs. undefined for any other body (the general path then reads it), and for one at the parameter cap,
 * before decoding anything (the general path refuses it).
 */
function plainFormParams(bytes: Buffer): Buffer | undefined {
  if (!isAscii(bytes)) return undefined
  const text = bytes.toString('latin1')
  const length = text.length
  const params: PlainParam[] = []
  let separators = 0
  // The first `=` at or after the current pair's start (length when none): one search per `=`, not per pair, so
  // `&`-only stretches cost one pass however long.
  let eq = -1
  for (let start = 0; start <= length;) {
    let end = text.indexOf('&', start)
    if (end === -1) end = length
    else if (++separators === MAX_TWILIO_FORM_PARAMS) return undefined
    if (end > start) {
      if (eq < start) {
        eq = text.indexOf('=', start)
        if (eq === -1) eq = length
      }
      const nameEnd = eq < end ? eq : end
      for (let i = start; i < nameEnd; i++) {
        const code = text.charCodeAt(i)
        if (code === 0x25 || code === 0x2b) return undefined
      }
      params.push({
        name: text.slice(start, nameEnd),
        nameStart: start,
        nameEnd,
        valueStart: nameEnd === end ? end : nameEnd + 1,
        valueEnd: end,
      })
    }
    start = end + 1
  }
  sortByName(params)
  // A name sent twice needs its values sorted and repeated pairs dropped: the general path does that.
  for (let p = 1; p < params.length; p++)
    if (params[p]!.name === params[p - 1]!.name) return undefined
  // Names and decoded values are never longer than the pairs they come from.
  const out = Buffer.allocUnsafe(length)
  let written = 0
  for (let p = 0; p < params.length; p++) {
    const param = params[p]!
    for (let i = param.nameStart; i < param.nameEnd; i++) out[written++] = bytes[i]!
    written = decodeFormBytes(bytes, param.valueStart, param.valueEnd, out, written)
  }
  const signed = out.subarray(0, written)
  return isUtf8(signed) ? signed : undefined
}

/**
 * Form params as Twilio appends them, as UTF-8: names sorted, each value (de-duplicated, sorted) as name+value;
 * undefined when there are none. `capped` (verification) refuses more than MAX_TWILIO_FORM_PARAMS parts before
 * decoding anything.
 */
function formParamBytes(
  request: WebhookRequest,
  body: Uint8Array,
  capped: boolean,
): Uint8Array | undefined {
  if ((request.method ?? 'POST').toUpperCase() === 'GET') return undefined
  const contentType =
    getHeader(request.headers, 'content-type') ?? 'application/x-www-form-urlencoded'
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) return undefined
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const plain = plainFormParams(bytes)
  if (plain !== undefined) return plain.length === 0 ? undefined : plain
  if (capped) checkParamCount(body)
  // A leading '?' belongs to the first name: form parsers (WHATWG urlencoded, querystring, qs) keep it, and so do the
  // params twilio-node is handed. Only the URLSearchParams constructor drops it, because it also takes query strings.
  const text = bytes.toString('utf8')
  const params: (readonly [name: string, value: string])[] = []
  for (const pair of text.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    params.push([
      formComponent(eq === -1 ? pair : pair.slice(0, eq)),
      eq === -1 ? '' : formComponent(pair.slice(eq + 1)),
    ])
  }
  // One sort by name then value (UTF-16 code units, as Array#sort) and dropping repeated pairs is the SDK's
  // "names sorted, each name's distinct values sorted", without a Map and a Set per name.
  params.sort(
    ([nameA, valueA], [nameB, valueB]) => compare(nameA, nameB) || compare(valueA, valueB),
  )
  let out = ''
  let previous: readonly [string, string] | undefined
  for (const param of params) {
    if (previous === undefined || param[0] !== previous[0] || param[1] !== previous[1])
      out += param[0] + param[1]
    previous = param
  }
  return out === '' ? undefined : Buffer.from(out, 'utf8')
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Twilio (Programmable Messaging, Voice, Studio, …). The key is the account's primary Auth Token.
 * Id: the `I-Twilio-Idempotency-Token` header.
 */
export const twilio = defineProvider<TwilioOptions, TwilioConfig>({
  id: 'twilio',
  name: 'Twilio',
  scheme:
    'X-Twilio-Signature — HMAC-SHA1 base64 of URL + sorted form params (JSON: URL with bodySHA256)',
  docsUrl: 'https://www.twilio.com/docs/usage/webhooks/webhooks-security',
  optionKeys: ['publicUrl'],
  signatureHeaders: ['x-twilio-signature'],
  mismatchHint:
    "Use the account's primary Auth Token (not an API key secret). Twilio signs the exact public URL it called: behind a proxy or tunnel set publicUrl (https, host and port as configured in Twilio).",
  configure(options) {
    const publicUrl = stringOption('twilio', options, 'publicUrl')
    if (publicUrl !== undefined && !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/i.test(publicUrl)) {
      throw optionError(
        'twilio',
        'option `publicUrl` must be an http(s) origin with an optional path, without query',
      )
    }
    return { publicUrl: publicUrl?.replace(/\/+$/, '') }
  },
  decodeKey: (secret) => hmacKey('hmac-sha1', utf8Secret(secret)),
  // Runs before signedContent (verify.ts): a missing or badly encoded header is refused before the body is read.
  parse(request, _body, config) {
    const signature = encodedSignature(
      'hmac-sha1',
      'base64',
      requireHeader(request.headers, 'x-twilio-signature'),
      'X-Twilio-Signature',
    )
    const id = getHeader(request.headers, 'i-twilio-idempotency-token')
    const url = signedUrl(request, config)
    const data: TwilioData = { url, bodySha256: bodySha256Param(url) }
    return id === undefined || id === ''
      ? { signatures: [signature], data }
      : { signatures: [signature], id, data }
  },
  *signedContent(request, body, envelope): Generator<Content, void, undefined> {
    const { url, bodySha256 } = envelope.data as TwilioData
    // Bytes made once and hashed after each candidate URL: a miss tries up to six URLs, and re-encoding a 1 MiB params
    // string for each one made rejecting cost 3.5x accepting (bench/hostile.mjs). UTF-8 of a concatenation is the
    // concatenation of the UTF-8s here: decoded form text holds no lone surrogate to pair across the seam.
    const paramBytes = bodySha256 === undefined ? formParamBytes(request, body, true) : undefined
    // Past MAX_TWILIO_NORMALISED_PARAM_BYTES only the URL as received (with and without its default port) is tried.
    const normalised =
      paramBytes === undefined || paramBytes.length <= MAX_TWILIO_NORMALISED_PARAM_BYTES
    for (const candidate of candidateUrls(url, normalised))
      yield paramBytes === undefined ? [candidate] : [candidate, paramBytes]
  },
  check(_request, body, envelope) {
    const expected = (envelope.data as TwilioData).bodySha256
    if (expected === undefined) return
    const actual = createHash('sha256').update(body).digest('hex')
    if (!constantTimeEqual(actual, expected ?? '')) {
      fail(
        'signature_mismatch',
        "The body's SHA-256 does not match the bodySHA256 the URL was signed with: the body was changed or re-serialised.",
      )
    }
  },
  sign(input, key, config) {
    const url = signedUrl({ url: input.url }, config)
    const params =
      bodySha256Param(url) === undefined
        ? formParamBytes(
            {
              method: input.method,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              rawBody: input.body,
            },
            input.body,
            false,
          )
        : undefined
    return {
      'X-Twilio-Signature': signContent(
        key,
        params === undefined ? [url] : [url, params],
        'base64',
      ),
    }
  },
})

/** `?bodySHA256=` value for a JSON body Twilio would send: lower-case hex SHA-256. */
export function twilioBodySha256(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex')
}
