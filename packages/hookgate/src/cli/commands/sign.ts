/**
 * @module cli/commands/sign
 * `hookgate sign <provider> --secret S [--body FILE|-] …`: the headers the provider would send for a body,
 * to test a receiver by hand (`curl -H …`) or to produce fixtures.
 */
import { parseArgs } from 'node:util'
import { signWebhook, type ProviderFactory } from '@hookgate/verify'
import { looksLikeJson, withBodySha256 } from '../twilio-json.ts'
import {
  EXIT,
  parseProviderOptions,
  parseUnixSeconds,
  print,
  printedUsage,
  providerAndSecrets,
  readBytes,
  UsageError,
} from '../args.ts'

export const usage = `Usage: hookgate sign <provider> --secret S [--body FILE|-] [--url URL] [--method M]
                     [--timestamp UNIX] [--id ID] [--option key=value]... [--json]

Prints the signature headers <provider> would send with this body, one "Name: value" per line.

Options:
  --secret S          the signing secret (as the provider shows it, e.g. whsec_…)
  --body FILE|-       the body, read as raw bytes from FILE or stdin (-); default: empty
  --url URL           the URL the provider calls, for presets that sign it (Twilio; Trello's callbackUrl,
                      Square's notificationUrl and the like default to it)
  --content-type T    the body's media type; Twilio signs a JSON body the JSON way (bodySHA256 in the URL).
                      Without it, a body that parses as JSON counts as JSON
  --method M          HTTP method (default POST)
  --timestamp UNIX    signing time in Unix seconds (default: now)
  --id ID             delivery id for schemes that sign one (Standard Webhooks, Svix; default: random)
  --option key=value  a provider option (see "hookgate providers --json"); the value is JSON when it
                      parses (42, true, ["a"], "quoted"), else the literal text
  --json              print the headers as a JSON object
  -h, --help

Example:
  hookgate sign github --secret "$GITHUB_WEBHOOK_SECRET" --body event.json`

/**
 * Twilio signs a JSON body by its SHA-256 in the URL's `bodySHA256` parameter, not as form params: for a JSON body
 * (by --content-type, else by parsing) the URL gains that parameter. Other presets get the URL as given.
 */
function twilioUrl(
  factory: ProviderFactory<object>,
  url: string,
  body: Uint8Array,
  contentType: string | undefined,
): string {
  if (factory.definition.id !== 'twilio' || /[?&]bodySHA256=/.test(url)) return url
  const json = contentType === undefined ? looksLikeJson(body) : /[/+]json\b/i.test(contentType)
  return json ? withBodySha256(url, body) : url
}

/** The configured preset; an option error names the flag that fixes it. */
function configured(
  factory: ProviderFactory<object>,
  options: Record<string, unknown>,
  secrets: string[],
) {
  try {
    return factory({ ...options, secrets })
  } catch (error) {
    if (!(error instanceof TypeError)) throw error
    const urlOption = factory.definition.sourceUrlOption
    if (urlOption !== undefined && options[urlOption] === undefined) {
      throw new UsageError(
        `${factory.definition.id} signs the URL registered with it: pass --url https://… (or --option ${urlOption}=…)`,
      )
    }
    throw new UsageError(
      `${error.message.replace(/^\[@hookgate\/verify\] /, '')} (see --option, --secret)`,
    )
  }
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      secret: { type: 'string', multiple: true },
      body: { type: 'string' },
      url: { type: 'string' },
      'content-type': { type: 'string' },
      method: { type: 'string' },
      timestamp: { type: 'string' },
      id: { type: 'string' },
      option: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  const { factory, secrets } = providerAndSecrets('sign', positionals, values.secret)
  if (secrets.length === 0) throw new UsageError('sign needs --secret')
  if (secrets.length > 1) throw new UsageError('sign signs with one --secret; give it once')
  const options = parseProviderOptions(values.option, factory)
  const timestamp = parseUnixSeconds(values.timestamp, '--timestamp')
  const body = values.body === undefined ? new Uint8Array() : await readBytes(values.body, '--body')

  // Presets that sign the URL they were registered with take it from --url unless --option gives it.
  const urlOption = factory.definition.sourceUrlOption
  if (urlOption !== undefined && options[urlOption] === undefined && values.url !== undefined)
    options[urlOption] = values.url
  const url =
    values.url === undefined
      ? undefined
      : twilioUrl(factory, values.url, body, values['content-type'])

  const preset = configured(factory, options, secrets)
  let headers: Record<string, string>
  try {
    headers = signWebhook(preset, {
      body,
      ...(url === undefined ? {} : { url }),
      ...(values.method === undefined ? {} : { method: values.method }),
      ...(timestamp === undefined ? {} : { timestamp }),
      ...(values.id === undefined ? {} : { id: values.id }),
    })
  } catch (error) {
    if (error instanceof TypeError && /has no url/.test(error.message)) {
      throw new UsageError(
        `${factory.definition.id} signs the URL it calls: pass --url https://…/webhooks/…`,
      )
    }
    if (error instanceof TypeError)
      throw new UsageError(error.message.replace(/^\[@hookgate\/verify\] /, ''))
    throw error
  }
  if (url !== undefined && url !== values.url) {
    // The receiver must be called on exactly this URL: say so where a pipe does not swallow it.
    process.stderr.write(`twilio: JSON body, signed the JSON way: send it to ${url}\n`)
  }
  print(
    values.json === true
      ? JSON.stringify(headers, null, 2)
      : Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}`)
          .join('\n'),
  )
  return EXIT.ok
}
