/** @module schemes  Dispatch by key algorithm. */
import { createHash, timingSafeEqual } from 'node:crypto'
import { decodeStrict, type SignatureEncoding } from '../_internal/encoding.ts'
import { asymmetricSign, asymmetricVerify } from './asymmetric.ts'
import { ed25519Sign, ed25519Verify } from './ed25519.ts'
import { hmacDigest, hmacVerify } from './hmac.ts'
import type { Content, Key, Signature } from './key.ts'

export type { Content, Key, KeyAlgorithm, Signature } from './key.ts'

export function verifySignature(key: Key, content: Content, signature: Signature): boolean {
  if (key.alg !== signature.alg) return false
  switch (key.alg) {
    case 'ed25519':
      return ed25519Verify(key, content, signature)
    case 'ecdsa-p256-sha256':
    case 'rsa-sha256':
    case 'rsa-sha1':
      return asymmetricVerify(key, content, signature)
    case 'token':
      return tokenVerify(key, signature)
    default:
      return hmacVerify(key, content, signature)
  }
}

export function signContent(key: Key, content: Content, encoding: SignatureEncoding): string {
  switch (key.alg) {
    case 'ed25519':
      return ed25519Sign(key, content).toString(encoding)
    case 'ecdsa-p256-sha256':
    case 'rsa-sha256':
    case 'rsa-sha1':
      return asymmetricSign(key, content).toString(encoding)
    case 'token':
      return key.key.export().toString(encoding)
    default:
      return hmacDigest(key.alg, key.key, content).toString(encoding)
  }
}

/**
 * A shared token sent as is: the SHA-256 of what was sent against the SHA-256 of the secret, in constant time,
 * so neither the content nor the length of the secret leaks through timing.
 */
function tokenVerify(key: Key, signature: Signature): boolean {
  const given = decodeStrict(signature.value, signature.encoding)
  if (given === undefined) return false
  const expected = key.digest ?? createHash('sha256').update(key.key.export()).digest()
  return timingSafeEqual(createHash('sha256').update(given).digest(), expected)
}
