/**
 * @module cli/commands/verify
 * `hookgate verify <provider> --secret S --body FILE --header 'Name: value' …`: checks a captured request
 * offline, with the same verify loop the gateway runs. Exit 0 valid, 1 not valid, 2 bad usage.
 * `hookgate verify --rejection <id> --secret S`: the same on a rejection a running gateway captured
 * (`sources[].captureRejected`), fetched from its admin API: body as received, the signature headers and full
 * URL opened from their sealed form with `--secret`, the provider from the record, the clock at its `receivedAt`.
 */
import { Buffer } from 'node:buffer'
import { parseArgs } from 'node:util'
import { diagnose, safeVerifyWebhook, type Diagnosis, type VerifyResult } from '@hookgate/verify'
import { openSealed, reconstructCapturedRequest } from '../../ingest/capture.ts'
import {
  EXIT,
  markSecret,
  parsePositiveSeconds,
  parseProviderOptions,
  parseUnixSeconds,
  print,
  printedUsage,
  providerAndSecrets,
  providerFactory,
  readBytes,
  scrub,
  UsageError,
} from '../args.ts'

export const usage = `Usage: hookgate verify <provider> --secret S [--secret S2]... --body FILE|-
                       [--header 'Name: value']... [--headers-file FILE.json] [--url URL] [--method M]
                       [--now UNIX] [--tolerance SECONDS] [--option key=value]... [--json]
                       [--explain [--candidate-secret S]...]
       hookgate verify --rejection <id> --secret S [--url GATEWAY] [--token TOKEN] [--explain] [--json] …

Verifies a captured webhook request. Exit code 0 when the signature is valid, 1 when it is not, 2 on bad usage.

With --rejection: re-runs verification (and, with --explain, diagnosis) on a request a running gateway refused
and captured (sources[].captureRejected: true), exactly as received: its body, its headers, and the signature
headers and full URL the gateway sealed under the source's secret (opened here with --secret, which is never
sent anywhere). The provider comes from the record (a <provider> argument overrides it), --now defaults to when
it was received, and --url is the gateway (default: HOOKGATE_URL, else http://127.0.0.1:8080); the admin token
comes from --token or HOOKGATE_ADMIN_TOKEN. --header adds or replaces headers (e.g. a signature sealed under a
secret since rotated away). A body captured truncated (over captureMaxBytes) cannot verify; it says so.

Options:
  --secret S            a signing secret; repeat during a rotation (any one matching passes)
  --body FILE|-         the body exactly as received, read as raw bytes from FILE or stdin (-)
  --header 'Name: value'
                        a request header; repeat for each header (a name given twice is sent twice)
  --headers-file FILE   a JSON object of headers, { "name": "value" | ["value", …] }; --header wins per name
  --url URL             the full URL the provider called (Twilio)
  --method M            HTTP method (default POST)
  --now UNIX            check the replay window against this time instead of now (captured requests)
  --tolerance SECONDS   replay window override (default: the provider's)
  --option key=value    a provider option (see "hookgate providers --json"); the value is JSON when it
                        parses, else the literal text
  --json                print {"ok","reason","message","id","type","timestamp"} (and "diagnosis" with --explain)
  --explain             when verification fails, try the usual mistakes (secret decoded differently, body
                        re-serialised, URL changed by a proxy, timestamp unit, clock skew, encoding…) and
                        print each one that makes the signature match; the verdict is unchanged
  --candidate-secret S  with --explain: another secret to try, e.g. an API token you are unsure about;
                        reported by its position (#1, #2…), never printed
  --rejection ID        a captured rejection of a running gateway (see above)
  --token TOKEN         with --rejection: the admin token (default: HOOKGATE_ADMIN_TOKEN)
  -h, --help

Example:
  hookgate verify stripe --secret "$STRIPE_WEBHOOK_SECRET" --body body.raw \\
    --header "Stripe-Signature: t=1700000000,v1=…" --now 1700000000`

type HeaderValue = string | string[]

/** `Name: value` → [lower-case name, value]; the value keeps everything after the colon but leading blanks. */
function parseHeaderFlag(text: string): [string, string] {
  const colon = text.indexOf(':')
  const name = colon === -1 ? '' : text.slice(0, colon).trim()
  if (name === '' || !/^[!#$%&'*+.^`|~\w-]+$/.test(name)) {
    throw new UsageError(`--header expects 'Name: value', got a value without a valid header name`)
  }
  return [name.toLowerCase(), text.slice(colon + 1).replace(/^[ \t]+/, '')]
}

/** Reads `--headers-file`: a JSON object whose values are strings, numbers or arrays of strings. */
async function readHeadersFile(path: string): Promise<Record<string, HeaderValue>> {
  const bytes = await readBytes(path, '--headers-file')
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch {
    throw new UsageError(`--headers-file "${path}" is not valid JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(
      `--headers-file "${path}" must hold a JSON object of header names to values`,
    )
  }
  const headers: Record<string, HeaderValue> = {}
  for (const [name, raw] of Object.entries(value)) {
    const key = name.toLowerCase()
    if (typeof raw === 'string') headers[key] = raw
    else if (typeof raw === 'number') headers[key] = String(raw)
    else if (Array.isArray(raw) && raw.every((item) => typeof item === 'string'))
      headers[key] = raw as string[]
    else
      throw new UsageError(
        `--headers-file "${path}": header "${name}" must be a string or an array of strings`,
      )
  }
  return headers
}

/** Headers from the file, then the `--header` flags (which replace the file's value for the same name). */
async function collectHeaders(
  flags: readonly string[],
  file: string | undefined,
): Promise<Record<string, HeaderValue>> {
  const headers = file === undefined ? {} : await readHeadersFile(file)
  const fromFlags = new Map<string, string[]>()
  for (const flag of flags) {
    const [name, value] = parseHeaderFlag(flag)
    const values = fromFlags.get(name)
    if (values === undefined) fromFlags.set(name, [value])
    else values.push(value)
  }
  // A name repeated on the command line stays repeated: the presets refuse duplicated signature headers.
  for (const [name, values] of fromFlags)
    headers[name] = values.length === 1 ? (values[0] ?? '') : values
  return headers
}

/** Says how to check a captured request whose timestamp is outside the window (issue 9 §1). */
function windowHint(result: VerifyResult, nowGiven: boolean): string | undefined {
  if (result.ok || result.timestamp === undefined) return undefined
  const signed = Math.floor(result.timestamp.getTime() / 1000)
  const again = nowGiven ? 'a --now closer to' : '--now set to'
  return `It was signed at ${result.timestamp.toISOString()} (Unix ${signed}). Checking a captured request? Run again with ${again} the Unix time it was received, e.g. --now ${signed}.`
}

function report(
  result: VerifyResult,
  json: boolean,
  diagnosis: Diagnosis | undefined,
  nowGiven: boolean,
): string {
  const findings = diagnosis?.findings.map(({ code, message }) => ({ code, message }))
  if (json) {
    const hint = windowHint(result, nowGiven)
    return JSON.stringify({
      ok: result.ok,
      provider: result.ok ? result.provider : result.error.provider,
      reason: result.ok ? null : result.reason,
      message: result.ok ? null : result.message,
      id: result.ok ? (result.id ?? null) : null,
      type: result.ok ? (result.eventType ?? null) : null,
      timestamp: result.timestamp !== undefined ? result.timestamp.toISOString() : null,
      ...(hint === undefined ? {} : { hint }),
      ...(findings === undefined ? {} : { diagnosis: findings }),
    })
  }
  if (!result.ok) {
    const lines = [`${result.reason}: ${result.message}`]
    const hint = windowHint(result, nowGiven)
    if (hint !== undefined) lines.push(hint)
    if (diagnosis !== undefined) {
      if (diagnosis.findings.length === 0) {
        lines.push(
          `diagnosis: none of the known mistakes makes the signature match (${diagnosis.attempts} variants tried${diagnosis.exhausted ? ', budget spent' : ''}).`,
        )
      } else {
        lines.push('diagnosis:')
        for (const finding of diagnosis.findings)
          lines.push(`  [${finding.code}] ${finding.message}`)
      }
    }
    return lines.join('\n')
  }
  const lines = ['ok', `provider: ${result.provider}`]
  if (result.id !== undefined) lines.push(`id: ${result.id}`)
  if (result.eventType !== undefined) lines.push(`type: ${result.eventType}`)
  if (result.timestamp !== undefined) lines.push(`timestamp: ${result.timestamp.toISOString()}`)
  return lines.join('\n')
}

/** Runs the command; returns the exit code (0 valid, 1 not valid). */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      secret: { type: 'string', multiple: true },
      body: { type: 'string' },
      header: { type: 'string', multiple: true },
      'headers-file': { type: 'string' },
      url: { type: 'string' },
      method: { type: 'string' },
      now: { type: 'string' },
      tolerance: { type: 'string' },
      option: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      explain: { type: 'boolean' },
      'candidate-secret': { type: 'string', multiple: true },
      rejection: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  if (values.rejection !== undefined) return runOnRejection(values.rejection, values, positionals)
  if (values.token !== undefined) {
    markSecret(values.token)
    throw new UsageError('--token is used only with --rejection')
  }
  const { factory, secrets } = providerAndSecrets('verify', positionals, values.secret)
  const candidates = values['candidate-secret'] ?? []
  for (const candidate of candidates) markSecret(candidate)
  if (secrets.length === 0) throw new UsageError('verify needs --secret (repeat it to try several)')
  if (candidates.length > 0 && values.explain !== true)
    throw new UsageError('--candidate-secret is tried only with --explain')
  if (values.body === undefined)
    throw new UsageError('verify needs --body FILE (or - for stdin): the body exactly as received')
  if (values.body === '-' && values['headers-file'] === '-') {
    throw new UsageError('only one of --body and --headers-file can read stdin')
  }
  const options = parseProviderOptions(values.option, factory)
  const now = parseUnixSeconds(values.now, '--now')
  const toleranceSeconds = parsePositiveSeconds(values.tolerance, '--tolerance')
  const headers = await collectHeaders(values.header ?? [], values['headers-file'])
  const rawBody = await readBytes(values.body, '--body')

  const preset = factory({
    ...options,
    secrets,
    ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
  })
  const request = {
    method: values.method ?? 'POST',
    ...(values.url === undefined ? {} : { url: values.url }),
    headers,
    rawBody,
  }
  return check(preset, request, {
    now,
    explain: values.explain === true,
    candidates,
    json: values.json === true,
  })
}

/** Verifies (and with `explain` diagnoses) one request, prints the report, returns the exit code. */
function check(
  preset: ReturnType<ReturnType<typeof providerFactory>>,
  request: Parameters<typeof safeVerifyWebhook>[1],
  {
    now,
    explain,
    candidates,
    json,
  }: { now: Date | undefined; explain: boolean; candidates: readonly string[]; json: boolean },
): number {
  const result = safeVerifyWebhook(preset, request, now === undefined ? undefined : { now })
  // Diagnosis only reads: it runs after the verdict and cannot change it (nor the exit code).
  const diagnosis = explain
    ? diagnose(preset, request, {
        ...(now === undefined ? {} : { now }),
        candidateSecrets: candidates,
      })
    : undefined
  // scrub: a last line of defence; diagnosis messages never hold a secret by construction.
  print(scrub(report(result, json, diagnosis, now !== undefined)))
  return result.ok ? EXIT.ok : EXIT.failed
}

/** What `GET /api/rejections/{id}` answers (the fields this command reads). */
interface RejectionAnswer {
  readonly sourceId: string
  readonly provider: string | null
  readonly receivedAt: string
  readonly headers: Record<string, string>
  readonly bodySize: number
  readonly bodySha256: string
  readonly captured: {
    readonly method: string
    readonly url: string
    readonly encoding: 'utf8' | 'base64'
    readonly body: string
    readonly truncated: boolean
    readonly sealed: string | null
  } | null
}

type Values = Record<string, string | boolean | string[] | undefined>

/** `verify --rejection <id>`: fetches the captured request from the gateway and checks it. */
async function runOnRejection(
  id: string,
  values: Values,
  positionals: readonly string[],
): Promise<number> {
  const token = (values.token as string | undefined) ?? process.env.HOOKGATE_ADMIN_TOKEN
  if (token !== undefined) markSecret(token)
  const secrets = (values.secret as string[] | undefined) ?? []
  for (const secret of secrets) markSecret(secret)
  const candidates = (values['candidate-secret'] as string[] | undefined) ?? []
  for (const candidate of candidates) markSecret(candidate)
  for (const flag of ['body', 'headers-file', 'method'] as const) {
    if (values[flag] !== undefined)
      throw new UsageError(
        `--${flag} cannot be combined with --rejection: the captured request is used as received`,
      )
  }
  if (!/^[\w-]{1,100}$/.test(id))
    throw new UsageError(
      `--rejection expects a rejection id such as rej_…, got "${id.slice(0, 40)}"`,
    )
  if (secrets.length === 0)
    throw new UsageError(
      "verify --rejection needs --secret: the source's secret, to verify and to open the sealed signature headers",
    )
  if (token === undefined || token === '')
    throw new UsageError('the admin token is missing: pass --token or set HOOKGATE_ADMIN_TOKEN')
  if (candidates.length > 0 && values.explain !== true)
    throw new UsageError('--candidate-secret is tried only with --explain')
  if (positionals.length > 1)
    throw new UsageError(`verify takes one provider, got ${positionals.length} arguments`)
  const base = (
    (values.url as string | undefined) ??
    process.env.HOOKGATE_URL ??
    'http://127.0.0.1:8080'
  ).replace(/\/+$/, '')

  let response: Response
  try {
    response = await fetch(`${base}/api/rejections/${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${token}` },
    })
  } catch (error) {
    process.stderr.write(
      `hookgate verify: cannot reach the gateway at ${base}: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    return EXIT.failed
  }
  if (!response.ok) {
    const text = await response.text()
    let message = text.slice(0, 200)
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message
    } catch {
      // not JSON: keep the text
    }
    process.stderr.write(
      scrub(`hookgate verify: the gateway answered ${response.status}: ${message}\n`),
    )
    return EXIT.failed
  }
  const record = (await response.json()) as RejectionAnswer
  const captured = record.captured
  if (captured === null) {
    process.stderr.write(
      `hookgate verify: rejection ${id} has no captured request (set captureRejected: true on source "${record.sourceId}" to keep the next ones)\n`,
    )
    return EXIT.failed
  }
  const providerId = positionals[0] ?? record.provider ?? undefined
  const factory = providerFactory(
    providerId,
    'verify --rejection (the record names no built-in provider; give one)',
  )
  const options = parseProviderOptions(values.option as string[] | undefined, factory)
  const toleranceSeconds = parsePositiveSeconds(
    values.tolerance as string | undefined,
    '--tolerance',
  )
  const now =
    parseUnixSeconds(values.now as string | undefined, '--now') ?? new Date(record.receivedAt)

  // Headers as recorded (redacted values dropped), then the sealed originals, then --header.
  const opened =
    captured.sealed === null
      ? undefined
      : openSealed(captured.sealed, secrets, record.sourceId, record.bodySha256)
  if (opened === undefined && captured.sealed !== null) {
    process.stderr.write(
      'hookgate verify: no --secret opens the sealed signature headers (sealed under another secret?); verifying without them — pass them with --header\n',
    )
  }
  const request = reconstructCapturedRequest(
    record.headers,
    {
      method: captured.method,
      url: captured.url,
      body: new Uint8Array(Buffer.from(captured.body, captured.encoding)),
    },
    opened,
  )
  Object.assign(
    request.headers,
    await collectHeaders((values.header as string[] | undefined) ?? [], undefined),
  )
  if (captured.truncated) {
    process.stderr.write(
      `hookgate verify: the body was captured truncated (${Buffer.from(captured.body, captured.encoding).byteLength} of ${record.bodySize} bytes, sources[].captureMaxBytes): it cannot verify\n`,
    )
  }
  const preset = factory({
    ...options,
    secrets,
    ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
  })
  return check(preset, request, {
    now,
    explain: values.explain === true,
    candidates,
    json: values.json === true,
  })
}
