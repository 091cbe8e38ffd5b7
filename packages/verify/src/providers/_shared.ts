/** @module providers/_shared  Small pieces several presets share. @internal */
import { fail } from '../errors.ts'
import { isEncoded, wholeNumber, type SignatureEncoding } from '../_internal/encoding.ts'
import { getHeader } from '../_internal/headers.ts'
import type { HeadersLike } from '../request.ts'
import type { KeyAlgorithm, Signature } from '../schemes/index.ts'

/** No provider sends a signature header this long; refusing early bounds the work garbage can cause. */
export const MAX_SIGNATURE_HEADER_LENGTH = 8192
/** More candidates than any provider sends during a rotation; bounds the MACs one request can cost. */
export const MAX_SIGNATURES = 16

/** The signature header's value, bounded; a Failure when absent, empty or oversized. */
export function requireHeader(headers: HeadersLike, name: string): string {
  return requireValue(getHeader(headers, name), name)
}

/** {@link requireHeader} for a value already looked up. */
export function requireValue(value: string | undefined, name: string): string {
  if (value === undefined || value.trim().length === 0)
    fail('missing_signature', `The ${name} header is missing.`)
  if (value.length > MAX_SIGNATURE_HEADER_LENGTH) {
    fail(
      'malformed_signature',
      `The ${name} header is longer than ${MAX_SIGNATURE_HEADER_LENGTH} characters.`,
    )
  }
  return value
}

export function encodedSignature(
  alg: KeyAlgorithm,
  encoding: SignatureEncoding,
  value: string,
  header: string,
): Signature {
  if (!isEncoded(value, encoding))
    fail('malformed_signature', `The ${header} header does not hold valid ${encoding}.`)
  return { alg, encoding, value }
}

/** Unix seconds written as digits only (no sign, no fraction, no spaces). */
export function unixSeconds(value: string | undefined, header: string): number {
  if (value === undefined || value.length === 0)
    fail('timestamp_missing', `The ${header} header carries no timestamp.`)
  const seconds = wholeNumber(value, 12)
  if (seconds === undefined)
    fail('malformed_signature', `The timestamp in ${header} is not a whole number of seconds.`)
  return seconds
}
