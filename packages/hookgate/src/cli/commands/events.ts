/**
 * @module cli/commands/events
 * `hookgate events list|show|tail|replay`: a running gateway's stored events, through its admin API.
 * - `list`   → `GET /api/events?source=&limit=&cursor=` (a table, or `--json`)
 * - `show`   → `GET /api/events/{id}` and `GET /api/events/{id}/deliveries` (metadata, headers, the body
 *              pretty-printed when it is JSON, each delivery with its attempts)
 * - `tail`   → `GET /api/stream` (server-sent events): one line per new event and refusal until Ctrl-C (exit 0)
 * - `replay` → `hookgate replay` (same arguments)
 * The admin token comes from `--token` or `HOOKGATE_ADMIN_TOKEN` and is never printed.
 */
import { parseArgs } from 'node:util'
import { EXIT, print, scrub, UsageError } from '../args.ts'
import {
  AdminApiError,
  adminTarget,
  getJson,
  readStream,
  type AdminTarget,
  type StreamMessage,
} from '../admin-client.ts'
import { runReplay } from './replay.ts'

export const usage = `Usage: hookgate events list [--source ID] [--limit N] [--cursor C] [--json] [options]
       hookgate events show <event id> [--json] [options]
       hookgate events tail [--source ID] [--deliveries] [--json] [options]
       hookgate events replay …   (the arguments of "hookgate replay")

The events a running gateway stored, through its admin API.
  list     newest first; --limit 1-500 (default 50); the next page's --cursor is printed on stderr
  show     one event: metadata, headers (as stored, redacted), the body (pretty-printed when JSON) and
           its deliveries with every attempt
  tail     follows the gateway live (GET /api/stream): one line per stored webhook and per refused
           request, as they happen (--deliveries adds one per delivery attempt); Ctrl-C stops (exit 0).
           It shows the traffic of the instance it is connected to.
  replay   re-delivers stored events: see "hookgate help replay"

Options:
  --url URL        the gateway (default: HOOKGATE_URL, else http://127.0.0.1:8080)
  --token TOKEN    the admin token (default: HOOKGATE_ADMIN_TOKEN)
  --json           JSON instead of text (tail: one JSON object per line)
  -h, --help

Exit 0 on success, 1 when the gateway cannot be reached, refuses or fails, 2 on bad usage.`

/** Where the command writes, and what it reads from the environment (tests inject these). */
export interface EventsIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  readonly fetch: typeof fetch
  /** Aborted on Ctrl-C (`tail`). */
  readonly interrupted: AbortSignal
}

interface EventSummary {
  readonly id: string
  readonly sourceId: string
  readonly provider: string
  readonly providerEventId: string | null
  readonly eventType: string | null
  readonly receivedAt: string
  readonly bodySize: number
}

interface EventDetail extends EventSummary {
  readonly dedupeKey: string
  readonly headers: Record<string, string | string[]>
  readonly encoding: 'utf8' | 'base64'
  readonly body: string
}

interface AttemptView {
  readonly attemptNumber: number
  readonly startedAt: string
  readonly durationMs: number
  readonly statusCode: number | null
  readonly error: string | null
  readonly next: { kind: string; at?: string; reason?: string }
}

interface DeliveryView {
  readonly id: string
  readonly destinationId: string
  readonly status: string
  readonly attempts: number
  readonly nextAttemptAt: string | null
  readonly deadReason: string | null
  readonly attemptLog: readonly AttemptView[]
}

/** Columns padded to their widest cell; the last one is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  )
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

/** Terminal control characters out of anything a sender chose (event types, header values): no escape injection. */
export function safe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?')
}

function bytes(size: number): string {
  return size < 1024
    ? `${size} B`
    : size < 1_048_576
      ? `${(size / 1024).toFixed(1)} KiB`
      : `${(size / 1_048_576).toFixed(1)} MiB`
}

async function list(argv: string[], io: EventsIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      source: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (positionals.length > 0)
    throw new UsageError('events list takes no arguments (filter with --source)')
  const target = adminTarget(values, io.env)
  const limit = values.limit ?? '50'
  if (!/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > 500)
    throw new UsageError('--limit expects a whole number from 1 to 500')
  const query = new URLSearchParams({ limit })
  if (values.source !== undefined) query.set('source', values.source)
  if (values.cursor !== undefined) query.set('cursor', values.cursor)
  const page = await getJson<{ items: EventSummary[]; nextCursor: string | null }>(
    target,
    `/api/events?${query.toString()}`,
    io.fetch,
  )
  if (values.json === true) {
    io.out(`${JSON.stringify(page, null, 2)}\n`)
    return EXIT.ok
  }
  if (page.items.length === 0) io.out('no events\n')
  else {
    const rows = page.items.map((e) => [
      e.id,
      e.receivedAt,
      safe(e.sourceId),
      e.provider,
      safe(e.eventType ?? '-'),
      bytes(e.bodySize),
    ])
    io.out(`${table(['ID', 'RECEIVED', 'SOURCE', 'PROVIDER', 'EVENT TYPE', 'SIZE'], rows)}\n`)
  }
  if (page.nextCursor !== null)
    io.err(
      `more: hookgate events list --cursor ${page.nextCursor}${values.source === undefined ? '' : ` --source ${values.source}`}\n`,
    )
  return EXIT.ok
}

/** The body as people read it: JSON re-indented, other text as is, binary as base64 with a note. */
function bodyText(event: EventDetail): string {
  if (event.encoding === 'base64')
    return `(binary, ${bytes(event.bodySize)}, base64)\n${event.body}`
  try {
    return JSON.stringify(JSON.parse(event.body), null, 2)
  } catch {
    return safe(event.body)
  }
}

function attemptLine(a: AttemptView): string {
  const result = a.statusCode !== null ? `HTTP ${a.statusCode}` : (a.error ?? 'no answer')
  const next =
    a.next.kind === 'retry'
      ? `retry at ${a.next.at ?? '?'}`
      : a.next.kind === 'dead'
        ? `dead (${a.next.reason ?? ''})`
        : 'done'
  return `    #${a.attemptNumber} ${a.startedAt}  ${safe(result)}  ${Math.round(a.durationMs)} ms  → ${next}`
}

async function show(argv: string[], io: EventsIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  })
  const id = positionals[0]
  if (id === undefined || positionals.length > 1)
    throw new UsageError('events show takes one event id')
  const target = adminTarget(values, io.env)
  const path = `/api/events/${encodeURIComponent(id)}`
  const event = await getJson<EventDetail>(target, path, io.fetch)
  const deliveries = await getJson<{ items: DeliveryView[] }>(
    target,
    `${path}/deliveries`,
    io.fetch,
  )
  if (values.json === true) {
    io.out(`${JSON.stringify({ ...event, deliveries: deliveries.items }, null, 2)}\n`)
    return EXIT.ok
  }
  const lines = [
    `id           ${event.id}`,
    `source       ${safe(event.sourceId)} (${event.provider})`,
    `event type   ${safe(event.eventType ?? '-')}`,
    `provider id  ${safe(event.providerEventId ?? '-')}`,
    `received at  ${event.receivedAt}`,
    `size         ${bytes(event.bodySize)}`,
    '',
    'headers:',
    ...Object.entries(event.headers).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => `  ${name}: ${safe(String(v))}`),
    ),
    '',
    'body:',
    bodyText(event),
    '',
    deliveries.items.length === 0 ? 'deliveries: none' : 'deliveries:',
    ...deliveries.items.flatMap((d) => [
      `  ${d.destinationId}  ${d.status}  ${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}${d.status === 'pending' && d.nextAttemptAt !== null ? `, next at ${d.nextAttemptAt}` : ''}${d.deadReason === null ? '' : `  (${safe(d.deadReason)})`}  ${d.id}`,
      ...d.attemptLog.map(attemptLine),
    ]),
  ]
  io.out(`${lines.join('\n')}\n`)
  return EXIT.ok
}

/** One line for a stream message, or `undefined` to skip it. */
export function tailLine(
  message: StreamMessage,
  options: {
    source?: string | undefined
    deliveries?: boolean | undefined
    json?: boolean | undefined
  },
): string | undefined {
  if (message.event !== 'webhook' && message.event !== 'rejection' && message.event !== 'delivery')
    return undefined
  if (message.event === 'delivery' && options.deliveries !== true) return undefined
  let data: Record<string, unknown>
  try {
    data = JSON.parse(message.data) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (
    options.source !== undefined &&
    message.event !== 'delivery' &&
    data.source !== options.source
  )
    return undefined
  if (options.json === true) return JSON.stringify({ type: message.event, ...data })
  const text = (value: unknown): string =>
    safe(value === null || value === undefined ? '-' : String(value))
  if (message.event === 'webhook') {
    const verdict = data.duplicate === true ? 'duplicate' : 'stored'
    return `${text(data.receivedAt)}  webhook    ${text(data.source)}  ${text(data.eventType)}  ${verdict}  ${text(data.id)}`
  }
  if (message.event === 'rejection')
    return `${text(data.receivedAt)}  rejected   ${text(data.source)}  ${text(data.status)} ${text(data.reason)}`
  const result = data.status === null ? text(data.error) : `HTTP ${text(data.status)}`
  return `${text(data.startedAt)}  delivery   ${text(data.destination)}  ${text(data.outcome)}  ${result}  ${text(data.durationMs)} ms  ${text(data.eventId)}`
}

async function tail(argv: string[], io: EventsIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      source: { type: 'string' },
      deliveries: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (positionals.length > 0)
    throw new UsageError('events tail takes no arguments (filter with --source)')
  const target: AdminTarget = adminTarget(values, io.env)
  const ended = await readStream(
    target,
    {
      onOpen: () => io.err(`tailing ${target.base} (Ctrl-C to stop)\n`),
      onMessage: (message) => {
        const line = tailLine(message, values)
        if (line !== undefined) io.out(`${line}\n`)
      },
    },
    io.interrupted,
    io.fetch,
  )
  if (ended === 'ended') io.err('the gateway closed the stream (it is shutting down)\n')
  return EXIT.ok
}

/** Runs the command with explicit I/O; returns the exit code. */
export async function runEvents(argv: string[], io: EventsIo): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
    if (sub === undefined) {
      io.err(`${usage}\n`)
      return EXIT.usage
    }
    io.out(`${usage}\n`)
    return EXIT.ok
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    if (sub === 'replay') return runReplay(['--help'], { ...io, isTTY: false })
    io.out(`${usage}\n`)
    return EXIT.ok
  }
  try {
    switch (sub) {
      case 'list':
        return await list(rest, io)
      case 'show':
        return await show(rest, io)
      case 'tail':
        return await tail(rest, io)
      case 'replay':
        return await runReplay(rest, { ...io, isTTY: process.stderr.isTTY === true })
      default:
        throw new UsageError(
          `unknown subcommand "${sub.slice(0, 20)}": use list, show, tail or replay`,
        )
    }
  } catch (error) {
    if (error instanceof AdminApiError) {
      io.err(`hookgate events ${sub}: ${scrub(error.message)}\n`)
      return EXIT.failed
    }
    throw error
  }
}

/** Runs the command on the process's stdio; Ctrl-C (SIGINT) or SIGTERM stops `tail` with exit 0. */
export async function run(argv: string[]): Promise<number> {
  const controller = new AbortController()
  const stop = (): void => controller.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    return await runEvents(argv, {
      out: (text) => print(text),
      err: (text) => void process.stderr.write(text),
      env: process.env,
      fetch: globalThis.fetch,
      interrupted: controller.signal,
    })
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
