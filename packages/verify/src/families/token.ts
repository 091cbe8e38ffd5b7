/**
 * @module families/token
 * Providers that authenticate with a shared token rather than a signature: the secret itself in a header
 * (GitLab's `X-Gitlab-Token`, `Authorization: Bearer <token>`), or HTTP basic auth (`user:password`). Nothing binds
 * the body, so these are weaker than signatures: the gateway still dedupes and stores raw bytes, and the comparison
 * is constant-time over SHA-256 digests (neither the token nor its length leaks through timing).
 * @example
 * export const gitlab = tokenPreset({ id: 'gitlab', name: 'GitLab', header: 'X-Gitlab-Token', … })
 */
import { Buffer } from 'node:buffer'
import { createHash, createSecretKey } from 'node:crypto'
import { fail } from '../errors.ts'
import { defineProvider, type ProviderFactory, type VerifiedContext } from '../define.ts'
import { encodedSignature, requireHeader } from '../providers/_shared.ts'
import { fieldSources, readField, type FieldSource } from './fields.ts'

export interface TokenSpec {
  readonly id: string
  readonly name: string
  readonly docsUrl: string
  readonly mismatchHint: string
  /** The header carrying the token (`Authorization` for basic auth). */
  readonly header: string
  /** `token`: the header is the secret, after an optional prefix (`Bearer `). `basic`: HTTP basic auth, secret `user:password`. */
  readonly kind: 'token' | 'basic'
  /** Text before the token, e.g. `Bearer ` (compared case-insensitively, as HTTP auth schemes are). */
  readonly prefix?: string
  readonly eventId?: FieldSource | readonly FieldSource[]
  readonly eventType?: FieldSource | readonly FieldSource[]
}

/** Builds the preset factory for a {@link TokenSpec}. */
export function tokenPreset(spec: TokenSpec): ProviderFactory<object> {
  const header = spec.header.toLowerCase()
  const prefix = spec.kind === 'basic' ? 'Basic ' : (spec.prefix ?? '')
  const eventIdSources = fieldSources(spec.eventId)
  const eventTypeSources = fieldSources(spec.eventType)
  return defineProvider<object, undefined>({
    id: spec.id,
    name: spec.name,
    scheme:
      spec.kind === 'basic'
        ? `${spec.header}: Basic — HTTP basic auth (no body signature)`
        : `${spec.header}: ${prefix}<token> — shared token (no body signature)`,
    docsUrl: spec.docsUrl,
    optionKeys: [],
    mismatchHint: spec.mismatchHint,
    signatureHeaders: [header],
    profile: {
      secretKind: 'token',
      signatureHeader: header,
      encoding: spec.kind === 'basic' ? 'base64' : 'utf8',
      signatureStart: prefix === '' ? 'none' : 'prefix',
      ...(prefix === '' ? {} : { prefix }),
      bodySigned: false,
      relatedHeaders: [header],
    },
    configure: () => undefined,
    decodeKey(secret) {
      const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret
      return {
        alg: 'token',
        key: createSecretKey(bytes),
        digest: createHash('sha256').update(bytes).digest(),
      }
    },
    parse(request) {
      const value = requireHeader(request.headers, header)
      if (value.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) {
        fail('malformed_signature', `The ${spec.header} header does not start with "${prefix}".`)
      }
      const token = value.slice(prefix.length)
      return {
        signatures: [
          encodedSignature('token', spec.kind === 'basic' ? 'base64' : 'utf8', token, spec.header),
        ],
      }
    },
    signedContent: () => [[]],
    sign(_input, key) {
      const token = key.key.export()
      return { [spec.header]: prefix + token.toString(spec.kind === 'basic' ? 'base64' : 'utf8') }
    },
    ...(eventIdSources.length === 0
      ? {}
      : { eventId: (context: VerifiedContext) => readField(context, eventIdSources) }),
    ...(eventTypeSources.length === 0
      ? {}
      : { eventType: (context: VerifiedContext) => readField(context, eventTypeSources) }),
  })
}
