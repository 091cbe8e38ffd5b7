/**
 * @module cli/commands/sign
 * `hookgate sign <provider> --secret S [--body FILE|-] …`: the headers the provider would send for a body,
 * to test a receiver by hand (`curl -H …`) or to produce fixtures.
 */
import { parseArgs } from 'node:util'
import { signWebhook } from '@hookgate/verify'
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
  --url URL           the URL the provider calls (Twilio signs it)
  --method M          HTTP method (default POST)
  --timestamp UNIX    signing time in Unix seconds (default: now)
  --id ID             delivery id for schemes that sign one (Standard Webhooks, Svix; default: random)
  --option key=value  a provider option (see "hookgate providers --json"); the value is JSON when it
                      parses (42, true, ["a"], "quoted"), else the literal text
  --json              print the headers as a JSON object
  -h, --help

Example:
  hookgate sign github --secret "$GITHUB_WEBHOOK_SECRET" --body event.json`

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      secret: { type: 'string', multiple: true },
      body: { type: 'string' },
      url: { type: 'string' },
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

  const preset = factory({ ...options, secrets })
  const headers = signWebhook(preset, {
    body,
    ...(values.url === undefined ? {} : { url: values.url }),
    ...(values.method === undefined ? {} : { method: values.method }),
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(values.id === undefined ? {} : { id: values.id }),
  })
  print(
    values.json === true
      ? JSON.stringify(headers, null, 2)
      : Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}`)
          .join('\n'),
  )
  return EXIT.ok
}
