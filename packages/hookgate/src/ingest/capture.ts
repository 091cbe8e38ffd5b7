/**
 * @module ingest/capture
 * Captured rejections (`sources[].captureRejected`, issue 9 §2): the request behind a signature failure, kept so
 * that `GET /api/rejections/{id}` and `hookgate verify --rejection <id>` can re-run verification and diagnosis on
 * exactly what was received.
 *
 * What is stored, and why (threat: a leaked database, backup or admin token):
 * - the body, at most `captureMaxBytes` (cut and marked `truncated` beyond), as an event's body is stored;
 * - the headers redacted as an event's are (signatures, tokens, cookies → `[redacted]`), in the rejection itself;
 * - the values redacted there, and the full URL (its query may hold a token), SEALED: AES-256-GCM under a key
 *   derived (HKDF-SHA256) from each of the source's secrets, bound to the rejection's source and body digest.
 *   A signature next to its body is replay material (GitHub signs no timestamp: a request refused today verifies
 *   tomorrow once the secret is fixed). Sealed, it is useless to whoever holds the store or the admin API but not
 *   a secret; `hookgate verify --rejection` opens it with the `--secret` it needs to verify anyway.
 * Secrets are never stored, sealed or not. A source without secrets (keys fetched at run time) seals nothing.
 */
import { Buffer } from 'node:buffer'
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import type { CapturedRequest } from '../storage/types.ts'
import type { HeaderRecord } from '../http/response.ts'
import { displayUrl, isSensitiveHeader, REDACTED } from '../redact.ts'

/** Default `sources[].captureMaxBytes`: 64 KiB. */
export const DEFAULT_CAPTURE_MAX_BYTES = 64 * 1024

const VERSION = 'v1'
const INFO = 'hookgate captured-rejection sealed headers v1'
const SALT = 'hookgate'
const IV_BYTES = 12
const TAG_BYTES = 16

/** What is sealed: the redacted header values as received (repeats kept) and the full URL. */
export interface SealedParts {
  readonly headers: Readonly<Record<string, string | readonly string[]>>
  readonly url: string
}

/**
 * One sealing key per secret (the secret's text as configured, so the CLI derives the same from `--secret`).
 * Derived once at start-up; the secret itself is not kept here.
 */
export function captureKeys(secrets: readonly string[]): readonly Uint8Array[] {
  return secrets.map(
    (secret) => new Uint8Array(hkdfSync('sha256', Buffer.from(secret, 'utf8'), SALT, INFO, 32)),
  )
}

/** Binds a sealed box to its rejection: it cannot be moved to another source or body. */
function aadOf(sourceId: string, bodySha256: string): Buffer {
  return Buffer.from(`${sourceId}\n${bodySha256}`, 'utf8')
}

/** `v1.<box>.<box>…`, one base64url box (iv | tag | ciphertext) per key; undefined without keys. */
export function seal(
  keys: readonly Uint8Array[],
  parts: SealedParts,
  sourceId: string,
  bodySha256: string,
): string | undefined {
  if (keys.length === 0) return undefined
  const plain = Buffer.from(JSON.stringify(parts), 'utf8')
  const boxes = keys.map((key) => {
    const iv = randomBytes(IV_BYTES) // random 96-bit IV per box: never reused under one key in practice
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    cipher.setAAD(aadOf(sourceId, bodySha256))
    const data = Buffer.concat([cipher.update(plain), cipher.final()])
    return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url')
  })
  return [VERSION, ...boxes].join('.')
}

/**
 * Opens a sealed value with any of `secrets` (texts, as given to `--secret`). Undefined when none opens it
 * (another secret, or the value was altered: GCM authenticates it).
 */
export function openSealed(
  sealed: string,
  secrets: readonly string[],
  sourceId: string,
  bodySha256: string,
): SealedParts | undefined {
  return openSealedWithKeys(sealed, captureKeys(secrets), sourceId, bodySha256)
}

/** {@link openSealed} with keys already derived (a configured source's `captureKeys`: the admin API's re-verify). */
export function openSealedWithKeys(
  sealed: string,
  keys: readonly Uint8Array[],
  sourceId: string,
  bodySha256: string,
): SealedParts | undefined {
  const [version, ...boxes] = sealed.split('.')
  if (version !== VERSION) return undefined
  for (const key of keys) {
    for (const box of boxes) {
      const bytes = Buffer.from(box, 'base64url')
      if (bytes.byteLength < IV_BYTES + TAG_BYTES) continue
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES))
        decipher.setAAD(aadOf(sourceId, bodySha256))
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
        const plain = Buffer.concat([
          decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ])
        return JSON.parse(plain.toString('utf8')) as SealedParts
      } catch {
        // Not this key (GCM tag mismatch): try the next.
      }
    }
  }
  return undefined
}

/**
 * The request a captured rejection stands for, as verification needs it: the recorded headers (redacted values
 * dropped), then the sealed originals when `opened`, and the full URL when opened (else the display URL).
 * Shared by `hookgate verify --rejection` and `POST /api/rejections/{id}/verify`.
 */
export function reconstructCapturedRequest(
  recordedHeaders: Readonly<Record<string, string>>,
  captured: { readonly method: string; readonly url: string; readonly body: Uint8Array },
  opened: SealedParts | undefined,
): {
  method: string
  url: string
  headers: Record<string, string | string[]>
  rawBody: Uint8Array
} {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(recordedHeaders))
    if (value !== REDACTED) headers[name] = value
  if (opened !== undefined)
    for (const [name, value] of Object.entries(opened.headers))
      headers[name] = typeof value === 'string' ? value : [...value]
  return {
    method: captured.method,
    url: opened?.url ?? captured.url,
    headers,
    rawBody: captured.body,
  }
}

/** The request of a signature failure as the store keeps it (see the module comment). */
export function captureRequest(options: {
  readonly method: string
  readonly url: string
  /** The request's headers, repeats kept (`distinctHeaders`). */
  readonly headers: HeaderRecord
  readonly body: Uint8Array
  readonly maxBytes: number
  /** The source's own signature header names (lower-case), redacted besides the built-in list. */
  readonly sensitiveHeaders: ReadonlySet<string>
  readonly keys: readonly Uint8Array[]
  readonly sourceId: string
  readonly bodySha256: string
}): CapturedRequest {
  const redacted: Record<string, string | readonly string[]> = {}
  for (const [name, value] of Object.entries(options.headers)) {
    const lower = name.toLowerCase()
    if (value !== undefined && (isSensitiveHeader(lower) || options.sensitiveHeaders.has(lower)))
      redacted[lower] = value
  }
  const truncated = options.body.byteLength > options.maxBytes
  return {
    method: options.method,
    url: displayUrl(options.url),
    body: truncated ? options.body.slice(0, options.maxBytes) : options.body,
    truncated,
    sealed: seal(
      options.keys,
      { headers: redacted, url: options.url },
      options.sourceId,
      options.bodySha256,
    ),
  }
}
