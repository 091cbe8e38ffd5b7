/**
 * @module cli/commands/send
 * `hookgate send <provider> --to URL --secret S [--event TYPE] [--body FILE]`: signs a realistic sample webhook
 * (or your own body) exactly as the provider would, with a fresh id and the current time, and POSTs it: a
 * `stripe trigger` for every provider with samples (see ../fixtures/samples.ts), and a signed `curl` for the rest.
 */
import { Buffer } from 'node:buffer'
import { randomBytes as nodeRandomBytes, randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import { signWebhook, type ConfiguredPreset, type ProviderFactory } from '@hookgate/verify'
import { looksLikeJson, withBodySha256 } from '../twilio-json.ts'
import { SAMPLES, type ProviderSamples, type Sample } from '../fixtures/samples.ts'
import {
  EXIT,
  parseProviderOptions,
  print,
  printedUsage,
  providerAndSecrets,
  readBytes,
  scrub,
  UsageError,
} from '../args.ts'

export const usage = `Usage: hookgate send <provider> --to URL --secret S|--secret-file FILE [--event TYPE] [--body FILE|-]
                     [--url URL] [--content-type T] [--header 'Name: value']... [--option key=value]...
                     [--timeout SECONDS]

Signs a sample webhook of <provider> as the provider signs it (current time, fresh ids) and POSTs it to
URL, then prints the response status and body. Exit 0 on a 2xx answer, 1 otherwise, 2 on bad usage.

Options:
  --to URL            where to POST, e.g. http://127.0.0.1:8080/webhooks/stripe
  --secret S          the signing secret, as configured on the receiving side (e.g. whsec_…)
  --secret-file FILE  read the secret from FILE instead (surrounding blank lines dropped). Public-key
                      providers (Discord, SendGrid…) sign with the private key: give its PEM file here
  --event TYPE        which sample to send (default: the provider's most common event); an unknown TYPE
                      lists the known ones
  --body FILE|-       send this body instead of a sample, read as raw bytes from FILE or stdin (-);
                      the --event sample still supplies the provider's other headers
  --url URL           the URL to sign, when it differs from --to (a tunnel or proxy in front of the
                      receiver): Twilio signs it, Trello's callbackUrl and Square's notificationUrl default to it
  --content-type T    the body's media type (default: the sample's; for --body, JSON when it parses)
  --header 'Name: value'
                      another request header; repeat for each
  --option key=value  a provider option (see "hookgate providers --json")
  --timeout SECONDS   give up waiting for the answer after this long (default 30)
  --list              list the providers with samples and their event types, then exit
  -h, --help

Example:
  hookgate send stripe --to http://127.0.0.1:8080/webhooks/stripe --secret "$STRIPE_WEBHOOK_SECRET" \\
    --event invoice.paid`

const FORM = 'application/x-www-form-urlencoded'

/** What `renderSample` needs that must be injectable in tests: the clock and the randomness. */
export interface RenderOptions {
  readonly now?: Date
  /** Fresh ids. Default: node:crypto. */
  readonly randomBytes?: (size: number) => Uint8Array
}

/** A sample filled in: ready to sign and send. */
export interface RenderedSample {
  readonly event: string
  readonly body: Uint8Array
  readonly contentType: string
  readonly headers: Readonly<Record<string, string>>
}

/** The samples of a provider, or undefined when there are none. */
export function samplesFor(provider: string): ProviderSamples | undefined {
  return Object.hasOwn(SAMPLES, provider) ? SAMPLES[provider] : undefined
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const PLACEHOLDER = /\{\{(uuid|id|hex|n|unix_ms|unix|iso|event)(_\w+)?\}\}/g
const WHOLE_NUMBER = /^\{\{(unix_ms|unix|n(?:_\w+)?)\}\}$/

/** Fills the templates of `sample` (see the samples module); the same placeholder name gives the same value. */
function filler(event: string, options: RenderOptions): (text: string) => string {
  const now = options.now ?? new Date()
  const random = options.randomBytes ?? ((size: number) => nodeRandomBytes(size))
  const values = new Map<string, string>()
  const fresh = (kind: string): string => {
    switch (kind) {
      case 'uuid': {
        const b = Buffer.from(random(16))
        b[6] = ((b[6] ?? 0) & 0x0f) | 0x40
        b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
        const h = b.toString('hex')
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
      }
      case 'id':
        return [...random(24)].map((byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('')
      case 'hex':
        return Buffer.from(random(16)).toString('hex')
      default: {
        // n: a positive integer of 9 to 10 digits that JSON numbers hold exactly.
        const b = Buffer.from(random(4))
        return String(100_000_000 + (b.readUInt32BE(0) % 1_900_000_000))
      }
    }
  }
  return (text) =>
    text.replace(PLACEHOLDER, (_match, kind: string, suffix: string | undefined) => {
      switch (kind) {
        case 'unix':
          return String(Math.floor(now.getTime() / 1000))
        case 'unix_ms':
          return String(now.getTime())
        case 'iso':
          return now.toISOString()
        case 'event':
          return event
      }
      const name = `${kind}${suffix ?? ''}`
      let value = values.get(name)
      if (value === undefined) {
        value = fresh(kind)
        values.set(name, value)
      }
      return value
    })
}

function fillValue(value: unknown, fill: (text: string) => string): unknown {
  if (typeof value === 'string') return WHOLE_NUMBER.test(value) ? Number(fill(value)) : fill(value)
  if (Array.isArray(value)) return value.map((item) => fillValue(item, fill))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, fillValue(item, fill)]),
    )
  }
  return value
}

/**
 * A provider's sample for `event` with its templates filled: fresh ids, the given time.
 * @throws UsageError for a provider without samples or an unknown event type (listing the known ones).
 * @example const { body, headers } = renderSample('stripe', 'invoice.paid', { now: new Date() })
 */
export function renderSample(
  provider: string,
  event: string | undefined,
  options: RenderOptions = {},
): RenderedSample {
  const samples = samplesFor(provider)
  if (samples === undefined) {
    throw new UsageError(
      `no sample payloads for ${provider}: pass --body FILE (samples exist for ${Object.keys(SAMPLES).join(', ')})`,
    )
  }
  const type = event ?? samples.default
  const sample: Sample | undefined = Object.hasOwn(samples.events, type)
    ? samples.events[type]
    : undefined
  if (sample === undefined) {
    throw new UsageError(
      `unknown --event "${type.slice(0, 64)}" for ${provider}; known: ${Object.keys(samples.events).join(', ')}`,
    )
  }
  const fill = filler(type, options)
  const contentType = sample.contentType ?? 'application/json'
  const value = fillValue(sample.body, fill)
  let text: string
  if (contentType === FORM) {
    text = new URLSearchParams(Object.entries(value as Record<string, string>)).toString()
  } else if (typeof value === 'string') {
    text = value
  } else {
    text = JSON.stringify(value)
  }
  const headers = Object.fromEntries(
    Object.entries(sample.headers ?? {}).map(([name, template]) => [name, fill(template)]),
  )
  return {
    event: type,
    body: Buffer.from(text + (sample.suffix ?? ''), 'utf8'),
    contentType,
    headers,
  }
}

/** `Name: value` → [name, value]. */
function parseHeaderFlag(text: string): [string, string] {
  const colon = text.indexOf(':')
  const name = colon === -1 ? '' : text.slice(0, colon).trim()
  if (name === '' || !/^[!#$%&'*+.^`|~\w-]+$/.test(name)) {
    throw new UsageError(`--header expects 'Name: value', got "${text.slice(0, 40)}"`)
  }
  return [name, text.slice(colon + 1).trimStart()]
}

function parseUrl(value: string | undefined, flag: string): URL | undefined {
  if (value === undefined) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(
      `${flag} expects an absolute http(s) URL such as http://127.0.0.1:8080/webhooks/stripe`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${flag} must use http or https`)
  return url
}

/** The URL without its password, for printing. */
function shown(url: URL): string {
  if (url.password === '') return url.href
  const copy = new URL(url.href)
  copy.password = '***'
  return copy.href
}

/** The configured preset; an option error names the flag that fixes it. */
function configured(
  factory: ProviderFactory<object>,
  options: Record<string, unknown>,
  secret: string,
): ConfiguredPreset {
  try {
    return factory({ ...options, secrets: [secret] })
  } catch (error) {
    if (!(error instanceof TypeError)) throw error
    throw new UsageError(
      `${error.message.replace(/^\[@hookgate\/verify\] /, '')} (see --secret, --option)`,
    )
  }
}

function listSamples(): string {
  return Object.entries(SAMPLES)
    .map(
      ([id, samples]) =>
        `${id}: ${Object.keys(samples.events)
          .map((type) => (type === samples.default ? `${type} (default)` : type))
          .join(', ')}`,
    )
    .join('\n')
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      to: { type: 'string' },
      secret: { type: 'string', multiple: true },
      'secret-file': { type: 'string' },
      event: { type: 'string' },
      body: { type: 'string' },
      url: { type: 'string' },
      'content-type': { type: 'string' },
      header: { type: 'string', multiple: true },
      option: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  if (values.list === true) {
    print(listSamples())
    return EXIT.ok
  }
  if (values['secret-file'] !== undefined && values.secret !== undefined)
    throw new UsageError('give --secret or --secret-file, not both')
  const fromFile =
    values['secret-file'] === undefined
      ? undefined
      : [
          Buffer.from(await readBytes(values['secret-file'], '--secret-file'))
            .toString('utf8')
            .trim(),
        ]
  const { factory, secrets } = providerAndSecrets('send', positionals, fromFile ?? values.secret)
  const provider = factory.definition.id
  const to = parseUrl(values.to, '--to')
  if (to === undefined) throw new UsageError('send needs --to URL (where to POST the webhook)')
  if (secrets.length === 0 || secrets[0] === '')
    throw new UsageError(
      'send needs --secret (the signing secret the receiver is configured with) or --secret-file',
    )
  if (secrets.length > 1) throw new UsageError('send signs with one --secret; give it once')
  const signedUrl = parseUrl(values.url, '--url') ?? to
  const timeoutSeconds = values.timeout === undefined ? 30 : Number(values.timeout)
  if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds))
    throw new UsageError('--timeout expects a positive number of seconds')
  const extraHeaders = (values.header ?? []).map(parseHeaderFlag)
  const options = {
    ...(samplesFor(provider)?.options ?? {}),
    ...parseProviderOptions(values.option, factory),
  }

  // The sample: its body, or only its headers under --body (a provider without samples sends --body alone).
  const now = new Date()
  let body: Uint8Array
  let contentType: string
  let headers: Record<string, string> = {}
  let event: string | undefined
  if (values.body === undefined) {
    const sample = renderSample(provider, values.event, { now })
    ;({ body, contentType, event } = sample)
    headers = { ...sample.headers }
    if (values['content-type'] !== undefined) contentType = values['content-type']
  } else {
    body = await readBytes(values.body, '--body')
    if (samplesFor(provider) !== undefined) {
      const sample = renderSample(provider, values.event, { now })
      headers = { ...sample.headers }
      event = sample.event
    } else if (values.event !== undefined) {
      throw new UsageError(
        `no sample payloads for ${provider}, so --event has nothing to choose; send --body alone`,
      )
    }
    contentType =
      values['content-type'] ??
      (looksLikeJson(body)
        ? 'application/json'
        : (samplesFor(provider)?.events[samplesFor(provider)?.default ?? '']?.contentType ??
          'application/octet-stream'))
  }

  // URL-signed presets: the registered-URL option (Trello callbackUrl, Square notificationUrl) defaults to the
  // signed URL; Twilio signs the URL it calls, with bodySHA256 added for a JSON body.
  const urlOption = factory.definition.sourceUrlOption
  if (urlOption !== undefined && options[urlOption] === undefined)
    options[urlOption] = signedUrl.href
  let target = to.href
  let signed = signedUrl.href
  if (provider === 'twilio' && /[/+]json\b/i.test(contentType)) {
    signed = withBodySha256(signed, body)
    target = withBodySha256(target, body)
  }
  const preset = configured(factory, options, secrets[0] ?? '')
  let signature: Record<string, string>
  try {
    signature = signWebhook(preset, {
      body,
      url: signed,
      timestamp: now,
      id: `msg_${randomUUID().replaceAll('-', '')}`,
    })
  } catch (error) {
    if (error instanceof TypeError)
      throw new UsageError(error.message.replace(/^\[@hookgate\/verify\] /, ''))
    throw error
  }

  const request = new Headers({ 'content-type': contentType, 'user-agent': 'hookgate-send' })
  for (const [name, value] of Object.entries(headers)) request.set(name, value)
  for (const [name, value] of Object.entries(signature)) request.set(name, value)
  for (const [name, value] of extraHeaders) request.append(name, value)

  process.stderr.write(
    `${provider}${event === undefined ? '' : ` ${event}`} → POST ${shown(new URL(target))} (${body.byteLength} bytes)\n`,
  )
  let response: Response
  try {
    response = await fetch(target, {
      method: 'POST',
      headers: request,
      body: Uint8Array.from(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    })
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutSeconds} s`
        : String(cause?.code ?? cause?.message ?? (error as Error).message)
    process.stderr.write(
      `hookgate send: cannot reach ${shown(new URL(target))}: ${scrub(reason)}\n`,
    )
    return EXIT.failed
  }
  const text = await response.text()
  print(`${response.status} ${response.statusText}`.trimEnd())
  if (text !== '') print(scrub(text))
  return response.status >= 200 && response.status < 300 ? EXIT.ok : EXIT.failed
}
