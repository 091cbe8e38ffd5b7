/**
 * @module config
 * The gateway configuration: YAML or JSON, `${env:NAME}` interpolation, validated at start-up. Every problem is
 * reported with the exact path (`sources[2].secrets: must not be empty`) and the gateway refuses to start on any:
 * a misconfigured webhook receiver fails open or fails silently, both worse than not starting.
 *
 * Messages never contain a secret's value (nor the YAML line around a parse error, which could hold one).
 */
import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import {
  isBuiltinProviderId,
  providers,
  type ConfiguredPreset,
  type ProviderFactory,
} from '@hookgate/verify'
import { isRefusedAddress } from './delivery/address-policy.ts'
import { parseDurationMs } from './delivery/duration.ts'
import { ConfigError } from './errors.ts'
import { CUSTOM_PROVIDER, customPreset, customSchemeSchema } from './custom-scheme.ts'
import { parseCidr } from './http/client-address.ts'
import { webhookUrl } from './http/urls.ts'
import { DEFAULT_CAPTURE_MAX_BYTES, captureKeys } from './ingest/capture.ts'

/**
 * Shortest secret (and admin token) accepted, in characters. Every real provider secret is longer (Stripe
 * `whsec_…` 38, Slack and Twilio 32 hex, Trello 64 hex, Standard Webhooks `whsec_` + 32 base64); shorter ones
 * are placeholders typed by hand (`secret`, `changeme`, `test1234`) that a brute force recovers from one signed
 * request. RFC 7518 §3.2 even asks 32 bytes of HS256 keys; 16 is the floor below which nothing is plausible.
 */
export const MIN_SECRET_LENGTH = 16

/** Default `server.maxBodyBytes`: 1 MiB, above what the providers document (GitHub caps payloads at 25 MB, but
 * real events are a few KiB; raise it per deployment). */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576
const MAX_MAX_BODY_BYTES = 64 * 1_048_576

/**
 * Default `server.maxConnections`: open connections at most; past it new ones are closed on accept. Far above
 * what providers open, far below the file-descriptor limit Node runs with.
 */
export const DEFAULT_MAX_CONNECTIONS = 10_000
/** Signature failures diagnosed per source per minute unless configured (`server.diagnose.perMinute`). */
export const DEFAULT_DIAGNOSE_PER_MINUTE = 10
/** Default `server.maxConnectionsPerClient` (per remote address; trusted proxies are exempt). */
export const DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 256

/** Source ids are URL path segments: `/webhooks/<id>`. */
const SOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** A whole number in range; digit strings are accepted because `${env:PORT}` interpolates to text. */
function wholeNumber(min: number, max: number) {
  return z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)], {
      error: 'must be a whole number',
    })
    .pipe(
      z
        .number()
        .int('must be a whole number')
        .min(min, `must be at least ${min}`)
        .max(max, `must be at most ${max}`),
    )
}

function isProviderFactory(value: unknown): value is ProviderFactory<object> {
  return (
    typeof value === 'function' &&
    typeof (value as { definition?: { id?: unknown } }).definition?.id === 'string'
  )
}

const sourceSchema = z.strictObject({
  id: z
    .string()
    .regex(
      SOURCE_ID,
      'must be 1-64 letters, digits, "-", "_" or ".", starting with a letter or digit (it is a URL path segment)',
    ),
  /** A built-in preset id, or (programmatic configs) a preset factory made with `defineProvider`. */
  provider: z.union(
    [z.string().min(1, 'must not be empty'), z.custom<ProviderFactory<object>>(isProviderFactory)],
    {
      error: 'must be a provider id such as "github" or "stripe"',
    },
  ),
  secrets: z
    .union([z.string(), z.array(z.string())], { error: 'must be a list of secrets' })
    .transform((value) => (typeof value === 'string' ? [value] : value))
    // Absent only for presets whose keys are fetched from the provider (AWS SNS); checked below.
    .default([]),
  options: z
    .record(z.string(), z.unknown(), { error: 'must be a mapping of preset options' })
    .default({}),
  /** With `provider: custom`: the sender's scheme as data (custom-scheme.ts). */
  scheme: customSchemeSchema.optional(),
  allowIps: z.array(z.string()).default([]),
  toleranceSeconds: wholeNumber(1, 604_800).optional(),
  /** Diagnose at most this many signature failures per minute (default: `server.diagnose.perMinute`). */
  diagnose: z.strictObject({ perMinute: wholeNumber(0, 10_000) }).optional(),
  /** Keep the body (and sealed signature headers) of signature failures; off by default. */
  captureRejected: z.boolean({ error: 'must be true or false' }).default(false),
  captureMaxBytes: wholeNumber(1, MAX_MAX_BODY_BYTES).default(DEFAULT_CAPTURE_MAX_BYTES),
})

/** A duration: `5s`, `5m`, `2h`, `1d`, `500ms` or a number of milliseconds; `max` in ms. */
function duration(min: number, max: number) {
  return z.unknown().transform((value, ctx) => {
    const ms = parseDurationMs(value)
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a duration such as 500ms, 5s, 5m, 2h or 1d',
      })
      return z.NEVER
    }
    if (ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `must be from ${min} ms to ${max / 3_600_000} h` })
      return z.NEVER
    }
    return ms
  })
}

/** A retention age: a duration (at least 1 minute, at most about 100 years), or `forever` (undefined: never by age). */
function retentionAge() {
  return z.unknown().transform((value, ctx): number | undefined => {
    if (value === 'forever') return undefined
    const ms = parseDurationMs(value)
    if (ms === undefined || ms < 60_000 || ms > MAX_RETENTION_MS) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a duration from 1m to 36500d, such as 30d or 12h, or "forever"',
      })
      return z.NEVER
    }
    return ms
  })
}
const MAX_RETENTION_MS = 36_500 * 86_400_000

/** The Standard Webhooks retry schedule (after the first, immediate attempt): 8 attempts over about 28 hours. */
export const DEFAULT_RETRY_SCHEDULE = ['5s', '5m', '30m', '2h', '5h', '10h', '10h'] as const

const DELIVERY_MODES = ['all', 'ingest', 'deliver'] as const
/** `all`: ingest and deliver; `ingest`: store events and their pending deliveries only; `deliver`: only deliver. */
export type DeliveryMode = (typeof DELIVERY_MODES)[number]

const destinationSchema = z.strictObject({
  id: z
    .string()
    .regex(
      SOURCE_ID,
      'must be 1-64 letters, digits, "-", "_" or ".", starting with a letter or digit',
    ),
  url: z.string(),
  sources: z
    .array(z.string(), { error: 'must be a list of source ids' })
    .min(1, 'must list at least one source id'),
  eventTypes: z
    .array(z.string().min(1, 'must not be empty'))
    .min(1, 'must not be empty (omit it to deliver every event)')
    .optional(),
  timeoutMs: wholeNumber(1, 600_000).default(15_000),
  signingSecret: z.string(),
  retry: z
    .strictObject({
      schedule: z
        .array(duration(1, 7 * 86_400_000))
        .max(50, 'must have at most 50 steps')
        .prefault([...DEFAULT_RETRY_SCHEDULE]),
      jitter: z.number().min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1').default(0.2),
      maxRetryAfter: duration(0, 7 * 86_400_000).prefault('1h'),
    })
    .prefault({}),
  // 64: under saturating ingest a destination's deliveries share the event loop with the webhook connections, and
  // at 16 they fell to 0.4× of ingest (the backlog grew as long as the load lasted); at 64 they keep up with 50
  // ingest connections (bench/delivery.mjs, issue 15). A destination that cannot take it answers 429/503 and is retried.
  maxInFlight: wholeNumber(1, 10_000).default(64),
  allowLinkLocal: z.boolean({ error: 'must be true or false' }).default(false),
})

const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1, 'must not be empty').default('127.0.0.1'),
      port: wholeNumber(0, 65_535).default(8080),
      publicUrl: z.string().optional(),
      trustProxy: z.array(z.string()).default([]),
      maxBodyBytes: wholeNumber(1, MAX_MAX_BODY_BYTES).default(DEFAULT_MAX_BODY_BYTES),
      shutdownTimeoutMs: wholeNumber(0, 600_000).default(10_000),
      shutdownGrace: duration(0, 600_000).prefault('1s'),
      headersTimeout: duration(1, 600_000).prefault('10s'),
      bodyTimeout: duration(1, 3_600_000).prefault('30s'),
      maxConnections: wholeNumber(1, 1_000_000).default(DEFAULT_MAX_CONNECTIONS),
      maxConnectionsPerClient: wholeNumber(1, 1_000_000).default(
        DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
      ),
      diagnose: z
        .strictObject({ perMinute: wholeNumber(0, 10_000).default(DEFAULT_DIAGNOSE_PER_MINUTE) })
        .prefault({}),
      rejectionLimit: z
        .strictObject({
          burst: wholeNumber(0, 1_000_000).default(60),
          perSecond: z.number().positive().max(1_000_000).default(2),
          maxClients: wholeNumber(1, 10_000_000).default(100_000),
        })
        .prefault({}),
    })
    .prefault({}),
  storage: z
    .union(
      [
        // Shorthand: `storage: postgres://…` or `storage: ./data/hookgate.db`.
        z
          .string()
          .transform((value) =>
            POSTGRES_URL_SCHEME.test(value) ? { postgres: value } : { sqlite: value },
          ),
        z.strictObject({
          sqlite: z.string().min(1, 'must not be empty').optional(),
          postgres: z.string().min(1, 'must not be empty').optional(),
          schema: z.string().optional(),
          poolSize: wholeNumber(1, 1_000).optional(),
          maxRejections: wholeNumber(1, 100_000_000).optional(),
        }),
      ],
      {
        error:
          'must be a mapping such as { sqlite: ./data/hookgate.db } or { postgres: postgres://… }, or that path or URL alone',
      },
    )
    .prefault({ sqlite: './data/hookgate.db' }),
  admin: z
    .strictObject({
      token: z.string(),
      // Set: the admin API and dashboard get a listener of their own (and leave the webhook port).
      port: wholeNumber(0, 65_535).optional(),
      host: z.string().min(1, 'must not be empty').default('127.0.0.1'),
      dashboard: z.boolean({ error: 'must be true or false' }).default(true),
    })
    .optional(),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).prefault({}),
  sources: z.array(sourceSchema).min(1, 'must list at least one source'),
  delivery: z
    .strictObject({
      mode: z.enum(DELIVERY_MODES).default('all'),
      workerId: z
        .string()
        .min(1, 'must not be empty')
        .max(128, 'must be at most 128 characters')
        .optional(),
      pollIntervalMs: wholeNumber(10, 600_000).default(1_000),
      leaseMarginMs: wholeNumber(0, 3_600_000).default(30_000),
      circuitBreaker: z
        .strictObject({
          failureThreshold: wholeNumber(1, 10_000).default(5),
          cooldown: duration(1, 86_400_000).prefault('30s'),
        })
        .prefault({}),
    })
    .prefault({}),
  destinations: z.array(destinationSchema).default([]),
  retention: z
    .strictObject({
      // Unset, events are kept: upgrading must never delete a deployment's history by surprise. `hookgate init`'s
      // starter file sets 30d, the sensible value for a new gateway.
      events: retentionAge().prefault('forever'),
      maxEvents: wholeNumber(0, 1_000_000_000).default(0),
      rejections: retentionAge().prefault('7d'),
      interval: duration(1_000, 86_400_000).prefault('1m'),
    })
    .prefault({}),
})

/** The configuration as written (YAML/JSON, or an object): what {@link defineConfig} type-checks. */
export type HookgateConfig = z.input<typeof configSchema>

export interface ServerConfig {
  readonly host: string
  /** 0 picks a free port (tests). */
  readonly port: number
  /** Base URL providers call, without a trailing slash; `undefined` when not configured. */
  readonly publicUrl: string | undefined
  /** CIDRs of proxies whose `X-Forwarded-For/-Proto/-Host` are believed. */
  readonly trustProxy: readonly string[]
  readonly maxBodyBytes: number
  /** How long a shutdown waits for in-flight requests before cutting connections. */
  readonly shutdownTimeoutMs: number
  /**
   * At shutdown, how long open keep-alive connections are kept (within `shutdownTimeoutMs`) so that a request
   * already on its way is answered 503 with `Connection: close` rather than reset. Default 1 s.
   */
  readonly shutdownGraceMs: number
  /** From a connection's opening (or a request's first byte on a kept-alive one) to the end of its headers. Default 10 s. */
  readonly headersTimeoutMs: number
  /** From the end of the headers to the end of the body. Default 30 s. */
  readonly bodyTimeoutMs: number
  /** Open connections at most; more are closed on accept. */
  readonly maxConnections: number
  /** Open connections per remote address at most (trusted proxies exempt); more are closed on accept. */
  readonly maxConnectionsPerClient: number
  /**
   * Refusals per client address (after `trustProxy`): past `burst`, that address is answered 429 with `Retry-After`
   * and no verification work until the bucket refills at `perSecond`. `burst: 0` turns it off.
   */
  readonly rejectionLimit: {
    readonly burst: number
    readonly perSecond: number
    readonly maxClients: number
  }
}

/** `storage.sqlite`: one file, one instance. */
export interface SqliteStorageConfig {
  readonly kind: 'sqlite'
  /** Absolute path of the SQLite file (relative paths are resolved against the config file's directory), or `:memory:`. */
  readonly sqlite: string
  readonly postgres?: undefined
  readonly maxRejections: number | undefined
}

/** `storage.postgres`: one PostgreSQL schema shared by any number of instances. */
export interface PostgresStorageConfig {
  readonly kind: 'postgres'
  /** `postgres://user:password@host:5432/database?…`. Holds a password: show it with `describeStorage()` only. */
  readonly postgres: string
  readonly sqlite?: undefined
  /** Default `hookgate`. */
  readonly schema: string
  /** Connections per instance. Default 10. */
  readonly poolSize: number
  readonly maxRejections: number | undefined
}

export type StorageConfig = SqliteStorageConfig | PostgresStorageConfig

const POSTGRES_URL_SCHEME = /^postgres(ql)?:\/\//i
/** Schema names: what `createPostgresStorage` accepts (lowercase, so the name is the same quoted or not). */
const POSTGRES_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/
const DEFAULT_POSTGRES_POOL_SIZE = 10

/** One configured source: `POST /webhooks/<id>`. */
export interface SourceConfig {
  readonly id: string
  readonly provider: string
  /** The preset with its secrets decoded and options checked. */
  readonly preset: ConfiguredPreset
  /** The preset options in effect (defaults such as Trello's `callbackUrl`, its preset's sourceUrlOption, filled in). */
  readonly options: Readonly<Record<string, unknown>>
  readonly allowIps: readonly string[]
  /** Signature failures diagnosed per minute at most (`sources[].diagnose.perMinute`, else the server's); 0: none. */
  readonly diagnosePerMinute: number
  /** Keep the request of signature failures (`sources[].captureRejected`). */
  readonly captureRejected: boolean
  /** Captured bodies are cut to this many bytes (and marked truncated). */
  readonly captureMaxBytes: number
  /**
   * Keys sealing a captured request's signature headers, one per secret (HKDF of the secret: `ingest/capture.ts`).
   * Empty unless `captureRejected`. Key material: never logged or stored.
   */
  readonly captureKeys: readonly Uint8Array[]
}

/** One configured destination: where matching events are POSTed, re-signed with Standard Webhooks. */
export interface DestinationConfig {
  readonly id: string
  /** Absolute http(s) URL. May carry credentials: show it with `displayUrl()` only. */
  readonly url: string
  /** Source ids that feed it (each one configured). */
  readonly sources: readonly string[]
  /** Globs on the event type (`invoice.*`); `undefined` = every event. */
  readonly eventTypes: readonly string[] | undefined
  readonly timeoutMs: number
  /** The `standard-webhooks` preset holding `signingSecret`, for `signWebhook`. */
  readonly signer: ConfiguredPreset
  readonly retry: {
    /** Delay before each retry, in ms; its length is the number of retries after the first attempt. */
    readonly scheduleMs: readonly number[]
    /** Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
    readonly jitter: number
    /** A `Retry-After` longer than this is cut to it. */
    readonly maxRetryAfterMs: number
  }
  readonly maxInFlight: number
  /** Allow link-local and cloud-metadata addresses (169.254.0.0/16, fe80::/10, …), refused by default. */
  readonly allowLinkLocal: boolean
}

export interface DeliveryConfig {
  readonly mode: DeliveryMode
  /** Default: `<hostname>:<pid>`. */
  readonly workerId: string | undefined
  /** How often the worker looks for due deliveries when nothing wakes it (retries coming due, other ingesters). */
  readonly pollIntervalMs: number
  /** Lease = destination `timeoutMs` + this: how long a crashed worker's claims wait before another takes them. */
  readonly leaseMarginMs: number
  readonly circuitBreaker: {
    /** Consecutive failed attempts that open a destination's circuit. */
    readonly failureThreshold: number
    /** How long an open circuit waits before one probe attempt (half-open). */
    readonly cooldownMs: number
  }
}

/** `retention:`, what `hookgate serve` prunes every `intervalMs` and `hookgate prune` once (issue 14). */
export interface RetentionConfig {
  /** Events (with their deliveries and attempts) older than this go; undefined: kept forever. Default 30 days. */
  readonly eventsMs: number | undefined
  /** Events kept at most, oldest go first; 0: no cap. */
  readonly maxEvents: number
  /** Rejections older than this go; undefined: kept forever (`storage.maxRejections` still caps them). Default 7 days. */
  readonly rejectionsMs: number | undefined
  /** How often `hookgate serve` prunes. Default 1 minute. */
  readonly intervalMs: number
}

/** `admin:`: the admin API (bearer token) and the dashboard (`/ui/`, signed in with the same token). */
export interface AdminConfig {
  readonly token: string
  /** Serve `/api/` and `/ui/` on `admin.host:admin.port` only (a private address), not on the webhook port. */
  readonly listen: { readonly host: string; readonly port: number } | undefined
  /** `/ui/` is served (default true). */
  readonly dashboard: boolean
}

/** A validated configuration, ready for `createGateway`. */
export interface GatewayConfig {
  readonly server: ServerConfig
  readonly storage: StorageConfig
  readonly admin: AdminConfig | undefined
  readonly log: { readonly level: LogLevel }
  readonly sources: readonly SourceConfig[]
  readonly delivery: DeliveryConfig
  readonly destinations: readonly DestinationConfig[]
  readonly retention: RetentionConfig
  /** Every `${env:NAME:-fallback}` whose fallback was used (`hookgate serve` warns about secrets among them). */
  readonly fallbacks: readonly EnvFallback[]
  /** Things that do not stop the gateway but deserve a look (`hookgate serve` logs each at start-up). */
  readonly warnings: readonly ConfigWarning[]
}

/** A plausible mistake in a configuration that still works, naming where it is. */
export interface ConfigWarning {
  readonly path: string
  readonly message: string
}

/** A `${env:NAME:-fallback}` reference resolved to its fallback because NAME was unset or empty. */
export interface EnvFallback {
  readonly path: string
  readonly variable: string
}

/** True for the paths that hold secrets: `admin.token`, `sources[i].secrets[j]`, `destinations[i].signingSecret`. */
export function isSecretPath(path: string): boolean {
  return (
    path === 'admin.token' ||
    /^sources\[\d+\]\.secrets(\[\d+\])?$/.test(path) ||
    /^destinations\[\d+\]\.signingSecret$/.test(path)
  )
}

export interface ParseConfigOptions {
  /** Variables for `${env:NAME}`. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Directory relative storage paths are resolved against. Default: the working directory. */
  readonly baseDir?: string
  /** Shown in the error message. */
  readonly file?: string
}

/**
 * Identity helper for typed configuration objects (`hookgate.config.ts`, tests).
 * @example export default defineConfig({ sources: [{ id: 'gh', provider: 'github', secrets: [process.env.GH!] }] })
 */
export function defineConfig(config: HookgateConfig): HookgateConfig {
  return config
}

/** `['sources', 2, 'secrets']` → `sources[2].secrets`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key))
      out += out === '' ? key : `.${key}`
    else out += `[${JSON.stringify(String(key))}]`
  }
  return out === '' ? '(root)' : out
}

/** Secret paths plus the PostgreSQL URL (its password), whose text config errors never repeat. */
function holdsSecret(path: string): boolean {
  return isSecretPath(path) || path === 'storage' || path === 'storage.postgres'
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g
const ENV_REFERENCE = /^env:([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/

/**
 * Replaces `${env:NAME}` (error when unset) and `${env:NAME:-default}` (default when unset or empty) in every
 * string value; `$${` writes a literal `${`. Done on the parsed tree, not the text, so a variable's value can
 * never inject YAML and errors point at the exact path.
 */
function interpolate(
  value: unknown,
  path: PropertyKey[],
  env: Readonly<Record<string, string | undefined>>,
  issues: string[],
  fallbacks: EnvFallback[],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value
    return value.replace(REFERENCE, (match, inner: string | undefined) => {
      if (match === '$${') return '${'
      const ref = ENV_REFERENCE.exec(inner ?? '')
      if (ref === null) {
        const at = formatPath(path)
        // A secret may contain "${" by chance: its text is never echoed (not even the part after "${").
        const what = holdsSecret(at)
          ? 'a "${" in this secret (its text is not shown)'
          : `"\${${(inner ?? '').slice(0, 40)}}"`
        issues.push(
          `${at}: ${what} is not a valid reference; write \${env:NAME} or \${env:NAME:-default}, or $\${ for a literal "\${"`,
        )
        return ''
      }
      const [, name = '', fallback] = ref
      const found = Object.hasOwn(env, name) ? env[name] : undefined
      if (fallback !== undefined) {
        if (found !== undefined && found !== '') return found
        fallbacks.push({ path: formatPath(path), variable: name })
        return fallback
      }
      if (found === undefined) {
        issues.push(`${formatPath(path)}: environment variable ${name} is not set`)
        return ''
      }
      return found
    })
  }
  if (Array.isArray(value))
    return value.map((item, i) => interpolate(item, [...path, i], env, issues, fallbacks))
  if (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value))
      out[key] = interpolate(item, [...path, key], env, issues, fallbacks)
    return out
  }
  return value
}

function zodIssues(error: z.ZodError): string[] {
  const lines: string[] = []
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${formatPath([...issue.path, key])}: unknown key`)
    } else {
      lines.push(`${formatPath(issue.path)}: ${issue.message}`)
    }
  }
  return lines
}

function presetMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/^\[@hookgate\/verify\]\s*/, '')
}

function validatePublicUrl(value: string | undefined, issues: string[]): string | undefined {
  if (value === undefined) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    issues.push(
      'server.publicUrl: must be an absolute http(s) URL such as https://hooks.example.com',
    )
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    issues.push('server.publicUrl: must use http or https')
    return undefined
  }
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) {
    issues.push(
      'server.publicUrl: must not have a query or fragment (the request path and query are appended)',
    )
    return undefined
  }
  return value.replace(/\/+$/, '')
}

function checkCidrs(list: readonly string[], path: string, issues: string[]): void {
  list.forEach((entry, i) => {
    if (parseCidr(entry) === undefined) {
      issues.push(
        `${path}[${i}]: "${entry.slice(0, 64)}" is not an IP address or CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)`,
      )
    }
  })
}

/**
 * A provider-issued secret: the provider chose its length, so a short one is not refused (the gateway must start
 * for the provider it serves) but warned about, naming the source; an empty one is an error.
 */
function checkProviderSecret(
  secret: string,
  path: string,
  sourceId: string,
  issues: string[],
  warnings: ConfigWarning[],
): boolean {
  if (secret.trim() === '') {
    issues.push(`${path}: must not be empty`)
    return false
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    warnings.push({
      path,
      message: `source "${sourceId}": its secret is only ${secret.length} characters; provider signing secrets are normally longer — check it is the signing secret, not another value`,
    })
  }
  return true
}

/**
 * `allowIps` entries are CIDRs or addresses, or the id of a provider that publishes its sender addresses
 * (`trello`, `stripe`, `github`), which stands for that list.
 */
function expandAllowIps(
  list: readonly string[],
  path: string,
  issues: string[],
): readonly string[] {
  const publishing = Object.values(providers)
    .filter(({ definition }) => definition.senderIps !== undefined)
    .map(({ definition }) => definition.id)
  return list.flatMap((entry, i) => {
    if (parseCidr(entry) !== undefined) return [entry]
    if (isBuiltinProviderId(entry)) {
      const published = providers[entry].definition.senderIps
      if (published !== undefined) return [...published.cidrs]
      issues.push(
        `${path}[${i}]: ${entry} publishes no sender addresses (providers that do: ${publishing.join(', ')})`,
      )
      return []
    }
    issues.push(
      `${path}[${i}]: "${entry.slice(0, 64)}" is not an IP address, a CIDR (e.g. 10.0.0.0/8, 2001:db8::/32) or a provider that publishes its addresses (${publishing.join(', ')})`,
    )
    return []
  })
}

function checkSecret(secret: string, path: string, issues: string[]): boolean {
  if (secret.trim() === '') {
    issues.push(`${path}: must not be empty`)
    return false
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    issues.push(
      `${path}: is too short (${secret.length} characters; at least ${MIN_SECRET_LENGTH} required)`,
    )
    return false
  }
  return true
}

/**
 * Validates a configuration object (already parsed from YAML/JSON) and builds every preset.
 * @throws ConfigError listing every problem, each with its path.
 * @example const config = parseConfig({ sources: [{ id: 'gh', provider: 'github', secrets: ['0123456789abcdef'] }] })
 */
export function parseConfig(input: unknown, options: ParseConfigOptions = {}): GatewayConfig {
  const issues: string[] = []
  if (input === null || input === undefined)
    throw new ConfigError(['(root): the configuration is empty'], options.file)
  if (typeof input !== 'object' || Array.isArray(input))
    throw new ConfigError(['(root): must be a mapping'], options.file)
  const fallbacks: EnvFallback[] = []
  const warnings: ConfigWarning[] = []
  const interpolated = interpolate(input, [], options.env ?? process.env, issues, fallbacks)
  if (issues.length > 0) throw new ConfigError(issues, options.file)

  const parsed = configSchema.safeParse(interpolated, {
    error: (issue) =>
      issue.input === undefined && issue.code === 'invalid_type' ? 'is required' : undefined,
  })
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error), options.file)
  const raw = parsed.data

  const publicUrl = validatePublicUrl(raw.server.publicUrl, issues)
  checkCidrs(raw.server.trustProxy, 'server.trustProxy', issues)

  const storage = validateStorage(raw.storage, options.baseDir, issues)

  if (raw.admin !== undefined) checkSecret(raw.admin.token, 'admin.token', issues)

  const seen = new Map<string, number>()
  const sources: SourceConfig[] = []
  raw.sources.forEach((source, i) => {
    const at = `sources[${i}]`
    const first = seen.get(source.id)
    if (first !== undefined)
      issues.push(`${at}.id: duplicate source id "${source.id}" (also sources[${first}].id)`)
    else seen.set(source.id, i)
    const allowIps = expandAllowIps(source.allowIps, `${at}.allowIps`, issues)

    let factory: ProviderFactory<object>
    if (source.provider === CUSTOM_PROVIDER || source.scheme !== undefined) {
      if (source.provider !== CUSTOM_PROVIDER) {
        issues.push(
          `${at}.scheme: only with provider: custom (a built-in provider brings its own scheme)`,
        )
        return
      }
      if (source.scheme === undefined) {
        issues.push(
          `${at}.scheme: required with provider: custom (type: signature, token or basic)`,
        )
        return
      }
      try {
        factory = customPreset(source.id, source.scheme)
      } catch (error) {
        issues.push(`${at}.scheme: ${presetMessage(error)}`)
        return
      }
    } else if (typeof source.provider === 'string') {
      if (!isBuiltinProviderId(source.provider)) {
        issues.push(
          `${at}.provider: unknown provider "${source.provider.slice(0, 64)}" (known: ${Object.keys(providers).join(', ')})`,
        )
        return
      }
      factory = providers[source.provider] as ProviderFactory<object>
    } else {
      factory = source.provider
    }
    const definition = factory.definition

    // A preset whose keys are fetched from the provider (AWS SNS certificates) needs no secret; given ones pin keys.
    const fetchesKeys = definition.keySource !== undefined
    let secretsOk = source.secrets.length > 0 || fetchesKeys
    if (!secretsOk) issues.push(`${at}.secrets: must not be empty`)
    source.secrets.forEach((secret, j) => {
      if (!checkProviderSecret(secret, `${at}.secrets[${j}]`, source.id, issues, warnings))
        secretsOk = false
    })

    if (source.toleranceSeconds !== undefined && definition.toleranceSeconds === undefined) {
      issues.push(
        `${at}.toleranceSeconds: ${definition.id} signatures carry no replay window to override; remove this key`,
      )
      return
    }

    const presetOptions: Record<string, unknown> = {}
    let optionsOk = true
    for (const [key, value] of Object.entries(source.options)) {
      if (!definition.optionKeys.includes(key)) {
        const allowed =
          definition.optionKeys.length === 0
            ? `${definition.id} takes no options`
            : `${definition.id} takes: ${definition.optionKeys.join(', ')}`
        issues.push(`${at}.options.${key}: unknown option (${allowed})`)
        optionsOk = false
      } else {
        presetOptions[key] = value
      }
    }
    // Providers that sign the URL they were given (Trello's callbackUrl): default it to where this source is served.
    const urlOption = definition.sourceUrlOption
    if (urlOption !== undefined && presetOptions[urlOption] === undefined) {
      if (publicUrl === undefined) {
        issues.push(
          `${at}.options.${urlOption}: required for ${definition.id} (the URL exactly as registered with the provider) unless server.publicUrl is set`,
        )
        optionsOk = false
      } else {
        presetOptions[urlOption] = webhookUrl(publicUrl, source.id)
      }
    }
    if (!optionsOk) return

    const tolerance =
      source.toleranceSeconds === undefined ? {} : { toleranceSeconds: source.toleranceSeconds }
    try {
      // Options apart from secrets: the definition's own check (a probe secret would not fit every key form).
      definition.configure({ ...presetOptions, ...tolerance })
    } catch (error) {
      issues.push(`${at}.options: ${presetMessage(error)}`)
      return
    }
    if (!secretsOk) return
    source.secrets.forEach((secret, j) => {
      try {
        factory({ ...presetOptions, ...tolerance, secrets: [secret] })
      } catch (error) {
        issues.push(`${at}.secrets[${j}]: ${presetMessage(error)}`)
        secretsOk = false
      }
    })
    if (!secretsOk) return
    const preset = factory({ ...presetOptions, ...tolerance, secrets: source.secrets })
    sources.push({
      id: source.id,
      provider: definition.id,
      preset,
      options: Object.freeze(presetOptions),
      allowIps,
      diagnosePerMinute: source.diagnose?.perMinute ?? raw.server.diagnose.perMinute,
      captureRejected: source.captureRejected,
      captureMaxBytes: source.captureMaxBytes,
      captureKeys: source.captureRejected ? captureKeys(source.secrets) : [],
    })
  })

  const destinations = validateDestinations(
    raw.destinations,
    new Set(raw.sources.map((source) => source.id)),
    issues,
  )

  if (issues.length > 0 || storage === undefined) throw new ConfigError(issues, options.file)
  return {
    server: {
      host: raw.server.host,
      port: raw.server.port,
      publicUrl,
      trustProxy: raw.server.trustProxy,
      maxBodyBytes: raw.server.maxBodyBytes,
      shutdownTimeoutMs: raw.server.shutdownTimeoutMs,
      shutdownGraceMs: raw.server.shutdownGrace,
      headersTimeoutMs: raw.server.headersTimeout,
      bodyTimeoutMs: raw.server.bodyTimeout,
      maxConnections: raw.server.maxConnections,
      maxConnectionsPerClient: raw.server.maxConnectionsPerClient,
      rejectionLimit: raw.server.rejectionLimit,
    },
    storage,
    admin:
      raw.admin === undefined
        ? undefined
        : {
            token: raw.admin.token,
            listen:
              raw.admin.port === undefined
                ? undefined
                : { host: raw.admin.host, port: raw.admin.port },
            dashboard: raw.admin.dashboard,
          },
    log: { level: raw.log.level },
    sources,
    delivery: {
      mode: raw.delivery.mode,
      workerId: raw.delivery.workerId,
      pollIntervalMs: raw.delivery.pollIntervalMs,
      leaseMarginMs: raw.delivery.leaseMarginMs,
      circuitBreaker: {
        failureThreshold: raw.delivery.circuitBreaker.failureThreshold,
        cooldownMs: raw.delivery.circuitBreaker.cooldown,
      },
    },
    destinations,
    retention: {
      eventsMs: raw.retention.events,
      maxEvents: raw.retention.maxEvents,
      rejectionsMs: raw.retention.rejections,
      intervalMs: raw.retention.interval,
    },
    fallbacks,
    warnings,
  }
}

type RawStorage = z.output<typeof configSchema>['storage']

/** Exactly one of sqlite/postgres; PostgreSQL keys only with postgres. Messages never repeat the URL (it may hold a password). */
function validateStorage(
  raw: RawStorage,
  baseDir: string | undefined,
  issues: string[],
): StorageConfig | undefined {
  const schema = 'schema' in raw ? raw.schema : undefined
  const poolSize = 'poolSize' in raw ? raw.poolSize : undefined
  const maxRejections = 'maxRejections' in raw ? raw.maxRejections : undefined
  if (raw.postgres !== undefined && raw.sqlite !== undefined) {
    issues.push(
      'storage: set either sqlite (one instance, a file) or postgres (several instances), not both',
    )
    return undefined
  }
  if (raw.postgres !== undefined) {
    let url: URL | undefined
    try {
      url = new URL(raw.postgres)
    } catch {
      url = undefined
    }
    let ok = true
    if (url === undefined || !POSTGRES_URL_SCHEME.test(raw.postgres) || url.hostname === '') {
      issues.push(
        'storage.postgres: must be a URL such as postgres://user:password@db.example:5432/hookgate',
      )
      ok = false
    }
    if (schema !== undefined && !POSTGRES_SCHEMA.test(schema)) {
      issues.push(
        'storage.schema: must be 1-63 lowercase letters, digits or "_", not starting with a digit (e.g. hookgate)',
      )
      ok = false
    }
    if (!ok) return undefined
    return {
      kind: 'postgres',
      postgres: raw.postgres,
      schema: schema ?? 'hookgate',
      poolSize: poolSize ?? DEFAULT_POSTGRES_POOL_SIZE,
      maxRejections,
    }
  }
  if (raw.sqlite === undefined) {
    issues.push(
      'storage.sqlite: is required (a file path, e.g. ./data/hookgate.db), or set storage.postgres',
    )
    return undefined
  }
  if (schema !== undefined) issues.push('storage.schema: only applies to storage.postgres')
  if (poolSize !== undefined) issues.push('storage.poolSize: only applies to storage.postgres')
  const file = raw.sqlite
  const sqlite =
    file === ':memory:' || isAbsolute(file) ? file : resolve(baseDir ?? process.cwd(), file)
  return { kind: 'sqlite', sqlite, maxRejections }
}

type RawDestination = z.output<typeof destinationSchema>

/** Checks what the schema cannot (URLs, source references, duplicate ids, the signing secret) and builds signers. */
function validateDestinations(
  raw: readonly RawDestination[],
  sourceIds: ReadonlySet<string>,
  issues: string[],
): DestinationConfig[] {
  const seen = new Map<string, number>()
  const out: DestinationConfig[] = []
  raw.forEach((destination, i) => {
    const at = `destinations[${i}]`
    let ok = true
    const first = seen.get(destination.id)
    if (first !== undefined) {
      issues.push(
        `${at}.id: duplicate destination id "${destination.id}" (also destinations[${first}].id)`,
      )
      ok = false
    } else seen.set(destination.id, i)

    let url: URL | undefined
    try {
      url = new URL(destination.url)
    } catch {
      url = undefined
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      issues.push(
        `${at}.url: must be an absolute http or https URL such as http://127.0.0.1:9000/hooks`,
      )
      ok = false
    } else if (url.hash !== '') {
      issues.push(`${at}.url: must not have a #fragment`)
      ok = false
    }
    if (url !== undefined && !destination.allowLinkLocal && isRefusedAddress(url.hostname)) {
      // The URL parser has already turned 2852039166 or 0xa9fea9fe into 169.254.169.254.
      issues.push(
        `${at}.url: ${url.hostname} is a link-local or cloud-metadata address; set allowLinkLocal: true on this destination if it is really the target`,
      )
      ok = false
    }

    destination.sources.forEach((source, j) => {
      if (!sourceIds.has(source)) {
        issues.push(
          `${at}.sources[${j}]: unknown source "${source.slice(0, 64)}" (configured: ${[...sourceIds].join(', ')})`,
        )
        ok = false
      }
    })

    let signer: ConfiguredPreset | undefined
    if (checkSecret(destination.signingSecret, `${at}.signingSecret`, issues)) {
      if (!destination.signingSecret.startsWith('whsec_')) {
        issues.push(
          `${at}.signingSecret: must be a Standard Webhooks secret: whsec_ followed by base64 (e.g. from \`openssl rand -base64 32\`)`,
        )
      } else {
        try {
          signer = providers['standard-webhooks']({ secrets: [destination.signingSecret] })
        } catch (error) {
          issues.push(`${at}.signingSecret: ${presetMessage(error)}`)
        }
      }
    }
    if (!ok || signer === undefined) return
    out.push({
      id: destination.id,
      url: destination.url,
      sources: destination.sources,
      eventTypes: destination.eventTypes,
      timeoutMs: destination.timeoutMs,
      signer,
      retry: {
        scheduleMs: destination.retry.schedule,
        jitter: destination.retry.jitter,
        maxRetryAfterMs: destination.retry.maxRetryAfter,
      },
      maxInFlight: destination.maxInFlight,
      allowLinkLocal: destination.allowLinkLocal,
    })
  })
  return out
}

/**
 * Parses YAML or JSON text (JSON is YAML 1.2) and validates it.
 * @throws ConfigError
 */
export function parseConfigText(text: string, options: ParseConfigOptions = {}): GatewayConfig {
  let input: unknown
  try {
    input = parseYaml(text)
  } catch (error) {
    // Only the first line of the parser's message: the rest quotes the source line, which may hold a secret.
    const message =
      error instanceof Error ? (error.message.split(/:?\n/)[0] ?? 'syntax error') : 'syntax error'
    throw new ConfigError([`(syntax): ${message}`], options.file)
  }
  return parseConfig(input, options)
}

/**
 * Reads and validates a config file; relative storage paths are resolved against the file's directory.
 * @throws ConfigError (also when the file cannot be read)
 * @example const config = await loadConfig('hookgate.yaml')
 */
export async function loadConfig(
  file: string,
  options: Omit<ParseConfigOptions, 'file' | 'baseDir'> = {},
): Promise<GatewayConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    const hint = code === 'ENOENT' ? '; run `hookgate init` to write a starter one' : ''
    throw new ConfigError([`(file): cannot read ${file} (${code})${hint}`])
  }
  return parseConfigText(text, { ...options, file, baseDir: dirname(resolve(file)) })
}
