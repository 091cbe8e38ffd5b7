/**
 * @module cli/commands/init
 * `hookgate init [FILE] [--force]`: writes a commented starter configuration (default `hookgate.yaml`),
 * refusing to overwrite an existing file unless `--force`.
 */
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { EXIT, print, printedUsage, UsageError } from '../args.ts'

export const usage = `Usage: hookgate init [FILE] [--force]

Writes a commented starter configuration to FILE (default: hookgate.yaml). Secrets are read from
environment variables (\${env:NAME}); nothing secret is written to the file.

Options:
  -c, --config FILE  same as the FILE argument
  -f, --force        overwrite FILE if it exists
  -h, --help`

/** The starter configuration `hookgate init` writes. It validates once the variables it names are set. */
export const STARTER_CONFIG = `# Hookgate configuration (YAML; JSON works too).
# Start it with:  hookgate serve --config hookgate.yaml
# Every problem is reported at start-up with its path (e.g. "sources[0].secrets: must not be empty").
#
# Secrets come from the environment: \${env:NAME} fails to start when NAME is unset;
# \${env:NAME:-fallback} uses the fallback when NAME is unset or empty. Secrets must be at least 16 characters.

server:
  host: 127.0.0.1          # 0.0.0.0 to accept connections from other machines
  port: 8080               # 0 picks a free port; --port / HOOKGATE_PORT override it
  # The base URL providers call, when it differs from the address above (TLS proxy, tunnel).
  # URL-signed schemes need it: Twilio signs the exact URL it called; Trello's callbackUrl defaults to
  # <publicUrl>/webhooks/<source id>.
  # publicUrl: https://hooks.example.com
  # Proxies (CIDRs) whose X-Forwarded-For / -Proto / -Host headers are believed. Empty: none.
  trustProxy: []
  maxBodyBytes: 1048576    # larger bodies get 413 before they are read
  # Providers send a webhook at once: slow or silent clients are cut (408) instead of holding connections.
  headersTimeout: 10s      # from a connection's opening (or a request's first byte) to the end of its headers
  bodyTimeout: 30s         # from the end of the headers to the end of the body
  # Connections past a cap are closed on accept, so one client's idle sockets cannot starve the others.
  maxConnections: 10000
  maxConnectionsPerClient: 256   # per remote address; proxies in trustProxy are exempt
  # A client refused this many times waits (429, Retry-After) before any verification work; 0 turns it off.
  rejectionLimit: { burst: 60, perSecond: 2 }
  # Signature failures are diagnosed (why didn't it match?) at most this many per source per minute.
  diagnose: { perMinute: 10 }
  shutdownTimeoutMs: 10000 # SIGTERM: how long in-flight requests may take to finish
  shutdownGrace: 1s        # SIGTERM: open keep-alive connections are kept this long; late requests get 503

storage:
  # Embedded SQLite (WAL; each event fsynced before its 2xx). A relative path is relative to this file's directory.
  sqlite: ./data/hookgate.db
  # Several instances behind a load balancer: one PostgreSQL instead (see docs/scaling.md).
  # postgres: \${env:DATABASE_URL}   # postgres://user:password@db.example:5432/hookgate
  # schema: hookgate                # poolSize: 10
  # maxRejections: 10000   # refused requests kept for debugging; older ones are dropped

# What is kept, and for how long. \`hookgate serve\` prunes every interval, in small batches that never hold up
# ingest; \`hookgate prune\` does one pass (cron). An event with a delivery still pending or in flight is never pruned.
retention:
  events: 30d              # events with their deliveries and attempts, by age; "forever" keeps them
  maxEvents: 0             # at most this many events, oldest pruned first (0 = no cap)
  rejections: 7d           # refused requests, by age ("forever" keeps them; storage.maxRejections still caps them)
  interval: 1m             # how often \`hookgate serve\` prunes

# The admin API (/api/…) needs "Authorization: Bearer <token>"; the dashboard (/ui/) signs in with the same token.
# Generate one with:  openssl rand -hex 32
admin:
  token: \${env:HOOKGATE_ADMIN_TOKEN}
  # port: 9090             # serve /api/ and /ui/ on host:port only, keeping them off the public webhook port
  # host: 127.0.0.1

log:
  level: info              # fatal | error | warn | info | debug | trace | silent

# Each source is served at POST /webhooks/<id>. provider: any preset of \`hookgate providers\`.
sources:
  - id: github             # → POST /webhooks/github
    provider: github
    # Several secrets during a rotation: any one matching passes.
    secrets: ['\${env:GITHUB_WEBHOOK_SECRET}']

  - id: stripe
    provider: stripe
    secrets: ['\${env:STRIPE_WEBHOOK_SECRET}']   # the endpoint's whsec_… signing secret
    # toleranceSeconds: 300                      # replay window override (timestamped schemes only)
    # allowIps: []                               # optional CIDR allowlist (IPv4 and IPv6)
    # captureRejected: true   # keep the request of signature failures for \`hookgate verify --rejection\`
    #                         # (body up to captureMaxBytes, default 65536; the signature only sealed)

  # - id: trello
  #   provider: trello
  #   secrets: ['\${env:TRELLO_APP_SECRET}']
  #   options:
  #     callbackUrl: https://hooks.example.com/webhooks/trello   # exactly as registered with Trello

# Destinations: every verified event is forwarded (at least once) to the destinations fed by its source,
# POSTed with its raw body and re-signed with Standard Webhooks (webhook-id / webhook-timestamp /
# webhook-signature), so your services verify ONE scheme whatever the provider. Failures are retried on
# the schedule (with jitter), then dead-lettered; \`hookgate replay\` sends them again.
# destinations:
#   - id: billing
#     url: http://127.0.0.1:9000/hooks/billing
#     sources: [stripe]                    # source ids that feed it
#     eventTypes: ['invoice.*']            # optional globs on the event type (* spans dots)
#     timeoutMs: 15000
#     signingSecret: \${env:BILLING_WHSEC}   # whsec_ + base64, e.g. "whsec_$(openssl rand -base64 32)"
#     retry: { schedule: [5s, 5m, 30m, 2h, 5h, 10h, 10h] }   # the default; jitter ±20%
#     maxInFlight: 64                      # concurrent requests to it (the default)
#     allowLinkLocal: false                # true to allow 169.254.0.0/16, fe80::/10 and cloud metadata addresses
#
# delivery:
#   mode: all                # all | ingest (store only) | deliver (deliver only); --mode overrides it
#   circuitBreaker: { failureThreshold: 5, cooldown: 30s }
`

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      force: { type: 'boolean', short: 'f' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (printedUsage(values.help, usage)) return EXIT.ok
  if (positionals.length > 1) throw new UsageError('init takes one file name at most')
  if (positionals.length === 1 && values.config !== undefined)
    throw new UsageError('give the file either as an argument or with --config, not both')
  const file = positionals[0] ?? values.config ?? 'hookgate.yaml'
  try {
    // 'wx' fails if the file exists: no check-then-write race.
    await writeFile(file, STARTER_CONFIG, { flag: values.force === true ? 'w' : 'wx', mode: 0o600 })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') {
      // Bad usage, not a failed check (issue 9): the fix is a flag.
      process.stderr.write(`hookgate init: ${file} already exists; use --force to overwrite it\n`)
      return EXIT.usage
    }
    process.stderr.write(`hookgate init: cannot write ${file} (${code ?? 'error'})\n`)
    return EXIT.failed
  }
  print(
    `Wrote ${file}. Set HOOKGATE_ADMIN_TOKEN, GITHUB_WEBHOOK_SECRET and STRIPE_WEBHOOK_SECRET, then run:\n  hookgate serve --config ${file}`,
  )
  return EXIT.ok
}
