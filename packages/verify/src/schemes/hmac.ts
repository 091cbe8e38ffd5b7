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

const DIGEST: Partial<Record<KeyAlgorithm, string>> = {
  'hmac-md5': 'md5',
  'hmac-sha1': 'sha1',
  'hmac-sha256': 'sha256',
  'hmac-sha512': 'sha512',
}

export function hmacKey(
  alg: 'hmac-md5' | 'hmac-sha1' | 'hmac-sha256' | 'hmac-sha512',
  secret: Uint8Array,
): Key {
  return { alg, key: createSecretKey(secret) }
}

function hmacOf(alg: KeyAlgorithm, key: KeyObject, content: Content): Hmac {
  const mac = createHmac(DIGEST[alg] ?? 'sha256', key)
  for (const chunk of content) mac.update(chunk)
  return mac
}

export function hmacDigest(alg: KeyAlgorithm, key: KeyObject, content: Content): Buffer {
  return hmacOf(alg, key, content).digest()
}

/** Constant-time comparison of the encoded MAC: prevents a timing oracle on the signature. */
export function hmacVerify(key: Key, content: Content, signature: Signature): boolean {
  // digest(encoding) encodes natively: no intermediate Buffer, the hot path's largest avoidable cost (bench/verify.mjs).
  if (signature.encoding === 'utf8') return false // a MAC always travels encoded
  const expected = hmacOf(key.alg, key.key, content).digest(signature.encoding)
  return constantTimeEqual(expected, signature.value)
}

/**
 * Equal-length strings compared in constant time; different lengths return false at once (length is public).
 * Compared as UTF-8, not latin-1: latin-1 keeps only each character's low byte, so `Ł` (U+0141) would pass for `A`.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  return left.length === right.length && timingSafeEqual(left, right)
}
