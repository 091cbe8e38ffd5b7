/**
 * @module schemes/asymmetric  ECDSA P-256 and RSA PKCS#1 v1.5 with SHA-256 or SHA-1 (SendGrid; AWS SNS signature
 * versions 2 and 1 with certificates fetched at run time).
 * Public keys come as PEM, base64 DER (SPKI) or JWK; a private key (PEM/JWK) also works and can sign (tests, CLI).
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { Buffer } from 'node:buffer'
import { decodeCanonical, decodeStrict } from '../_internal/encoding.ts'
import type { Content, Key, Signature } from './key.ts'

export type AsymmetricAlgorithm = 'ecdsa-p256-sha256' | 'rsa-sha256' | 'ed25519'

const KEY_TYPE: Record<AsymmetricAlgorithm, string> = {
  'ecdsa-p256-sha256': 'ec',
  'rsa-sha256': 'rsa',
  ed25519: 'ed25519',
}

/** Raw 32-byte Ed25519 keys as DER (RFC 8410): what Discord/Telnyx publish as hex or base64. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** Parses key text: PEM (public or private), JWK JSON, base64 SPKI DER, or a raw 32-byte Ed25519 key in hex/base64. */
export function parseKeyText(alg: AsymmetricAlgorithm, text: string): KeyObject | undefined {
  const trimmed = text.trim()
  try {
    if (trimmed.startsWith('-----BEGIN')) {
      return /PRIVATE KEY-----/.test(trimmed) ? createPrivateKey(trimmed) : createPublicKey(trimmed)
    }
    if (trimmed.startsWith('{')) {
      const jwk = JSON.parse(trimmed) as { d?: unknown }
      return jwk.d === undefined
        ? createPublicKey({ key: jwk as never, format: 'jwk' })
        : createPrivateKey({ key: jwk as never, format: 'jwk' })
    }
    const bytes =
      alg === 'ed25519' && /^[0-9a-fA-F]{64}$/.test(trimmed)
        ? Buffer.from(trimmed, 'hex')
        : decodeStrict(trimmed, 'base64')
    if (bytes === undefined) return undefined
    if (alg === 'ed25519' && bytes.length === 32)
      return createPublicKey({
        key: Buffer.concat([ED25519_SPKI_PREFIX, bytes]),
        format: 'der',
        type: 'spki',
      })
    return createPublicKey({ key: bytes, format: 'der', type: 'spki' })
  } catch {
    return undefined
  }
}

/** True when the key is of the algorithm's type (and curve): a P-384 key for a P-256 scheme is refused up front. */
export function keyFits(alg: AsymmetricAlgorithm, key: KeyObject): boolean {
  if (key.asymmetricKeyType !== KEY_TYPE[alg]) return false
  return alg !== 'ecdsa-p256-sha256' || key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
}

function joined(content: Content): Buffer {
  return Buffer.concat(content.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)))
}

/** Signatures are DER for ECDSA (what Node, Java and SendGrid produce); bounded before any math. */
export function asymmetricVerify(key: Key, content: Content, signature: Signature): boolean {
  const bytes = decodeCanonical(signature.value, signature.encoding)
  if (bytes === undefined || bytes.length === 0 || bytes.length > 1024) return false
  try {
    return verify(hashOf(key), joined(content), key.key, bytes)
  } catch {
    return false // a DER structure node:crypto cannot read is a signature that does not match
  }
}

export function asymmetricSign(key: Key, content: Content): Buffer {
  if (key.key.type !== 'private')
    throw new TypeError(
      '[@hookgate/verify] signing needs a private key; this preset was given a public key',
    )
  return sign(hashOf(key), joined(content), key.key)
}

/** The digest of the key's algorithm: SHA-1 only for `rsa-sha1` (SNS SignatureVersion 1, SHA1withRSA). */
function hashOf(key: Key): 'sha1' | 'sha256' {
  return key.alg === 'rsa-sha1' ? 'sha1' : 'sha256'
}
