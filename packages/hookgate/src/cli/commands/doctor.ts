/**
 * @module cli/commands/doctor
 * `hookgate doctor [--config FILE]`: checks a configuration before it goes live and prints what to fix, one line
 * per finding with its severity. Beyond what start-up validation refuses, it looks at whether each secret is
 * plausible for its provider (length, the provider's secret form, an API key given instead of the signing
 * secret), whether URL-signed providers know their public URL, whether the store is reachable and writable
 * (without migrating it), whether destination hosts resolve, and how strong the admin token is.
 *
 * It never prints a secret: findings name the path of the value and, at most, a well-known public prefix
 * (`sk_live_`). It never connects to a destination that is not on a loopback address.
 */
import { Buffer } from 'node:buffer'
import { lookup } from 'node:dns/promises'
import { constants } from 'node:fs'
import { access, open, readFile, stat, unlink } from 'node:fs/promises'
import { connect, isIP } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { isBuiltinProviderId, providers, type ProviderFactory } from '@hookgate/verify'
import {
  loadConfig,
  MIN_SECRET_LENGTH,
  parseConfig,
  type GatewayConfig,
  type PostgresStorageConfig,
} from '../../config.ts'
import { ConfigError } from '../../errors.ts'
import { describeStorage } from '../../storage/from-config.ts'
import { EXIT, print, printedUsage, UsageError } from '../args.ts'

export const usage = `Usage: hookgate doctor [--config FILE] [--timeout SECONDS] [--json]

Checks a configuration before it goes live and prints what to fix, one line per finding:
  error    must be fixed (exit code 1)
  warning  worth a look; does not change the exit code
Checks: the file validates as "hookgate serve" would load it; secrets are present and plausible for their
provider (length, the provider's secret form such as Stripe's whsec_…, an API key or token given instead of
the signing secret, a demo value); URL-signed providers (Twilio, Trello, Square…) know the URL they are
called on (server.publicUrl or their URL option); the store is reachable and writable (SQLite: its
directory; PostgreSQL: a connection and the right to create in its schema; nothing is migrated);
destination hosts resolve (DNS only; loopback destinations are also tried for a listener); the admin
token is long and not a demo value. Secret values are never printed.

Options:
  -c, --config FILE   configuration file (default: hookgate.yaml in the working directory)
  --timeout SECONDS   for each network check: DNS lookups, the PostgreSQL connection (default 3)
  --json              print {"ok", "findings": [{"severity","path","message"}]}
  -h, --help

Exit codes: 0 nothing must be fixed, 1 something must be fixed, 2 bad usage (or an unreadable file).`

export type Severity = 'error' | 'warning'

/** One thing to fix (or look at), at a configuration path. Never holds a secret value. */
export interface Finding {
  readonly severity: Severity
  readonly path: string
  readonly message: string
}

/** Values people type while trying things out: never a real secret or token. */
const DEMO =
  /^(?:.*(?:change[-_ ]?me|replace[-_ ]?me|placeholder|example|dummy|sample|insecure|do[-_ ]?not[-_ ]?use|your[-_ ]).*|(?:test|demo|secret|password|token|admin|dev|local|default|hookgate)[-_ ]?\d*|x+|0+|1234.*)$/i

/**
 * API keys and access tokens that people paste where a webhook signing secret belongs, by provider. The prefixes
 * are the providers' public key formats, so naming one prints nothing secret.
 */
const API_KEY_PREFIXES: readonly {
  readonly prefix: RegExp
  readonly what: string
  readonly providers?: readonly string[]
}[] = [
  { prefix: /^(sk|rk)_(live|test)_/, what: 'a Stripe (or Clerk) secret API key' },
  { prefix: /^pk_(live|test)_/, what: 'a publishable API key' },
  { prefix: /^(ghp|gho|ghu|ghs|ghr)_|^github_pat_/, what: 'a GitHub token' },
  { prefix: /^xox[abposr]-|^xapp-/, what: 'a Slack token' },
  { prefix: /^sk-(proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}$/, what: 'an OpenAI API key' },
  { prefix: /^re_[A-Za-z0-9]{8,}_/, what: 'a Resend API key' },
  { prefix: /^SG\.[\w-]{16,}\.[\w-]{16,}$/, what: 'a SendGrid API key' },
  { prefix: /^shp(at|ca|pa)_/, what: 'a Shopify access token' },
  { prefix: /^pdl_(live|sdbx)_apikey_/, what: 'a Paddle API key' },
  { prefix: /^glpat-/, what: 'a GitLab personal access token', providers: ['gitlab'] },
  {
    prefix: /^ATTA[0-9a-f]{16,}/i,
    what: 'a Trello API token (Trello signs with the app secret, 64 hex characters)',
  },
  { prefix: /^SK[0-9a-f]{32}$/, what: 'a Twilio API key SID (Twilio signs with the auth token)' },
  { prefix: /^sk_[0-9a-f]{32,}$/, what: 'an API key', providers: ['workos'] },
  { prefix: /^(lin_api_|lin_oauth_)/, what: 'a Linear API key' },
]

/** Presets whose webhook secret is Standard Webhooks' `whsec_` + base64 (or a `whpk_`/`whsk_` Ed25519 key). */
function isWhsecProvider(factory: ProviderFactory<object>): boolean {
  return factory.definition.profile?.secretKind === 'whsec'
}

function isBase64(text: string): boolean {
  return (
    text.length > 0 &&
    /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) &&
    Buffer.from(text, 'base64').length > 0
  )
}

/** Per-provider plausibility of one secret (already known to be non-empty text). */
export function secretFindings(
  provider: string,
  factory: ProviderFactory<object> | undefined,
  secret: string,
  path: string,
): Finding[] {
  const out: Finding[] = []
  const error = (message: string): void => void out.push({ severity: 'error', path, message })
  const trimmed = secret.trim()
  for (const { prefix, what, providers: only } of API_KEY_PREFIXES) {
    if ((only === undefined || only.includes(provider)) && prefix.test(trimmed)) {
      error(
        `looks like ${what}, not the ${provider} webhook signing secret: copy the signing secret from the provider's webhook settings`,
      )
      return out
    }
  }
  if (DEMO.test(trimmed)) {
    error(`looks like a placeholder or demo value, not a ${provider} signing secret`)
    return out
  }
  if (trimmed !== secret)
    out.push({
      severity: 'warning',
      path,
      message:
        'has leading or trailing white space, which is part of the key: check it was copied exactly',
    })
  const kind = factory?.definition.profile?.secretKind
  const publicKey = kind === 'ed25519' || kind === 'ecdsa-p256' || kind === 'rsa'
  if (provider === 'stripe' && !trimmed.startsWith('whsec_')) {
    error(
      'a Stripe endpoint signing secret starts with whsec_ (Dashboard > Developers > Webhooks > the endpoint > Signing secret)',
    )
  } else if (factory !== undefined && isWhsecProvider(factory) && !/^wh(pk|sk)_/.test(trimmed)) {
    if (!trimmed.startsWith('whsec_'))
      error(`a ${provider} signing secret is whsec_ followed by base64, as the provider shows it`)
    else if (!isBase64(trimmed.slice(6)))
      error(`the part after whsec_ is not base64: check the ${provider} secret was copied whole`)
  } else if (!publicKey && trimmed.length < MIN_SECRET_LENGTH) {
    error(
      `is only ${trimmed.length} characters; ${provider} signing secrets are longer — check it is the signing secret, not another value`,
    )
  } else if (kind === 'hex' && !/^[0-9a-f]+$/i.test(trimmed)) {
    error(`${provider} issues its secret as hex; this one has other characters`)
  }
  return out
}

/** How strong `admin.token` is: long, varied, not a demo value. */
export function adminTokenFindings(token: string, fromFallback: boolean): Finding[] {
  const path = 'admin.token'
  if (fromFallback)
    return [
      {
        severity: 'error',
        path,
        message:
          'comes from the demo fallback of ${env:…:-…} in the file: set the variable (e.g. openssl rand -hex 32)',
      },
    ]
  if (DEMO.test(token) || /demo|change|example|admin|password|secret/i.test(token)) {
    return [
      {
        severity: 'error',
        path,
        message: 'looks like a demo value: generate one with openssl rand -hex 32',
      },
    ]
  }
  if (token.length < 32)
    return [
      {
        severity: 'error',
        path,
        message: `is ${token.length} characters; use at least 32 random characters (openssl rand -hex 32)`,
      },
    ]
  if (new Set(token).size < 10)
    return [
      {
        severity: 'error',
        path,
        message: 'repeats too few characters to be random: generate one with openssl rand -hex 32',
      },
    ]
  return []
}

// ---- the raw file: secret values as written, after ${env:…} -------------------------------------------------

const REFERENCE = /\$\$\{|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*?))?\}/g

/**
 * A string of the file with its `${env:NAME}` / `${env:NAME:-fallback}` references filled from the environment,
 * as the loader does (config.ts `interpolate`; that one is not exported). Only used once the loader has accepted
 * the references, to read secret values the validated configuration holds decoded.
 */
function resolveEnv(
  value: unknown,
): { readonly text: string; readonly fallback: boolean } | undefined {
  if (typeof value !== 'string') return undefined
  let fallbackUsed = false
  const text = value.replace(
    REFERENCE,
    (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$${') return '${'
      const found = name === undefined ? undefined : process.env[name]
      if (fallback !== undefined) {
        if (found !== undefined && found !== '') return found
        fallbackUsed = true
        return fallback
      }
      return found ?? ''
    },
  )
  return { text, fallback: fallbackUsed }
}

interface RawSource {
  readonly id?: unknown
  readonly provider?: unknown
  readonly secrets?: unknown
  readonly options?: unknown
}

interface RawTree {
  readonly root: Record<string, unknown> | undefined
  readonly sources: RawSource[]
  readonly destinations: { readonly id?: unknown; readonly sources?: unknown }[]
  readonly adminToken: unknown
}

function rawTree(text: string): RawTree {
  let tree: unknown
  try {
    tree = parseYaml(text)
  } catch {
    tree = undefined
  }
  const root =
    typeof tree === 'object' && tree !== null && !Array.isArray(tree)
      ? (tree as Record<string, unknown>)
      : undefined
  const list = (value: unknown) =>
    Array.isArray(value)
      ? value.filter(
          (item): item is Record<string, unknown> => typeof item === 'object' && item !== null,
        )
      : []
  const admin = root?.['admin']
  return {
    root,
    sources: list(root?.['sources']) as RawSource[],
    destinations: list(root?.['destinations']),
    adminToken:
      typeof admin === 'object' && admin !== null
        ? (admin as { token?: unknown }).token
        : undefined,
  }
}

/**
 * When the file does not validate, the rest of it is still worth checking (store, destinations, public URL): the
 * configuration again without the sources, destinations and admin block the loader refused. Undefined when even
 * that does not validate (nothing left to check with).
 */
function salvage(raw: RawTree, issues: readonly string[], file: string): GatewayConfig | undefined {
  if (raw.root === undefined) return undefined
  const indices = (key: string) =>
    new Set(
      issues
        .flatMap((issue) => new RegExp(`^${key}\\[(\\d+)\\]`).exec(issue)?.[1] ?? [])
        .map(Number),
    )
  const badSources = indices('sources')
  const badDestinations = indices('destinations')
  const sources = raw.sources.filter((_, i) => !badSources.has(i))
  const kept = new Set(sources.map((source) => source.id))
  const destinations = raw.destinations
    .filter((_, i) => !badDestinations.has(i))
    .map((destination) => ({
      ...destination,
      sources: Array.isArray(destination.sources)
        ? destination.sources.filter((id) => kept.has(id))
        : destination.sources,
    }))
    .filter((destination) => !Array.isArray(destination.sources) || destination.sources.length > 0)
  const copy: Record<string, unknown> = { ...raw.root, sources, destinations }
  if (issues.some((issue) => issue.startsWith('admin'))) delete copy['admin']
  try {
    return parseConfig(copy, { file, baseDir: dirname(resolve(file)) })
  } catch {
    return undefined
  }
}

// ---- network and disk checks --------------------------------------------------------------------------------

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT', what })),
      ms,
    )
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string'
    ? code
    : error instanceof Error
      ? (error.message.split('\n')[0]?.slice(0, 120) ?? 'error')
      : 'error'
}

/** SQLite: the file's directory (or the nearest existing parent the gateway would create it in) takes a new file. */
async function sqliteFindings(file: string): Promise<Finding[]> {
  const path = 'storage.sqlite'
  if (file === ':memory:')
    return [
      {
        severity: 'warning',
        path,
        message:
          ':memory: keeps nothing across restarts: every stored event is lost when the gateway stops',
      },
    ]
  let directory = dirname(file)
  const missing: string[] = []
  for (;;) {
    try {
      if (!(await stat(directory)).isDirectory())
        return [{ severity: 'error', path, message: `${directory} is not a directory` }]
      break
    } catch {
      missing.push(directory)
      const parent = dirname(directory)
      if (parent === directory)
        return [{ severity: 'error', path, message: `no existing parent directory for ${file}` }]
      directory = parent
    }
  }
  // A real write, not only access(2): read-only mounts and ACLs answer differently.
  const probe = join(directory, `.hookgate-doctor-${process.pid}-${Date.now()}`)
  try {
    const handle = await open(probe, 'wx', 0o600)
    await handle.close()
    await unlink(probe)
  } catch (error) {
    return [
      {
        severity: 'error',
        path,
        message: `cannot create files in ${directory} (${codeOf(error)}): the gateway could not ${missing.length > 0 ? 'create the store directory' : 'write the store'}`,
      },
    ]
  }
  try {
    await access(file, constants.R_OK | constants.W_OK)
  } catch (error) {
    if (codeOf(error) !== 'ENOENT')
      return [
        {
          severity: 'error',
          path,
          message: `${file} exists but is not readable and writable (${codeOf(error)})`,
        },
      ]
  }
  return []
}

/** PostgreSQL: one connection with a short timeout; the schema (or database) must take new tables. Nothing is created. */
async function postgresFindings(
  config: PostgresStorageConfig,
  timeoutMs: number,
): Promise<Finding[]> {
  const path = 'storage.postgres'
  const where = describeStorage(config)
  const { default: pg } = await import('pg')
  const client = new pg.Client({
    connectionString: config.postgres,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs,
  })
  client.on('error', () => undefined)
  try {
    await withTimeout(client.connect(), timeoutMs + 500, 'connect')
  } catch (error) {
    await client.end().catch(() => undefined)
    return [{ severity: 'error', path, message: `cannot connect to ${where} (${codeOf(error)})` }]
  }
  try {
    const { rows } = await client.query<{
      recovery: boolean
      schema_exists: boolean
      can_create: boolean
      can_use: boolean
    }>(
      `SELECT pg_is_in_recovery() AS recovery,
              EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists,
              CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)
                   THEN has_schema_privilege(current_user, $1, 'CREATE') ELSE has_database_privilege(current_database(), 'CREATE') END AS can_create,
              CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)
                   THEN has_schema_privilege(current_user, $1, 'USAGE') ELSE true END AS can_use`,
      [config.schema],
    )
    const row = rows[0]
    if (row === undefined) return []
    if (row.recovery)
      return [
        {
          severity: 'error',
          path,
          message: `${where} is a read-only replica (in recovery): point storage.postgres at the primary`,
        },
      ]
    if (!row.can_use || !row.can_create) {
      return [
        {
          severity: 'error',
          path,
          message: row.schema_exists
            ? `the user cannot create tables in schema ${config.schema} of ${where}: GRANT USAGE, CREATE ON SCHEMA ${config.schema} TO the user`
            : `schema ${config.schema} does not exist and the user cannot create it in ${where}: create it, or GRANT CREATE ON DATABASE to the user`,
        },
      ]
    }
    return []
  } catch (error) {
    return [
      {
        severity: 'error',
        path,
        message: `connected to ${where}, but checking privileges failed (${codeOf(error)})`,
      },
    ]
  } finally {
    await client.end().catch(() => undefined)
  }
}

function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || address === '::ffff:127.0.0.1'
}

/** 169.254.0.0/16 and fe80::/10: what delivery refuses (unless allowLinkLocal). */
function isLinkLocal(address: string): boolean {
  return /^169\.254\./.test(address) || /^fe[89ab][0-9a-f]:/i.test(address)
}

/** Whether something accepts TCP connections on a loopback address. Only ever called for loopback addresses. */
function listening(host: string, port: number, timeoutMs: number): Promise<boolean> {
  if (!isLoopback(host)) return Promise.resolve(false)
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Each destination's host resolves (DNS lookup only); loopback ones are also tried for a listener. */
async function destinationFindings(
  config: GatewayConfig,
  rawIds: readonly unknown[],
  timeoutMs: number,
): Promise<Finding[]> {
  const findings = await Promise.all(
    config.destinations.map(async (destination): Promise<Finding[]> => {
      const path = `destinations[${rawIds.indexOf(destination.id)}].url`
      const url = new URL(destination.url)
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
      const shown = `${url.protocol}//${url.host}`
      let addresses: string[]
      if (isIP(host) !== 0) {
        addresses = [host]
      } else {
        try {
          addresses = (await withTimeout(lookup(host, { all: true }), timeoutMs, 'lookup')).map(
            (entry) => entry.address,
          )
        } catch (error) {
          return [
            {
              severity: 'error',
              path,
              message: `destination "${destination.id}": ${host} does not resolve (${codeOf(error)})`,
            },
          ]
        }
      }
      const out: Finding[] = []
      if (!destination.allowLinkLocal && addresses.some(isLinkLocal)) {
        out.push({
          severity: 'error',
          path,
          message: `destination "${destination.id}": ${host} resolves to a link-local address, which delivery refuses; set allowLinkLocal: true if it is really the target`,
        })
      }
      const loopback = addresses.length > 0 && addresses.every(isLoopback)
      if (
        url.protocol === 'http:' &&
        !loopback &&
        !/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(addresses[0] ?? '')
      ) {
        out.push({
          severity: 'warning',
          path,
          message: `destination "${destination.id}": events go to ${shown} over plain http`,
        })
      }
      if (loopback && !(await listening(addresses[0] ?? '127.0.0.1', port, timeoutMs))) {
        out.push({
          severity: 'warning',
          path,
          message: `destination "${destination.id}": nothing listens on ${shown} yet (deliveries will be retried until it does)`,
        })
      }
      return out
    }),
  )
  return findings.flat()
}

// ---- the configuration as a whole -------------------------------------------------------------------------

/** True for presets that sign the URL they are called on (or one registered with the provider). */
function signsUrl(factory: ProviderFactory<object>): boolean {
  const { definition } = factory
  return (
    definition.sourceUrlOption !== undefined ||
    definition.profile?.url !== undefined ||
    definition.id === 'twilio'
  )
}

function publicUrlFindings(config: GatewayConfig, rawSources: readonly RawSource[]): Finding[] {
  const out: Finding[] = []
  const publicUrl = config.server.publicUrl
  config.sources.forEach((source) => {
    const factory = isBuiltinProviderId(source.provider)
      ? (providers[source.provider] as ProviderFactory<object>)
      : undefined
    if (factory === undefined || !signsUrl(factory)) return
    const index = rawSources.findIndex((raw) => raw.id === source.id)
    const path = index === -1 ? `sources[id=${source.id}]` : `sources[${index}]`
    const urlOption = factory.definition.sourceUrlOption
    const served = publicUrl === undefined ? undefined : `${publicUrl}/webhooks/${source.id}`
    if (urlOption !== undefined) {
      const registered = source.options[urlOption]
      if (typeof registered === 'string' && served !== undefined && registered !== served) {
        out.push({
          severity: 'warning',
          path: `${path}.options.${urlOption}`,
          message: `is ${registered}, but this source is served at ${served}: ${source.provider} signs the URL as registered, so make sure it reaches this source unchanged`,
        })
      }
      return
    }
    if (source.provider === 'twilio' && source.options['publicUrl'] !== undefined) return
    if (publicUrl === undefined) {
      out.push({
        severity: 'error',
        path: `${path}.provider`,
        message: `${source.provider} signs the exact URL it calls: set server.publicUrl to the public base URL (https://…) so the gateway checks that URL, not the one it sees behind a proxy`,
      })
    }
  })
  if (publicUrl !== undefined) {
    const url = new URL(publicUrl)
    if (/^(localhost|127\.|\[::1\]$)/.test(url.hostname)) {
      out.push({
        severity: 'warning',
        path: 'server.publicUrl',
        message: `${url.host} is this machine: providers cannot call it (use the tunnel or proxy URL they call)`,
      })
    } else if (url.protocol === 'http:') {
      out.push({
        severity: 'warning',
        path: 'server.publicUrl',
        message:
          'is http: providers sign and send over https, and most refuse plain http endpoints',
      })
    }
  }
  return out
}

/** Every finding for the file: validation, secrets, public URL, store, destinations, admin token. */
export async function diagnoseConfig(
  file: string,
  options: { readonly timeoutMs?: number } = {},
): Promise<Finding[]> {
  const timeoutMs = options.timeoutMs ?? 3000
  const findings: Finding[] = []
  let config: GatewayConfig | undefined
  let issues: readonly string[] = []
  try {
    config = await loadConfig(file)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    if (error.issues.length === 1 && error.issues[0]?.startsWith('(file):'))
      throw new UsageError(error.issues[0].slice(8))
    issues = error.issues
    for (const issue of issues) {
      const colon = issue.indexOf(': ')
      findings.push({
        severity: 'error',
        path: colon === -1 ? '(config)' : issue.slice(0, colon),
        message: colon === -1 ? issue : issue.slice(colon + 2),
      })
    }
  }
  const refused = new Set(findings.map((finding) => finding.path))

  // Secrets as written (the validated configuration holds them decoded).
  const raw = rawTree(await readFile(file, 'utf8'))
  config ??= salvage(raw, issues, file)
  raw.sources.forEach((source, i) => {
    const provider = typeof source.provider === 'string' ? source.provider : undefined
    const factory =
      provider !== undefined && isBuiltinProviderId(provider)
        ? (providers[provider] as ProviderFactory<object>)
        : undefined
    if (provider === undefined) return
    const secrets =
      typeof source.secrets === 'string'
        ? [source.secrets]
        : Array.isArray(source.secrets)
          ? (source.secrets as unknown[])
          : []
    if (secrets.length === 0 && !refused.has(`sources[${i}].secrets`))
      findings.push({
        severity: 'error',
        path: `sources[${i}].secrets`,
        message: 'no secret: every request would be refused',
      })
    secrets.forEach((value, j) => {
      const path = `sources[${i}].secrets[${j}]`
      const resolved = resolveEnv(value)
      const secret = resolved?.text
      if (
        secret === undefined ||
        secret.trim() === '' ||
        refused.has(path) ||
        refused.has(`sources[${i}].secrets`)
      )
        return
      if (resolved?.fallback === true) {
        findings.push({
          severity: 'error',
          path,
          message:
            'comes from the demo fallback of ${env:…:-…} in the file: set the variable to the real signing secret',
        })
        return
      }
      findings.push(...secretFindings(provider, factory, secret, path))
    })
  })
  if (raw.adminToken === undefined) {
    findings.push({
      severity: 'warning',
      path: 'admin.token',
      message: 'not set: the admin API (/api/events, replay) is off',
    })
  } else if (!refused.has('admin.token')) {
    const token = resolveEnv(raw.adminToken)
    if (token !== undefined && token.text !== '')
      findings.push(...adminTokenFindings(token.text, token.fallback))
  }

  if (config !== undefined) {
    findings.push(...publicUrlFindings(config, raw.sources))
    for (const warning of config.warnings) {
      if (!findings.some((finding) => finding.path === warning.path))
        findings.push({ severity: 'warning', path: warning.path, message: warning.message })
    }
    findings.push(
      ...(config.storage.kind === 'sqlite'
        ? await sqliteFindings(config.storage.sqlite)
        : await postgresFindings(config.storage, timeoutMs)),
    )
    findings.push(
      ...(await destinationFindings(
        config,
        raw.destinations.map((destination) => destination.id),
        timeoutMs,
      )),
    )
  }
  return findings
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  if (positionals.length > 1) throw new UsageError('doctor takes one configuration file at most')
  if (positionals.length === 1 && values.config !== undefined)
    throw new UsageError('give the file either as an argument or with --config, not both')
  const file = positionals[0] ?? values.config ?? 'hookgate.yaml'
  const seconds = values.timeout === undefined ? 3 : Number(values.timeout)
  if (!(seconds > 0) || !Number.isFinite(seconds) || seconds > 60)
    throw new UsageError('--timeout expects a number of seconds from 0 to 60')
  const findings = await diagnoseConfig(file, { timeoutMs: Math.round(seconds * 1000) })
  const errors = findings.filter((finding) => finding.severity === 'error').length
  if (values.json === true) {
    print(JSON.stringify({ ok: errors === 0, findings }, null, 2))
  } else {
    for (const finding of findings)
      print(`${finding.severity.padEnd(7)}  ${finding.path}: ${finding.message}`)
    const warnings = findings.length - errors
    const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
    print(
      findings.length === 0
        ? `${file}: no problems found`
        : `${file}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`,
    )
  }
  return errors === 0 ? EXIT.ok : EXIT.failed
}
