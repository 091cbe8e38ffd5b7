/**
 * Bench section `adapters` (issue 6): requests per second through each framework adapter of the built
 * `@hookgate/verify` (`/node`, `/express`, `/fastify`, `/hono`, `/fetch`) against the SAME framework with a
 * hand-written raw-body HMAC check (GitHub-style `X-Hub-Signature-256`), on loopback, with autocannon.
 * Target: the adapter keeps ≥ 95% of the hand-written req/s.
 *
 * Fairness rules:
 * - Each server runs in its own child process (bench/adapters-server.mjs), so the load generator (this
 *   process) and the server do not share an event loop; both variants of a framework run side by side,
 *   idle when not measured.
 * - Same request for both: one GitHub-signed ~2.5 KiB JSON push, same headers; both answer 200 with the same
 *   small JSON. Every response must be 2xx (a 401 or an error aborts the run: a failing check is not fast).
 * - Hand-written variants read the body the framework's usual way: node:http `data` events, Express
 *   `express.raw()` (the recipe in the Stripe/GitHub docs), Fastify's catch-all Buffer parser,
 *   Hono `c.req.arrayBuffer()`, Fetch `request.arrayBuffer()` (Next.js-style `POST(request)` over
 *   @hono/node-server's bridge).
 * - Besides req/s, the server's own CPU time per request (process.cpuUsage() in the child, asked over IPC
 *   around each run) is reported: on a shared machine it moves far less than throughput does. The target is
 *   judged on req/s, as the issue states it.
 * - A third variant, `hand+lib`, is the hand-written route calling the library's `safeVerifyWebhook()`
 *   instead of the hand-written HMAC: adapter vs hand+lib is the adapter's own cost, hand+lib vs hand the
 *   verify core's (measured on its own by the `verify` section).
 * - Per framework: warm all up, then BENCH_ADAPTER_ROUNDS rounds measuring the variants one after the other
 *   (the order rotating), BENCH_ADAPTER_SECONDS each: many short rounds rather than a few long ones, because
 *   on a shared machine the load changes on a scale of seconds. req/s are medians over rounds; ratios are medians of
 *   per-round ratios (neighbours in time share the machine's load).
 *
 * Knobs (environment): BENCH_ADAPTER_ROUNDS (6), BENCH_ADAPTER_SECONDS (1), BENCH_ADAPTER_CONNECTIONS (16),
 * BENCH_FILTER (comma-separated frameworks, e.g. `express,hono`).
 */
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import { createHmac, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import process from 'node:process'
import autocannon from 'autocannon'

export const title =
  'framework adapters: req/s of @hookgate/verify/<fw> vs a hand-written raw-body HMAC check (target ≥ 95%)'

const FRAMEWORKS = ['node', 'express', 'fastify', 'hono', 'fetch']
/** adapter: @hookgate/verify/<fw>; hand: hand-written HMAC route; lib: that route calling safeVerifyWebhook(). */
const VARIANTS = ['adapter', 'hand', 'lib']
const TARGET = 0.95
const ROUNDS = Number(process.env.BENCH_ADAPTER_ROUNDS ?? 6)
const SECONDS = Number(process.env.BENCH_ADAPTER_SECONDS ?? 1)
const CONNECTIONS = Number(process.env.BENCH_ADAPTER_CONNECTIONS ?? 16)
const WARMUP_SECONDS = 1
const SERVER = fileURLToPath(new URL('./adapters-server.mjs', import.meta.url))

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** A ~2.5 KiB GitHub push-like payload, signed once. */
function signedRequest(secret) {
  const commits = Array.from({ length: 12 }, (_, i) => ({
    id: randomBytes(20).toString('hex'),
    message: `Fix the widget frobnicator, part ${i}`,
    author: { name: 'Octo Cat', email: 'octocat@example.com' },
    modified: ['src/widget.ts', 'test/widget.test.ts'],
  }))
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    repository: { full_name: 'acme/widgets' },
    commits,
  })
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
  }
}

async function startServer(framework, variant, secret) {
  const child = spawn(process.execPath, [SERVER, framework, variant, secret], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  let output = ''
  for await (const chunk of child.stdout) {
    output += chunk
    if (output.includes('\n')) break
  }
  const { port } = JSON.parse(output)
  return {
    url: `http://127.0.0.1:${port}/webhooks/github`,
    /** The server process's CPU time so far, in µs. */
    async cpuMicros() {
      child.send('cpu')
      const [message] = await once(child, 'message')
      return message.cpuMicros
    },
    async stop() {
      child.kill('SIGTERM')
      if (child.exitCode === null) await once(child, 'exit')
    },
  }
}

/** One autocannon run against `server`; throws unless every response was 2xx. */
async function load(server, request, seconds) {
  const cpuBefore = await server.cpuMicros()
  const result = await autocannon({
    url: server.url,
    method: 'POST',
    headers: request.headers,
    body: request.body,
    connections: CONNECTIONS,
    duration: seconds,
  })
  const cpu = (await server.cpuMicros()) - cpuBefore
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0 || result['2xx'] === 0) {
    throw new Error(
      `${server.url}: ${result['2xx']} ok, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    )
  }
  return { rps: result.requests.average, cpuPerRequest: cpu / result['2xx'] }
}

export async function run() {
  const selected = process.env.BENCH_FILTER
    ? FRAMEWORKS.filter((name) => process.env.BENCH_FILTER.split(',').includes(name))
    : FRAMEWORKS
  const secret = randomBytes(16).toString('hex')
  const request = signedRequest(secret)
  console.log(
    `POST ${Buffer.byteLength(request.body)}-byte GitHub-signed body, ${CONNECTIONS} connections, ` +
      `${ROUNDS} rounds × ${SECONDS} s per variant (after ${WARMUP_SECONDS} s warm-up), loopback\n`,
  )
  const rows = []
  for (const framework of selected) {
    const servers = {}
    try {
      for (const variant of VARIANTS)
        servers[variant] = await startServer(framework, variant, secret)
      for (const variant of VARIANTS) await load(servers[variant], request, WARMUP_SECONDS)
      const runs = Object.fromEntries(VARIANTS.map((variant) => [variant, []]))
      const ratios = []
      const ownRatios = []
      for (let round = 0; round < ROUNDS; round += 1) {
        // Rotate the order so no variant always runs first (or right after the warm-up of another).
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length])
        const measured = {}
        for (const variant of order)
          measured[variant] = await load(servers[variant], request, SECONDS)
        for (const variant of VARIANTS) runs[variant].push(measured[variant])
        ratios.push(measured.adapter.rps / measured.hand.rps)
        ownRatios.push(measured.adapter.rps / measured.lib.rps)
      }
      const rps = (variant) => median(runs[variant].map((m) => m.rps))
      const cpu = (variant) => median(runs[variant].map((m) => m.cpuPerRequest))
      rows.push({
        framework,
        adapter: rps('adapter'),
        hand: rps('hand'),
        lib: rps('lib'),
        ratio: median(ratios),
        worst: Math.min(...ratios),
        own: median(ownRatios),
        cpuAdapter: cpu('adapter'),
        cpuHand: cpu('hand'),
        cpuLib: cpu('lib'),
      })
    } finally {
      for (const server of Object.values(servers)) await server.stop()
    }
  }

  const header = [
    'adapter',
    'req/s adapter',
    'hand',
    'hand+lib',
    'adapter/hand',
    'worst round',
    'adapter/hand+lib',
    'CPU µs/req adapter',
    'hand',
    'hand+lib',
    'target ≥ 95%',
  ]
  const lines = rows.map((row) => [
    `@hookgate/verify/${row.framework}`,
    Math.round(row.adapter).toLocaleString('en-US'),
    Math.round(row.hand).toLocaleString('en-US'),
    Math.round(row.lib).toLocaleString('en-US'),
    `${(row.ratio * 100).toFixed(1)}%`,
    `${(row.worst * 100).toFixed(1)}%`,
    `${(row.own * 100).toFixed(1)}%`,
    row.cpuAdapter.toFixed(0),
    row.cpuHand.toFixed(0),
    row.cpuLib.toFixed(0),
    row.ratio >= TARGET ? 'met' : 'MISSED',
  ])
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...lines.map((line) => line[i].length)),
  )
  const format = (cells) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')
  console.log(format(header))
  console.log(widths.map((width) => '-'.repeat(width)).join('  '))
  for (const line of lines) console.log(format(line))
  console.log(
    '\nadapter/hand: the target (the adapter vs the hand-written HMAC route). adapter/hand+lib: the same route\n' +
      "calling safeVerifyWebhook() instead of the hand-written HMAC, i.e. the adapter's own cost apart from the verify core.",
  )
  return {
    targets: rows.map((row) => ({
      name: `adapters/${row.framework} ≥ 95% of hand-written`,
      pass: row.ratio >= TARGET,
    })),
  }
}

// Standalone: `node bench/adapters.mjs` (the driver imports it and calls run()).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outcome = await run()
  process.exitCode = outcome.targets.every((target) => target.pass) ? 0 : 1
}
