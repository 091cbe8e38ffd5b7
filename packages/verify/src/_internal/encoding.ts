/** @module _internal/encoding  Strict decoders: Node's Buffer decoders skip bad characters silently. */
import { Buffer } from 'node:buffer'

const HEX = /^(?:[0-9a-f]{2})+$/
// Padded base64 is this plus a length that is a multiple of 4 (checked apart: twice as fast as one grouped regex).
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const BASE64URL = /^[A-Za-z0-9_-]*$/
// Tokens sent as is (`X-Gitlab-Token`): visible ASCII only (no spaces), as a header value carries them faithfully.
const TEXT = /^[\x21-\x7e]+$/

/** `utf8` is for tokens sent as is, not for MACs. */
export type SignatureEncoding = 'hex' | 'base64' | 'base64url' | 'utf8'

/** True when `value` is non-empty, canonical lower-case hex / padded base64 / unpadded base64url / printable text. */
export function isEncoded(value: string, encoding: SignatureEncoding): boolean {
  if (value.length === 0) return false
  switch (encoding) {
    case 'hex':
      return HEX.test(value)
    case 'base64':
      return value.length % 4 === 0 && BASE64.test(value)
    case 'base64url':
      return BASE64URL.test(value) && value.length % 4 !== 1
    case 'utf8':
      return TEXT.test(value)
  }
}

/** Decodes strictly: undefined unless `value` is valid in `encoding`. */
export function decodeStrict(value: string, encoding: SignatureEncoding): Buffer | undefined {
  return isEncoded(value, encoding) ? Buffer.from(value, encoding) : undefined
}

/**
 * Decodes a signature only in its canonical spelling: base64 whose unused trailing bits are set decodes to the same
 * bytes as the canonical text, so a byte-level verify (Ed25519, ECDSA, RSA) would accept a changed header. HMACs are
 * compared as encoded text and need no such check.
 */
export function decodeCanonical(value: string, encoding: SignatureEncoding): Buffer | undefined {
  const bytes = decodeStrict(value, encoding)
  return bytes !== undefined && bytes.toString(encoding) === value ? bytes : undefined
}

export function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value
}

/**
 * `text` read as a whole number written with 1 to `maxDigits` ASCII digits only (no sign, space or fraction), or
 * undefined. One pass, no regex: timestamps are read on every request.
 */
export function wholeNumber(text: string, maxDigits: number): number | undefined {
  const length = text.length
  if (length === 0 || length > maxDigits) return undefined
  let value = 0
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 0x30
    if (digit < 0 || digit > 9) return undefined
    value = value * 10 + digit
  }
  return value
}
