/**
 * Bench section `ingest` (issue 3): webhooks per second over loopback, 1 KiB signed JSON bodies (GitHub's
 * `X-Hub-Signature-256`, signed ONCE; every request carries a unique `X-GitHub-Delivery`, which GitHub does not
 * sign, so the gateway's dedupe stores every request instead of answering duplicates), against:
 *
 * - `hookgate serve` — the built CLI as users run it: verify, dedupe, group commit to SQLite (WAL; every
 *   acknowledged commit fsynced first — by the store, off the event loop), default log level (`info`: refusals
 *   and lifecycle lines, accepted webhooks only at `debug`), logs written to a file;
 * - a bare `node:http` receiver that only verifies the HMAC: the ceiling;
 * - an Express receiver (`express.raw()` + HMAC): what people hand-write;
 * - a `node:http` receiver that inserts each request into SQLite (WAL, synchronous=FULL) with its own commit;
 * - the durable floor: a `node:http` receiver that verifies, then group-commits each request into a minimal
 *   SQLite dedupe table as the gateway commits (WAL fdatasynced off the event loop before the 200), with nothing
 *   else. What it costs beyond the bare receiver is what durability and dedupe on SQLite cost by themselves.
 *
 * Every server is its own child process (`bench/ingest-receiver.mjs` for the hand-written ones) on 127.0.0.1;
 * the load generator is autocannon (programmatic API) in this process. Each server gets the same connections,
 * a warm-up, then a measured run; with BENCH_INGEST_ROUNDS > 1 the servers take turns (order rotating) and
 * the median is reported. Before loading, each server must answer 200 to a signed request and 401 to a
 * tampered one; after the run, the gateway's database must hold one event per 2xx it answered.
 *
 * The report is issue 15's target table, one block per scenario, each against the bare receiver of the same run:
 * 1 KiB bodies at every connection count of BENCH_INGEST_CONNECTIONS (with the Express and per-request SQLite
 * peers at the first, the durable floor in each), 16 KiB and 256 KiB bodies (hookgate, bare, floor), and a
 * gateway whose store already holds BENCH_INGEST_STORE_EVENTS events (bulk-inserted before it starts) against a
 * fresh one. Besides req/s and p50/p99, each server's CPU time per request: utime + stime of the child from
 * /proc/<pid>/stat over the measured run, divided by the requests autocannon counted.
 *
 * Knobs (environment): BENCH_INGEST_CONNECTIONS (`32,256`), BENCH_INGEST_SECONDS (10), BENCH_INGEST_WARMUP_SECONDS
 * (2), BENCH_INGEST_ROUNDS (1), BENCH_INGEST_BODY_SIZES (`16384,262144`: the extra body sizes; `0` for none),
 * BENCH_INGEST_STORE_EVENTS (1000000; 0 skips the scenario; 10000000 for the large one), BENCH_INGEST_BASELINE_CLI
 * (the `dist/cli/main.js` of another build, e.g. the commit before a change: benched beside the current one, as
 * `baseline`, in every scenario: before and after in one run), BENCH_INGEST_DELIVERY_IDS (`counter`: `bench-N`;
 * `uuid`: random UUIDs, as GitHub sends, which spread the dedupe index's inserts over all its pages).
 *
 * The harness (servers, load, report helpers) is exported for `bench/postgres.mjs`, which runs the same load.
 */
import { Buffer } from 'node:buffer'
import { randomUUID } from 'node:crypto'
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { createInterface } from 'node:readline'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { providers, signWebhook } from '@hookgate/verify'
import { createSqliteStorage } from 'hookgate'

export const title =
  'ingest over loopback: hookgate serve (durable: fsync before 2xx) vs hand-written receivers (req/s, p50/p99, peak RSS)'

function envInt(name, fallback) {
  const value = Number(process.env[name])
  return Number.isInteger(value) && value > 0 ? value : fallback
}

function envInts(name, fallback) {
  const text = process.env[name]
  if (text === undefined || text === '') return fallback
  const values = text.split(',').map(Number)
  return values.every((value) => Number.isInteger(value) && value >= 0) ? values : fallback
}

/** Connection counts of the 1 KiB scenarios; the first is also the other scenarios' (and `postgres.mjs`'s). */
export const CONNECTION_COUNTS = envInts('BENCH_INGEST_CONNECTIONS', [32, 256]).filter((n) => n > 0)
export const CONNECTIONS = CONNECTION_COUNTS[0] ?? 32
export const SECONDS = envInt('BENCH_INGEST_SECONDS', 10)
export const WARMUP_SECONDS = envInt('BENCH_INGEST_WARMUP_SECONDS', 2)
export const ROUNDS = envInt('BENCH_INGEST_ROUNDS', 1)
const EXTRA_BODY_SIZES = envInts('BENCH_INGEST_BODY_SIZES', [16_384, 262_144]).filter((n) => n > 0)
const STORE_EVENTS = envInts('BENCH_INGEST_STORE_EVENTS', [1_000_000])[0] ?? 0
/**
 * `uuid`: each request's delivery id is a random UUID, as GitHub's are, so every stored event lands on a random
 * leaf of the dedupe index; `counter` (default): `bench-N`, which lands next to the previous one.
 */
const UUID_DELIVERY_IDS = process.env.BENCH_INGEST_DELIVERY_IDS === 'uuid'
/** Another build's CLI (e.g. the commit before a change, built elsewhere): benched as `baseline` in every scenario. */
const BASELINE_CLI = process.env.BENCH_INGEST_BASELINE_CLI || undefined

// Targets of issues 3 and 15.
const BARE_SHARE_TARGET = 0.8
const EXPRESS_RATIO_TARGET = 2
const P99_RATIO_TARGET = 2
const CPU_RATIO_TARGET = 1.5
const RSS_TARGET_MB = 200
const GROWN_STORE_SHARE_TARGET = 0.9
/** "Memory flat": the grown store's gateway may peak at most this much above the fresh one's. */
const GROWN_STORE_RSS_SLACK_MB = 20

/** The CLI every section benches: this checkout's build, or BENCH_HOOKGATE_CLI (another build's dist/cli/main.js). */
const CLI =
  process.env.BENCH_HOOKGATE_CLI ||
  fileURLToPath(new URL('../packages/hookgate/dist/cli/main.js', import.meta.url))
const RECEIVER = fileURLToPath(new URL('./ingest-receiver.mjs', import.meta.url))
export const SECRET = 'bench-github-webhook-secret-0123456789abcdef'
export const SOURCE = 'gh'
export const BODY_SIZE = 1024

/** A GitHub-like `push` payload padded to exactly `size` bytes. */
function jsonBody(size) {
  const payload = {
    ref: 'refs/heads/main',
    before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    after: '59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5',
    repository: { id: 1296269, full_name: 'octocat/Hello-World', private: false },
    pusher: { name: 'octocat', email: 'octocat@github.com' },
    head_commit: {
      id: '59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5',
      message: 'Update README.md',
      timestamp: '2025-11-21T10:00:00Z',
    },
    padding: '',
  }
  const empty = Buffer.byteLength(JSON.stringify(payload))
  payload.padding = 'x'.repeat(size - empty)
  const body = Buffer.from(JSON.stringify(payload))
  if (body.length !== size) throw new Error(`bench: body is ${body.length} bytes, not ${size}`)
  return body
}

const github = providers.github({ secrets: [SECRET] })

/** A body of `size` bytes and its headers, signed once; only the (unsigned) delivery id varies per request. */
export function signedPayload(size) {
  const body = jsonBody(size)
  return {
    size,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/bench',
      'x-github-event': 'push',
      ...signWebhook(github, { body }),
    },
  }
}

const defaultPayload = signedPayload(BODY_SIZE)
const { body, headers } = defaultPayload

// ---------------------------------------------------------------------------------------------------------
// Child processes

const children = new Set()
/** Last resort if the bench dies half-way: no server may outlive it. */
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

export function track(child) {
  children.add(child)
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  )
  void exited.then(() => children.delete(child))
  return exited
}

export async function stop(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return exited
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const result = await exited
  clearTimeout(timer)
  return result
}

/**
 * `hookgate serve` on a fresh SQLite file (or the given `storage` config), with one GitHub source `SOURCE`; its JSON
 * log lines go to a file, as a service's would. `name` prefixes the files (several gateways in one dir); `extra`
 * adds config keys (e.g. `destinations`).
 */
export async function startHookgate(
  dir,
  storage,
  { name = 'hookgate', extra = {}, cli = CLI } = {},
) {
  const dbPath = join(dir, `${name}.db`)
  const configPath = join(dir, `${name}.json`)
  const logPath = join(dir, `${name}.log`)
  writeFileSync(
    configPath,
    JSON.stringify({
      // All load comes from 127.0.0.1: lift the per-client connection cap (256) above BENCH_INGEST_CONNECTIONS.
      server: { host: '127.0.0.1', port: 0, maxConnectionsPerClient: 4096 },
      storage: storage ?? { sqlite: dbPath },
      sources: [{ id: SOURCE, provider: 'github', secrets: [SECRET] }],
      ...extra,
    }),
  )
  const log = openSync(logPath, 'a')
  const child = spawn(process.execPath, [cli, 'serve', '--config', configPath], {
    stdio: ['ignore', log, 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  })
  closeSync(log)
  const exited = track(child)
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
  const deadline = Date.now() + 20_000
  for (;;) {
    const line = readFileSync(logPath, 'utf8')
      .split('\n')
      .find((text) => text.includes('"hookgate listening"'))
    if (line !== undefined) return { child, exited, url: JSON.parse(line).url, dbPath, logPath }
    if (child.exitCode !== null)
      throw new Error(`bench: hookgate serve exited (${child.exitCode}): ${stderr}`)
    if (Date.now() > deadline)
      throw new Error(`bench: hookgate serve did not report its address within 20 s: ${stderr}`)
    await delay(50)
  }
}

/** One of the hand-written receivers (`extraArgs` replace the SQLite file); it prints its port on its first line. */
export async function startReceiver(mode, dir, extraArgs) {
  const args = [
    RECEIVER,
    mode,
    SECRET,
    ...(extraArgs ?? (mode === 'sqlite' ? [join(dir, 'per-request.db')] : [])),
  ]
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  })
  const exited = track(child)
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
  const lines = createInterface({ input: child.stdout })
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`bench: receiver ${mode} did not start within 20 s: ${stderr}`)),
      20_000,
    )
    lines.once('line', (line) => {
      clearTimeout(timer)
      resolve(JSON.parse(line).port)
    })
    void exited.then((code) =>
      reject(new Error(`bench: receiver ${mode} exited (${code}): ${stderr}`)),
    )
  })
  return { child, exited, url: `http://127.0.0.1:${port}` }
}

/** Peak resident set size of a process in MB (10^6 bytes; Linux: VmHWM, in KiB), or undefined where /proc is missing. */
export function peakRssMb(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? undefined : (Number(match[1]) * 1024) / 1e6
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------------------
// Load

let deliveries = 0

/** Refuses to bench a server that does not verify: a signed request → 200, a tampered one → 401. */
export async function probe(server) {
  const target = `${server.url}/webhooks/${SOURCE}`
  const signed = await fetch(target, {
    method: 'POST',
    headers: { ...headers, 'x-github-delivery': `probe-${deliveries++}` },
    body,
  })
  const tampered = Buffer.from(body)
  tampered[tampered.length - 3] ^= 1
  const forged = await fetch(target, {
    method: 'POST',
    headers: { ...headers, 'x-github-delivery': `probe-${deliveries++}` },
    body: tampered,
  })
  if (signed.status !== 200 || forged.status !== 401) {
    throw new Error(
      `bench: ${server.id} answered ${signed.status} to a signed request and ${forged.status} to a tampered one (expected 200, 401)`,
    )
  }
  await signed.arrayBuffer()
  await forged.arrayBuffer()
}

/** CPU time (user + system) a process has used so far, in ms (Linux: /proc/<pid>/stat), or undefined. */
const CLOCK_TICKS_PER_SECOND = 100
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

/**
 * One autocannon run; every request gets a fresh delivery id. Also the server's CPU µs per request over the
 * run (undefined without /proc). Options: `connections` (CONNECTIONS), `payload` (1 KiB).
 */
export async function load(
  server,
  seconds,
  { connections = CONNECTIONS, payload = defaultPayload } = {},
) {
  const cpuBefore = cpuMs(server.child.pid)
  const result = await autocannon({
    url: `${server.url}/webhooks/${SOURCE}`,
    connections,
    duration: seconds,
    method: 'POST',
    headers: payload.headers,
    body: payload.body,
    requests: [
      {
        setupRequest(request) {
          request.headers['x-github-delivery'] = UUID_DELIVERY_IDS
            ? randomUUID()
            : `bench-${deliveries++}`
          return request
        },
      },
    ],
  })
  server.acknowledged += result['2xx']
  const failures = result.non2xx + result.errors + result.timeouts
  if (failures > 0) {
    throw new Error(
      `bench: ${server.id}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`,
    )
  }
  const cpuAfter = cpuMs(server.child.pid)
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    cpuUsPerRequest:
      cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
        ? undefined
        : ((cpuAfter - cpuBefore) * 1000) / result.requests.total,
  }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function table(header, lines) {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...lines.map((line) => line[i].length)),
  )
  const format = (cells) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join(' | ')
  return [
    format(header),
    widths.map((width) => '-'.repeat(width)).join('-|-'),
    ...lines.map(format),
  ].join('\n')
}

export const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

/**
 * Bulk-inserts `count` events of source SOURCE into a migrated gateway database (one INSERT … SELECT from a
 * recursive counter: seconds per million rows), as the gateway would have stored them: random 32-hex dedupe keys
 * (GitHub delivery ids are UUIDs), 1 KiB bodies, the redacted headers of the bench's requests.
 */
export async function seedEvents(path, count, createStorage = createSqliteStorage) {
  const storage = createStorage({ path })
  await storage.migrate()
  await storage.close()
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  const headersJson = JSON.stringify({
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/bench',
    'x-github-event': 'push',
    'x-hub-signature-256': '[redacted]',
    'x-github-delivery': 'seed',
    host: '127.0.0.1',
    'content-length': '1024',
  })
  const start = Date.now() - count
  db.prepare(
    `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < @count)
INSERT INTO events (id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body)
SELECT printf('evt_0seed%021d', x), @source, 'github', lower(hex(randomblob(16))), NULL, 'push', @start + x,
       @headers, zeroblob(1024)
FROM n`,
  ).run({ count, source: SOURCE, start, headers: headersJson })
  // provider_event_id = dedupe_key, as the gateway stores a GitHub delivery id.
  db.exec('UPDATE events SET provider_event_id = dedupe_key')
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
}

/** The servers a scenario compares. */
function serverSpecs(dir, { withPeers, grownStore }) {
  const specs = [
    {
      id: 'hookgate',
      label: 'hookgate serve (verify, dedupe, group commit, fsync)',
      start: (tag) => startHookgate(dir, undefined, { name: `hookgate-${tag}` }),
    },
    {
      id: 'bare',
      label: 'node:http + HMAC, verify only (ceiling)',
      start: () => startReceiver('bare', dir),
    },
  ]
  if (grownStore === 0) {
    specs.push({
      id: 'floor',
      label: 'durable floor: node:http + HMAC + group commit of a minimal dedupe table',
      start: (tag) => startReceiver('floor', dir, [join(dir, `floor-${tag}.db`)]),
    })
  }
  if (BASELINE_CLI !== undefined) {
    specs.push({
      id: 'baseline',
      label: 'hookgate serve, baseline build',
      start: (tag) => startHookgate(dir, undefined, { name: `baseline-${tag}`, cli: BASELINE_CLI }),
    })
  }
  if (withPeers) {
    specs.push(
      {
        id: 'express',
        label: 'Express 5: express.raw() + HMAC',
        start: () => startReceiver('express', dir),
      },
      {
        id: 'sqlite',
        label: 'node:http + HMAC + SQLite commit per request (FULL)',
        start: (tag) => startReceiver('sqlite', dir, [join(dir, `per-request-${tag}.db`)]),
      },
    )
  }
  const grown = (id, label, cli) => ({
    id,
    label: `${label}, ${integer.format(grownStore)} events already stored`,
    seeded: grownStore,
    start: async (tag) => {
      const name = `${id}-${tag}`
      const started = performance.now()
      // Seeded through the build's own storage, so that its migrations are the ones applied.
      const { createSqliteStorage: create } = await import(
        new URL('../index.js', pathToFileURL(cli)).href
      )
      await seedEvents(join(dir, `${name}.db`), grownStore, create)
      process.stderr.write(
        `  seeded ${integer.format(grownStore)} events in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      )
      return startHookgate(dir, undefined, { name, cli })
    },
  })
  if (grownStore > 0) {
    specs.push(grown('grown', 'hookgate serve', CLI))
    if (BASELINE_CLI !== undefined)
      specs.push(grown('baselineGrown', 'hookgate serve, baseline build', BASELINE_CLI))
  }
  return specs
}

/** Runs one scenario: its servers take turns for ROUNDS rounds; medians per server. */
async function runScenario(dir, scenario) {
  const servers = serverSpecs(dir, scenario).map((spec) => ({ ...spec }))
  const options = { connections: scenario.connections, payload: scenario.payload }
  try {
    for (const server of servers) {
      Object.assign(server, await server.start(scenario.tag), { acknowledged: 0, samples: [] })
      await probe(server)
      server.acknowledged += 1
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length])
      for (const server of order) {
        await load(server, WARMUP_SECONDS, options)
        const sample = await load(server, SECONDS, options)
        server.samples.push(sample)
        process.stderr.write(
          `  ${scenario.tag} round ${round + 1} ${server.id}: ${integer.format(sample.rps)} req/s, p50 ${sample.p50} ms, ` +
            `p99 ${sample.p99} ms, ${sample.cpuUsPerRequest?.toFixed(1) ?? 'n/a'} µs CPU/req\n`,
        )
      }
    }
    for (const server of servers) server.peakRssMb = peakRssMb(server.child.pid)

    // Each gateway's own account: every 2xx it answered is stored (delivery ids were unique). It may hold up to
    // `connections` more per run: requests autocannon had in flight when a run's time was up were committed and
    // answered, but no longer counted.
    for (const gateway of servers.filter((s) => s.dbPath !== undefined)) {
      const code = await stop(gateway.child, gateway.exited)
      const db = new Database(gateway.dbPath, { readonly: true, fileMustExist: true })
      const stored = db.prepare('SELECT count(*) AS n FROM events').get().n - (gateway.seeded ?? 0)
      db.close()
      const maxUncounted = scenario.connections * ROUNDS * 2
      if (stored < gateway.acknowledged || stored > gateway.acknowledged + maxUncounted)
        throw new Error(
          `bench: ${gateway.id} stored ${stored} events but answered ${gateway.acknowledged} with 2xx`,
        )
      const logLines = readFileSync(gateway.logPath, 'utf8').split('\n').filter(Boolean).length
      gateway.account = `${integer.format(stored)} events stored for ${integer.format(gateway.acknowledged)} 2xx answers (all there), ${integer.format(logLines)} log lines, exit ${code} after SIGTERM`
    }
    return Object.fromEntries(
      servers.map((s) => [
        s.id,
        {
          label: s.label,
          account: s.account,
          peakRssMb: s.peakRssMb,
          rps: median(s.samples.map((x) => x.rps)),
          p50: median(s.samples.map((x) => x.p50)),
          p99: median(s.samples.map((x) => x.p99)),
          cpuUs: s.samples.every((x) => x.cpuUsPerRequest !== undefined)
            ? median(s.samples.map((x) => x.cpuUsPerRequest))
            : undefined,
        },
      ]),
    )
  } finally {
    await Promise.all(
      servers.filter((s) => s.child !== undefined).map((s) => stop(s.child, s.exited)),
    )
  }
}

function kib(size) {
  return `${size / 1024} KiB`
}

/** One scenario's table: every server against the bare receiver of the same run. */
function report(title, stats) {
  const bare = stats.bare
  console.log(`\n${title}`)
  console.log(
    table(
      [
        'receiver',
        'req/s',
        '× bare',
        'p50 ms',
        'p99 ms',
        'CPU µs/req',
        '× bare CPU',
        'peak RSS MB',
      ],
      Object.values(stats).map((s) => [
        s.label,
        integer.format(s.rps),
        (s.rps / bare.rps).toFixed(2),
        String(s.p50),
        String(s.p99),
        s.cpuUs === undefined ? 'n/a' : s.cpuUs.toFixed(1),
        s.cpuUs === undefined || bare.cpuUs === undefined
          ? 'n/a'
          : (s.cpuUs / bare.cpuUs).toFixed(2),
        s.peakRssMb === undefined ? 'n/a' : s.peakRssMb.toFixed(0),
      ]),
    ),
  )
  const { hookgate, floor } = stats
  if (hookgate !== undefined && floor !== undefined)
    console.log(
      `hookgate against the durable floor: ${(hookgate.rps / floor.rps).toFixed(2)}× its req/s` +
        (hookgate.cpuUs === undefined || floor.cpuUs === undefined
          ? ''
          : `, ${(hookgate.cpuUs / floor.cpuUs).toFixed(2)}× its CPU per request`),
    )
  for (const s of Object.values(stats))
    if (s.account !== undefined) console.log(`${s.label}: ${s.account}`)
}

/** Issue 15's ingest targets for one scenario's gateway (`id`) against its bare receiver. */
function ingestTargets(tag, stats, id = 'hookgate') {
  const hg = stats[id]
  const bare = stats.bare
  const targets = [
    {
      name: `${tag}: hookgate ≥ ${BARE_SHARE_TARGET}× bare req/s`,
      pass: hg.rps >= BARE_SHARE_TARGET * bare.rps,
      value: `${(hg.rps / bare.rps).toFixed(2)}× (${integer.format(hg.rps)} vs ${integer.format(bare.rps)})`,
    },
    {
      name: `${tag}: hookgate p99 ≤ ${P99_RATIO_TARGET}× bare p99`,
      pass: hg.p99 <= P99_RATIO_TARGET * bare.p99,
      value: `${(hg.p99 / bare.p99).toFixed(2)}× (${hg.p99} vs ${bare.p99} ms)`,
    },
  ]
  if (hg.cpuUs !== undefined && bare.cpuUs !== undefined)
    targets.push({
      name: `${tag}: hookgate CPU/request ≤ ${CPU_RATIO_TARGET}× bare`,
      pass: hg.cpuUs <= CPU_RATIO_TARGET * bare.cpuUs,
      value: `${(hg.cpuUs / bare.cpuUs).toFixed(2)}× (${hg.cpuUs.toFixed(1)} vs ${bare.cpuUs.toFixed(1)} µs)`,
    })
  return targets
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-bench-ingest-'))
  const scenarios = [
    ...CONNECTION_COUNTS.map((connections, i) => ({
      tag: `1KiB-c${connections}`,
      title: `1 KiB bodies, ${connections} connections`,
      connections,
      payload: defaultPayload,
      withPeers: i === 0,
      grownStore: 0,
    })),
    ...EXTRA_BODY_SIZES.map((size) => ({
      tag: `${size / 1024}KiB-c${CONNECTIONS}`,
      title: `${kib(size)} bodies, ${CONNECTIONS} connections`,
      connections: CONNECTIONS,
      payload: signedPayload(size),
      withPeers: false,
      grownStore: 0,
    })),
    ...(STORE_EVENTS > 0
      ? [
          {
            tag: `grown-c${CONNECTIONS}`,
            title: `1 KiB bodies, ${CONNECTIONS} connections: a fresh store vs ${integer.format(STORE_EVENTS)} events stored`,
            connections: CONNECTIONS,
            payload: defaultPayload,
            withPeers: false,
            grownStore: STORE_EVENTS,
          },
        ]
      : []),
  ]
  console.log(
    `${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured per server and round, ${ROUNDS} round(s) (servers take turns); ` +
      `bodies signed once, unique X-GitHub-Delivery per request (${UUID_DELIVERY_IDS ? 'random UUIDs' : 'a counter'}); CPU = utime + stime of the server process over ` +
      `requests served; load average ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
  )
  const targets = []
  try {
    for (const scenario of scenarios) {
      const stats = await runScenario(dir, scenario)
      report(scenario.title, stats)
      targets.push(...ingestTargets(scenario.tag, stats))
      if (scenario.withPeers) {
        const rss = stats.hookgate.peakRssMb
        targets.push(
          {
            name: `${scenario.tag}: hookgate ≥ ${EXPRESS_RATIO_TARGET}× Express req/s`,
            pass: stats.hookgate.rps >= EXPRESS_RATIO_TARGET * stats.express.rps,
            value: `${(stats.hookgate.rps / stats.express.rps).toFixed(2)}×`,
          },
          {
            name: `${scenario.tag}: hookgate peak RSS < ${RSS_TARGET_MB} MB`,
            pass: rss !== undefined && rss < RSS_TARGET_MB,
            value: rss === undefined ? 'n/a' : `${rss.toFixed(0)} MB`,
          },
        )
      }
      if (scenario.grownStore > 0) {
        const grown = stats.grown
        const fresh = stats.hookgate
        targets.push({
          name: `${scenario.tag}: ${integer.format(scenario.grownStore)} events stored ≥ ${GROWN_STORE_SHARE_TARGET}× a fresh store's req/s`,
          pass: grown.rps >= GROWN_STORE_SHARE_TARGET * fresh.rps,
          value: `${(grown.rps / fresh.rps).toFixed(2)}× (${integer.format(grown.rps)} vs ${integer.format(fresh.rps)})`,
        })
        if (grown.peakRssMb !== undefined && fresh.peakRssMb !== undefined)
          targets.push({
            name: `${scenario.tag}: memory flat (peak RSS ≤ fresh store's + ${GROWN_STORE_RSS_SLACK_MB} MB)`,
            pass: grown.peakRssMb <= fresh.peakRssMb + GROWN_STORE_RSS_SLACK_MB,
            value: `${grown.peakRssMb.toFixed(0)} vs ${fresh.peakRssMb.toFixed(0)} MB`,
          })
      }
    }
    console.log(
      `\nload average after: ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}\n`,
    )
    for (const target of targets)
      console.log(`${target.pass ? 'PASS' : 'MISS'}  ${target.name}: ${target.value}`)
    return { targets }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
