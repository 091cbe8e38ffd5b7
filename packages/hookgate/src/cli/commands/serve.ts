/**
 * @module cli/commands/serve
 * `hookgate serve [--config FILE] [--host H] [--port N]`: loads and validates the configuration (refusing to
 * start on any problem), opens the store, listens, logs the listening address and each source's URL as JSON
 * lines on stdout, and shuts down gracefully on SIGTERM/SIGINT (exit 0).
 */
import { parseArgs } from 'node:util'
import { createGateway } from '../../app.ts'
import { isSecretPath, type DeliveryMode } from '../../config.ts'
import { displayUrl } from '../../redact.ts'
import { createLogger, errorSummary, LOG_FORMATS, type LogFormat } from '../../logger.ts'
import { describeStorage } from '../../storage/from-config.ts'
import { EXIT, printedUsage, UsageError } from '../args.ts'
import { loadConfigOrReport } from '../config-file.ts'

export const usage = `Usage: hookgate serve [--config FILE] [--host HOST] [--port PORT] [--mode all|ingest|deliver]
                      [--log-format json|pretty]

Runs the gateway: POST /webhooks/<source id> verifies, deduplicates and durably stores each webhook
before answering 2xx, and the delivery worker forwards each event to its destinations (re-signed with
Standard Webhooks, retried, dead-lettered). Also serves /healthz, /readyz, /metrics and the admin API (/api/…).

Options:
  -c, --config FILE   configuration file, YAML or JSON (default: hookgate.yaml in the working directory)
  --host HOST         listen address, overriding server.host (env HOOKGATE_HOST)
  --port PORT         listen port, overriding server.port; 0 picks a free port (env HOOKGATE_PORT)
  --mode MODE         overrides delivery.mode: all (default), ingest (store only) or deliver (deliver only)
  --log-format F      json (one JSON object per line) or pretty (one line for people: time, level, message,
                      key=value); default: pretty when stdout is a terminal, else json
  -h, --help

Logs are JSON lines on stdout (unless --log-format pretty, or a terminal). The first lines give the listening address ("msg":"hookgate listening",
"url") and one line per source ("msg":"source ready", "url"), printed whatever log.level is. SIGTERM or SIGINT stops accepting requests,
lets in-flight ones finish, flushes the store and exits 0. Exit 2: invalid configuration or usage;
exit 1: the store or the port could not be opened.`

function isLogFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value)
}

function isDeliveryMode(value: string): value is DeliveryMode {
  return value === 'all' || value === 'ingest' || value === 'deliver'
}

function parsePort(value: string | undefined, flag: string): number | undefined {
  if (value === undefined || value === '') return undefined
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535)
    throw new UsageError(
      `${flag} expects a port number from 0 to 65535, got "${value.slice(0, 20)}"`,
    )
  return Number(value)
}

/** Resolves on the first SIGTERM/SIGINT; a second one forces the exit (a stuck shutdown must stay killable). */
export function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
      const force = (): void => process.exit(EXIT.failed)
      process.once('SIGTERM', force)
      process.once('SIGINT', force)
      resolve(signal)
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  })
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      host: { type: 'string' },
      port: { type: 'string' },
      mode: { type: 'string' },
      'log-format': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  const file = values.config ?? 'hookgate.yaml'
  const port =
    parsePort(values.port, '--port') ?? parsePort(process.env.HOOKGATE_PORT, 'HOOKGATE_PORT')
  const host = values.host ?? (process.env.HOOKGATE_HOST || undefined)
  const mode = values.mode
  if (mode !== undefined && !isDeliveryMode(mode))
    throw new UsageError(`--mode expects all, ingest or deliver, got "${mode.slice(0, 20)}"`)
  const logFormat = values['log-format'] ?? (process.stdout.isTTY ? 'pretty' : 'json')
  if (!isLogFormat(logFormat))
    throw new UsageError(`--log-format expects json or pretty, got "${logFormat.slice(0, 20)}"`)

  let config = await loadConfigOrReport(file, 'serve')
  if (config === undefined) return EXIT.usage
  if (mode !== undefined && isDeliveryMode(mode))
    config = { ...config, delivery: { ...config.delivery, mode } }

  const logger = createLogger({ level: config.log.level, format: logFormat })
  for (const fallback of config.fallbacks) {
    if (isSecretPath(fallback.path)) {
      logger.warn(
        { path: fallback.path, variable: fallback.variable },
        `${fallback.variable} is not set: using the demo fallback secret from the config file; set it for any real use`,
      )
    }
  }
  for (const warning of config.warnings) logger.warn({ path: warning.path }, warning.message)
  // Install the handlers before listening: a SIGTERM during start-up must still shut down cleanly.
  const signal = nextSignal()
  let gateway
  try {
    gateway = createGateway(config, { logger })
  } catch (error) {
    logger.error(
      { error: errorSummary(error), storage: describeStorage(config.storage) },
      'cannot open the store',
    )
    return EXIT.failed
  }
  let address
  try {
    address = await gateway.listen({
      ...(host === undefined ? {} : { host }),
      ...(port === undefined ? {} : { port }),
    })
  } catch (error) {
    logger.error({ error: errorSummary(error) }, 'cannot start the gateway')
    await gateway.close().catch(() => undefined)
    return EXIT.failed
  }
  // The address lines are printed whatever log.level says: scripts, tests and people wait for them.
  const startup = ['debug', 'trace'].includes(config.log.level)
    ? logger
    : logger.child({}, { level: 'info' })
  startup.info(
    {
      url: address.url,
      host: address.host,
      port: address.port,
      config: file,
      storage: describeStorage(config.storage),
    },
    'hookgate listening',
  )
  if (config.admin?.dashboard === true) {
    const admin = gateway.adminAddress ?? address
    startup.info(
      { url: `${admin.url}/ui/`, separateListener: gateway.adminAddress !== undefined },
      'dashboard ready (sign in with admin.token)',
    )
  }
  for (const endpoint of gateway.endpoints()) {
    startup.info(
      { source: endpoint.id, provider: endpoint.provider, url: endpoint.url },
      'source ready',
    )
  }
  for (const destination of config.destinations) {
    startup.info(
      {
        destination: destination.id,
        url: displayUrl(destination.url),
        sources: destination.sources,
        mode: config.delivery.mode,
      },
      config.delivery.mode === 'ingest'
        ? 'destination queued only (delivery.mode: ingest)'
        : 'destination ready',
    )
  }

  const received = await signal
  logger.info({ signal: received }, 'shutting down')
  await gateway.close()
  logger.info({}, 'stopped')
  return EXIT.ok
}
