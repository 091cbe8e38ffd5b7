/**
 * @module cli/commands/migrate-store
 * `hookgate migrate-store --from sqlite:./data/hookgate.db --to postgres://…` (and the reverse) (issue 14): copies
 * a whole store — events with their deliveries and attempts, rejections with their captured requests, destination
 * states — through the storage contract (`exportEvents`/`importEvents`…), so any backend pair works. Safe to re-run:
 * what is already in the target (same ids, same (source, dedupe key)) is skipped. Then it verifies, walking both
 * stores: the counts per kind and a checksum of the events (sha256 over their (id, body sha256) in store order)
 * must be equal, and prints the `storage:` lines to switch the configuration over.
 */
import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { redactUrl } from '../../storage/from-config.ts'
import { createPostgresStorage } from '../../storage/postgres/index.ts'
import { createSqliteStorage } from '../../storage/sqlite/index.ts'
import type { Storage } from '../../storage/types.ts'
import { EXIT, print, printedUsage, UsageError } from '../args.ts'
import { createProgress } from '../progress.ts'

export const usage = `Usage: hookgate migrate-store --from STORE --to STORE [--from-schema NAME] [--to-schema NAME]

Copies everything of one store into another — events with their raw bodies, headers, ids, deliveries and
attempts, rejections, destination states — then verifies that both hold the same (counts per kind and a
checksum of the events) and prints the storage: lines to write in your configuration. Stop the gateways
first (a delivery in flight is copied as pending). Safe to re-run: what the target already holds is skipped.

STORE is sqlite:PATH (sqlite:./data/hookgate.db) or a PostgreSQL URL (postgres://user:password@host/db).

Options:
  --from STORE          the store to copy (it is only read)
  --to STORE            the store to copy into (created or upgraded first)
  --from-schema NAME    PostgreSQL schema of --from (default hookgate)
  --to-schema NAME      PostgreSQL schema of --to (default hookgate)
  --progress            show the progress line on stderr even when it is not a terminal
  -h, --help

Exit 0: copied and verified; exit 1: the stores differ after the copy, or one failed
(ERR_HOOKGATE_MIGRATE_STORE); exit 2: usage.`

/** Events (or rejections) per page and per import batch. */
const PAGE_SIZE = 200

interface StoreSpec {
  readonly kind: 'sqlite' | 'postgres'
  /** SQLite path or PostgreSQL URL. */
  readonly location: string
  readonly schema: string
}

function parseStore(
  value: string | undefined,
  flag: string,
  schema: string | undefined,
): StoreSpec {
  if (value === undefined) throw new UsageError(`migrate-store needs ${flag} STORE`)
  if (/^postgres(ql)?:\/\//.test(value))
    return { kind: 'postgres', location: value, schema: schema ?? 'hookgate' }
  if (value.startsWith('sqlite:') && value.length > 'sqlite:'.length) {
    if (schema !== undefined) throw new UsageError(`${flag}-schema is for PostgreSQL stores only`)
    return { kind: 'sqlite', location: value.slice('sqlite:'.length), schema: '' }
  }
  throw new UsageError(
    `${flag} expects sqlite:PATH or postgres://…, got "${value.startsWith('postgres') ? redactUrl(value) : value.slice(0, 60)}"`,
  )
}

function describe(spec: StoreSpec): string {
  return spec.kind === 'sqlite'
    ? `sqlite:${spec.location}`
    : `${redactUrl(spec.location)} (schema ${spec.schema})`
}

function open(spec: StoreSpec): Storage {
  return spec.kind === 'sqlite'
    ? createSqliteStorage({ path: spec.location })
    : createPostgresStorage({ connectionString: spec.location, schema: spec.schema, poolSize: 4 })
}

/** What the verification compares, per store. */
export interface StoreCensus {
  events: number
  deliveries: number
  attempts: number
  rejections: number
  destinationStates: number
  /** `sha256:` + hex of sha256 over `<event id>\t<body sha256 hex>\n`, events in store order. */
  checksum: string
}

/** Walks a whole store (one page in memory at a time) and counts it. */
export async function census(storage: Storage): Promise<StoreCensus> {
  const hash = createHash('sha256')
  const out = { events: 0, deliveries: 0, attempts: 0, rejections: 0, destinationStates: 0 }
  let cursor: string | undefined
  do {
    const page = await storage.exportEvents({
      limit: PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor }),
    })
    for (const { event, deliveries } of page.items) {
      out.events++
      out.deliveries += deliveries.length
      for (const d of deliveries) out.attempts += d.attemptLog.length
      hash.update(`${event.id}\t${createHash('sha256').update(event.body).digest('hex')}\n`)
    }
    cursor = page.nextCursor
  } while (cursor !== undefined)
  cursor = undefined
  do {
    const page = await storage.exportRejections({
      limit: PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor }),
    })
    out.rejections += page.items.length
    cursor = page.nextCursor
  } while (cursor !== undefined)
  out.destinationStates = (await storage.listDestinationStates()).length
  return { ...out, checksum: `sha256:${hash.digest('hex')}` }
}

/** What one copy pass did. */
export interface CopyTotals {
  events: { imported: number; skipped: number }
  rejections: { imported: number; skipped: number }
  destinationStates: number
}

/** Copies `from` into `to` through the contract, page by page. Idempotent. */
export async function copyStore(
  from: Storage,
  to: Storage,
  onProgress: (totals: CopyTotals) => void = () => undefined,
): Promise<CopyTotals> {
  const totals: CopyTotals = {
    events: { imported: 0, skipped: 0 },
    rejections: { imported: 0, skipped: 0 },
    destinationStates: 0,
  }
  let cursor: string | undefined
  do {
    const page = await from.exportEvents({
      limit: PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor }),
    })
    const result = await to.importEvents(page.items)
    totals.events.imported += result.imported
    totals.events.skipped += result.skipped
    onProgress(totals)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  cursor = undefined
  do {
    const page = await from.exportRejections({
      limit: PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor }),
    })
    const result = await to.importRejections(page.items)
    totals.rejections.imported += result.imported
    totals.rejections.skipped += result.skipped
    cursor = page.nextCursor
  } while (cursor !== undefined)
  for (const state of await from.listDestinationStates()) {
    await to.setDestinationDisabled(state.destinationId, state.disabled, {
      ...(state.disabledReason === undefined ? {} : { reason: state.disabledReason }),
      ...(state.disabledAt === undefined ? {} : { now: state.disabledAt }),
    })
    totals.destinationStates++
  }
  return totals
}

const ROWS: readonly (readonly [keyof StoreCensus, string])[] = [
  ['events', 'events'],
  ['deliveries', 'deliveries'],
  ['attempts', 'attempts'],
  ['rejections', 'rejections'],
  ['destinationStates', 'destination states'],
  ['checksum', 'events checksum'],
]

function storageLines(spec: StoreSpec): string {
  if (spec.kind === 'sqlite') return `storage:\n  sqlite: ${JSON.stringify(spec.location)}`
  const hidden = redactUrl(spec.location) !== spec.location
  return [
    'storage:',
    `  postgres: ${hidden ? '"${env:DATABASE_URL}"   # the --to URL (its password is not printed)' : JSON.stringify(spec.location)}`,
    `  schema: ${spec.schema}`,
  ].join('\n')
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      'from-schema': { type: 'string' },
      'to-schema': { type: 'string' },
      progress: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  const fromSpec = parseStore(values.from, '--from', values['from-schema'])
  const toSpec = parseStore(values.to, '--to', values['to-schema'])
  if (describe(fromSpec) === describe(toSpec))
    throw new UsageError('--from and --to name the same store')

  const fail = (detail: string): number => {
    process.stderr.write(`hookgate migrate-store: ERR_HOOKGATE_MIGRATE_STORE: ${detail}\n`)
    return EXIT.failed
  }
  let from: Storage | undefined
  let to: Storage | undefined
  let stage = `open ${describe(fromSpec)}`
  try {
    from = open(fromSpec)
    stage = `migrate ${describe(fromSpec)}`
    // The source must be at this release's schema to be read with its statements (a no-op when it is).
    await from.migrate()
    stage = `open ${describe(toSpec)}`
    to = open(toSpec)
    stage = `migrate ${describe(toSpec)}`
    await to.migrate()

    stage = 'copy'
    const progress = createProgress('migrate-store', values.progress === true)
    const started = Date.now()
    const totals = await copyStore(from, to, (t) => progress.update(t.events))
    progress.done(totals.events)
    print(
      `copied ${describe(fromSpec)} → ${describe(toSpec)} in ${Date.now() - started} ms: ` +
        `events ${totals.events.imported} imported, ${totals.events.skipped} already there; ` +
        `rejections ${totals.rejections.imported} imported, ${totals.rejections.skipped} already there; ` +
        `${totals.destinationStates} destination state(s)`,
    )

    stage = 'verify'
    const [source, target] = await Promise.all([census(from), census(to)])
    const width = Math.max(...ROWS.map(([, label]) => label.length))
    print(`${'verify'.padEnd(width)}  ${'source'.padEnd(72)}  target`)
    for (const [key, label] of ROWS) {
      const mark = source[key] === target[key] ? '' : '   ← differs'
      print(
        `${label.padEnd(width)}  ${String(source[key]).padEnd(72)}  ${String(target[key])}${mark}`,
      )
    }
    const differs = ROWS.filter(([key]) => source[key] !== target[key]).map(([, label]) => label)
    if (differs.length > 0) {
      return fail(
        `the stores differ after the copy (${differs.join(', ')}): was a gateway still writing to one of them, or ` +
          'did the target already hold other events? Stop the gateways and run again (it is safe to re-run).',
      )
    }
    print(
      `\nOK: both stores hold the same. To switch over, stop the gateways and write in your configuration:\n\n${storageLines(toSpec)}\n`,
    )
    return EXIT.ok
  } catch (error) {
    return fail(`${stage}: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    await Promise.all([from?.close().catch(() => undefined), to?.close().catch(() => undefined)])
  }
}
