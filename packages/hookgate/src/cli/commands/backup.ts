/**
 * @module cli/commands/backup
 * `hookgate backup --config FILE --to PATH`: a consistent copy of a live SQLite store while `hookgate serve` keeps
 * ingesting (issue 14). The copy is one `VACUUM INTO` on a read-only connection: a single read transaction over
 * the WAL snapshot, so it holds every event committed before it began and never blocks or restarts under a busy
 * writer (the page-by-page backup API restarts whenever another connection writes). For PostgreSQL it prints the
 * `pg_dump` command instead.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import { describeStorage } from '../../storage/from-config.ts'
import { EXIT, print, printedUsage, UsageError } from '../args.ts'
import { loadConfigOrReport } from '../config-file.ts'

export const usage = `Usage: hookgate backup [--config FILE] --to PATH

Writes a consistent copy of the configured SQLite store to PATH while the gateway keeps running: every event
committed before the backup began is in it. PATH must not exist. For storage.postgres, prints the pg_dump
command to run instead.

Options:
  -c, --config FILE   configuration file, YAML or JSON (default: hookgate.yaml in the working directory)
  --to PATH           the file to write
  -h, --help

Exit 0: written (or advice printed); exit 1: the copy failed; exit 2: invalid configuration or usage.`

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      to: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  const config = await loadConfigOrReport(values.config ?? 'hookgate.yaml', 'backup')
  if (config === undefined) return EXIT.usage
  const storage = config.storage
  if (storage.kind === 'postgres') {
    const schema = storage.schema
    print(
      `${describeStorage(storage)} is PostgreSQL: back it up with pg_dump, e.g.\n  pg_dump --format=custom --schema=${schema} --file=hookgate-${schema}.dump "$DATABASE_URL"`,
    )
    return EXIT.ok
  }
  if (values.to === undefined) throw new UsageError('backup needs --to PATH')
  const target = resolve(values.to)
  if (existsSync(target))
    throw new UsageError(`--to ${values.to} already exists; choose a new file`)
  if (storage.sqlite === ':memory:' || !existsSync(storage.sqlite)) {
    process.stderr.write(`hookgate backup: no SQLite store at ${storage.sqlite}\n`)
    return EXIT.failed
  }
  const started = Date.now()
  let db: Database.Database | undefined
  try {
    db = new Database(storage.sqlite, { readonly: true, fileMustExist: true })
    db.pragma('busy_timeout = 5000')
    db.prepare('VACUUM INTO ?').run(target)
  } catch (error) {
    process.stderr.write(
      `hookgate backup: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    return EXIT.failed
  } finally {
    db?.close()
  }
  print(`${describeStorage(storage)} → ${target} (${Date.now() - started} ms)`)
  return EXIT.ok
}
