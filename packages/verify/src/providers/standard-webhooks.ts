/**
 * @module providers/standard-webhooks
 * Standard Webhooks (and Svix, the same scheme with `svix-*` headers): `webhook-signature` holds a
 * space-separated list of `v1,<base64 HMAC-SHA256>` and `v1a,<base64 Ed25519>` over `${id}.${timestamp}.${body}`.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { Buffer } from 'node:buffer'
import { fail } from '../errors.ts'
import { decodeStrict } from '../_internal/encoding.ts'
import { getHeader } from '../_internal/headers.ts'
import { defineProvider, field, optionError, type Secret } from '../define.ts'
import { ed25519PrivateKey, ed25519PublicKey } from '../schemes/ed25519.ts'
import { hmacKey } from '../schemes/hmac.ts'
import { signContent, type Key, type Signature } from '../schemes/index.ts'
import type { HeadersLike } from '../request.ts'
import { encodedSignature, MAX_SIGNATURES, requireValue, unixSeconds } from './_shared.ts'

interface HeaderSet {
  readonly signature: string
  readonly id: string
  readonly timestamp: string
}

interface SwConfig {
  /**
   * Header sets tried in order: `webhook-*`, or `svix-*` then `webhook-*` (the svix SDK's fallback). The names are
   * built once here, not per request: a header name made on the fly costs a string-table lookup per use.
   */
  readonly headerSets: readonly [HeaderSet, ...HeaderSet[]]
  readonly provider: string
  /** `whsec`: base64 after an optional `whsec_` prefix (the spec); `utf8`: the secret text itself is the key (Polar). */
  readonly secret: 'whsec' | 'utf8'
}

function headerNames(prefix: string): HeaderSet {
  return { signature: `${prefix}-signature`, id: `${prefix}-id`, timestamp: `${prefix}-timestamp` }
}

/**
 * The header set the request uses and its signature header's value: the first set whose signature header is present
 * (the svix SDK's fallback), else the first set (reported as missing). Each name is looked up once.
 */
function signatureHeader(
  headers: HeadersLike,
  config: SwConfig,
): { readonly set: HeaderSet; readonly value: string | undefined } {
  const sets = config.headerSets
  for (let i = 0; i < sets.length; i++) {
    const value = getHeader(headers, sets[i]!.signature)
    if (value !== undefined) return { set: sets[i]!, value }
  }
  return { set: sets[0], value: undefined }
}

function decodeBase64Key(provider: string, text: string, what: string): Buffer {
  const bytes = decodeStrict(text, 'base64')
  if (bytes === undefined || bytes.length === 0)
    throw optionError(provider, `${what} must be non-empty base64 after its prefix`)
  return bytes
}

/** `whsec_<base64>` → HMAC key; `whpk_<base64>` → Ed25519 public key; `whsk_<base64>` → Ed25519 private key (can sign). */
function decodeKey(secret: Secret, config: SwConfig): Key {
  if (secret instanceof Uint8Array) return hmacKey('hmac-sha256', secret)
  if (secret.startsWith('whpk_')) {
    const raw = decodeBase64Key(config.provider, secret.slice(5), 'a whpk_ public key')
    if (raw.length !== 32) throw optionError(config.provider, 'a whpk_ public key must be 32 bytes')
    return ed25519PublicKey(raw)
  }
  if (secret.startsWith('whsk_')) {
    const raw = decodeBase64Key(config.provider, secret.slice(5), 'a whsk_ secret key')
    if (raw.length !== 32 && raw.length !== 64)
      throw optionError(config.provider, 'a whsk_ secret key must be 32 or 64 bytes')
    return ed25519PrivateKey(raw)
  }
  if (config.secret === 'utf8') return hmacKey('hmac-sha256', Buffer.from(secret, 'utf8'))
  const text = secret.startsWith('whsec_') ? secret.slice(6) : secret
  return hmacKey('hmac-sha256', decodeBase64Key(config.provider, text, 'the secret (whsec_…)'))
}

function parseSignatures(value: string, header: string): Signature[] {
  const signatures: Signature[] = []
  // Walked with indexOf rather than split(' '): no array of entries, no copy of an entry before its version is known.
  for (let start = 0; start < value.length;) {
    let end = value.indexOf(' ', start)
    if (end === -1) end = value.length
    if (end > start) {
      const comma = value.indexOf(',', start)
      if (comma <= start || comma >= end)
        fail(
          'malformed_signature',
          `The ${header} header is not a list of "<version>,<signature>".`,
        )
      // Unknown versions are skipped (the spec's forward compatibility).
      const version =
        comma - start === 2 && value.startsWith('v1', start)
          ? 'v1'
          : comma - start === 3 && value.startsWith('v1a', start)
            ? 'v1a'
            : undefined
      if (version !== undefined) {
        if (signatures.length === MAX_SIGNATURES)
          fail(
            'malformed_signature',
            `The ${header} header has more than ${MAX_SIGNATURES} signatures.`,
          )
        signatures.push(
          encodedSignature(
            version === 'v1' ? 'hmac-sha256' : 'ed25519',
            'base64',
            value.slice(comma + 1, end),
            header,
          ),
        )
      }
    }
    start = end + 1
  }
  if (signatures.length === 0)
    fail('unsupported_algorithm', `The ${header} header has no v1 or v1a signature.`)
  return signatures
}

/** A sender on the Standard Webhooks scheme (Clerk, Resend, OpenAI, Polar, …), declared as data. */
export interface StandardWebhooksSpec {
  readonly id: string
  readonly name: string
  readonly docsUrl: string
  /** Header prefixes tried in order: `['webhook']`, or `['svix', 'webhook']` for Svix-sent webhooks. */
  readonly headerPrefixes: readonly [string, ...string[]]
  /** How the secret becomes the key. Default `whsec`. */
  readonly secret?: 'whsec' | 'utf8'
  readonly mismatchHint?: string
  /** Body field of the event type. Default `type`. */
  readonly eventTypeField?: string
}

/** Builds a Standard Webhooks preset: `{id}.{timestamp}.{body}`, `v1,<base64>` (HMAC-SHA256) or `v1a` (Ed25519), ±300 s. */
export function standardWebhooksPreset(spec: StandardWebhooksSpec) {
  const { id, name, headerPrefixes: prefixes } = spec
  const label = prefixes[0]
  const headerSets = prefixes.map(headerNames) as [HeaderSet, ...HeaderSet[]]
  const secretForm = spec.secret ?? 'whsec'
  const eventTypeField = spec.eventTypeField ?? 'type'
  return defineProvider<object, SwConfig>({
    id,
    name,
    scheme: `${label}-signature v1,<base64> (HMAC-SHA256) / v1a (Ed25519) of \`id.timestamp.body\``,
    docsUrl: spec.docsUrl,
    toleranceSeconds: 300,
    optionKeys: [],
    signatureHeaders: headerSets.map((set) => set.signature),
    mismatchHint:
      spec.mismatchHint ??
      (secretForm === 'whsec'
        ? "Use the endpoint's signing secret (whsec_…, base64 after the prefix); a Stripe whsec_ secret is a different thing."
        : `Use the endpoint's webhook secret exactly as ${name} shows it (the text is the key; it is not base64-decoded).`),
    profile: {
      secretKind: secretForm === 'whsec' ? 'whsec' : 'text',
      signatureHeader: headerSets[0].signature,
      encoding: 'base64',
      signatureStart: 'prefix',
      prefix: 'v1,',
      time: { seconds: 300, where: { header: headerSets[0].timestamp }, unit: 's' },
      signedIdHeader: headerSets[0].id,
      bodySigned: true,
      relatedHeaders: headerSets.flatMap((set) => [set.signature, set.id, set.timestamp]),
    },
    configure: () => ({ headerSets, provider: id, secret: secretForm }),
    decodeKey,
    parse(request, _body, config) {
      const { set, value } = signatureHeader(request.headers, config)
      const signatures = parseSignatures(requireValue(value, set.signature), set.signature)
      const msgId = getHeader(request.headers, set.id)
      if (msgId === undefined || msgId === '')
        fail('missing_signature', `The ${set.id} header is missing.`)
      const timestamp = unixSeconds(getHeader(request.headers, set.timestamp), set.timestamp)
      return { signatures, timestamp, id: msgId }
    },
    signedContent: (_request, body, envelope) => [[`${envelope.id}.${envelope.timestamp}.`, body]],
    sign(input, key) {
      if (key.alg === 'ed25519' && key.key.type !== 'private') {
        throw new TypeError(
          `[@hookgate/verify] ${id}: signing needs a whsec_ or whsk_ secret, not a whpk_ public key`,
        )
      }
      const content = [`${input.id}.${input.timestamp}.`, input.body]
      const version = key.alg === 'ed25519' ? 'v1a' : 'v1'
      return {
        [`${label}-id`]: input.id,
        [`${label}-timestamp`]: String(input.timestamp),
        [`${label}-signature`]: `${version},${signContent(key, content, 'base64')}`,
      }
    },
    eventType: (context) => field(context.payload(), ...eventTypeField.split('.')),
  })
}

/** Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`); ±300 s. */
export const standardWebhooks = standardWebhooksPreset({
  id: 'standard-webhooks',
  name: 'Standard Webhooks',
  docsUrl: 'https://www.standardwebhooks.com/',
  headerPrefixes: ['webhook'],
})
/** Svix (and Clerk, Resend, … built on it): `svix-*` headers, falling back to `webhook-*` as the svix SDK does. */
export const svix = standardWebhooksPreset({
  id: 'svix',
  name: 'Svix',
  docsUrl: 'https://docs.svix.com/receiving/verifying-payloads/how-manual',
  headerPrefixes: ['svix', 'webhook'],
})
