/**
 * @module cli/commands/prune
 * `hookgate prune [--config FILE]`: one retention pass to completion (issue 14), for cron or a one-off clean-up:
 * the same batches `hookgate serve` runs every `retention.interval`, so it is safe while instances are running.
 */
import { parseArgs } from 'node:util'
import { pruneOnce } from '../../retention.ts'
import { EXIT, print, printedUsage } from '../args.ts'
import { withConfiguredStore } from '../config-file.ts'

export const usage = `Usage: hookgate prune [--config FILE]

Deletes what the configuration's retention: section lets go, in small batches, and exits: events older than
retention.events or beyond retention.maxEvents (with their deliveries and attempts; never one with a delivery
still pending or in flight) and rejections older than retention.rejections. "hookgate serve" does the same
every retention.interval; run this from cron when no gateway runs, or to clean up at once. Safe to run while
instances are up.

Options:
  -c, --config FILE   configuration file, YAML or JSON (default: hookgate.yaml in the working directory)
  -h, --help

Prints one line: the store (passwords hidden) and what was deleted. Exit 0: done; exit 1: the store could not
be reached or pruned; exit 2: invalid configuration or usage.`

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
    'prune',
    async (storage, config, where) => {
      await storage.migrate()
      const totals = await pruneOnce(storage, config.retention, new Date())
      print(
        `${where}: pruned ${totals.events} event(s) and ${totals.rejections} rejection(s) in ${totals.batches} batch(es), ${totals.durationMs} ms`,
      )
      return EXIT.ok
    },
  )
}
