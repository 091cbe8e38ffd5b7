/**
 * @module cli/commands/migrate
 * `hookgate migrate [--config FILE]`: creates or upgrades the configured store's schema (SQLite file or
 * PostgreSQL schema) and exits. `hookgate serve` migrates on start anyway; this is for deployments that run
 * schema changes as their own step (before rolling N instances, with a role allowed to run DDL). Safe to run
 * while instances are up and from several places at once: migrations take an advisory lock (PostgreSQL) or
 * the write lock (SQLite) and are idempotent.
 */
import { parseArgs } from 'node:util'
import { EXIT, print, printedUsage } from '../args.ts'
import { withConfiguredStore } from '../config-file.ts'

export const usage = `Usage: hookgate migrate [--config FILE]

Creates or upgrades the schema of the store named in the configuration (storage.sqlite or storage.postgres)
and exits. "hookgate serve" does the same on start; run this as a separate deployment step when the
instances' database role may not change the schema, or to upgrade before rolling out new instances.
Safe to run concurrently with running instances and with other "hookgate migrate" runs.

Options:
  -c, --config FILE   configuration file, YAML or JSON (default: hookgate.yaml in the working directory)
  -h, --help

Prints one line: the store (passwords hidden) and the migrations applied. Exit 0: migrated or already up
to date; exit 1: the store could not be reached or migrated; exit 2: invalid configuration or usage.`

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  return withConfiguredStore(
    values.config ?? 'hookgate.yaml',
    'migrate',
    async (storage, _config, where) => {
      const { applied } = await storage.migrate()
      print(
        applied.length === 0
          ? `${where}: already up to date`
          : `${where}: applied ${applied.join(', ')}`,
      )
      return EXIT.ok
    },
  )
}
