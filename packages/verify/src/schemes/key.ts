/** @module schemes/key  What a decoded secret becomes: an algorithm and a node:crypto KeyObject. */
import type { KeyObject } from 'node:crypto'
import type { SignatureEncoding } from '../_internal/encoding.ts'

export type KeyAlgorithm =
  /** Still used by Patreon; weak, but the provider's choice. */
  | 'hmac-md5'
  | 'hmac-sha1'
  | 'hmac-sha256'
  | 'hmac-sha512'
  | 'ed25519'
  | 'ecdsa-p256-sha256'
  | 'rsa-sha256'
  /** RSA PKCS#1 v1.5 with SHA-1 (AWS SNS SignatureVersion 1): weak, but the provider's choice. */
  | 'rsa-sha1'
  /** A shared token sent as is (GitLab's X-Gitlab-Token, basic auth): compared, never MACed. */
  | 'token'

/** A verification (and, where possible, signing) key. Built once, when the preset is configured. */
export interface Key {
  readonly alg: KeyAlgorithm
  /** Secret key for HMAC and tokens; public or private key for asymmetric schemes (a private key can also sign). */
  readonly key: KeyObject
  /** Tokens: the secret's SHA-256, computed once (each request then hashes only what it was sent). */
  readonly digest?: Uint8Array
}

/** One candidate signature as sent, still encoded: compared in the encoded form, as the providers' SDKs do. */
export interface Signature {
  readonly alg: KeyAlgorithm
  readonly encoding: SignatureEncoding
  readonly value: string
}

/** Signed content as chunks fed to the MAC one after the other (no concatenation copy); strings are UTF-8. */
export type Content = readonly (string | Uint8Array)[]
