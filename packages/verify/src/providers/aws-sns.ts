/**
 * @module providers/aws-sns
 * Amazon SNS HTTP/S notifications. The body is a JSON message that carries its own signature: `Signature` (base64)
 * is SHA1withRSA (`SignatureVersion` "1") or SHA256withRSA ("2") over `<Name>\n<value>\n` for a fixed, per-type
 * list of fields, verified with the X.509 certificate at `SigningCertURL` (fetched at run time, host-allowlisted).
 *
 * Confirmed against the AWS docs (linked below) and the official validators: aws/aws-js-sns-message-validator
 * (`sns-validator` 0.3.5, index.js) and the AWS SDK for Java v2 (whose sample message and certificate are this
 * preset's published vector). Differences from `sns-validator`, on purpose:
 * - UnsubscribeConfirmation signs `Token` (as the AWS docs say); sns-validator signs it with the Notification list.
 * - A Notification signs exactly the documented fields; sns-validator also signs a `SubscribeURL` if one is present.
 * - `SigningCertURL` must have no query, no credentials and the default port; the host pattern is the same
 *   (`sns.<region>.amazonaws.com`, `.amazonaws.com.cn` in China).
 * - A replay window of 3900 s on `Timestamp` (none in the validators): SNS signs a message once and re-sends it
 *   unchanged on retry, and AWS caps an HTTP/S delivery policy's total retry time at 3600 s (a hard limit), so
 *   one hour plus five minutes of clock skew refuses no genuine delivery while bounding replays of captured
 *   messages; inside the window the gateway's deduplication on MessageId catches them.
 * - The certificate's chain and dates are not checked (nor are they by the validators): it is trusted because it
 *   came over TLS from a documented AWS host.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-subscription-confirmation-json.html
 */
import { Buffer } from 'node:buffer'
import { sign as rsaSign, X509Certificate, type KeyObject } from 'node:crypto'
import { fail } from '../errors.ts'
import { isEncoded } from '../_internal/encoding.ts'
import {
  defineProvider,
  optionError,
  type BaseOptions,
  type ConfiguredPreset,
  type Envelope,
  type KeySource,
  type ProviderDefinition,
  type Secret,
} from '../define.ts'
import { keyFits, parseKeyText } from '../schemes/asymmetric.ts'
import type { Content, Key, KeyAlgorithm } from '../schemes/index.ts'

export interface AwsSnsOptions {
  /** Accept only messages of these topics (`arn:aws:sns:<region>:<account>:<name>`); another topic is `claim_mismatch`. */
  readonly topicArns?: readonly string[]
  /**
   * Answer a verified SubscriptionConfirmation with 200 and ask the gateway to GET its SubscribeURL (the handshake's
   * `followUp`). Off by default: the confirmation is then stored like any message, for a person or the destination
   * to confirm.
   */
  readonly confirmSubscription?: boolean
}

/** The message types SNS posts to HTTP/S endpoints. */
export const AWS_SNS_MESSAGE_TYPES = [
  'Notification',
  'SubscriptionConfirmation',
  'UnsubscribeConfirmation',
] as const
export type AwsSnsMessageType = (typeof AWS_SNS_MESSAGE_TYPES)[number]

/**
 * The signed fields, in the order they are signed (the AWS docs' lists; sorted by name). `Subject` only when present.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message-verify-message-signature.html
 */
const SIGNED_FIELDS: Readonly<Record<AwsSnsMessageType, readonly string[]>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
  UnsubscribeConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
}

/** sns-validator's default host pattern: `sns.<region>.amazonaws.com`, `.com.cn` in the China regions. */
const SNS_HOST = /^sns\.[a-z0-9-]{3,}\.amazonaws\.com(\.cn)?$/

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/
const MAX_SIGNATURE_LENGTH = 2048

interface AwsSnsConfig {
  readonly topicArns: ReadonlySet<string> | undefined
  readonly confirmSubscription: boolean
}

interface SnsData {
  readonly type: AwsSnsMessageType
  readonly fields: Readonly<Record<string, string>>
  readonly certUrl: string
  readonly subscribeUrl: string | undefined
}

/**
 * A URL on a documented SNS host, over https, on the default port, without credentials: the certificate URL (a
 * `.pem` path, no query) or a SubscribeURL. Anything else is refused here and so never fetched.
 */
function snsUrl(value: string, field: 'SigningCertURL' | 'SubscribeURL'): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    fail('malformed_signature', `The SNS message's ${field} is not a URL.`)
  }
  const pem = field === 'SigningCertURL'
  if (url.protocol !== 'https:')
    fail(
      'malformed_signature',
      `The SNS message's ${field} is not https: it is never ${pem ? 'fetched' : 'followed'}.`,
    )
  if (
    url.username !== '' ||
    url.password !== '' ||
    url.port !== '' ||
    !SNS_HOST.test(url.hostname)
  ) {
    fail(
      'malformed_signature',
      `The SNS message's ${field} is not on an Amazon SNS host (sns.<region>.amazonaws.com): it is never ${pem ? 'fetched' : 'followed'}.`,
    )
  }
  if (pem && (!url.pathname.endsWith('.pem') || url.search !== '' || url.hash !== '')) {
    fail(
      'malformed_signature',
      "The SNS message's SigningCertURL is not a .pem certificate path: it is never fetched.",
    )
  }
  return url.href
}

function parseMessage(body: Uint8Array): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'))
  } catch {
    fail(
      'malformed_signature',
      'The body is not an SNS message: it is not JSON. Is raw message delivery on? Raw deliveries carry no signature.',
    )
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('malformed_signature', 'The body is not an SNS message (a JSON object).')
  return value as Record<string, unknown>
}

function text(message: Record<string, unknown>, name: string): string | undefined {
  if (!Object.hasOwn(message, name)) return undefined
  const value = message[name]
  // Lambda-style `"Subject": null` means no subject.
  if (value === null && name === 'Subject') return undefined
  if (typeof value !== 'string')
    fail('malformed_signature', `The SNS message's ${name} is not a string.`)
  return value
}

/** The certificate (or, to pin, an RSA public or private key) → one key per signature version. */
function decodeKeys(keyText: string): readonly Key[] | undefined {
  const trimmed = keyText.trim()
  let key: KeyObject | undefined
  if (trimmed.startsWith('-----BEGIN CERTIFICATE-----')) {
    try {
      key = new X509Certificate(trimmed).publicKey
    } catch {
      return undefined
    }
  } else {
    key = parseKeyText('rsa-sha256', trimmed)
  }
  if (key === undefined || !keyFits('rsa-sha256', key)) return undefined
  return [
    { alg: 'rsa-sha1', key },
    { alg: 'rsa-sha256', key },
  ]
}

const keySource: KeySource<AwsSnsConfig> = {
  description:
    "the X.509 certificate at the message's SigningCertURL, https://sns.<region>.amazonaws.com/….pem",
  urls: (envelope: Envelope) => [(envelope.data as SnsData).certUrl],
  decode: (keyText) => decodeKeys(keyText),
}

function signedContent(type: AwsSnsMessageType, fields: Readonly<Record<string, string>>): Content {
  const parts: string[] = []
  for (const name of SIGNED_FIELDS[type]) {
    const value = fields[name]
    if (value !== undefined) parts.push(`${name}\n${value}\n`)
  }
  return parts
}

const definition: ProviderDefinition<AwsSnsOptions, AwsSnsConfig> = {
  id: 'aws-sns',
  name: 'Amazon SNS',
  scheme:
    'JSON body — Signature: base64 RSA (SHA-1 v1, SHA-256 v2) of `Name\\nvalue\\n` per signed field, certificate from SigningCertURL',
  docsUrl: 'https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html',
  toleranceSeconds: 3900,
  optionKeys: ['topicArns', 'confirmSubscription'],
  mismatchHint:
    'Pass the body exactly as received (SNS posts text/plain JSON; a body parser that re-serialises it is fine for SNS, ' +
    'but a changed Message, Subject or Timestamp is not). Raw message delivery sends no signature at all.',
  signatureHeaders: [],
  keySource,
  configure(options) {
    const topics = options.topicArns
    if (
      topics !== undefined &&
      (!Array.isArray(topics) ||
        topics.length === 0 ||
        !topics.every(
          (t) => typeof t === 'string' && /^arn:aws[a-z-]*:sns:[^:]+:\d{12}:[^:]+$/.test(t),
        ))
    ) {
      throw optionError(
        'aws-sns',
        '`topicArns` must be a non-empty list of SNS topic ARNs (arn:aws:sns:<region>:<account>:<topic>)',
      )
    }
    const confirm = options.confirmSubscription
    if (confirm !== undefined && typeof confirm !== 'boolean')
      throw optionError('aws-sns', '`confirmSubscription` must be true or false')
    return {
      topicArns: topics === undefined ? undefined : new Set(topics),
      confirmSubscription: confirm === true,
    }
  },
  decodeKey(secret: Secret): Key {
    const keys = decodeKeys(
      typeof secret === 'string' ? secret : Buffer.from(secret).toString('utf8'),
    )
    if (keys?.[1] === undefined)
      throw optionError('aws-sns', 'a pinned key must be an X.509 certificate or RSA key in PEM')
    return keys[1]
  },
  parse(_request, body) {
    const message = parseMessage(body)
    const signature = text(message, 'Signature')
    if (signature === undefined || signature.trim() === '')
      fail('missing_signature', 'The SNS message has no Signature.')
    const version = text(message, 'SignatureVersion')
    if (version === undefined)
      fail('malformed_signature', 'The SNS message has no SignatureVersion.')
    if (version !== '1' && version !== '2')
      fail(
        'unsupported_algorithm',
        `SNS SignatureVersion "${version.slice(0, 8)}" is not 1 (SHA1withRSA) or 2 (SHA256withRSA).`,
      )
    const type = text(message, 'Type')
    if (!(AWS_SNS_MESSAGE_TYPES as readonly (string | undefined)[]).includes(type))
      fail(
        'malformed_signature',
        'The SNS message Type is not Notification, SubscriptionConfirmation or UnsubscribeConfirmation.',
      )
    const snsType = type as AwsSnsMessageType
    const fields: Record<string, string> = {}
    for (const name of SIGNED_FIELDS[snsType]) {
      const value = text(message, name)
      if (value !== undefined) fields[name] = value
      else if (name !== 'Subject')
        fail('malformed_signature', `The SNS message has no ${name}; a ${snsType} signs it.`)
    }
    const certText = text(message, 'SigningCertURL')
    if (certText === undefined)
      fail('malformed_signature', 'The SNS message has no SigningCertURL.')
    const certUrl = snsUrl(certText, 'SigningCertURL')
    const subscribeUrl =
      snsType === 'Notification' ? undefined : snsUrl(fields.SubscribeURL!, 'SubscribeURL')
    if (signature.length > MAX_SIGNATURE_LENGTH || !isEncoded(signature, 'base64'))
      fail('malformed_signature', 'The SNS message Signature is not base64.')
    const timestamp = fields.Timestamp!
    const ms = ISO_TIME.test(timestamp) ? Date.parse(timestamp) : Number.NaN
    if (!Number.isFinite(ms))
      fail('malformed_signature', 'The SNS message Timestamp is not an ISO 8601 UTC date-time.')
    const alg: KeyAlgorithm = version === '1' ? 'rsa-sha1' : 'rsa-sha256'
    const data: SnsData = { type: snsType, fields, certUrl, subscribeUrl }
    return {
      signatures: [{ alg, encoding: 'base64', value: signature }],
      timestamp: ms / 1000,
      id: fields.MessageId!,
      data,
    }
  },
  signedContent(_request, _body, envelope) {
    const data = envelope.data as SnsData
    return [signedContent(data.type, data.fields)]
  },
  check(_request, _body, envelope, config) {
    const topic = (envelope.data as SnsData).fields.TopicArn!
    if (config.topicArns !== undefined && !config.topicArns.has(topic)) {
      fail(
        'claim_mismatch',
        'The SNS message is from a topic this source does not accept (see `topicArns`).',
      )
    }
  },
  sign() {
    throw new TypeError(
      '[@hookgate/verify] aws-sns: SNS signs fields of the JSON body, not headers: use signAwsSnsMessage()',
    )
  },
  handshake: {
    description:
      'SubscriptionConfirmation: with `confirmSubscription: true`, 200 and a GET of its SubscribeURL (sns.<region>.amazonaws.com only) by the gateway',
    reply(context, config) {
      const data = context.envelope.data as SnsData
      if (
        data.type !== 'SubscriptionConfirmation' ||
        !config.confirmSubscription ||
        data.subscribeUrl === undefined
      )
        return undefined
      return {
        status: 200,
        contentType: 'text/plain; charset=utf-8',
        body: '',
        followUp: { method: 'GET', url: data.subscribeUrl },
      }
    },
  },
  eventType: (context) => (context.envelope.data as SnsData).type,
}

const factory = defineProvider(definition)

/**
 * Amazon SNS (HTTP/S subscriptions). No secrets: the signing certificate is fetched from the message's
 * `SigningCertURL` by {@link verifyWebhookAsync} (restricted to `https://sns.<region>.amazonaws.com/….pem`); pass
 * `secrets` only to pin certificates (then nothing is fetched and the synchronous `verifyWebhook` works too).
 * Exported from `@hookgate/verify` as `providers['aws-sns']`.
 * @example
 * const sns = providers['aws-sns']({ topicArns: ['arn:aws:sns:us-east-1:123456789012:orders'], confirmSubscription: true })
 * const result = await safeVerifyWebhookAsync(sns, request)
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export const awsSns = Object.assign(
  (options: AwsSnsOptions & Partial<BaseOptions> = {}): ConfiguredPreset =>
    factory(options as AwsSnsOptions & BaseOptions),
  { definition: factory.definition },
)

/** The fields of an SNS message to sign with {@link signAwsSnsMessage}. */
export interface AwsSnsMessage {
  readonly Type: AwsSnsMessageType
  readonly MessageId: string
  readonly TopicArn: string
  readonly Message: string
  readonly Timestamp: string
  readonly SigningCertURL: string
  readonly Subject?: string
  readonly SubscribeURL?: string
  readonly Token?: string
  readonly UnsubscribeURL?: string
}

/**
 * Signs an SNS message as SNS does and returns the JSON body to post (tests, `hookgate send`). The key is the RSA
 * private key of the certificate served at `SigningCertURL`.
 */
export function signAwsSnsMessage(
  message: AwsSnsMessage,
  privateKey: KeyObject | string,
  version: '1' | '2' = '2',
): string {
  const fields = Object.fromEntries(
    Object.entries(message).filter((e): e is [string, string] => typeof e[1] === 'string'),
  )
  const content = signedContent(message.Type, fields).join('')
  const signature = rsaSign(
    version === '1' ? 'sha1' : 'sha256',
    Buffer.from(content, 'utf8'),
    privateKey,
  ).toString('base64')
  return JSON.stringify({ ...message, SignatureVersion: version, Signature: signature })
}
