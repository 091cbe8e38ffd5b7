/**
 * @module diagnose
 * "Why doesn't my signature match?" After a verification failure, {@link diagnose} makes the mistakes people make
 * one at a time — the secret decoded differently, another candidate secret, the body re-serialised, the URL changed
 * by a proxy, the timestamp in the wrong unit, the signature over another part or in another encoding — and
 * reports each one that makes the signature match, as a coded hint with a sentence saying what to fix.
 *
 * It never weakens verification: every candidate goes through the same verify loop ({@link safeVerifyWebhook},
 * constant-time comparisons), it runs only after that loop has refused the request, and it returns findings,
 * never a verified webhook. Its messages name forms, option names, candidate labels and durations; never a secret,
 * a signature, a URL or body content. Its work is bounded: at most {@link MAX_DIAGNOSIS_ATTEMPTS} candidate
 * verifications, and bodies are re-serialised only up to {@link MAX_DIAGNOSIS_BODY_BYTES}.
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { timingSafeEqual } from 'node:crypto'
import { decodeStrict } from './_internal/encoding.ts'
import { getHeader } from './_internal/headers.ts'
import {
  signatureHeadersOf,
  type ConfiguredPreset,
  type ProviderDefinition,
  type Secret,
  type TestProfile,
} from './define.ts'
import { Failure, type VerificationFailureReason } from './errors.ts'
import { publicRequestUrl } from './families/url.ts'
import type { WebhookRequest } from './request.ts'
import { hmacKey } from './schemes/hmac.ts'
import type { Content, Key } from './schemes/index.ts'
import { describeSeconds, safeVerifyWebhook } from './verify.ts'

/** Every hint code {@link diagnose} can report (closed set, public API: adding one is a minor release). */
export const DIAGNOSIS_CODES = [
  /** One of the caller's candidate secrets (an API token, another app's secret…) makes the signature match. */
  'candidate_secret',
  /** The sender base64-decodes the secret; the preset uses its text. */
  'secret_base64_decoded',
  /** The sender hex-decodes the secret; the preset uses its text. */
  'secret_hex_decoded',
  /** The sender uses the secret's text as the key; the preset decodes it (base64, hex, whsec_). */
  'secret_not_decoded',
  /** The `whsec_` prefix is part of the key on one side and stripped on the other. */
  'secret_whsec_prefix',
  /** The signature is hex where base64 is expected or the reverse (or upper-case hex, base64url). */
  'signature_encoding',
  /** The signature lacks the prefix the provider puts before it (`sha256=`, `v0=`, `v1,`). */
  'signature_prefix',
  /** The signature was computed over another part of the request (the body alone, `timestamp.body`…). */
  'signed_content',
  /** The timestamp (or the verifier's clock) is in milliseconds where seconds are expected, or the reverse. */
  'timestamp_unit',
  /** The signature is valid; only the replay window refuses it (by how much is in the message and `skewSeconds`). */
  'clock_skew',
  /** http where the sender signed https, or the reverse (a TLS-terminating proxy or tunnel). */
  'url_scheme',
  /** A port added or removed between what the sender signed and the URL verified. */
  'url_port',
  /** A trailing slash added or removed. */
  'url_trailing_slash',
  /** A query string present on one side only. */
  'url_query',
  /** The configured URL option (Trello's `callbackUrl`) differs from the URL the request was sent to, which matches. */
  'url_configured',
  /** The JSON body was parsed and re-encoded (layout, key order, unicode escapes, escaped slashes). */
  'body_reserialized',
  /** A trailing newline added or removed. */
  'body_trailing_newline',
  /** Line endings converted (CRLF ↔ LF). */
  'body_line_endings',
] as const
export type DiagnosisCode = (typeof DIAGNOSIS_CODES)[number]

/** One mistake that, undone, makes the signature match. */
export interface DiagnosisFinding {
  readonly code: DiagnosisCode
  /** What happened and what to change. Never holds a secret, a signature, a URL or body content. */
  readonly message: string
  /** For `clock_skew`: the verifier's clock minus the signing time, in seconds (negative: signed in the future). */
  readonly skewSeconds?: number
}

/** The outcome of {@link diagnose}: findings, never a verified webhook. */
export interface Diagnosis {
  /** Why verification failed; undefined when the request verifies (then there is nothing to diagnose). */
  readonly reason: VerificationFailureReason | undefined
  /** The mistakes that make the signature match, most likely first; empty when none of the known ones does. */
  readonly findings: readonly DiagnosisFinding[]
  /** Candidate verifications run (the first, plain verification included). */
  readonly attempts: number
  /** True when the attempt budget ran out before every known mistake was tried. */
  readonly exhausted: boolean
}

/** A secret the caller suspects may be the one the sender uses (e.g. an API token). Reported by label or index only. */
export type CandidateSecret = Secret | { readonly label: string; readonly secret: Secret }

export interface DiagnoseOptions {
  /** The clock, as given to verification. Default: now. */
  readonly now?: Date
  /** Other secrets to try, e.g. an API token the user is unsure about (`hookgate verify --candidate-secret`). */
  readonly candidateSecrets?: readonly CandidateSecret[]
}

/** Upper bound on candidate verifications per diagnosis: what one refused request can cost. */
export const MAX_DIAGNOSIS_ATTEMPTS = 64
/** Bodies larger than this are not re-serialised (parsing and re-encoding them would cost more than it tells). */
export const MAX_DIAGNOSIS_BODY_BYTES = 256 * 1024
/** Configured secrets whose other decodings are tried; more is a rotation list, not a guess. */
const MAX_KEYS_DECODED = 4
const MAX_CANDIDATES = 8

type Definition = ProviderDefinition<object, unknown>

/** A variant to verify: the preset and request to run, and the finding it stands for when it verifies. */
interface Probe {
  readonly preset: ConfiguredPreset
  readonly request: WebhookRequest
  readonly now?: Date
  readonly finding: DiagnosisFinding
  /** Probes of one group are alternatives: after one matches, the rest of its group is skipped. */
  readonly group?: string
}

/**
 * After a verification failure, tries the known mistakes one at a time and reports which make the signature match.
 * Returns `{ reason: undefined, findings: [] }` for a request that verifies. Runs at most
 * {@link MAX_DIAGNOSIS_ATTEMPTS} verifications.
 * @example
 * const result = safeVerifyWebhook(preset, request)
 * if (!result.ok) {
 *   for (const { code, message } of diagnose(preset, request).findings) console.warn(code, message)
 * }
 * @throws TypeError for programmer errors, as {@link safeVerifyWebhook} does (e.g. no `url` for a URL-signed preset).
 */
export function diagnose(
  preset: ConfiguredPreset,
  request: WebhookRequest,
  options?: DiagnoseOptions,
): Diagnosis {
  const now = options?.now
  const first = safeVerifyWebhook(preset, request, now === undefined ? undefined : { now })
  if (first.ok) return { reason: undefined, findings: [], attempts: 1, exhausted: false }
  if (!(request.rawBody instanceof Uint8Array) && typeof request.rawBody !== 'string') {
    return { reason: first.reason, findings: [], attempts: 1, exhausted: false }
  }
  const run = new Run(now)
  const definition = preset.definition
  const body =
    typeof request.rawBody === 'string' ? Buffer.from(request.rawBody, 'utf8') : request.rawBody
  const plain: WebhookRequest = { ...request, rawBody: body }
  const nowSeconds = (now?.getTime() ?? Date.now()) / 1000

  // The replay window is set aside for every probe: a captured request is often both old and mis-verified, and each
  // mistake is reported on its own. Whether the window alone refuses it is the first question.
  const base: ConfiguredPreset = { ...preset, toleranceSeconds: undefined }
  if (
    preset.toleranceSeconds !== undefined &&
    (first.reason === 'timestamp_too_old' || first.reason === 'timestamp_in_future')
  ) {
    const windowless = run.verify(base, plain)
    if (windowless !== undefined) {
      run.add(
        timeFinding(definition, windowless, nowSeconds, preset.toleranceSeconds, now !== undefined),
      )
      return run.result(first.reason)
    }
  }

  const matchedGroups = new Set<string>()
  for (const probe of probes(base, plain, body, options?.candidateSecrets ?? [])) {
    if (run.exhausted) break
    if (probe.group !== undefined && matchedGroups.has(probe.group)) continue
    if (run.verify(probe.preset, probe.request, probe.now) !== undefined) {
      run.add(probe.finding)
      if (probe.group !== undefined) matchedGroups.add(probe.group)
    }
  }
  if (!run.exhausted) {
    const finding = millisecondTimestamp(base, plain, body, run)
    if (finding !== undefined) run.add(finding)
  }
  return run.result(first.reason)
}

/** The attempt budget and the findings so far. */
class Run {
  attempts = 1
  exhausted = false
  readonly #findings: DiagnosisFinding[] = []
  readonly #seen = new Set<string>()
  readonly #now: Date | undefined

  constructor(now: Date | undefined) {
    this.#now = now
  }

  /** Counts an attempt; false (and exhausted) once the budget is spent. */
  spend(): boolean {
    if (this.attempts >= MAX_DIAGNOSIS_ATTEMPTS) {
      this.exhausted = true
      return false
    }
    this.attempts++
    return true
  }

  /** The signing time (undefined when there is none) when the variant verifies; undefined when it does not. */
  verify(
    preset: ConfiguredPreset,
    request: WebhookRequest,
    now?: Date,
  ): { timestamp: Date | undefined } | undefined {
    if (!this.spend()) return undefined
    const clock = now ?? this.#now
    try {
      const result = safeVerifyWebhook(
        preset,
        request,
        clock === undefined ? undefined : { now: clock },
      )
      return result.ok ? { timestamp: result.timestamp } : undefined
    } catch (error) {
      // A variant a preset cannot even take (a URL it refuses) simply does not match.
      if (error instanceof TypeError) return undefined
      throw error
    }
  }

  add(finding: DiagnosisFinding): void {
    const key = `${finding.code}\0${finding.message}`
    if (this.#seen.has(key)) return
    this.#seen.add(key)
    this.#findings.push(finding)
  }

  result(reason: VerificationFailureReason): Diagnosis {
    return { reason, findings: this.#findings, attempts: this.attempts, exhausted: this.exhausted }
  }
}

/** Every probe, most likely mistakes first; built lazily so the budget also bounds the work of building them. */
function* probes(
  base: ConfiguredPreset,
  request: WebhookRequest,
  body: Uint8Array,
  candidates: readonly CandidateSecret[],
): Generator<Probe, void, undefined> {
  const definition = base.definition
  const name = definition.name
  const profile = definition.profile

  // 1. The caller's candidate secrets, decoded as the preset decodes secrets.
  for (const [index, candidate] of candidates.slice(0, MAX_CANDIDATES).entries()) {
    const secret =
      typeof candidate === 'object' && !(candidate instanceof Uint8Array)
        ? candidate.secret
        : candidate
    const label =
      typeof candidate === 'object' && !(candidate instanceof Uint8Array)
        ? `"${candidate.label}"`
        : `#${index + 1}`
    const key = candidateKey(base, secret)
    if (key === undefined) continue
    yield {
      preset: { ...base, keys: [key] },
      request,
      finding: {
        code: 'candidate_secret',
        message:
          `The signature matches candidate secret ${label}, not the configured secret: the sender signs with that one. ` +
          `If it is the signing secret ${name} issued, configure it; if it is an API token or key, the sender (or your own ` +
          `signer) uses the wrong kind of secret. ${definition.mismatchHint}`,
      },
    }
  }

  // 2. The configured secrets, decoded another way.
  for (const key of base.keys.slice(0, MAX_KEYS_DECODED)) {
    for (const variant of secretVariants(key, profile, definition)) {
      yield {
        preset: { ...base, keys: [variant.key] },
        request,
        finding: { code: variant.code, message: variant.message },
      }
    }
  }

  // 3. The signature's encoding or prefix.
  yield* signatureProbes(base, request)

  // 4. The signature over another part of the request.
  yield* contentProbes(base, request, body)

  // 5. The URL, for URL-signed presets.
  yield* urlProbes(base, request)

  // 6. The body re-serialised.
  if (profile?.bodySigned !== false && body.byteLength <= MAX_DIAGNOSIS_BODY_BYTES) {
    for (const variant of bodyVariants(body)) {
      yield {
        preset: base,
        request: { ...request, rawBody: variant.body },
        finding: { code: variant.code, message: variant.message },
        group: 'body',
      }
    }
  }
}

function candidateKey(preset: ConfiguredPreset, secret: Secret): Key | undefined {
  try {
    return preset.definition.decodeKey(secret, preset.config)
  } catch {
    // Not in the provider's form (an API token is rarely base64): try it as the raw key text.
    const alg = preset.keys[0]?.alg
    if (alg === undefined || !alg.startsWith('hmac-')) return undefined
    return hmacKey(
      alg as 'hmac-sha256',
      typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret,
    )
  }
}

interface SecretVariant {
  readonly key: Key
  readonly code: DiagnosisCode
  readonly message: string
}

/**
 * Other readings of a configured HMAC secret. The key bytes are all there is after configuration, so the text is
 * rebuilt in the form the provider issues (`whsec_` + base64, base64, hex, or the text itself).
 */
function secretVariants(
  key: Key,
  profile: TestProfile | undefined,
  definition: Definition,
): SecretVariant[] {
  if (!key.alg.startsWith('hmac-')) return []
  const alg = key.alg as 'hmac-sha256'
  const bytes = key.key.export()
  const kind = profile?.secretKind ?? 'text'
  const name = definition.name
  let text: string
  switch (kind) {
    case 'whsec':
      text = `whsec_${bytes.toString('base64')}`
      break
    case 'base64':
      text = bytes.toString('base64')
      break
    case 'hex':
      text = bytes.toString('hex')
      break
    case 'text':
    case 'token':
      if (!isUtf8(bytes)) return []
      text = bytes.toString('utf8')
      break
    default:
      return []
  }
  const out: SecretVariant[] = []
  const seen = new Set<string>([bytes.toString('hex')])
  const push = (candidate: Uint8Array | undefined, code: DiagnosisCode, message: string): void => {
    if (candidate === undefined || candidate.length === 0) return
    const id = Buffer.from(candidate).toString('hex')
    if (seen.has(id)) return
    seen.add(id)
    out.push({ key: hmacKey(alg, candidate), code, message })
  }
  const stripped = text.startsWith('whsec_') ? text.slice(6) : text
  const textForm = kind === 'text' || kind === 'token'
  if (textForm) {
    push(
      decodeStrict(stripped, 'base64') ?? decodeStrict(stripped, 'base64url'),
      'secret_base64_decoded',
      `The signature matches the secret base64-decoded${stripped === text ? '' : ' (after its whsec_ prefix)'}, but ${name} ` +
        'uses the secret text itself as the key. The sender (or your own signer) decodes it: sign with the text as is — or, ' +
        'if the sender follows Standard Webhooks (Svix and the like), verify with that preset instead.',
    )
    push(
      decodeStrict(text.toLowerCase(), 'hex'),
      'secret_hex_decoded',
      `The signature matches the secret hex-decoded, but ${name} uses the secret text itself as the key: sign with the text as is.`,
    )
    if (stripped !== text) {
      push(
        Buffer.from(stripped, 'utf8'),
        'secret_whsec_prefix',
        `The signature matches the secret without its whsec_ prefix, but ${name} uses the whole secret, prefix included: ` +
          'the sender (or your signer) strips it.',
      )
    } else if (/^[\x21-\x7e]+$/.test(text)) {
      push(
        Buffer.from(`whsec_${text}`, 'utf8'),
        'secret_whsec_prefix',
        `The signature matches the secret with a whsec_ prefix: configure the secret whole, whsec_ included, as ${name} shows it.`,
      )
    }
  } else {
    push(
      Buffer.from(text, 'utf8'),
      'secret_not_decoded',
      `The signature matches the secret's text used as the key (not decoded), but ${name} ${kind === 'hex' ? 'hex' : 'base64'}-decodes ` +
        'it as the provider specifies: the sender (or your own signer) skips the decoding. ' +
        "If the sender uses the text as the key by design, it is not this provider's scheme.",
    )
    if (stripped !== text) {
      push(
        Buffer.from(stripped, 'utf8'),
        'secret_not_decoded',
        `The signature matches the secret's text after the whsec_ prefix used as the key (not base64-decoded), but ${name} ` +
          'base64-decodes it: the sender (or your own signer) skips the decoding.',
      )
    } else if (kind === 'whsec' || kind === 'base64') {
      push(
        Buffer.from(`whsec_${text}`, 'utf8'),
        'secret_whsec_prefix',
        `The signature matches the secret's text with a whsec_ prefix used as the key: the sender treats the whole whsec_ ` +
          `secret as text, while ${name} base64-decodes what follows the prefix.`,
      )
    }
  }
  return out
}

/** Where a preset's signature sits in its header: from the test profile, or the first signature header as a whole. */
interface SignatureSite {
  readonly header: string
  readonly encoding: 'hex' | 'base64' | 'base64url' | 'utf8' | undefined
  readonly prefix: string
  readonly anyHexCase: boolean
}

function signatureSite(preset: ConfiguredPreset): SignatureSite | undefined {
  const profile = preset.definition.profile
  if (profile !== undefined) {
    return {
      header: profile.signatureHeader,
      encoding: profile.encoding,
      prefix: profile.signatureStart === 'none' ? '' : (profile.prefix ?? ''),
      anyHexCase: profile.anyHexCase === true,
    }
  }
  const header = signatureHeadersOf(preset)[0]
  return header === undefined
    ? undefined
    : { header, encoding: undefined, prefix: '', anyHexCase: false }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Other encodings of one signature value, each with how it was re-encoded. */
function reencodings(
  value: string,
  expected: SignatureSite['encoding'],
  anyHexCase: boolean,
): { value: string; what: string }[] {
  const out: { value: string; what: string }[] = []
  const hex = /^[0-9a-fA-F]+$/.test(value) && value.length % 2 === 0
  const asBase64 =
    decodeStrict(value, 'base64') ??
    decodeStrict(value, 'base64url') ??
    decodeStrict(`${value}${'='.repeat((4 - (value.length % 4)) % 4)}`, 'base64')
  if (expected === 'hex' || expected === undefined) {
    if (hex && value !== value.toLowerCase() && !anyHexCase)
      out.push({
        value: value.toLowerCase(),
        what: 'upper-case hex where lower-case hex is expected',
      })
    if (!hex && asBase64 !== undefined)
      out.push({ value: asBase64.toString('hex'), what: 'base64 where hex is expected' })
  }
  if (expected === 'base64' || expected === 'base64url' || expected === undefined) {
    const target = expected ?? 'base64'
    if (hex)
      out.push({
        value: Buffer.from(value, 'hex').toString(target),
        what: `hex where ${target} is expected`,
      })
    else if (asBase64 !== undefined && asBase64.toString(target) !== value) {
      out.push({
        value: asBase64.toString(target),
        what: `${target === 'base64' ? 'base64url' : 'base64'} where ${target} is expected`,
      })
    }
  }
  return out
}

function* signatureProbes(
  base: ConfiguredPreset,
  request: WebhookRequest,
): Generator<Probe, void, undefined> {
  const site = signatureSite(base)
  if (site === undefined || site.encoding === 'utf8') return
  let value: string | undefined
  try {
    value = getHeader(request.headers, site.header)
  } catch {
    return
  }
  if (value === undefined || value.length === 0) return
  const name = base.definition.name
  const label = site.header
  if (site.prefix === '') {
    for (const alt of reencodings(value.trim(), site.encoding, site.anyHexCase)) {
      yield {
        preset: base,
        request: withHeader(request, site.header, alt.value),
        finding: {
          code: 'signature_encoding',
          message: `The ${label} header holds the signature as ${alt.what}: the sender (or your signer) must encode it as ${name} does.`,
        },
      }
    }
    return
  }
  const pattern = new RegExp(`(^|[\\s,;])${escapeRegExp(site.prefix)}([^\\s,;]+)`, 'g')
  const first = new RegExp(pattern.source).exec(value)
  if (first === null) {
    // No prefix at all: the bare signature, perhaps also in the other encoding.
    const bare = value.trim()
    yield {
      preset: base,
      request: withHeader(request, site.header, site.prefix + bare),
      finding: {
        code: 'signature_prefix',
        message: `The ${label} header lacks the "${site.prefix}" before the signature: the sender (or your signer) must send it as ${name} does.`,
      },
    }
    for (const alt of reencodings(bare, site.encoding, site.anyHexCase)) {
      yield {
        preset: base,
        request: withHeader(request, site.header, site.prefix + alt.value),
        finding: {
          code: 'signature_encoding',
          message: `The ${label} header holds the signature as ${alt.what}, without its "${site.prefix}" prefix: the sender (or your signer) must send it as ${name} does.`,
        },
      }
    }
    return
  }
  for (const alt of reencodings(first[2] ?? '', site.encoding, site.anyHexCase)) {
    const replaced = value.replace(pattern, (_m, sep: string, sig: string) => {
      const again = reencodings(sig, site.encoding, site.anyHexCase).find(
        (candidate) => candidate.what === alt.what,
      )
      return sep + site.prefix + (again?.value ?? sig)
    })
    yield {
      preset: base,
      request: withHeader(request, site.header, replaced),
      finding: {
        code: 'signature_encoding',
        message: `The ${label} header holds the signature as ${alt.what}: the sender (or your signer) must encode it as ${name} does.`,
      },
    }
  }
}

/** The request's headers as a plain object with one of them replaced. */
function withHeader(request: WebhookRequest, name: string, value: string): WebhookRequest {
  const headers: Record<string, string | readonly string[] | number | undefined> = {}
  if (
    typeof (request.headers as Headers).forEach === 'function' &&
    typeof (request.headers as Headers).get === 'function'
  ) {
    ;(request.headers as Headers).forEach((v, k) => {
      headers[k] = v
    })
  } else {
    for (const [k, v] of Object.entries(
      request.headers as Record<string, string | readonly string[] | number | undefined>,
    )) {
      if (k.toLowerCase() !== name) headers[k] = v
    }
  }
  headers[name] = value
  return { ...request, headers }
}

function* contentProbes(
  base: ConfiguredPreset,
  request: WebhookRequest,
  body: Uint8Array,
): Generator<Probe, void, undefined> {
  const definition = base.definition
  const profile = definition.profile
  if (profile?.bodySigned === false) return
  let envelope
  try {
    envelope = definition.parse(request, body, base.config)
  } catch (error) {
    if (error instanceof Failure || error instanceof TypeError) return
    throw error
  }
  const templated =
    profile === undefined ||
    profile.time !== undefined ||
    profile.signedIdHeader !== undefined ||
    profile.url !== undefined
  const scheme = definition.scheme
  const alternatives: { content: Content; what: string }[] = []
  if (templated) alternatives.push({ content: [body], what: 'the body alone' })
  if (envelope.timestamp !== undefined && profile?.time?.unit !== 'iso') {
    const t = String(
      Math.round(profile?.time?.unit === 'ms' ? envelope.timestamp * 1000 : envelope.timestamp),
    )
    alternatives.push({ content: [`${t}.`, body], what: '`timestamp.body`' })
  }
  for (const alt of alternatives) {
    const wrapped: Definition = { ...definition, signedContent: () => [alt.content] }
    yield {
      preset: { ...base, definition: wrapped },
      request,
      finding: {
        code: 'signed_content',
        message: `The signature was computed over ${alt.what}, but ${definition.name} signs ${scheme.replace(/^[^—]*—\s*/, '')}: the sender (or your signer) must sign the same parts, or this is another provider's scheme.`,
      },
    }
  }
}

interface UrlParts {
  readonly scheme: string
  readonly host: string
  readonly port: string
  readonly path: string
  readonly query: string
  readonly fragment: string
}

const URL_PARTS =
  /^([a-z][a-z0-9+.-]*):\/\/([^/?#:]*|\[[^\]]*\])(?::(\d*))?([^?#]*)(\?[^#]*)?(#.*)?$/i

function splitUrl(url: string): UrlParts | undefined {
  const m = URL_PARTS.exec(url)
  if (m === null) return undefined
  return {
    scheme: m[1] ?? '',
    host: m[2] ?? '',
    port: m[3] ?? '',
    path: m[4] ?? '',
    query: m[5] ?? '',
    fragment: m[6] ?? '',
  }
}

function joinUrl(p: UrlParts): string {
  return `${p.scheme}://${p.host}${p.port === '' ? '' : `:${p.port}`}${p.path}${p.query}${p.fragment}`
}

/** Variants of a signed URL: scheme, port, trailing slash, query. */
function urlVariants(
  url: string,
  extraQuery: string | undefined,
): { url: string; code: DiagnosisCode; what: string }[] {
  const p = splitUrl(url)
  if (p === undefined) return []
  const out: { url: string; code: DiagnosisCode; what: string }[] = []
  const scheme = p.scheme.toLowerCase()
  if (scheme === 'http' || scheme === 'https') {
    const other = scheme === 'http' ? 'https' : 'http'
    out.push({
      url: joinUrl({ ...p, scheme: other }),
      code: 'url_scheme',
      what: `${other} where the URL verified is ${scheme}`,
    })
    if (p.port !== '')
      out.push({
        url: joinUrl({ ...p, port: '' }),
        code: 'url_port',
        what: `no port where the URL verified has :${p.port}`,
      })
    else
      out.push({
        url: joinUrl({ ...p, port: scheme === 'https' ? '443' : '80' }),
        code: 'url_port',
        what: `an explicit port (:${scheme === 'https' ? 443 : 80}) where the URL verified has none`,
      })
    if (p.port !== '' && p.port !== '443') {
      out.push({
        url: joinUrl({ ...p, scheme: 'https', port: '' }),
        code: 'url_scheme',
        what: `https on the default port where the URL verified is ${scheme} on :${p.port} (a proxy or tunnel in between)`,
      })
    }
  }
  const path = p.path === '' ? '/' : p.path
  if (path.endsWith('/') && path.length > 1)
    out.push({
      url: joinUrl({ ...p, path: path.slice(0, -1) }),
      code: 'url_trailing_slash',
      what: 'no trailing slash where the URL verified has one',
    })
  else if (!path.endsWith('/'))
    out.push({
      url: joinUrl({ ...p, path: `${path}/` }),
      code: 'url_trailing_slash',
      what: 'a trailing slash where the URL verified has none',
    })
  if (p.query !== '')
    out.push({
      url: joinUrl({ ...p, query: '' }),
      code: 'url_query',
      what: 'no query string where the URL verified has one',
    })
  else if (extraQuery !== undefined && extraQuery !== '')
    out.push({
      url: joinUrl({ ...p, query: extraQuery }),
      code: 'url_query',
      what: 'the query string the request carries, which the URL verified lacks',
    })
  return out
}

function* urlProbes(
  base: ConfiguredPreset,
  request: WebhookRequest,
): Generator<Probe, void, undefined> {
  const definition = base.definition
  const name = definition.name
  const config = base.config
  const option = definition.sourceUrlOption
  if (option !== undefined) {
    // The URL the provider signs is an option (Trello's callbackUrl): rebuild the config with each variant.
    const holder = (typeof config === 'object' && config !== null ? config : {}) as Record<
      string,
      unknown
    >
    const options = (
      typeof holder.options === 'object' && holder.options !== null ? holder.options : holder
    ) as Record<string, unknown>
    const current = options[option]
    if (typeof current !== 'string') return
    const requestUrl = request.url
    const requestQuery =
      requestUrl === undefined ? undefined : (splitUrl(requestUrl)?.query ?? undefined)
    const variants = urlVariants(current, requestQuery)
    for (const variant of variants) {
      const reconfigured = reconfigure(definition, options, { [option]: variant.url })
      if (reconfigured === undefined) continue
      yield {
        preset: { ...base, config: reconfigured },
        request,
        finding: {
          code: variant.code,
          message: `The signature matches ${variant.what.replace('the URL verified', `\`${option}\``)}: set \`${option}\` to the URL exactly as registered with ${name}.`,
        },
      }
    }
    if (
      requestUrl !== undefined &&
      requestUrl !== current &&
      !variants.some((v) => v.url === requestUrl)
    ) {
      const reconfigured = reconfigure(definition, options, { [option]: requestUrl })
      if (reconfigured !== undefined) {
        yield {
          preset: { ...base, config: reconfigured },
          request,
          finding: {
            code: 'url_configured',
            message: `The signature matches the URL this request was sent to, not the configured \`${option}\`: set \`${option}\` to the URL registered with ${name}.`,
          },
        }
      }
    }
    return
  }
  if (!definition.optionKeys.includes('publicUrl') || request.url === undefined) return
  // The URL comes from the request (plus `publicUrl`): verify each variant as the request's URL, publicUrl set aside.
  const holder = (typeof config === 'object' && config !== null ? config : {}) as Record<
    string,
    unknown
  >
  const publicUrl = typeof holder.publicUrl === 'string' ? holder.publicUrl : undefined
  let signed: string
  try {
    signed = publicRequestUrl(base.id, request.url, publicUrl)
  } catch {
    return
  }
  const bare = { ...base, config: { ...holder, publicUrl: undefined } }
  const fix =
    publicUrl === undefined
      ? 'pass the public URL the provider called (behind a proxy or tunnel, set the `publicUrl` option: scheme, host and port as configured with the provider).'
      : 'set the `publicUrl` option to the origin exactly as configured with the provider.'
  for (const variant of urlVariants(signed, undefined)) {
    yield {
      preset: bare,
      request: { ...request, url: variant.url },
      finding: {
        code: variant.code,
        message: `The signature matches the URL with ${variant.what}: ${name} signs the exact URL it called; ${fix}`,
      },
    }
  }
}

function reconfigure(
  definition: Definition,
  options: Record<string, unknown>,
  change: Record<string, unknown>,
): unknown {
  try {
    return definition.configure({ ...options, ...change })
  } catch {
    return undefined
  }
}

/** Re-serialisations of the body, each with the form it takes. */
function bodyVariants(
  body: Uint8Array,
): { body: Uint8Array; code: DiagnosisCode; message: string }[] {
  const out: { body: Uint8Array; code: DiagnosisCode; message: string }[] = []
  const seen = new Set<string>()
  const raw = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  seen.add(raw.toString('latin1'))
  const push = (bytes: Buffer, code: DiagnosisCode, message: string): void => {
    const id = bytes.toString('latin1')
    if (seen.has(id)) return
    seen.add(id)
    out.push({ body: bytes, code, message })
  }
  const verbatim =
    'Verify the raw request body exactly as received (express.raw(), request.arrayBuffer(), request.get_data()), before any parsing.'
  const latin = raw.toString('latin1')
  if (latin.endsWith('\n')) {
    push(
      Buffer.from(latin.replace(/\r?\n$/, ''), 'latin1'),
      'body_trailing_newline',
      `The signature matches the body without its trailing newline: one was added after signing (an editor, echo, or a file saved by hand). ${verbatim}`,
    )
  } else {
    push(
      Buffer.from(`${latin}\n`, 'latin1'),
      'body_trailing_newline',
      `The signature matches the body with a trailing newline: it was dropped after signing (a trim, a copy-paste). ${verbatim}`,
    )
  }
  if (latin.includes('\r\n')) {
    push(
      Buffer.from(latin.replaceAll('\r\n', '\n'), 'latin1'),
      'body_line_endings',
      `The signature matches the body with LF line endings: they were converted to CRLF after signing (git autocrlf, a Windows editor, a transfer in text mode). ${verbatim}`,
    )
  } else if (latin.includes('\n')) {
    push(
      Buffer.from(latin.replaceAll('\n', '\r\n'), 'latin1'),
      'body_line_endings',
      `The signature matches the body with CRLF line endings: they were converted to LF after signing (git, an editor, a transfer in text mode). ${verbatim}`,
    )
  }
  if (isUtf8(raw)) {
    const text = raw.toString('utf8')
    let value: unknown
    let json = false
    try {
      value = JSON.parse(text)
      json = true
    } catch {
      json = false
    }
    if (json) {
      const form = (what: string): string =>
        `The signature matches the body re-serialised as ${what}: the bytes verified are not the bytes the sender signed — ` +
        `something parsed the JSON and encoded it again (a body parser, a framework, a logging step). ${verbatim}`
      push(
        Buffer.from(escapeNonAscii(text), 'utf8'),
        'body_reserialized',
        form('JSON with non-ASCII characters escaped (\\uXXXX)'),
      )
      push(
        Buffer.from(unescapeUnicode(text), 'utf8'),
        'body_reserialized',
        form('JSON with \\uXXXX escapes decoded to raw characters'),
      )
      if (text.includes('\\/'))
        push(
          Buffer.from(text.replaceAll('\\/', '/'), 'utf8'),
          'body_reserialized',
          form('JSON with "\\/" unescaped to "/"'),
        )
      else if (text.includes('/'))
        push(
          Buffer.from(text.replaceAll('/', '\\/'), 'utf8'),
          'body_reserialized',
          form('JSON with "/" escaped as "\\/" (PHP json_encode)'),
        )
      push(Buffer.from(JSON.stringify(value), 'utf8'), 'body_reserialized', form('compact JSON'))
      push(
        Buffer.from(JSON.stringify(value, null, 2), 'utf8'),
        'body_reserialized',
        form('pretty-printed JSON (2-space indent)'),
      )
      push(
        Buffer.from(JSON.stringify(sortKeys(value)), 'utf8'),
        'body_reserialized',
        form('JSON with its keys in a different order (sorted)'),
      )
      push(
        Buffer.from(escapeNonAscii(pythonDumps(value)), 'utf8'),
        'body_reserialized',
        form('Python\'s json.dumps default (", " and ": " separators, \\uXXXX escapes)'),
      )
    }
  }
  return out
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort())
    out[key] = sortKeys((value as Record<string, unknown>)[key])
  return out
}

/** `json.dumps(value)` with Python's default separators (no ensure_ascii applied here). */
function pythonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonDumps).join(', ')}]`
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonDumps(v)}`)
      .join(', ')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

function escapeNonAscii(text: string): string {
  // Non-ASCII can only appear inside JSON strings, where \uXXXX (per UTF-16 unit) is an equivalent spelling.
  return text.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

function unescapeUnicode(text: string): string {
  // Only escapes that are not themselves escaped (an even run of backslashes before them), and never the
  // characters JSON must keep escaped (controls, quote, backslash).
  return text.replace(
    /(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})/g,
    (match, slashes: string, hex: string) => {
      const code = Number.parseInt(hex, 16)
      return code < 0x20 || code === 0x22 || code === 0x5c
        ? match
        : slashes + String.fromCharCode(code)
    },
  )
}

/** Says what a signature valid outside the window means: clock skew, or a clock or timestamp in the wrong unit. */
function timeFinding(
  definition: Definition,
  verified: { timestamp: Date | undefined },
  nowSeconds: number,
  toleranceSeconds: number,
  clockGiven: boolean,
): DiagnosisFinding {
  const signed = (verified.timestamp?.getTime() ?? Number.NaN) / 1000
  const skew = nowSeconds - signed
  const name = definition.name
  if (Number.isFinite(skew)) {
    if (Math.abs(signed - nowSeconds * 1000) <= toleranceSeconds) {
      return {
        code: 'timestamp_unit',
        message: `The signature is valid, but the clock given to verification is about 1000 times too small: it holds Unix seconds where a Date needs milliseconds (new Date(seconds * 1000)).`,
      }
    }
    if (Math.abs(signed - nowSeconds / 1000) <= toleranceSeconds) {
      return {
        code: 'timestamp_unit',
        message:
          'The signature is valid, but the clock given to verification is about 1000 times too large: it was built from milliseconds multiplied by 1000.',
      }
    }
    if (Math.abs(signed * 1000 - nowSeconds) <= toleranceSeconds) {
      return {
        code: 'timestamp_unit',
        message: `The signature is valid, but the timestamp is in seconds where ${name} sends milliseconds: the sender (or your signer) must send Date.now(), not Unix seconds.`,
      }
    }
    if (Math.abs(signed / 1000 - nowSeconds) <= toleranceSeconds) {
      return {
        code: 'timestamp_unit',
        message: `The signature is valid, but the timestamp is in milliseconds where ${name} sends Unix seconds: the sender (or your signer) must send Math.floor(Date.now() / 1000).`,
      }
    }
  }
  const when = skew >= 0 ? `${describeSeconds(skew)} before` : `${describeSeconds(-skew)} after`
  const advice =
    skew >= 0
      ? `A replayed or delayed request, or a clock out of sync.${clockGiven ? '' : ' To check a captured request, verify with `now` set to when it was received.'}`
      : "Check this machine's clock (NTP) and the sender's."
  return {
    code: 'clock_skew',
    message: `The signature is valid, but it was made ${when} the verifier's clock, outside the ${toleranceSeconds} s window. ${advice}`,
    skewSeconds: Math.round(skew),
  }
}

/**
 * A 13-digit timestamp refused by a preset that expects seconds: re-sign the message as the sender did (its
 * millisecond value taken as the time) with each configured key and compare the signature headers in constant time.
 */
function millisecondTimestamp(
  base: ConfiguredPreset,
  request: WebhookRequest,
  body: Uint8Array,
  run: Run,
): DiagnosisFinding | undefined {
  const definition = base.definition
  const time = definition.profile?.time
  if (time === undefined || time.unit !== 's') return undefined
  let text: string | undefined
  try {
    if (time.where === 'in-signature') {
      const key = definition.profile?.timestampKey ?? 't'
      const value = getHeader(request.headers, definition.profile?.signatureHeader ?? '')
      text =
        value === undefined
          ? undefined
          : new RegExp(`(?:^|[,;\\s])${escapeRegExp(key)}=(\\d+)(?:[,;\\s]|$)`).exec(value)?.[1]
    } else {
      text = getHeader(request.headers, time.where.header)
    }
  } catch {
    return undefined
  }
  if (text === undefined || !/^\d{13}$/.test(text)) return undefined
  const ms = Number(text)
  const idHeader = definition.profile?.signedIdHeader
  let id = ''
  try {
    id = idHeader === undefined ? '' : (getHeader(request.headers, idHeader) ?? '')
  } catch {
    return undefined
  }
  const headers = signatureHeadersOf(base)
  for (const key of base.keys.slice(0, MAX_KEYS_DECODED)) {
    if (!key.alg.startsWith('hmac-') || !run.spend()) continue
    let produced: Record<string, string>
    try {
      produced = definition.sign(
        {
          body,
          url: request.url,
          method: (request.method ?? 'POST').toUpperCase(),
          timestamp: ms,
          id,
        },
        key,
        base.config,
      )
    } catch {
      continue
    }
    for (const [headerName, value] of Object.entries(produced)) {
      if (!headers.includes(headerName.toLowerCase())) continue
      let received: string | undefined
      try {
        received = getHeader(request.headers, headerName.toLowerCase())
      } catch {
        received = undefined
      }
      // Constant-time: the produced value is a valid signature; comparing it any other way is a forgery oracle.
      if (received !== undefined && sameText(received, value)) {
        return {
          code: 'timestamp_unit',
          message:
            `The signature holds for a timestamp in milliseconds, but ${definition.name} sends and signs Unix seconds: ` +
            'the sender (or your signer) must use Math.floor(Date.now() / 1000), not Date.now().',
        }
      }
    }
  }
  return undefined
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  return left.length === right.length && timingSafeEqual(left, right)
}
