#!/usr/bin/env node
/**
 * @module cli/main
 * The `hookgate` binary: a small dispatcher. Each command lives in its own file under `commands/` and is
 * imported only when run, so `hookgate sign` never loads the gateway (or its database driver).
 * Every command module exports `run(argv): Promise<number>` returning the exit code:
 * 0 success, 1 the check failed, 2 bad usage.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { EXIT, isPresetOptionError, scrub, UsageError } from './args.ts'

/** The shape every `commands/*.ts` module has. */
export interface CommandModule {
  run(argv: string[]): Promise<number>
}

interface CommandEntry {
  readonly summary: string
  load(): Promise<CommandModule>
}

// Literal specifiers so that tsc rewrites `.ts` to `.js` in the build (rewriteRelativeImportExtensions).
const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  serve: {
    summary: 'run the gateway (ingest, store, deliver)',
    load: () => import('./commands/serve.ts'),
  },
  init: { summary: 'write a starter configuration file', load: () => import('./commands/init.ts') },
  migrate: {
    summary: "create or upgrade the configured store's schema, then exit",
    load: () => import('./commands/migrate.ts'),
  },
  backup: {
    summary:
      'write a consistent copy of a live SQLite store (PostgreSQL: prints the pg_dump advice)',
    load: () => import('./commands/backup.ts'),
  },
  export: {
    summary: 'write the stored events (bodies, headers, ids, delivery states) as NDJSON to stdout',
    load: () => import('./commands/export.ts'),
  },
  import: {
    summary: 'read what export wrote into the configured store (idempotent)',
    load: () => import('./commands/import.ts'),
  },
  'migrate-store': {
    summary:
      'copy a whole store into another (SQLite ⇄ PostgreSQL), verify it, print the config to switch',
    load: () => import('./commands/migrate-store.ts'),
  },
  prune: {
    summary: 'delete what retention: lets go (expired events and rejections), then exit (cron)',
    load: () => import('./commands/prune.ts'),
  },
  providers: {
    summary: 'list the built-in provider presets',
    load: () => import('./commands/providers.ts'),
  },
  sign: {
    summary: 'print the signature headers a provider would send for a body',
    load: () => import('./commands/sign.ts'),
  },
  verify: {
    summary: 'verify a captured webhook request (exit 0 valid, 1 invalid)',
    load: () => import('./commands/verify.ts'),
  },
  replay: {
    summary: "re-deliver stored events through a gateway's admin API",
    load: () => import('./commands/replay.ts'),
  },
  events: {
    summary: "list, show, tail (live) or replay a running gateway's events",
    load: () => import('./commands/events.ts'),
  },
  dev: {
    summary:
      'a throwaway local gateway forwarding every verified webhook to your app, with a live table',
    load: () => import('./commands/dev.ts'),
  },
  send: {
    summary: 'sign a sample webhook of a provider and POST it (exit 0 on 2xx)',
    load: () => import('./commands/send.ts'),
  },
  doctor: {
    summary: 'check a configuration before it goes live and print what to fix',
    load: () => import('./commands/doctor.ts'),
  },
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length))
  return [
    'Usage: hookgate <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`),
    `  ${'help'.padEnd(width)}  show this help, or a command's ("hookgate help sign")`,
    '',
    'Options:',
    '  -h, --help     show help',
    '  -v, --version  print the version',
    '',
    'Exit codes: 0 success, 1 verification failed (or an unexpected error), 2 bad usage.',
  ].join('\n')
}

function version(): string {
  // src/cli/main.ts and dist/cli/main.js are both two levels below the package root.
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version?: unknown }
  return String(manifest.version)
}

function isParseArgsError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}

/** Maps what a command threw to a message on stderr and an exit code. Secrets given on the command line are scrubbed. */
function fail(command: string, error: unknown): number {
  if (error instanceof UsageError || isParseArgsError(error)) {
    process.stderr.write(
      `hookgate ${command}: ${scrub(error.message)}\nRun "hookgate help ${command}" for usage.\n`,
    )
    return EXIT.usage
  }
  if (isPresetOptionError(error)) {
    process.stderr.write(`hookgate ${command}: ${scrub(error.message)}\n`)
    return EXIT.usage
  }
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`hookgate ${command}: unexpected error: ${scrub(message)}\n`)
  return EXIT.failed
}

async function runCommand(name: string, argv: string[]): Promise<number> {
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (entry === undefined) {
    process.stderr.write(`hookgate: unknown command "${name}"\n\n${help()}\n`)
    return EXIT.usage
  }
  try {
    const module = await entry.load()
    return await module.run(argv)
  } catch (error) {
    return fail(name, error)
  }
}

/** Dispatches `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  // Only flags before the command are the dispatcher's; everything after it belongs to the command.
  const { tokens } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    allowPositionals: true,
    strict: false,
    tokens: true,
  })
  const first = tokens.find((token) => token.kind === 'positional')
  const leading = tokens.filter((token) => first === undefined || token.index < first.index)
  for (const token of leading) {
    if (token.kind !== 'option') continue
    if (token.name === 'help') {
      process.stdout.write(`${help()}\n`)
      return EXIT.ok
    }
    if (token.name === 'version') {
      process.stdout.write(`${version()}\n`)
      return EXIT.ok
    }
    process.stderr.write(
      `hookgate: unknown option "${token.rawName}" before the command\n\n${help()}\n`,
    )
    return EXIT.usage
  }
  if (first === undefined) {
    process.stderr.write(`${help()}\n`)
    return EXIT.usage
  }
  const rest = argv.slice(first.index + 1)
  if (first.value === 'help') {
    const topic = rest[0]
    if (topic === undefined) {
      process.stdout.write(`${help()}\n`)
      return EXIT.ok
    }
    return runCommand(topic, ['--help'])
  }
  return runCommand(first.value, rest)
}

// `hookgate providers | head -1` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok)
  throw error
})

process.exitCode = await main(process.argv.slice(2))
