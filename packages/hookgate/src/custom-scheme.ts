/**
 * @module custom-scheme
 * Sources whose sender has no built-in preset declare its scheme in hookgate.yaml, as data, and get a preset from
 * the same family factories the built-in presets use (issue 11): a signature over a template of request parts
 * (HMAC, Ed25519, ECDSA P-256, RSA), a shared token in a header, or basic auth. JWT senders use the `jwt` preset
 * with options. Validated at start-up; every error names its path.
 * @example
 * sources:
 *   - id: acme
 *     provider: custom
 *     scheme:
 *       type: signature
 *       algorithm: hmac-sha256
 *       header: X-Acme-Signature
 *       prefix: "sha256="
 *       encoding: hex
 *       signed: "{timestamp}.{body}"
 *       timestamp: { header: X-Acme-Timestamp, unit: s, toleranceSeconds: 300 }
 *       eventId: { header: X-Acme-Delivery }
 *       eventType: { body: type }
 *     secrets: ["${env:ACME_SECRET}"]
 */
import { signedPreset, tokenPreset, type ProviderFactory } from '@hookgate/verify'
import { z } from 'zod'

/** The provider value that says "the scheme is in `scheme:`". */
export const CUSTOM_PROVIDER = 'custom'

const fieldSource = z.union(
  [z.strictObject({ header: z.string().min(1) }), z.strictObject({ body: z.string().min(1) })],
  {
    error: 'must be { header: Name } or { body: dotted.path }',
  },
)
const fieldSources = z.union([fieldSource, z.array(fieldSource).min(1)])
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name')

const signatureScheme = z.strictObject({
  type: z.literal('signature'),
  algorithm: z.enum([
    'hmac-md5',
    'hmac-sha1',
    'hmac-sha256',
    'hmac-sha512',
    'ed25519',
    'ecdsa-p256-sha256',
    'rsa-sha256',
  ]),
  header: headerName,
  encoding: z.enum(['hex', 'base64', 'base64url']),
  prefix: z.string().max(64).optional(),
  anyHexCase: z.boolean().optional(),
  list: z
    .strictObject({
      separator: z.string().min(1).max(4),
      key: z.string().min(1).max(32),
      timestampKey: z.string().min(1).max(32).optional(),
    })
    .optional(),
  signed: z.string().min(1).max(256).default('{body}'),
  timestamp: z
    .strictObject({
      header: headerName.optional(),
      unit: z.enum(['s', 'ms', 'iso']).default('s'),
      toleranceSeconds: z.number().int().min(1).max(604_800).default(300),
    })
    .optional(),
  idHeader: headerName.optional(),
  eventId: fieldSources.optional(),
  eventType: fieldSources.optional(),
  secret: z.enum(['utf8', 'base64', 'hex', 'whsec']).default('utf8'),
  urlOption: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]*$/)
    .optional(),
  name: z.string().min(1).max(64).optional(),
})

const tokenScheme = z.strictObject({
  type: z.enum(['token', 'basic']),
  header: headerName.default('Authorization'),
  prefix: z.string().max(32).optional(),
  eventId: fieldSources.optional(),
  eventType: fieldSources.optional(),
  name: z.string().min(1).max(64).optional(),
})

/** `scheme:` of a custom source. */
export const customSchemeSchema = z.discriminatedUnion('type', [signatureScheme, tokenScheme], {
  error: 'must have type: signature, token or basic',
})
export type CustomScheme = z.output<typeof customSchemeSchema>

/**
 * The preset factory for a source's declared scheme; its id is `custom:<source id>`.
 * @throws TypeError when the family refuses the scheme (e.g. an unknown `{placeholder}` in `signed`).
 */
export function customPreset(sourceId: string, scheme: CustomScheme): ProviderFactory<object> {
  const base = {
    id: `custom:${sourceId}`,
    name: scheme.name ?? `Custom (${sourceId})`,
    docsUrl: 'https://github.com/hookgate/hookgate/blob/main/docs/adding-a-provider.md',
    mismatchHint:
      "Check the secret and that the scheme in hookgate.yaml (header, algorithm, encoding, signed template) is the sender's.",
  }
  if (scheme.type === 'signature') {
    return signedPreset({
      ...base,
      algorithm: scheme.algorithm,
      signed: scheme.signed,
      signature: {
        header: scheme.header,
        encoding: scheme.encoding,
        ...(scheme.prefix === undefined ? {} : { prefix: scheme.prefix }),
        ...(scheme.anyHexCase === undefined ? {} : { anyHexCase: scheme.anyHexCase }),
        ...(scheme.list === undefined
          ? {}
          : {
              list: {
                separator: scheme.list.separator,
                key: scheme.list.key,
                ...(scheme.list.timestampKey === undefined
                  ? {}
                  : { timestampKey: scheme.list.timestampKey }),
              },
            }),
      },
      ...(scheme.timestamp === undefined
        ? {}
        : {
            timestamp: {
              unit: scheme.timestamp.unit,
              toleranceSeconds: scheme.timestamp.toleranceSeconds,
              ...(scheme.timestamp.header === undefined ? {} : { header: scheme.timestamp.header }),
            },
          }),
      ...(scheme.idHeader === undefined ? {} : { idHeader: scheme.idHeader }),
      ...(scheme.eventId === undefined ? {} : { eventId: scheme.eventId }),
      ...(scheme.eventType === undefined ? {} : { eventType: scheme.eventType }),
      secret: scheme.secret,
      ...(scheme.urlOption === undefined ? {} : { urlOption: scheme.urlOption }),
    })
  }
  return tokenPreset({
    ...base,
    header: scheme.header,
    kind: scheme.type,
    ...(scheme.prefix === undefined ? {} : { prefix: scheme.prefix }),
    ...(scheme.eventId === undefined ? {} : { eventId: scheme.eventId }),
    ...(scheme.eventType === undefined ? {} : { eventType: scheme.eventType }),
  })
}
