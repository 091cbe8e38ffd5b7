/**
 * @module cli/args
 * What the `hookgate` commands share: usage errors, provider lookup, `--option k=v` parsing, reading raw
 * bytes from a file or stdin, and scrubbing secrets out of anything printed.
 */
import { Buffer } from 'node:buffer'
import { readFile } from 'node:fs/promises'
import {
  providers,
  isBuiltinProviderId,
  type BuiltinProviderId,
  type ProviderFactory,
} from '@hookgate/verify'

/** Bad command-line usage: the dispatcher prints the message to stderr and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Exit codes shared by every command: 0 success, 1 the check failed (e.g. a bad signature), 2 bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

// Secrets given on the command line, so that no error message can echo one back (see `scrub`).
const sensitive = new Set<string>()

/** Registers a secret so {@link scrub} removes it from any text about to be printed. */
export function markSecret(secret: string): void {
  // Very short "secrets" would turn every message into asterisks; they are unsafe anyway.
  if (secret.length >= 4) sensitive.add(secret)
}

/** Replaces every registered secret in `text` by `***`: a last line of defence for unexpected errors. */
export function scrub(text: string): string {
  let out = text
  for (const secret of sensitive) out = out.split(secret).join('***')
  return out
}

/** The preset factory for a provider id given on the command line. */
export function providerFactory(id: string | undefined, command: string): ProviderFactory<object> {
  if (id === undefined) {
    throw new UsageError(`${command} needs a provider: one of ${Object.keys(providers).join(', ')}`)
  }
  if (!isBuiltinProviderId(id)) {
    throw new UsageError(
      `unknown provider "${id}"; known providers: ${Object.keys(providers).join(', ')}`,
    )
  }
  return providers[id as BuiltinProviderId] as ProviderFactory<object>
}

/**
 * The provider (the one positional) and the `--secret` values of a command that signs or verifies. Every secret
 * is registered with {@link markSecret} before anything is checked, so no usage error can echo one back.
 * @throws UsageError for more than one positional, or a missing or unknown provider.
 */
export function providerAndSecrets(
  command: string,
  positionals: readonly string[],
  secretValues: string[] | undefined,
): { factory: ProviderFactory<object>; secrets: string[] } {
  for (const secret of secretValues ?? []) markSecret(secret)
  if (positionals.length > 1)
    throw new UsageError(`${command} takes one provider, got ${positionals.length} arguments`)
  const factory = providerFactory(positionals[0], command)
  return { factory, secrets: secretValues ?? [] }
}

/**
 * Parses repeated `--option key=value` flags against the preset's option keys. A value is taken as JSON when
 * it parses (numbers, booleans, arrays, `"quoted strings"`), else as the literal string, so
 * `callbackUrl=https://…` needs no quoting while `requiredClaims=["exp"]` is an array.
 * @throws UsageError on a missing `=`, an empty key or a key the preset does not take.
 */
export function parseProviderOptions(
  values: readonly string[] | undefined,
  factory: ProviderFactory<object>,
): Record<string, unknown> {
  const { id, optionKeys } = factory.definition
  const valid =
    optionKeys.length === 0
      ? `${id} takes no --option`
      : `valid keys for ${id}: ${optionKeys.join(', ')}`
  const options: Record<string, unknown> = {}
  for (const item of values ?? []) {
    const eq = item.indexOf('=')
    if (eq <= 0)
      throw new UsageError(`--option expects key=value, got "${item.slice(0, 40)}"; ${valid}`)
    const key = item.slice(0, eq)
    // Only the preset's own keys: `secrets` and prototype keys cannot be smuggled in this way.
    if (!optionKeys.includes(key)) throw new UsageError(`unknown --option key "${key}"; ${valid}`)
    options[key] = jsonOrString(item.slice(eq + 1))
  }
  return options
}

function jsonOrString(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/** Parses a Unix time in whole seconds (`--timestamp`, `--now`). */
export function parseUnixSeconds(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,12}$/.test(value))
    throw new UsageError(`${flag} expects Unix seconds (digits only), got "${value.slice(0, 40)}"`)
  return new Date(Number(value) * 1000)
}

/** A positive number of seconds (`--tolerance`). */
export function parsePositiveSeconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value) || !(seconds > 0)) {
    throw new UsageError(
      `${flag} expects a positive number of seconds, got "${value.slice(0, 40)}"`,
    )
  }
  return seconds
}

/** Every chunk of stdin, as bytes. */
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'utf8'))
  return Buffer.concat(chunks)
}

/**
 * Reads a file (or stdin for `-`) as raw bytes, never decoded: signatures cover the exact bytes, so a
 * round trip through a string would break them (BOMs, invalid UTF-8, CRLF).
 * @throws UsageError when the file cannot be read.
 */
export async function readBytes(path: string, flag: string): Promise<Uint8Array> {
  if (path === '-') return readStdin()
  try {
    return await readFile(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new UsageError(`cannot read ${flag} file "${path}" (${code})`)
  }
}

/** The preset's own option errors (`TypeError('[@hookgate/verify] …')`) are usage errors, with its message. */
export function isPresetOptionError(error: unknown): error is TypeError {
  return error instanceof TypeError && error.message.startsWith('[@hookgate/verify]')
}

/**
 * `-h, --help`: prints the command's usage on stdout when the flag is set. True when it did, and the command
 * should then exit with `EXIT.ok` without looking at its other arguments.
 */
export function printedUsage(help: boolean | undefined, usage: string): boolean {
  if (help !== true) return false
  print(usage)
  return true
}

/** Writes lines to stdout. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}
