/**
 * @module logger
 * JSON-lines logging (pino). The gateway only ever logs redacted header sets; pino's `redact` paths are the
 * second line of defence for secrets, signatures and Authorization values.
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
}

export interface CreateLoggerOptions {
  readonly level?: LogLevel
  /** Where lines go. Default: stdout. */
  readonly destination?: DestinationStream
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
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination)
}

/** An error as logged: name, code and message (which, by the library's rule, hold no secrets), no stack noise. */
export function errorSummary(error: unknown): { name: string; code?: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' ? { name: error.name, code, message: error.message } : { name: error.name, message: error.message }
  }
  return { name: 'unknown', message: String(error) }
}
