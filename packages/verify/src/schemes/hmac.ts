/** @module schemes/hmac  HMAC over chunked content; the algorithm only, no header knowledge. */
import {
  createHmac,
  createSecretKey,
  timingSafeEqual,
  type Hmac,
  type KeyObject,
} from 'node:crypto'
import { Buffer } from 'node:buffer'
import type { Content, Key, KeyAlgorithm, Signature } from './key.ts'

/** node:crypto's name of the digest (a switch: cheaper per request than a lookup keyed by a variable string). */
function digestOf(alg: KeyAlgorithm): string {
  switch (alg) {
    case 'hmac-md5':
      return 'md5'
    case 'hmac-sha1':
      return 'sha1'
    case 'hmac-sha512':
      return 'sha512'
    default:
      return 'sha256'
  }
}

export function hmacKey(
  alg: 'hmac-md5' | 'hmac-sha1' | 'hmac-sha256' | 'hmac-sha512',
  secret: Uint8Array,
): Key {
  return { alg, key: createSecretKey(secret) }
}

function hmacOf(alg: KeyAlgorithm, key: KeyObject, content: Content): Hmac {
  const mac = createHmac(digestOf(alg), key)
  for (let i = 0; i < content.length; i++) mac.update(content[i]!)
  return mac
}

export function hmacDigest(alg: KeyAlgorithm, key: KeyObject, content: Content): Buffer {
  return hmacOf(alg, key, content).digest()
}

/** Constant-time comparison of the encoded MAC: prevents a timing oracle on the signature. */
export function hmacVerify(key: Key, content: Content, signature: Signature): boolean {
  // digest(encoding) encodes natively and is cheaper than digest() to a Buffer (a fresh ArrayBuffer per call) plus
  // decoding the header's MAC: the encoded form is compared, as the providers' SDKs do (bench/verify.mjs).
  if (signature.encoding === 'utf8') return false // a MAC always travels encoded
  const expected = hmacOf(key.alg, key.key, content).digest(signature.encoding)
  return constantTimeEqual(expected, signature.value)
}

// Scratch space for comparing without allocating two Buffers per call: verification is synchronous, so one pair
// serves every call. Three bytes per UTF-16 unit is the most UTF-8 needs, so a string that fits is written whole.
const SCRATCH_CHARS = 256
const scratchLeft = Buffer.alloc(3 * SCRATCH_CHARS)
const scratchRight = Buffer.alloc(3 * SCRATCH_CHARS)
// Views of the first n bytes, made once per length (encoded MACs come in a handful of lengths).
const scratchViews: (readonly [Buffer, Buffer] | undefined)[] = []

/**
 * Equal-length strings compared in constant time; different lengths return false at once (length is public).
 * Compared as UTF-8, not latin-1: latin-1 keeps only each character's low byte, so `Ł` (U+0141) would pass for `A`.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const length = a.length
  if (length !== b.length) return false
  if (length <= SCRATCH_CHARS) {
    // Both written whole; n bytes for n characters means ASCII (every encoded MAC), compared in place.
    // write(text) is UTF-8 at offset 0, the shortest path through Buffer#write.
    if (scratchLeft.write(a) === length && scratchRight.write(b) === length) {
      const views = (scratchViews[length] ??= [
        scratchLeft.subarray(0, length),
        scratchRight.subarray(0, length),
      ])
      return timingSafeEqual(views[0], views[1])
    }
  }
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  return left.length === right.length && timingSafeEqual(left, right)
}
