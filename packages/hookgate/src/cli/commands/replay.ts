/**
 * @module cli/commands/replay
 * `hookgate replay`: re-delivers stored events through a running gateway's admin API.
 * - one event: `hookgate replay evt_… [--destination ID]…` → `POST /api/events/{id}/replay`
 * - a filter: `hookgate replay --source S --from T --to T --status dead --destination ID` → `POST /api/replay`,
 *   batch by batch (the first answer carries the total), with a progress bar on a terminal and one plain line
 *   per batch otherwise (logs, CI).
 * The admin token comes from `--token` or `HOOKGATE_ADMIN_TOKEN` and is never printed.
 */
import { parseArgs } from 'node:util'
import { EXIT, markSecret, print, scrub, UsageError } from '../args.ts'

export const usage = `Usage: hookgate replay <event id> [--destination ID]... [options]
       hookgate replay (--source ID | --from TIME | --to TIME | --status STATUS | --destination ID | --all)... [options]

Re-delivers stored events through a running gateway's admin API. Each replay adds a new delivery (the
destination sees the same webhook-id as before); deliveries still pending are not duplicated.

With an event id: that event, to the given destinations (default: where it is routed now).
With a filter: every (event, destination) pair whose latest delivery is delivered or dead and matches —
  --source ID        events of this source
  --from TIME        received at or after TIME (ISO 8601, e.g. 2026-01-31T00:00:00Z)
  --to TIME          received before TIME
  --status STATUS    latest delivery status: dead or delivered
  --destination ID   this destination only
  --all              no filter at all: replay everything (required when no other filter is given)

Options:
  --url URL          the gateway (default: HOOKGATE_URL, else http://127.0.0.1:8080)
  --token TOKEN      the admin token (default: HOOKGATE_ADMIN_TOKEN)
  --batch N          pairs per request, 1-1000 (default 500)
  --dry-run          only count what would be replayed
  -h, --help

Progress goes to stderr (a bar on a terminal, one line per batch otherwise); the summary to stdout.
Exit 0 on success, 1 when the gateway refuses or fails, 2 on bad usage.`

/** Where the command writes, and what it reads from the environment (tests inject these). */
export interface ReplayIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  /** True when `err` is a terminal: draw a progress bar. */
  readonly isTTY: boolean
  readonly env: Readonly<Record<string, string | undefined>>
  readonly fetch: typeof fetch
}

class ApiError extends Error {}

function isoTime(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined
  const date = /^\d{4}-\d\d-\d\d/.test(value) ? new Date(value) : new Date(Number.NaN)
  if (Number.isNaN(date.getTime()))
    throw new UsageError(
      `${flag} expects an ISO 8601 time such as 2026-01-31T00:00:00Z, got "${value.slice(0, 40)}"`,
    )
  return date.toISOString()
}

function bar(done: number, total: number, width = 30): string {
  const ratio = total === 0 ? 1 : Math.min(1, done / total)
  const filled = Math.round(ratio * width)
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${Math.floor(ratio * 100)}%`
}

/** Runs the command with explicit I/O; returns the exit code. */
export async function runReplay(argv: string[], io: ReplayIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      source: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      status: { type: 'string' },
      destination: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      batch: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (values.help === true) {
    io.out(`${usage}\n`)
    return EXIT.ok
  }
  const token = values.token ?? io.env.HOOKGATE_ADMIN_TOKEN
  if (token === undefined || token === '')
    throw new UsageError('the admin token is missing: pass --token or set HOOKGATE_ADMIN_TOKEN')
  markSecret(token)
  const base = (values.url ?? io.env.HOOKGATE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')
  try {
    const parsed = new URL(base)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme')
  } catch {
    throw new UsageError(
      `--url expects an http(s) URL such as http://127.0.0.1:8080, got "${base.slice(0, 60)}"`,
    )
  }
  if (positionals.length > 1) throw new UsageError('give one event id, or a filter')

  async function call(path: string, body: unknown): Promise<any> {
    let response: Response
    try {
      response = await io.fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code
      throw new ApiError(`cannot reach ${base}${cause === undefined ? '' : ` (${cause})`}`)
    }
    const text = await response.text()
    let json: any
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    if (!response.ok) {
      const message = json?.error?.message ?? `HTTP ${response.status}`
      throw new ApiError(
        `${path}: ${response.status} ${json?.error?.code ?? ''} ${message}`.replace(/\s+/g, ' '),
      )
    }
    return json
  }

  try {
    const eventId = positionals[0]
    if (eventId !== undefined) {
      if (
        values.source !== undefined ||
        values.from !== undefined ||
        values.to !== undefined ||
        values.status !== undefined ||
        values.all === true
      ) {
        throw new UsageError('an event id takes only --destination; filters are for bulk replay')
      }
      if (values['dry-run'] === true) throw new UsageError('--dry-run is for bulk replay')
      const result = await call(
        `/api/events/${encodeURIComponent(eventId)}/replay`,
        values.destination === undefined ? {} : { destinationIds: values.destination },
      )
      const to = (result.destinationIds as string[]).join(', ') || 'no destination'
      io.out(
        `requeued ${result.requeued} ${result.requeued === 1 ? 'delivery' : 'deliveries'} of ${eventId} (${to})\n`,
      )
      return EXIT.ok
    }

    const destinations = values.destination ?? []
    if (destinations.length > 1) throw new UsageError('bulk replay takes at most one --destination')
    const filter: Record<string, string> = {}
    if (values.source !== undefined) filter.sourceId = values.source
    const from = isoTime(values.from, '--from')
    const to = isoTime(values.to, '--to')
    if (from !== undefined) filter.from = from
    if (to !== undefined) filter.to = to
    if (values.status !== undefined) {
      if (values.status !== 'dead' && values.status !== 'delivered')
        throw new UsageError('--status expects dead or delivered')
      filter.status = values.status
    }
    if (destinations[0] !== undefined) filter.destinationId = destinations[0]
    if (Object.keys(filter).length === 0 && values.all !== true) {
      throw new UsageError(
        'give an event id, a filter (--source, --from, --to, --status, --destination) or --all',
      )
    }
    let limit = 500
    if (values.batch !== undefined) {
      if (
        !/^\d{1,4}$/.test(values.batch) ||
        Number(values.batch) < 1 ||
        Number(values.batch) > 1000
      ) {
        throw new UsageError('--batch expects a whole number from 1 to 1000')
      }
      limit = Number(values.batch)
    }

    if (values['dry-run'] === true) {
      const result = await call('/api/replay', { ...filter, dryRun: true })
      io.out(
        `would requeue ${result.matched} ${result.matched === 1 ? 'delivery' : 'deliveries'}\n`,
      )
      return EXIT.ok
    }

    let total: number | undefined
    let done = 0
    let cursor: string | undefined
    let batches = 0
    do {
      const result = await call('/api/replay', {
        ...filter,
        limit,
        ...(cursor === undefined ? {} : { cursor }),
      })
      total ??= result.matched as number
      done += result.requeued as number
      cursor = result.nextCursor ?? undefined
      batches++
      // The total was counted before the first batch; deliveries settling meanwhile can change it a little.
      const shown = Math.max(total ?? 0, done)
      if (io.isTTY) io.err(`\r${bar(done, shown)}`)
      else io.err(`replay: batch ${batches}: requeued ${result.requeued} (${done}/${shown})\n`)
    } while (cursor !== undefined)
    if (io.isTTY) io.err('\n')
    io.out(`requeued ${done} ${done === 1 ? 'delivery' : 'deliveries'}\n`)
    return EXIT.ok
  } catch (error) {
    if (error instanceof ApiError) {
      io.err(`hookgate replay: ${scrub(error.message)}\n`)
      return EXIT.failed
    }
    throw error
  }
}

/** Runs the command on the process's stdio; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  return runReplay(argv, {
    out: (text) => print(text),
    err: (text) => void process.stderr.write(text),
    isTTY: process.stderr.isTTY === true,
    env: process.env,
    fetch: globalThis.fetch,
  })
}
