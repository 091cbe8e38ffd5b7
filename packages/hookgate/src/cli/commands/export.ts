/**
 * @module cli/commands/export
 * `hookgate export [--config FILE] [--since …] [--until …] [--source ID] > events.ndjson` (issue 14): the stored
 * events with their raw bodies (base64), redacted headers, ids and delivery states, as NDJSON (`transfer/ndjson.ts`).
 * Streams: one keyset page of the store in memory at a time, and stdout's back-pressure respected, whatever the
 * store's size.
 */
import { once } from 'node:events'
import { parseArgs } from 'node:util'
import { parseDurationMs } from '../../delivery/duration.ts'
import { eventLine, headerLine } from '../../transfer/ndjson.ts'
import type { ExportQuery } from '../../storage/types.ts'
import { EXIT, printedUsage, UsageError } from '../args.ts'
import { withConfiguredStore } from '../config-file.ts'
import { createProgress } from '../progress.ts'

export const usage = `Usage: hookgate export [--config FILE] [--since TIME] [--until TIME] [--source ID] > events.ndjson

Writes the stored events to stdout as NDJSON, oldest first: a header line (format and version), then one line
per event with its ids (Hookgate id, dedupe key, provider event id, event type), receivedAt, the redacted
headers, the raw body in base64 (byte-exact) and its deliveries with their states and attempts. Read it back
with "hookgate import". Safe while the gateway runs (it only reads).

Options:
  -c, --config FILE   configuration file, YAML or JSON (default: hookgate.yaml in the working directory)
  --since TIME        only events received at or after TIME: ISO 8601 (2026-01-31T00:00:00Z) or a duration
                      back from now (7d, 12h)
  --until TIME        only events received before TIME (same forms)
  --source ID         only the events of this source
  --progress          show the progress line on stderr even when it is not a terminal
  -h, --help

Exit 0: exported (the count is printed on stderr); exit 1: the store failed; exit 2: invalid configuration or usage.`

const PAGE_SIZE = 200

/** An ISO 8601 time, or a duration back from `now`. @throws UsageError */
export function parseTime(value: string | undefined, flag: string, now: Date): Date | undefined {
  if (value === undefined) return undefined
  const ms = parseDurationMs(value)
  if (ms !== undefined && !/^\d+$/.test(value.trim())) return new Date(now.getTime() - ms)
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const time = Date.parse(value)
    if (Number.isFinite(time)) return new Date(time)
  }
  throw new UsageError(
    `${flag} expects an ISO 8601 time (2026-01-31T00:00:00Z) or a duration (7d, 12h), got "${value.slice(0, 40)}"`,
  )
}

/** Writes to stdout, waiting for 'drain' when its buffer is full. */
async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain')
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      since: { type: 'string' },
      until: { type: 'string' },
      source: { type: 'string' },
      progress: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  const now = new Date()
  const since = parseTime(values.since, '--since', now)
  const until = parseTime(values.until, '--until', now)
  const filter: ExportQuery = {
    ...(values.source === undefined ? {} : { sourceId: values.source }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  }
  return withConfiguredStore(
    values.config ?? 'hookgate.yaml',
    'export',
    async (storage, _, where) => {
      await storage.migrate()
      const progress = createProgress('export', values.progress === true)
      await write(`${headerLine(now, filter)}\n`)
      let events = 0
      let deliveries = 0
      let cursor: string | undefined
      do {
        const page = await storage.exportEvents({
          ...filter,
          limit: PAGE_SIZE,
          ...(cursor === undefined ? {} : { cursor }),
        })
        let chunk = ''
        for (const item of page.items) {
          chunk += `${eventLine(item)}\n`
          deliveries += item.deliveries.length
        }
        events += page.items.length
        if (chunk !== '') await write(chunk)
        progress.update({ events, deliveries })
        cursor = page.nextCursor
      } while (cursor !== undefined)
      progress.done({ events, deliveries })
      process.stderr.write(
        `hookgate export: ${where}: exported ${events} event(s), ${deliveries} deliveries\n`,
      )
      return EXIT.ok
    },
  )
}
