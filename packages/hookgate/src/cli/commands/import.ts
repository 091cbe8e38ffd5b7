/**
 * @module cli/commands/import
 * `hookgate import [--config FILE] [FILE|-]` (issue 14): reads what `hookgate export` wrote into the configured
 * store, ids and delivery states kept. Streams: line by line, in bounded batches (one store transaction each), so
 * memory stays flat whatever the file's size. Idempotent: an event already stored (same id, or same source and
 * dedupe key) is skipped, so a re-run — after a failure, or twice by mistake — imports nothing twice.
 *
 * Every line is checked completely before it joins a batch; the first bad one stops the import with its line
 * number (`ERR_HOOKGATE_IMPORT`): the lines before it are imported, nothing from it on.
 */
import { createReadStream } from 'node:fs'
import { parseArgs } from 'node:util'
import type { PortableEvent, Storage } from '../../storage/types.ts'
import {
  ImportLineError,
  parseEventLine,
  parseHeaderLine,
  readLines,
} from '../../transfer/ndjson.ts'
import { EXIT, print, printedUsage, UsageError } from '../args.ts'
import { withConfiguredStore } from '../config-file.ts'
import { createProgress } from '../progress.ts'

export const usage = `Usage: hookgate import [--config FILE] [FILE|-]

Imports an NDJSON file written by "hookgate export" (default: stdin) into the configured store, keeping every
id, body, header and delivery state (a delivery that was in flight comes in pending). Events already stored
(same id, or same source and dedupe key) are skipped: running it again imports nothing twice. Pending
deliveries are delivered by the gateway that serves the store.

Every line is checked before anything of it is written; the first bad line stops the import with its line
number: the lines before it are imported, nothing from it on (fix it and run again).

Options:
  -c, --config FILE   configuration file, YAML or JSON (default: hookgate.yaml in the working directory)
  --progress          show the progress line on stderr even when it is not a terminal
  -h, --help

Prints the counts (imported, skipped). Exit 0: done; exit 1: a bad line (ERR_HOOKGATE_IMPORT, with its line
number) or the store failed; exit 2: invalid configuration or usage.`

/** Events per batch (one transaction) at most. */
const BATCH_EVENTS = 100
/** Line bytes per batch at most (base64 bodies): a batch of large events is cut earlier. */
const BATCH_BYTES = 8 * 1_048_576
/** The longest line accepted (a body of about 48 MiB). */
const MAX_LINE_BYTES = 64 * 1_048_576

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      progress: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  if (positionals.length > 1)
    throw new UsageError(`import takes one file (or - for stdin), got ${positionals.length}`)
  const file = positionals[0] ?? '-'
  return withConfiguredStore(
    values.config ?? 'hookgate.yaml',
    'import',
    async (storage, _, where) => {
      await storage.migrate()
      const input = file === '-' ? process.stdin : createReadStream(file)
      const totals = { imported: 0, skipped: 0 }
      try {
        await importStream(storage, input, totals, values.progress === true)
      } catch (error) {
        if (!(error instanceof ImportLineError) && !isMissingFile(error)) throw error
        const detail =
          error instanceof ImportLineError
            ? `${error.code}: ${error.message}`
            : `cannot read ${file} (${(error as NodeJS.ErrnoException).code})`
        process.stderr.write(
          `hookgate import: ${detail}\nhookgate import: ${where}: before it, ${totals.imported} event(s) imported, ${totals.skipped} skipped (already stored); nothing from that line on\n`,
        )
        return EXIT.failed
      }
      print(
        `${where}: imported ${totals.imported} event(s), skipped ${totals.skipped} (already stored)`,
      )
      return EXIT.ok
    },
  )
}

async function importStream(
  storage: Storage,
  input: AsyncIterable<Buffer | string>,
  totals: { imported: number; skipped: number },
  forceProgress: boolean,
): Promise<void> {
  const progress = createProgress('import', forceProgress)
  let batch: PortableEvent[] = []
  let batchBytes = 0
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return
    const result = await storage.importEvents(batch)
    totals.imported += result.imported
    totals.skipped += result.skipped
    batch = []
    batchBytes = 0
    progress.update(totals)
  }
  let sawHeader = false
  try {
    for await (const [line, text] of readLines(input, MAX_LINE_BYTES)) {
      if (!sawHeader) {
        parseHeaderLine(text)
        sawHeader = true
        continue
      }
      if (text.trim() === '') continue
      batch.push(parseEventLine(text, line))
      batchBytes += text.length
      if (batch.length >= BATCH_EVENTS || batchBytes >= BATCH_BYTES) await flush()
    }
    if (!sawHeader) parseHeaderLine(undefined)
  } catch (error) {
    // The lines before the bad one are whole and checked: write them, then report.
    if (error instanceof ImportLineError) await flush()
    throw error
  }
  await flush()
  progress.done(totals)
}

function isMissingFile(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR'
}
