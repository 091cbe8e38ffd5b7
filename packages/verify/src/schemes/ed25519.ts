/** @module schemes/ed25519  Ed25519 (Standard Webhooks `v1a`). */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { Buffer } from 'node:buffer'
import { decodeCanonical } from '../_internal/encoding.ts'
import type { Content, Key, Signature } from './key.ts'

// DER prefixes that wrap a raw 32-byte key as SPKI (public) or PKCS#8 (private), RFC 8410.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

export function ed25519PublicKey(raw: Uint8Array): Key {
  return {
    alg: 'ed25519',
    key: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }),
  }
}

/** Accepts a 32-byte seed or the 64-byte seed‖public form that libsodium-style `whsk_` keys use. */
export function ed25519PrivateKey(raw: Uint8Array): Key {
  const seed = raw.subarray(0, 32)
  return {
    alg: 'ed25519',
    key: createPrivateKey({
      key: Buffer.concat([PKCS8_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    }),
  }
}

function joined(content: Content): Buffer {
  return Buffer.concat(content.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)))
}

export function ed25519Sign(key: Key, content: Content): Buffer {
  return sign(null, joined(content), key.key)
}

export function ed25519Verify(key: Key, content: Content, signature: Signature): boolean {
  const bytes = decodeCanonical(signature.value, signature.encoding)
  if (bytes === undefined || bytes.length !== 64) return false
  return verify(null, joined(content), key.key, bytes)
}
