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
 * - a `node:http` receiver that inserts each request into SQLite (WAL, synchronous=FULL) with its own commit.
 *
 * Every server is its own child process (`bench/ingest-receiver.mjs` for the hand-written ones) on 127.0.0.1;
 * the load generator is autocannon (programmatic API) in this process. Each server gets the same connections,
 * a warm-up, then a measured run; with BENCH_INGEST_ROUNDS > 1 the servers take turns (order rotating) and
 * the median is reported. Before loading, each server must answer 200 to a signed request and 401 to a
 * tampered one; after the run, the gateway's database must hold one event per 2xx it answered.
 *
 * Knobs (environment): BENCH_INGEST_CONNECTIONS (50), BENCH_INGEST_SECONDS (10), BENCH_INGEST_WARMUP_SECONDS (2),
 * BENCH_INGEST_ROUNDS (1).
 *
 * The harness (servers, load, report helpers) is exported for `bench/postgres.mjs`, which runs the same load.
 */
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { createInterface } from 'node:readline'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { providers, signWebhook } from '@hookgate/verify'

export const title =
  'ingest over loopback: hookgate serve (durable: fsync before 2xx) vs hand-written receivers (req/s, p50/p99, peak RSS)'

function envInt(name, fallback) {
  const value = Number(process.env[name])
  return Number.isInteger(value) && value > 0 ? value : fallback
}

export const CONNECTIONS = envInt('BENCH_INGEST_CONNECTIONS', 50)
export const SECONDS = envInt('BENCH_INGEST_SECONDS', 10)
export const WARMUP_SECONDS = envInt('BENCH_INGEST_WARMUP_SECONDS', 2)
export const ROUNDS = envInt('BENCH_INGEST_ROUNDS', 1)

// Targets of issue 3.
const BARE_SHARE_TARGET = 0.8
const EXPRESS_RATIO_TARGET = 2
const P99_RATIO_TARGET = 2
const RSS_TARGET_MB = 200

const CLI = fileURLToPath(new URL('../packages/hookgate/dist/cli/main.js', import.meta.url))
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

const body = jsonBody(BODY_SIZE)
const github = providers.github({ secrets: [SECRET] })
/** Signed once; only the (unsigned) delivery id varies per request. */
const headers = {
  'content-type': 'application/json',
  'user-agent': 'GitHub-Hookshot/bench',
  'x-github-event': 'push',
  ...signWebhook(github, { body }),
}

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
export async function startHookgate(dir, storage, { name = 'hookgate', extra = {} } = {}) {
  const dbPath = join(dir, `${name}.db`)
  const configPath = join(dir, `${name}.json`)
  const logPath = join(dir, `${name}.log`)
  writeFileSync(
    configPath,
    JSON.stringify({
      server: { host: '127.0.0.1', port: 0 },
      storage: storage ?? { sqlite: dbPath },
      sources: [{ id: SOURCE, provider: 'github', secrets: [SECRET] }],
      ...extra,
    }),
  )
  const log = openSync(logPath, 'a')
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath], {
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

/** One autocannon run; every request gets a fresh delivery id. */
export async function load(server, seconds) {
  const result = await autocannon({
    url: `${server.url}/webhooks/${SOURCE}`,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers,
    body,
    requests: [
      {
        setupRequest(request) {
          request.headers['x-github-delivery'] = `bench-${deliveries++}`
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
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
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

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-bench-ingest-'))
  const servers = [
    {
      id: 'hookgate',
      label: 'hookgate serve (verify, dedupe, group commit, fsync)',
      start: () => startHookgate(dir),
    },
    {
      id: 'bare',
      label: 'node:http + HMAC, verify only (ceiling)',
      start: () => startReceiver('bare', dir),
    },
    {
      id: 'express',
      label: 'Express 5: express.raw() + HMAC',
      start: () => startReceiver('express', dir),
    },
    {
      id: 'sqlite',
      label: 'node:http + HMAC + SQLite commit per request (FULL)',
      start: () => startReceiver('sqlite', dir),
    },
  ]
  const loadBefore = loadavg()
  console.log(
    `${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured per server, ${ROUNDS} round(s); ` +
      `${BODY_SIZE} B body signed once, unique X-GitHub-Delivery per request; load average ${loadBefore.map((v) => v.toFixed(2)).join(' ')}`,
  )
  try {
    for (const server of servers) {
      Object.assign(server, await server.start(), { acknowledged: 0, samples: [] })
      await probe(server)
      server.acknowledged += 1
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length])
      for (const server of order) {
        await load(server, WARMUP_SECONDS)
        const sample = await load(server, SECONDS)
        server.samples.push(sample)
        process.stderr.write(
          `  round ${round + 1} ${server.id}: ${integer.format(sample.rps)} req/s, p50 ${sample.p50} ms, p99 ${sample.p99} ms\n`,
        )
      }
    }
    for (const server of servers) server.peakRssMb = peakRssMb(server.child.pid)

    // The gateway's own account: every 2xx it answered is stored (delivery ids were unique). It may hold up to
    // `connections` more per run: requests autocannon had in flight when a run's time was up were committed
    // and answered, but no longer counted.
    const gateway = servers[0]
    const code = await stop(gateway.child, gateway.exited)
    const db = new Database(gateway.dbPath, { readonly: true, fileMustExist: true })
    const stored = db.prepare('SELECT count(*) AS n FROM events').get().n
    db.close()
    const logLines = readFileSync(gateway.logPath, 'utf8').split('\n').filter(Boolean).length
    const maxUncounted = CONNECTIONS * ROUNDS * 2
    const accountOk =
      stored >= gateway.acknowledged && stored <= gateway.acknowledged + maxUncounted

    const stats = Object.fromEntries(
      servers.map((s) => [
        s.id,
        {
          rps: median(s.samples.map((x) => x.rps)),
          p50: median(s.samples.map((x) => x.p50)),
          p99: median(s.samples.map((x) => x.p99)),
        },
      ]),
    )
    const bare = stats.bare
    console.log(
      table(
        ['receiver', 'req/s', '% of bare', 'p50 ms', 'p99 ms', 'peak RSS MB'],
        servers.map((s) => [
          s.label,
          integer.format(stats[s.id].rps),
          `${((stats[s.id].rps / bare.rps) * 100).toFixed(0)}%`,
          String(stats[s.id].p50),
          String(stats[s.id].p99),
          s.peakRssMb === undefined ? 'n/a' : s.peakRssMb.toFixed(0),
        ]),
      ),
    )
    console.log(
      `\nhookgate: ${integer.format(stored)} events stored for ${integer.format(gateway.acknowledged)} 2xx answers ` +
        `(${accountOk ? 'all there' : 'MISMATCH'}), ${integer.format(logLines)} log lines, exit ${code} after SIGTERM; ` +
        `load average after: ${loadavg()
          .map((v) => v.toFixed(2))
          .join(' ')}`,
    )
    if (!accountOk)
      throw new Error(
        `bench: hookgate stored ${stored} events but answered ${gateway.acknowledged} with 2xx`,
      )

    const hg = stats.hookgate
    const rss = servers[0].peakRssMb
    const targets = [
      {
        name: `hookgate ≥ ${BARE_SHARE_TARGET * 100}% of bare req/s`,
        pass: hg.rps >= BARE_SHARE_TARGET * bare.rps,
        value: `${((hg.rps / bare.rps) * 100).toFixed(0)}%`,
      },
      {
        name: `hookgate ≥ ${EXPRESS_RATIO_TARGET}× Express req/s`,
        pass: hg.rps >= EXPRESS_RATIO_TARGET * stats.express.rps,
        value: `${(hg.rps / stats.express.rps).toFixed(2)}×`,
      },
      {
        name: `hookgate p99 ≤ ${P99_RATIO_TARGET}× bare p99`,
        pass: hg.p99 <= P99_RATIO_TARGET * bare.p99,
        value: `${(hg.p99 / bare.p99).toFixed(2)}× (${hg.p99} vs ${bare.p99} ms)`,
      },
      {
        name: `hookgate peak RSS < ${RSS_TARGET_MB} MB`,
        pass: rss !== undefined && rss < RSS_TARGET_MB,
        value: rss === undefined ? 'n/a' : `${rss.toFixed(0)} MB`,
      },
    ]
    console.log('')
    for (const target of targets)
      console.log(`${target.pass ? 'PASS' : 'MISS'}  ${target.name}: ${target.value}`)
    return { targets }
  } finally {
    await Promise.all(
      servers.filter((s) => s.child !== undefined).map((s) => stop(s.child, s.exited)),
    )
    rmSync(dir, { recursive: true, force: true })
  }
}
