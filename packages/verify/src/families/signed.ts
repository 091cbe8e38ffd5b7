/**
 * @module families/signed
 * The family most providers belong to: a signature (HMAC, Ed25519, ECDSA or RSA) over a template of request parts
 * — `{body}`, `{timestamp}`, `{id}`, `{url}`, `{method}` and literal text — carried in one header, alone, after a
 * prefix, or in a `t=…,v1=…` list. A preset is a plain {@link SignedSpec}; the template is written once and used
 * both to verify and to sign.
 * @example
 * export const linear = signedPreset({
 *   id: 'linear', name: 'Linear', docsUrl: '…', mismatchHint: '…',
 *   algorithm: 'hmac-sha256', signed: '{body}',
 *   signature: { header: 'Linear-Signature', encoding: 'hex' },
 *   id: { header: 'Linear-Delivery' }, eventType: { header: 'Linear-Event' },
 * })
 */
import { Buffer } from 'node:buffer'
import { fail } from '../errors.ts'
import { decodeStrict, wholeNumber } from '../_internal/encoding.ts'
import { getHeader } from '../_internal/headers.ts'
import {
  defineProvider,
  optionError,
  stringOption,
  type Handshake,
  type ProviderDefinition,
  type ProviderFactory,
  type Secret,
  type TestProfile,
  type VerifiedContext,
} from '../define.ts'
import { keyFits, parseKeyText, type AsymmetricAlgorithm } from '../schemes/asymmetric.ts'
import { hmacKey } from '../schemes/hmac.ts'
import {
  signContent,
  type Content,
  type Key,
  type KeyAlgorithm,
  type Signature,
} from '../schemes/index.ts'
import type { WebhookRequest } from '../request.ts'
import { encodedSignature, MAX_SIGNATURES, requireHeader } from '../providers/_shared.ts'
import { fieldSources, readField, type FieldSource } from './fields.ts'
import { publicRequestUrl } from './url.ts'

export type SignedAlgorithm =
  'hmac-md5' | 'hmac-sha1' | 'hmac-sha256' | 'hmac-sha512' | AsymmetricAlgorithm

/** How a text secret becomes HMAC key bytes. */
export type SecretForm = 'utf8' | 'base64' | 'hex' | 'whsec'

export interface SignedSpec<Config extends SignedConfig = SignedConfig> {
  readonly id: string
  readonly name: string
  readonly docsUrl: string
  /** Added to a `signature_mismatch` message: the mistakes people make with this provider. */
  readonly mismatchHint: string
  readonly algorithm: SignedAlgorithm
  /** The signed content, e.g. `{body}`, `v0:{timestamp}:{body}`, `{id}.{timestamp}.{body}`, `{url}{body}`. */
  readonly signed: string
  readonly signature: {
    readonly header: string
    readonly encoding: 'hex' | 'base64' | 'base64url'
    /** Text before the signature, e.g. `sha256=`; a different `<algo>=` there is reported as unsupported_algorithm. */
    readonly prefix?: string
    /** Accept upper-case hex too (compared lower-cased: same bytes). */
    readonly anyHexCase?: boolean
    /**
     * A list of `key=value` items (Stripe style `t=…,v1=…`): the item separator, the key whose values are signatures
     * (several allowed), and the key that carries the timestamp when the time travels in this header.
     */
    readonly list?: {
      readonly separator: string
      readonly key: string
      readonly timestampKey?: string
    }
  }
  /**
   * The signing time: in its own header (or in the list's `timestampKey`), as Unix seconds, milliseconds, or an
   * ISO 8601 date-time (signed as sent; UTC when it has no offset).
   */
  readonly timestamp?: {
    readonly header?: string
    readonly unit?: 's' | 'ms' | 'iso'
    readonly toleranceSeconds: number
  }
  /** Header that carries `{id}` when the template signs one; also the delivery id. */
  readonly idHeader?: string
  /** The provider's delivery/event id, for deduplication (default: `idHeader`). */
  readonly eventId?: FieldSource | readonly FieldSource[]
  readonly eventType?: FieldSource | readonly FieldSource[]
  /** HMAC secrets: how the text is turned into key bytes. Default `utf8`. Ignored for public-key schemes. */
  readonly secret?: SecretForm
  /**
   * `{url}` is the URL the provider called (the request's, or `publicUrl` + path) unless this names an option that
   * holds the URL as registered with the provider (`notificationUrl`); the gateway fills that option from the
   * source's public URL.
   */
  readonly urlOption?: string
  readonly handshake?: Handshake<Config>
  /** Option names a handshake reads (Meta's `verifyToken`): accepted by the gateway's config, kept in `config.options`. */
  readonly handshakeOptions?: readonly string[]
  /** Headers besides the signature header that carry secrets or signatures (redacted). */
  readonly extraSignatureHeaders?: readonly string[]
  /** Published sender addresses, where the provider publishes them. */
  readonly senderIps?: ProviderDefinition['senderIps']
  /** Options for the test suites when the preset needs more than secrets. */
  readonly testOptions?: Readonly<Record<string, unknown>>
  /** The form of secret the provider issues, for tests (default from `secret` and `algorithm`). */
  readonly testSecretKind?: TestProfile['secretKind']
}

export interface SignedConfig {
  /** The signed URL from `urlOption`, when the preset has one. */
  readonly url: string | undefined
  /** `publicUrl`: the origin the provider calls, when `{url}` is the request's URL. */
  readonly publicUrl: string | undefined
  /** The other option values (never the secrets), for handshakes. */
  readonly options: Readonly<Record<string, unknown>>
}

type Part =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'body' | 'timestamp' | 'id' | 'url' | 'method' }

const PLACEHOLDER = /\{(body|timestamp|id|url|method)\}/g

function parseTemplate(id: string, template: string): readonly Part[] {
  const parts: Part[] = []
  let last = 0
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ kind: 'text', text: template.slice(last, match.index) })
    parts.push({ kind: match[1] as 'body' })
    last = match.index + match[0].length
  }
  if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) })
  if (/\{[a-z]+\}/.test(parts.map((p) => (p.kind === 'text' ? p.text : '')).join(''))) {
    throw new TypeError(
      `[@hookgate/verify] ${id}: unknown placeholder in signed template ${JSON.stringify(template)}`,
    )
  }
  return parts
}

/**
 * The template filled in with the placeholders' values (from the request when verifying, from the message when
 * signing). Adjacent text is joined into one chunk, so the MAC takes one update per run of text rather than one per
 * part (`v0:{timestamp}:{body}` is two updates, not four): the same bytes, UTF-8 of joined text being the joined
 * UTF-8 (the values are header text, digits and URLs, with no lone surrogate to pair across a seam).
 */
function content(
  parts: readonly Part[],
  body: Uint8Array,
  timestamp: string | undefined,
  id: string | undefined,
  url: string | undefined,
  method: string,
): Content {
  const chunks: (string | Uint8Array)[] = []
  let text = ''
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    switch (part.kind) {
      case 'text':
        text += part.text
        break
      case 'body':
        if (text !== '') chunks.push(text)
        text = ''
        chunks.push(body)
        break
      case 'timestamp':
        text += timestamp ?? ''
        break
      case 'id':
        text += id ?? ''
        break
      case 'url':
        text += url ?? ''
        break
      case 'method':
        text += method
        break
    }
  }
  if (text !== '') chunks.push(text)
  return chunks
}

/** Data carried from parse to signedContent. */
interface SignedData {
  readonly timestampText: string | undefined
  readonly id: string | undefined
}

const KEY_ALGORITHM: Record<SignedAlgorithm, KeyAlgorithm> = {
  'hmac-md5': 'hmac-md5',
  'hmac-sha1': 'hmac-sha1',
  'hmac-sha256': 'hmac-sha256',
  'hmac-sha512': 'hmac-sha512',
  ed25519: 'ed25519',
  'ecdsa-p256-sha256': 'ecdsa-p256-sha256',
  'rsa-sha256': 'rsa-sha256',
}

function isAsymmetric(alg: SignedAlgorithm): alg is AsymmetricAlgorithm {
  return alg === 'ed25519' || alg === 'ecdsa-p256-sha256' || alg === 'rsa-sha256'
}

/** Secret text → HMAC key bytes in the provider's form. @internal */
export function secretBytes(provider: string, secret: Secret, form: SecretForm): Uint8Array {
  if (secret instanceof Uint8Array) return secret
  switch (form) {
    case 'utf8':
      return Buffer.from(secret, 'utf8')
    case 'hex': {
      const bytes = decodeStrict(secret.toLowerCase(), 'hex')
      if (bytes === undefined)
        throw optionError(provider, 'the secret must be hex, as the provider issues it')
      return bytes
    }
    case 'base64':
    case 'whsec': {
      const text = form === 'whsec' ? secret.replace(/^whsec_/, '') : secret
      const bytes = decodeStrict(text, 'base64') ?? decodeStrict(text, 'base64url')
      if (bytes === undefined || bytes.length === 0)
        throw optionError(provider, 'the secret must be base64, as the provider issues it')
      return bytes
    }
  }
}

// ISO 8601 date-time with optional fraction and offset; a time without an offset is UTC, never the machine's zone.
const ISO_TIME =
  /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)([Zz]|[+-]\d{2}:?\d{2})?$/

/** The decimal digit at `index`, or -1 (also past the end). */
function digitAt(text: string, index: number): number {
  const digit = text.charCodeAt(index) - 0x30
  return digit >= 0 && digit <= 9 ? digit : -1
}

/** Two digits at `index` as a number, or -1. */
function twoDigits(text: string, index: number): number {
  const high = digitAt(text, index)
  const low = digitAt(text, index + 1)
  return high < 0 || low < 0 ? -1 : high * 10 + low
}

/** Days from 1970-01-01 to the first of `month` (1–12) of `year` (0–9999), proleptic Gregorian (Hinnant's days_from_civil). */
function daysToMonth(year: number, month: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5)
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/**
 * {@link isoMilliseconds} for a date-time whose every field is in range (a real calendar day, hour 0–23, minute and
 * second 0–59, offset below 24 h), read in one pass without a regex, a template string or `Date.parse`, which cost
 * more than a tenth of a Zendesk verification (bench/verify.mjs). undefined for any other text, which then takes
 * the general path: out-of-range fields are whatever `Date.parse` makes of them (day rollover, `24:00:00`, NaN).
 */
function isoMillisecondsInRange(text: string): number | undefined {
  const length = text.length
  if (length < 19 || text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d) return undefined
  const separator = text.charCodeAt(10)
  if (separator !== 0x54 && separator !== 0x74 && separator !== 0x20) return undefined
  if (text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return undefined
  const century = twoDigits(text, 0)
  const yearInCentury = twoDigits(text, 2)
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  const hour = twoDigits(text, 11)
  const minute = twoDigits(text, 14)
  const second = twoDigits(text, 17)
  if (century < 0 || yearInCentury < 0 || month < 1 || month > 12 || day < 1) return undefined
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return undefined
  const year = century * 100 + yearInCentury
  if (day > daysInMonth(year, month)) return undefined
  let at = 19
  // A fraction of 1 to 9 digits; Date.parse keeps its milliseconds and drops the rest (truncates).
  let fraction = 0
  if (text.charCodeAt(at) === 0x2e) {
    const start = ++at
    while (at < length && at - start < 10 && digitAt(text, at) >= 0) at++
    const count = at - start
    if (count === 0 || count > 9) return undefined
    for (let i = 0; i < 3; i++)
      fraction = fraction * 10 + (i < count ? digitAt(text, start + i) : 0)
  }
  // Z, z, ±HH:MM or ±HHMM; none is UTC.
  let offsetMinutes = 0
  if (at < length) {
    const zone = text.charCodeAt(at)
    if (zone === 0x5a || zone === 0x7a) {
      at++
    } else if (zone === 0x2b || zone === 0x2d) {
      const offsetHour = twoDigits(text, at + 1)
      at += text.charCodeAt(at + 3) === 0x3a ? 4 : 3
      const offsetMinute = twoDigits(text, at)
      if (offsetHour < 0 || offsetHour > 23 || offsetMinute < 0 || offsetMinute > 59)
        return undefined
      at += 2
      offsetMinutes = (offsetHour * 60 + offsetMinute) * (zone === 0x2b ? 1 : -1)
    } else {
      return undefined
    }
  }
  if (at !== length) return undefined
  const days = daysToMonth(year, month) + day - 1
  return ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + fraction
}

/** Milliseconds since the epoch of an ISO 8601 date-time as {@link ISO_TIME} admits it (UTC without an offset); NaN otherwise. */
function isoMilliseconds(text: string): number {
  const inRange = isoMillisecondsInRange(text)
  if (inRange !== undefined) return inRange
  const match = ISO_TIME.exec(text)
  const offset = match?.[3]
  return match === null
    ? Number.NaN
    : Date.parse(
        `${match[1]}T${match[2]}${offset === undefined ? 'Z' : offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset.toUpperCase()}`,
      )
}

function timestampFrom(text: string | undefined, label: string, unit: 's' | 'ms' | 'iso'): number {
  if (text === undefined || text.length === 0)
    fail('timestamp_missing', `The ${label} carries no timestamp.`)
  if (unit === 'iso') {
    const ms = isoMilliseconds(text)
    if (!Number.isFinite(ms))
      fail('malformed_signature', `The timestamp in ${label} is not an ISO 8601 date-time.`)
    return ms / 1000
  }
  const value = wholeNumber(text, unit === 'ms' ? 15 : 12)
  if (value === undefined)
    fail(
      'malformed_signature',
      `The timestamp in ${label} is not a whole number of ${unit === 'ms' ? 'milliseconds' : 'seconds'}.`,
    )
  return unit === 'ms' ? value / 1000 : value
}

/**
 * The timestamp as signed. Numbers are signed as the number, not the text as sent: the providers' SDKs parse them and
 * sign `String(n)` (a leading zero drops); digits without a leading zero are that text already. ISO times are
 * signed as sent.
 */
function signedTime(text: string, timestamp: number, unit: 's' | 'ms' | 'iso'): string {
  if (unit === 'iso' || text.charCodeAt(0) !== 0x30) return text
  return String(unit === 'ms' ? Math.round(timestamp * 1000) : timestamp)
}

/** Whether `value` holds exactly `key` from `start` to `end`. */
function matchesAt(value: string, start: number, end: number, key: string | undefined): boolean {
  return key !== undefined && end - start === key.length && value.startsWith(key, start)
}

/** Builds the preset factory for a {@link SignedSpec}. */
export function signedPreset<Options extends object = object>(
  spec: SignedSpec,
): ProviderFactory<Options> {
  return defineProvider<Options, SignedConfig>(signedDefinition(spec))
}

/** The definition behind {@link signedPreset}, for presets that add code around it. */
export function signedDefinition(spec: SignedSpec): ProviderDefinition<object, SignedConfig> {
  const parts = parseTemplate(spec.id, spec.signed)
  const uses = new Set(parts.map((p) => p.kind))
  const sig = spec.signature
  const header = sig.header.toLowerCase()
  const list = sig.list
  const timestampHeader = spec.timestamp?.header?.toLowerCase()
  const unit = spec.timestamp?.unit ?? 's'
  const idHeader = spec.idHeader?.toLowerCase()
  const alg = KEY_ALGORITHM[spec.algorithm]
  const eventIdSources =
    spec.eventId === undefined
      ? spec.idHeader === undefined
        ? []
        : [{ header: spec.idHeader }]
      : fieldSources(spec.eventId)
  const eventTypeSources = fieldSources(spec.eventType)
  if (
    spec.timestamp !== undefined &&
    timestampHeader === undefined &&
    list?.timestampKey === undefined
  ) {
    throw new TypeError(
      `[@hookgate/verify] ${spec.id}: a timestamp needs a header or a list timestampKey`,
    )
  }
  if (uses.has('id') && idHeader === undefined)
    throw new TypeError(`[@hookgate/verify] ${spec.id}: {id} needs idHeader`)
  const usesUrl = uses.has('url')
  const usesMethod = uses.has('method')
  const signsId = uses.has('id')
  const timed = spec.timestamp !== undefined
  // Built once: the label of a failure message is not worth a regex replace per request.
  const timestampLabel =
    timestampHeader === undefined
      ? `${sig.header} header`
      : `${headerLabel(timestampHeader)} header`
  const urlFromRequest = usesUrl && spec.urlOption === undefined
  const optionKeys = [
    ...(spec.urlOption === undefined ? [] : [spec.urlOption]),
    ...(urlFromRequest ? ['publicUrl'] : []),
    ...(spec.handshakeOptions ?? []),
  ]

  const label = sig.header
  const prefix = sig.prefix ?? ''
  const lowerHex = sig.anyHexCase === true && sig.encoding === 'hex'

  function one(text: string): Signature {
    return encodedSignature(alg, sig.encoding, lowerHex ? text.toLowerCase() : text, label)
  }

  function prefixedSignature(value: string): Signature {
    if (!value.startsWith(prefix)) {
      const algo = /^([A-Za-z0-9-]{1,16})=/.exec(value)?.[1]
      if (algo !== undefined && prefix.endsWith('=')) {
        fail(
          'unsupported_algorithm',
          `The ${label} header uses "${algo}", but ${spec.name} signs with "${prefix.slice(0, -1)}".`,
        )
      }
      fail('malformed_signature', `The ${label} header does not start with "${prefix}".`)
    }
    return one(prefix === '' ? value : value.slice(prefix.length))
  }

  /** The list's signatures, pushed onto `signatures`; returns its timestamp item, when it has one. */
  function listSignatures(
    list: NonNullable<SignedSpec['signature']['list']>,
    value: string,
    signatures: Signature[],
  ): string | undefined {
    let timestampText: string | undefined
    const separator = list.separator
    // Walked with indexOf rather than split: no array of items, no copy of each item before its key is known.
    for (let start = 0; start <= value.length;) {
      let end = value.indexOf(separator, start)
      if (end === -1) end = value.length
      const eq = value.indexOf('=', start)
      if (eq <= start || eq >= end)
        fail('malformed_signature', `The ${label} header is not a list of key=value items.`)
      // Not trimmed: the providers' SDKs split on the separator and `=` only.
      if (matchesAt(value, start, eq, list.timestampKey)) {
        if (timestampText !== undefined)
          fail(
            'malformed_signature',
            `The ${label} header has more than one ${list.timestampKey}= timestamp.`,
          )
        timestampText = value.slice(eq + 1, end)
      } else if (matchesAt(value, start, eq, list.key)) {
        if (signatures.length === MAX_SIGNATURES)
          fail(
            'malformed_signature',
            `The ${label} header has more than ${MAX_SIGNATURES} signatures.`,
          )
        signatures.push(one(value.slice(eq + 1, end)))
      }
      start = end + separator.length
    }
    if (list.timestampKey !== undefined && timestampText === undefined)
      fail('timestamp_missing', `The ${label} header has no ${list.timestampKey}= timestamp.`)
    if (signatures.length === 0)
      fail('missing_signature', `The ${label} header has no ${list.key}= signature.`)
    return timestampText
  }

  function urlOf(request: { url?: string | undefined }, config: SignedConfig): string | undefined {
    if (!usesUrl) return undefined
    if (config.url !== undefined) return config.url
    return publicRequestUrl(spec.id, request.url, config.publicUrl)
  }

  const profile: TestProfile = {
    ...(spec.testOptions === undefined ? {} : { options: spec.testOptions }),
    secretKind:
      spec.testSecretKind ??
      (spec.algorithm === 'ed25519'
        ? 'ed25519'
        : spec.algorithm === 'ecdsa-p256-sha256'
          ? 'ecdsa-p256'
          : spec.algorithm === 'rsa-sha256'
            ? 'rsa'
            : spec.secret === 'utf8' || spec.secret === undefined
              ? 'text'
              : spec.secret),
    signatureHeader: header,
    encoding: sig.encoding,
    signatureStart: list !== undefined ? 'list' : (sig.prefix ?? '') !== '' ? 'prefix' : 'none',
    ...(list !== undefined
      ? { prefix: `${list.key}=` }
      : sig.prefix === undefined || sig.prefix === ''
        ? {}
        : { prefix: sig.prefix }),
    ...(list?.timestampKey === undefined ? {} : { timestampKey: list.timestampKey }),
    ...(sig.anyHexCase === true ? { anyHexCase: true } : {}),
    ...(spec.timestamp === undefined
      ? {}
      : {
          time: {
            seconds: spec.timestamp.toleranceSeconds,
            where: timestampHeader === undefined ? 'in-signature' : { header: timestampHeader },
            unit,
          },
        }),
    ...(uses.has('id') && idHeader !== undefined ? { signedIdHeader: idHeader } : {}),
    bodySigned: uses.has('body'),
    ...(uses.has('url') ? { url: spec.urlOption === undefined ? 'request' : 'config' } : {}),
    relatedHeaders: [
      header,
      ...(timestampHeader === undefined ? [] : [timestampHeader]),
      ...(idHeader === undefined ? [] : [idHeader]),
    ],
  }

  return {
    id: spec.id,
    name: spec.name,
    scheme: `${sig.header} — ${schemeLabel(spec.algorithm)} ${sig.encoding} of \`${spec.signed.replaceAll('{', '').replaceAll('}', '')}\``,
    docsUrl: spec.docsUrl,
    ...(spec.timestamp === undefined ? {} : { toleranceSeconds: spec.timestamp.toleranceSeconds }),
    optionKeys,
    mismatchHint: spec.mismatchHint,
    signatureHeaders: [header, ...(spec.extraSignatureHeaders ?? []).map((h) => h.toLowerCase())],
    ...(spec.handshake === undefined ? {} : { handshake: spec.handshake }),
    ...(spec.urlOption === undefined ? {} : { sourceUrlOption: spec.urlOption }),
    ...(spec.senderIps === undefined ? {} : { senderIps: spec.senderIps }),
    profile,
    configure(options) {
      const url =
        spec.urlOption === undefined
          ? undefined
          : stringOption(spec.id, options, spec.urlOption, true)
      const publicUrl = urlFromRequest ? stringOption(spec.id, options, 'publicUrl') : undefined
      if (publicUrl !== undefined && !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/i.test(publicUrl)) {
        throw optionError(
          spec.id,
          'option `publicUrl` must be an http(s) origin with an optional path, without query',
        )
      }
      // The handshake options, without the secrets: a config is kept and passed around, the secrets only as keys.
      const { secrets: _secrets, ...rest } = options as Readonly<Record<string, unknown>>
      return { url, publicUrl: publicUrl?.replace(/\/+$/, ''), options: rest }
    },
    decodeKey(secret): Key {
      if (!isAsymmetric(spec.algorithm)) {
        return hmacKey(spec.algorithm, secretBytes(spec.id, secret, spec.secret ?? 'utf8'))
      }
      // Bytes are the key file's contents (PEM or DER), as read from disk.
      const key = parseKeyText(
        spec.algorithm,
        typeof secret === 'string'
          ? secret
          : Buffer.from(secret).toString(secret[0] === 0x30 ? 'base64' : 'utf8'),
      )
      if (key === undefined || !keyFits(spec.algorithm, key)) {
        throw optionError(
          spec.id,
          `the key must be ${schemeLabel(spec.algorithm)} key text (PEM, JWK, base64 DER${spec.algorithm === 'ed25519' ? ' or 32 raw bytes in hex/base64' : ''})`,
        )
      }
      return { alg, key }
    },
    parse(request: WebhookRequest) {
      const headers = request.headers
      const value = requireHeader(headers, header)
      const signatures: Signature[] = []
      let timestampText: string | undefined
      if (list === undefined) signatures.push(prefixedSignature(value))
      else timestampText = listSignatures(list, value, signatures)
      if (timestampHeader !== undefined) timestampText = getHeader(headers, timestampHeader)
      const timestamp = timed ? timestampFrom(timestampText, timestampLabel, unit) : undefined
      const id = idHeader === undefined ? undefined : getHeader(headers, idHeader)
      if (signsId && (id === undefined || id === ''))
        fail(
          'missing_signature',
          `The ${spec.idHeader} header is missing; it is part of what ${spec.name} signs.`,
        )
      const data: SignedData = {
        timestampText:
          timestamp === undefined ? undefined : signedTime(timestampText!, timestamp, unit),
        id,
      }
      const envelope: {
        signatures: Signature[]
        data: SignedData
        timestamp?: number
        id?: string
      } = { signatures, data }
      if (timestamp !== undefined) envelope.timestamp = timestamp
      if (id !== undefined && id !== '') envelope.id = id
      return envelope
    },
    signedContent(request, body, envelope, config) {
      const data = envelope.data as SignedData
      return [
        content(
          parts,
          body,
          data.timestampText,
          data.id,
          usesUrl ? urlOf(request, config) : undefined,
          usesMethod ? (request.method ?? 'POST').toUpperCase() : '',
        ),
      ]
    },
    sign(input, key, config) {
      const timestampText =
        unit === 'ms'
          ? String(input.timestamp * 1000)
          : unit === 'iso'
            ? new Date(input.timestamp * 1000).toISOString()
            : String(input.timestamp)
      const signature = signContent(
        key,
        content(
          parts,
          input.body,
          timestampText,
          input.id,
          urlOf(input, config),
          input.method.toUpperCase(),
        ),
        sig.encoding,
      )
      const headers: Record<string, string> = {}
      if (list === undefined) {
        headers[headerLabel(header)] = (sig.prefix ?? '') + signature
      } else {
        const head =
          list.timestampKey === undefined || timestampHeader !== undefined
            ? ''
            : `${list.timestampKey}=${timestampText}${list.separator}`
        headers[headerLabel(header)] = `${head}${list.key}=${signature}`
      }
      if (timestampHeader !== undefined && spec.timestamp !== undefined)
        headers[headerLabel(timestampHeader)] = timestampText
      if (uses.has('id') && idHeader !== undefined) headers[headerLabel(idHeader)] = input.id
      return headers
    },
    ...(eventIdSources.length === 0
      ? {}
      : { eventId: (context: VerifiedContext) => readField(context, eventIdSources) }),
    ...(eventTypeSources.length === 0
      ? {}
      : { eventType: (context: VerifiedContext) => readField(context, eventTypeSources) }),
  }
}

function headerLabel(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())
}

function schemeLabel(alg: SignedAlgorithm): string {
  switch (alg) {
    case 'hmac-md5':
      return 'HMAC-MD5'
    case 'hmac-sha1':
      return 'HMAC-SHA1'
    case 'hmac-sha256':
      return 'HMAC-SHA256'
    case 'hmac-sha512':
      return 'HMAC-SHA512'
    case 'ed25519':
      return 'Ed25519'
    case 'ecdsa-p256-sha256':
      return 'ECDSA P-256 SHA-256'
    case 'rsa-sha256':
      return 'RSA SHA-256'
  }
}
