/**
 * @module logger
 * JSON-lines logging (pino). The gateway only ever logs redacted header sets; pino's `redact` paths are the
 * second line of defence for secrets, signatures and Authorization values. For people at a terminal, `pretty`
 * turns each line into `12:00:00.000 INFO  message key=value …` with a small built-in formatter (no runtime
 * dependency; it formats what pino wrote, after redaction).
 */
import { pino, type DestinationStream, type Logger } from 'pino'
import type { LogLevel } from './config.ts'
import { LOG_REDACT_PATHS, REDACTED } from './redact.ts'

/** The subset of pino's logger the gateway calls (any pino-compatible logger fits). */
export interface GatewayLogger {
  debug(object: object, message?: string): void
  info(object: object, message?: string): void
  warn(object: object, message?: string): void
  error(object: object, message?: string): void
  /** pino's: lets a hot path skip building a line that would be dropped. Absent: every level counts as on. */
  isLevelEnabled?(level: string): boolean
}

/** `json`: one JSON object per line (machines, log shippers). `pretty`: one human-readable line per entry. */
export const LOG_FORMATS = ['json', 'pretty'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

export interface CreateLoggerOptions {
  readonly level?: LogLevel
  /** Default `json`. `pretty` writes through {@link createPrettyDestination} (to `destination` if given, else stdout). */
  readonly format?: LogFormat
  /** Where lines go. Default: stdout. */
  readonly destination?: DestinationStream
}

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
}
const LEVEL_COLORS: Readonly<Record<number, string>> = {
  10: '90',
  20: '36',
  30: '32',
  40: '33',
  50: '31',
  60: '35',
}
/** pino's own fields, shown in the line's head or left out. */
const HEAD_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'v'])

function prettyValue(value: unknown): string {
  if (typeof value === 'string')
    return value !== '' && !/[\s"=]/.test(value) ? value : JSON.stringify(value)
  return JSON.stringify(value) ?? String(value)
}

/**
 * One JSON log line → `HH:MM:SS.mmm LEVEL message key=value …` (UTC time; ANSI colours when `colors`). A line that
 * is not JSON is passed through as is.
 */
export function prettyLine(line: string, colors = false): string {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`
  }
  const level = typeof entry.level === 'number' ? entry.level : 30
  const time =
    typeof entry.time === 'string'
      ? entry.time.slice(11, 23)
      : typeof entry.time === 'number'
        ? new Date(entry.time).toISOString().slice(11, 23)
        : ''
  const label = (LEVEL_NAMES[level] ?? String(level)).padEnd(5)
  const fields = Object.entries(entry)
    .filter(([key]) => !HEAD_FIELDS.has(key))
    .map(([key, value]) => `${key}=${prettyValue(value)}`)
    .join(' ')
  const paint = (code: string | undefined, text: string): string =>
    colors && code !== undefined ? `\u001b[${code}m${text}\u001b[0m` : text
  const message = typeof entry.msg === 'string' ? entry.msg : ''
  return `${paint('90', time)} ${paint(LEVEL_COLORS[level], label)} ${message}${fields === '' ? '' : ` ${paint('90', fields)}`}\n`
}

/**
 * A pino destination that writes {@link prettyLine}s to `out` (default stdout; colours when it is a TTY).
 * @example const logger = pino({}, createPrettyDestination())
 */
export function createPrettyDestination(
  out: { write(chunk: string): unknown; isTTY?: boolean } = process.stdout,
): DestinationStream {
  const colors = out.isTTY === true && process.env.NO_COLOR === undefined
  return {
    write(chunk: string): void {
      // pino writes whole lines, one per call.
      out.write(prettyLine(chunk, colors))
    },
  }
}

/**
 * A pino logger with the gateway's defaults: ISO timestamps, `name: "hookgate"`, redaction of secrets,
 * signatures and Authorization values.
 * @example const logger = createLogger({ level: 'info' })
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const settings = {
    name: 'hookgate',
    level: options.level ?? 'info',
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED },
  }
  if (options.format === 'pretty') {
    const target = options.destination
    return pino(
      settings,
      createPrettyDestination(
        target === undefined ? process.stdout : { write: (chunk: string) => target.write(chunk) },
      ),
    )
  }
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination)
}

/** An error as logged: name, code and message (which, by the library's rule, hold no secrets), no stack noise. */
export function errorSummary(error: unknown): { name: string; code?: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string'
      ? { name: error.name, code, message: error.message }
      : { name: error.name, message: error.message }
  }
  return { name: 'unknown', message: String(error) }
}
