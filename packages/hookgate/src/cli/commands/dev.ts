/**
 * @module cli/commands/dev
 * `hookgate dev --forward URL (--source id:provider:secret… | --config FILE) [--port N]`: what `stripe listen`
 * does, for every provider. A throwaway gateway on a temporary SQLite (its directory removed on exit) verifies
 * what providers send to its sources, forwards every verified event to the local app at `--forward` re-signed
 * with Standard Webhooks (a `whsec_` secret, given or generated, printed once), and shows a live table of the
 * traffic (time, source, event type, verdict, delivery status and latency) fed by the gateway's in-process bus.
 * On a terminal each row is updated in place when its delivery settles; otherwise (pipes, CI) every change is a
 * new plain line. SIGINT/SIGTERM stop it cleanly (exit 0).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createGateway } from '../../app.ts'
import {
  loadConfig,
  parseConfig,
  type DestinationConfig,
  type GatewayConfig,
} from '../../config.ts'
import { ConfigError } from '../../errors.ts'
import type { GatewayEvents } from '../../events.ts'
import { createLogger, errorSummary } from '../../logger.ts'
import { EXIT, markSecret, print, printedUsage, UsageError } from '../args.ts'
import { safe } from './events.ts'
import { nextSignal } from './serve.ts'

export const usage = `Usage: hookgate dev --forward URL (--source ID:PROVIDER:SECRET... | --config FILE) [options]

Runs a throwaway gateway for local development: webhooks sent to its sources are verified, stored in a
temporary SQLite (deleted on exit) and forwarded to your app at --forward, re-signed with Standard Webhooks
(webhook-id, webhook-timestamp, webhook-signature), whatever the provider. A live table shows each
request: time, source, event type, verdict (stored, duplicate, or why it was refused), delivery status
and latency.

  --forward URL           where your app receives webhooks, e.g. http://localhost:3000/webhooks
  --source ID:PROVIDER:SECRET
                          a source (repeatable), e.g. --source stripe:stripe:whsec_…
                          (the secret may be left out for providers that need none, such as aws-sns)
  -c, --config FILE       take the sources (and server.publicUrl) from a configuration file instead;
                          its storage and destinations are replaced by the temporary ones
  --port PORT             listen port on 127.0.0.1 (default 8080; 0 picks a free one)
  --signing-secret SECRET the whsec_ secret deliveries are signed with (default: a new one, printed once)
  -h, --help

The admin API is on too (token: admin.token of the config, else HOOKGATE_ADMIN_TOKEN, else a new one,
printed), so "hookgate events list|show|tail" work against it. Ctrl-C stops the gateway and deletes its
store (exit 0). Exit 2: bad usage or configuration; exit 1: the port could not be opened.`

/** Retries for a local app that is restarting: soon, then give up (replay with `hookgate events replay`). */
const DEV_RETRY_SCHEDULE = ['1s', '5s', '30s', '2m']
/** A syntactically valid placeholder source for building the forward destination alone. */
const PLACEHOLDER_SECRET = 'hookgate-dev-placeholder-secret-0000'

function parsePort(value: string | undefined): number {
  if (value === undefined) return 8080
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535)
    throw new UsageError(
      `--port expects a port number from 0 to 65535, got "${value.slice(0, 20)}"`,
    )
  return Number(value)
}

function parseForward(value: string | undefined): string {
  if (value === undefined)
    throw new UsageError(
      '--forward is required: the URL your app receives webhooks on, e.g. http://localhost:3000/webhooks',
    )
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(
      `--forward expects an http(s) URL such as http://localhost:3000/webhooks, got "${value.slice(0, 60)}"`,
    )
  }
  return value
}

/** `id:provider[:secret]` → a source as the config file writes it. */
function parseSource(value: string): { id: string; provider: string; secrets: string[] } {
  const first = value.indexOf(':')
  if (first <= 0)
    throw new UsageError(
      `--source expects ID:PROVIDER:SECRET, got "${value.split(':')[0]?.slice(0, 40) ?? ''}…"`,
    )
  const second = value.indexOf(':', first + 1)
  const id = value.slice(0, first)
  const provider = second === -1 ? value.slice(first + 1) : value.slice(first + 1, second)
  const secret = second === -1 ? undefined : value.slice(second + 1)
  if (secret !== undefined) markSecret(secret)
  if (provider === '')
    throw new UsageError(`--source ${id}: the provider is missing (ID:PROVIDER:SECRET)`)
  return { id, provider, secrets: secret === undefined || secret === '' ? [] : [secret] }
}

/** The destination `--forward` names, fed by every source. */
function forwardDestination(
  url: string,
  signingSecret: string,
  sourceIds: readonly string[],
): DestinationConfig {
  const parsed = parseConfig(
    {
      sources: [{ id: 'placeholder', provider: 'github', secrets: [PLACEHOLDER_SECRET] }],
      destinations: [
        {
          id: 'local',
          url,
          sources: ['placeholder'],
          signingSecret,
          retry: { schedule: DEV_RETRY_SCHEDULE },
        },
      ],
    },
    { env: {} },
  )
  const destination = parsed.destinations[0]
  if (destination === undefined) throw new Error('the forward destination was not built')
  return { ...destination, sources: [...sourceIds] }
}

interface Row {
  readonly time: string
  readonly source: string
  readonly eventType: string
  readonly verdict: string
  delivery: string
  latency: string
  /** Index of the row's line among those printed (for in-place updates on a terminal). */
  line: number
}

const COLUMNS = [
  ['TIME', 8],
  ['SOURCE', 16],
  ['EVENT TYPE', 28],
  ['VERDICT', 34],
  ['DELIVERY', 20],
  ['LATENCY', 9],
] as const

function cell(text: string, width: number): string {
  const clean = safe(text)
  return clean.length > width ? `${clean.slice(0, width - 1)}…` : clean.padEnd(width)
}

function formatRow(values: readonly string[]): string {
  return values
    .map((value, i) => cell(value, COLUMNS[i]?.[1] ?? 10))
    .join('  ')
    .trimEnd()
}

/** Local wall-clock time, `HH:MM:SS`. */
function clock(date: Date): string {
  return date.toTimeString().slice(0, 8)
}

/**
 * The live table over the gateway's bus. `tty`: rows are rewritten in place as deliveries settle (ANSI cursor
 * moves), as long as the row is still on screen; otherwise every change is printed as a new line.
 * @returns unsubscribe
 */
export function createLiveTable(
  events: GatewayEvents,
  out: { write(text: string): void; readonly isTTY: boolean; readonly rows: number },
): () => void {
  const rows = new Map<string, Row>()
  let printed = 0
  const emit = (text: string): void => {
    out.write(`${text}\n`)
    printed += 1
  }
  const show = (row: Row): string =>
    formatRow([row.time, row.source, row.eventType, row.verdict, row.delivery, row.latency])
  emit(formatRow(COLUMNS.map(([title]) => title)))

  const add = (key: string | undefined, row: Omit<Row, 'line'>): void => {
    const full: Row = { ...row, line: printed }
    emit(show(full))
    if (key === undefined) return
    rows.set(key, full)
    // Bounded: the oldest rows stop being updatable.
    if (rows.size > 1000) rows.delete(rows.keys().next().value as string)
  }

  const offs = [
    events.on('event:stored', (e) => {
      add(e.id, {
        time: clock(e.receivedAt),
        source: e.sourceId,
        eventType: e.eventType ?? '-',
        verdict: e.duplicate ? 'duplicate' : 'stored',
        delivery: e.duplicate ? '-' : 'pending',
        latency: '',
      })
    }),
    events.on('rejection:recorded', (r) => {
      add(undefined, {
        time: clock(r.receivedAt),
        source: r.sourceId,
        eventType: '-',
        verdict: `rejected ${r.status} ${r.reason}`,
        delivery: '-',
        latency: '',
      })
    }),
    events.on('delivery:attempted', (d) => {
      const result =
        d.statusCode === undefined ? (d.error?.split(':')[0] ?? 'error') : String(d.statusCode)
      const delivery =
        d.outcome === 'delivered'
          ? `delivered ${result}`
          : d.outcome === 'retry'
            ? `retrying (${result})`
            : d.outcome === 'dead'
              ? `dead (${result})`
              : 'lease lost'
      const latency = `${Math.round(d.durationMs)} ms`
      const row = rows.get(d.eventId)
      if (row === undefined) {
        add(undefined, {
          time: clock(d.startedAt),
          source: '?',
          eventType: '?',
          verdict: 'stored',
          delivery,
          latency,
        })
        return
      }
      row.delivery = delivery
      row.latency = latency
      const up = printed - row.line
      if (out.isTTY && up > 0 && up < out.rows - 1) {
        // Up to the row, rewrite it, back down: the table stays one row per event.
        out.write(`\u001b[${up}A\r\u001b[2K${show(row)}\u001b[${up}B\r`)
      } else {
        add(undefined, { ...row, time: clock(d.startedAt) })
      }
      if (d.outcome === 'delivered' || d.outcome === 'dead') rows.delete(d.eventId)
    }),
  ]
  return () => {
    for (const off of offs) off()
  }
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      forward: { type: 'string' },
      source: { type: 'string', multiple: true },
      config: { type: 'string', short: 'c' },
      port: { type: 'string' },
      'signing-secret': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  if (values['signing-secret'] !== undefined) markSecret(values['signing-secret'])
  if (positionals.length > 0)
    throw new UsageError(`dev takes no arguments, got "${positionals[0]?.slice(0, 40) ?? ''}"`)
  const forward = parseForward(values.forward)
  const port = parsePort(values.port)
  const sourceFlags = (values.source ?? []).map(parseSource)
  if (sourceFlags.length > 0 && values.config !== undefined)
    throw new UsageError('give either --source flags or --config, not both')
  if (sourceFlags.length === 0 && values.config === undefined)
    throw new UsageError(
      'give the sources: --source ID:PROVIDER:SECRET (repeatable) or --config FILE',
    )
  const signingSecret = values['signing-secret'] ?? `whsec_${randomBytes(24).toString('base64')}`
  if (!signingSecret.startsWith('whsec_'))
    throw new UsageError(
      '--signing-secret expects a Standard Webhooks secret: whsec_ followed by base64',
    )
  markSecret(signingSecret)

  const dir = mkdtempSync(join(tmpdir(), 'hookgate-dev-'))
  try {
    let base: GatewayConfig
    try {
      base =
        values.config !== undefined
          ? await loadConfig(values.config)
          : parseConfig({ sources: sourceFlags, log: { level: 'warn' } }, { baseDir: dir })
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(
          `hookgate dev: ${error.message.replace('Invalid configuration:', 'invalid sources:')}\n`,
        )
        return EXIT.usage
      }
      throw error
    }
    let destination: DestinationConfig
    try {
      destination = forwardDestination(
        forward,
        signingSecret,
        base.sources.map((s) => s.id),
      )
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(
          `hookgate dev: ${error.issues.map((issue) => issue.replace(/^destinations\[0\]\./, '--forward / --signing-secret: ')).join('; ')}\n`,
        )
        return EXIT.usage
      }
      throw error
    }
    const givenToken = base.admin?.token ?? (process.env.HOOKGATE_ADMIN_TOKEN || undefined)
    const token = givenToken ?? randomBytes(24).toString('base64url')
    markSecret(token)
    const config: GatewayConfig = {
      ...base,
      server: { ...base.server, host: '127.0.0.1', port },
      storage: { kind: 'sqlite', sqlite: join(dir, 'dev.db'), maxRejections: undefined },
      admin: { token, listen: undefined, dashboard: true },
      destinations: [destination],
      delivery: { ...base.delivery, mode: 'all', pollIntervalMs: 250 },
    }

    // Warnings and errors only, on stderr: stdout is the table.
    const logger = createLogger({
      level: 'warn',
      format: 'pretty',
      destination: { write: (chunk: string) => void process.stderr.write(chunk) },
    })
    const signal = nextSignal()
    const gateway = createGateway(config, { logger })
    let address
    try {
      address = await gateway.listen({ host: '127.0.0.1', port })
    } catch (error) {
      process.stderr.write(
        `hookgate dev: cannot listen on 127.0.0.1:${port}: ${errorSummary(error).message}\n`,
      )
      await gateway.close().catch(() => undefined)
      return EXIT.failed
    }
    const width = Math.max(...gateway.endpoints().map((e) => `${e.id} (${e.provider})`.length))
    print(
      [
        `hookgate dev: listening on ${address.url} (temporary store, deleted on exit)`,
        ...gateway.endpoints().map((e) => `  ${`${e.id} (${e.provider})`.padEnd(width)}  ${e.url}`),
        `forwarding verified events to ${forward}`,
        `signing secret: ${signingSecret}`,
        '  (verify webhook-signature with it, e.g. the standardwebhooks package; shown only now)',
        givenToken === undefined
          ? `admin token: ${token}  (hookgate events tail --url ${address.url} --token ${token})`
          : `admin API: ${address.url}/api (token: ${base.admin === undefined ? 'HOOKGATE_ADMIN_TOKEN' : 'admin.token of the config'})`,
        `dashboard: ${address.url}/ui/ (sign in with the admin token)`,
        'Ctrl-C to stop.',
        '',
        '',
      ].join('\n'),
    )
    const stopTable = createLiveTable(gateway.events, {
      write: (text) => void process.stdout.write(text),
      isTTY: process.stdout.isTTY === true,
      get rows() {
        return process.stdout.rows ?? 24
      },
    })
    await signal
    stopTable()
    await gateway.close()
    print('stopped')
    return EXIT.ok
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
