/** @module schemes  Dispatch by key algorithm. */
import { Buffer } from 'node:buffer'
import type { SignatureEncoding } from '../_internal/encoding.ts'
import { ed25519Sign, ed25519Verify } from './ed25519.ts'
import { hmacDigest, hmacVerify } from './hmac.ts'
import type { Content, Key, Signature } from './key.ts'

export type { Content, Key, KeyAlgorithm, Signature } from './key.ts'

export function verifySignature(key: Key, content: Content, signature: Signature): boolean {
  if (key.alg !== signature.alg) return false
  return key.alg === 'ed25519' ? ed25519Verify(key, content, signature) : hmacVerify(key, content, signature)
}

export function signContent(key: Key, content: Content, encoding: SignatureEncoding): string {
  const raw: Buffer = key.alg === 'ed25519' ? ed25519Sign(key, content) : hmacDigest(key.alg, key.key, content)
  return raw.toString(encoding)
}
