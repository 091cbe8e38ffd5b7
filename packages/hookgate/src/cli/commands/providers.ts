/**
 * @module cli/commands/providers
 * `hookgate providers [--json|--markdown]`: every built-in preset with its scheme and documentation link.
 */
import { parseArgs } from 'node:util'
import { providers } from '@hookgate/verify'
import { EXIT, print, printedUsage } from '../args.ts'

export const usage = `Usage: hookgate providers [--json|--markdown]

Lists the built-in provider presets: id, name, signature scheme and the provider's documentation.

Options:
  --json      print a JSON array of { id, name, scheme, docsUrl, toleranceSeconds, optionKeys, handshake }
  --markdown  print the README's providers table
  -h, --help`

/** One row of the listing (the `--json` shape). */
export interface ProviderRow {
  readonly id: string
  readonly name: string
  readonly scheme: string
  readonly docsUrl: string
  /** Default replay window; null for schemes without a signed timestamp. */
  readonly toleranceSeconds: number | null
  /** What `--option key=value` accepts for this provider. */
  readonly optionKeys: readonly string[]
  /** The endpoint check the gateway answers for this provider's sources, if any. */
  readonly handshake: string | null
}

/** The registry as plain rows, in registry order. */
export function providerRows(): ProviderRow[] {
  return Object.values(providers).map(({ definition }) => ({
    id: definition.id,
    name: definition.name,
    scheme: definition.scheme,
    docsUrl: definition.docsUrl,
    toleranceSeconds: definition.toleranceSeconds ?? null,
    optionKeys: definition.optionKeys,
    handshake: definition.handshake?.description ?? null,
  }))
}

/** The README's providers table (between its `providers:start`/`end` markers): written from the definitions. */
export function markdownTable(rows: readonly ProviderRow[]): string {
  const escape = (text: string) => text.replaceAll('|', '\\|')
  const lines = [
    '| id | provider | scheme | replay window | options | handshake |',
    '|---|---|---|---|---|---|',
    ...[...rows]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((row) =>
        [
          `\`${row.id}\``,
          `[${escape(row.name)}](${row.docsUrl})`,
          escape(row.scheme),
          row.toleranceSeconds === null ? '—' : `${row.toleranceSeconds} s`,
          row.optionKeys.length === 0 ? '—' : row.optionKeys.map((key) => `\`${key}\``).join(', '),
          row.handshake === null ? '—' : escape(row.handshake),
        ].join(' | '),
      )
      .map((line) => `| ${line} |`),
  ]
  return lines.join('\n')
}

function table(rows: readonly ProviderRow[]): string {
  const head = ['ID', 'NAME', 'SCHEME', 'DOCS']
  const cells = [head, ...rows.map((row) => [row.id, row.name, row.scheme, row.docsUrl])]
  const widths = head.map((_, column) =>
    Math.max(...cells.map((line) => (line[column] ?? '').length)),
  )
  return cells
    .map((line) =>
      line
        .map((cell, column) =>
          column === line.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
        )
        .join('  '),
    )
    .join('\n')
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      markdown: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  const rows = providerRows()
  print(
    values.json === true
      ? JSON.stringify(rows, null, 2)
      : values.markdown === true
        ? markdownTable(rows)
        : table(rows),
  )
  return EXIT.ok
}
