/**
 * Retention soak (issue 14; part of `npm run soak`, also `node bench/retention.mjs` after `npm run build`; not a
 * test). Runs the BUILT `hookgate serve` on 127.0.0.1 only, bounded in time and count:
 *
 * - curve: 1,000,000 × SOAK_SCALE signed webhooks through the gateway at a steady rate, spread over at least
 *   150 s (600 s × SOAK_SCALE), with `retention.events: 1m` (the shortest allowed) pruned every second by the
 *   serve loop; the database file (+ WAL) size and the gateway's RSS sampled every second and printed as a curve.
 *   Flat after warm-up = the last third's maximum within 1.5× of the middle third's maximum, for both.
 * - large prune: a backlog of 400,000 × SOAK_SCALE events (at least 20,000), then ingest at 200/s (open loop)
 *   alone, then at the same rate while a large prune deletes the backlog: ingest p99 without and with it, and their
 *   ratio (issue: within 1.5×). Twice: the serve loop's own pass (the backlog aged past `retention.events: 1m`),
 *   and `hookgate prune` (the cron path) from another process on the same file, keeping the newest 1,000.
 *
 * SOAK_SCALE (default 1) scales the counts: SOAK_SCALE=0.05 finishes in about 5 minutes. SOAK_RETENTION_PARTS
 * (default serve,cli,curve) runs only some of the parts.
 */
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { pathToFileURL } from 'node:url'
import { providers, signWebhook } from '@hookgate/verify'
import { CLI, exchange, launchGateway, percentile, printTable } from './lib/gateway-process.mjs'

const SECRET = 'retention-soak-github-secret-0123456789'
const github = providers.github({ secrets: [SECRET] })
const BODY_PAD = 'x'.repeat(900)

function scaleOf() {
  const scale = Number(process.env.SOAK_SCALE ?? 1)
  if (!(scale > 0 && scale <= 10)) throw new Error('SOAK_SCALE must be a number in (0, 10]')
  return scale
}

let sequence = 0
/** One signed GitHub push of about 1 KiB with delivery id `n` (a retry with the same `n` is a duplicate, stored once). */
function webhook(url, agent, n) {
  const body = Buffer.from(JSON.stringify({ n, ref: 'refs/heads/main', pad: BODY_PAD }))
  return exchange(url, {
    path: '/webhooks/gh',
    agent,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': `soak-${process.pid}-${n}`,
      ...signWebhook(github, { body }),
    },
    body,
  })
}

/**
 * Sends webhook `n`; a request cut before any answer (status 0: a keep-alive socket the server closed just as it was
 * reused) is retried once, as a sender would — the same delivery id, so it is stored once.
 */
async function send(url, agent, counts) {
  const n = ++sequence
  const first = await webhook(url, agent, n)
  if (first.status !== 0) return first
  counts.retried = (counts.retried ?? 0) + 1
  const again = await webhook(url, agent, n)
  return { ...again, ms: first.ms + again.ms }
}

function config(dir, retention) {
  return {
    server: { host: '127.0.0.1', port: 0 },
    storage: { sqlite: join(dir, 'hookgate.db') },
    log: { level: 'info' },
    sources: [{ id: 'gh', provider: 'github', secrets: [SECRET] }],
    ...(retention === undefined ? {} : { retention }),
  }
}

function fileBytes(dbPath) {
  let total = 0
  for (const path of [dbPath, `${dbPath}-wal`]) {
    try {
      total += statSync(path).size
    } catch {
      // Not there (yet).
    }
  }
  return total
}

/**
 * Sends at `perSecond` (paced, at most `inFlight` outstanding) until `total` are sent or `until()` says stop;
 * keeps only counters and, when `latencies` is given, the latencies. Resolves when every answer is in.
 */
async function paced(
  url,
  {
    perSecond,
    total = Infinity,
    inFlight = 64,
    latencies,
    until,
    counts = { sent: 0, ok: 0, failed: 0 },
  },
) {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight })
  const started = performance.now()
  const outstanding = new Set()
  for (let i = 0; i < total && !(until?.() ?? false); i++) {
    const wait = started + (i * 1000) / perSecond - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    while (outstanding.size >= inFlight) await Promise.race(outstanding)
    counts.sent++
    const p = send(url, agent, counts).then((answer) => {
      outstanding.delete(p)
      if (answer.status === 200) counts.ok++
      else {
        counts.failed++
        counts.statuses = {
          ...counts.statuses,
          [answer.status]: (counts.statuses?.[answer.status] ?? 0) + 1,
        }
      }
      latencies?.push(answer.ms)
    })
    outstanding.add(p)
  }
  await Promise.all(outstanding)
  agent.destroy()
  return counts
}

const mib = (bytes) => (bytes / 1_048_576).toFixed(1)

/** Ingest under a short retention, sampling the file size and RSS: both flat after warm-up. */
async function curve(scale) {
  const total = Math.round(1_000_000 * scale)
  const seconds = Math.max(150, 600 * scale)
  const perSecond = Math.ceil(total / seconds)
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-retention-'))
  const dbPath = join(dir, 'hookgate.db')
  const gateway = await launchGateway(dir, config(dir, { events: '1m', interval: '1s' }))
  const samples = []
  const started = performance.now()
  const counts = { sent: 0, ok: 0, failed: 0 }
  const sampler = setInterval(() => {
    samples.push({
      t: (performance.now() - started) / 1000,
      bytes: fileBytes(dbPath),
      rss: gateway.rssMiB() ?? 0,
      sent: counts.sent,
    })
  }, 1_000)
  try {
    await paced(gateway.url, { perSecond, total, counts })
  } finally {
    clearInterval(sampler)
    await gateway.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  const third = Math.floor(samples.length / 3)
  const maxOf = (list, key) => Math.max(...list.map((s) => s[key]))
  const middle = samples.slice(third, 2 * third)
  const last = samples.slice(2 * third)
  const flat = (key) => maxOf(last, key) <= 1.5 * maxOf(middle, key)
  const step = Math.max(1, Math.floor(samples.length / 20))
  console.log(
    `\nretention curve: ${counts.ok}/${total} webhooks at ${perSecond}/s, retention.events 1m, pruned every 1 s`,
  )
  printTable(
    ['t (s)', 'sent', 'db+wal MiB', 'RSS MiB'],
    samples
      .filter((_, i) => i % step === 0 || i === samples.length - 1)
      .map((s) => [s.t.toFixed(0), s.sent, mib(s.bytes), s.rss.toFixed(0)]),
  )
  return {
    pass: counts.failed === 0 && flat('bytes') && flat('rss'),
    count: counts.ok,
    details:
      `db+wal max: middle third ${mib(maxOf(middle, 'bytes'))} MiB, last third ${mib(maxOf(last, 'bytes'))} MiB; ` +
      `RSS max: middle ${maxOf(middle, 'rss').toFixed(0)} MiB, last ${maxOf(last, 'rss').toFixed(0)} MiB; non-200 ${counts.failed}${counts.failed > 0 ? ` (${JSON.stringify(counts.statuses)})` : ''}, retried after a cut ${counts.retried ?? 0}`,
  }
}

/** `hookgate prune` with a config keeping the newest 1,000 events; resolves with its exit code and output. */
function pruneProcess(dir) {
  const configPath = join(dir, 'prune.json')
  writeFileSync(configPath, JSON.stringify(config(dir, { maxEvents: 1_000 })))
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  const child = spawn(process.execPath, [CLI, 'prune', '--config', configPath], { env })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), 600_000)
  return {
    exited: new Promise((resolve) =>
      child.once('exit', (code) => {
        clearTimeout(timer)
        resolve({ code, output: output.trim() })
      }),
    ),
  }
}

/** Waits (bounded) until the gateway logged a line holding `text`; resolves with it, or undefined at the bound. */
async function logged(gateway, text, boundMs) {
  const deadline = performance.now() + boundMs
  for (;;) {
    const line = gateway.logLines.find((l) => l.includes(text))
    if (line !== undefined || performance.now() > deadline) return line
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const RATE = 200

/**
 * The serve loop's large prune: a backlog ingested at full speed, then ingest at a fixed rate (open loop) while
 * nothing expires (quiet), then the same rate while the loop's next pass deletes the whole backlog (it has aged past
 * `retention.events: 1m` by then): ingest p99 in the same process without and with the prune.
 */
async function servePrune(scale) {
  const backlog = Math.max(20_000, Math.round(400_000 * scale))
  const intervalS = Math.max(90, Math.ceil(backlog / 2_000) + 75)
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-retention-'))
  const dbPath = join(dir, 'hookgate.db')
  const gateway = await launchGateway(dir, config(dir, { events: '1m', interval: `${intervalS}s` }))
  const t0 = performance.now()
  try {
    const filled = await paced(gateway.url, { perSecond: 5_000, total: backlog, inFlight: 32 })
    const before = fileBytes(dbPath)
    const quiet = []
    const quietEnd = t0 + (intervalS - 3) * 1000
    const quietCounts = await paced(gateway.url, {
      perSecond: RATE,
      latencies: quiet,
      until: () => performance.now() > quietEnd,
    })
    const busy = []
    let summary
    const pass = logged(gateway, 'retention: pruned expired records', 120_000).then((line) => {
      summary = line === undefined ? undefined : JSON.parse(line)
    })
    let doneAt
    void pass.then(() => (doneAt = performance.now()))
    // From just before the pass until it logged its summary (and a second more).
    const busyCounts = await paced(gateway.url, {
      perSecond: RATE,
      latencies: busy,
      until: () => doneAt !== undefined && performance.now() > doneAt + 1_000,
    })
    const quietP99 = percentile(quiet, 99)
    const busyP99 = percentile(busy, 99)
    const ratio = busyP99 / quietP99
    const failed = quietCounts.failed + busyCounts.failed
    console.log(
      `\nserve-loop prune: backlog ${filled.ok} events (${mib(before)} MiB), ingest at ${RATE}/s: p99 quiet ${quietP99.toFixed(1)} ms (${quiet.length} requests), ` +
        `during the pass ${busyP99.toFixed(1)} ms (${busy.length} requests); ratio ${ratio.toFixed(2)}×; pass: ${summary?.events ?? '?'} events in ${summary?.batches ?? '?'} batches, ${summary?.durationMs ?? '?'} ms`,
    )
    return {
      pass: summary?.events !== undefined && failed === 0 && ratio <= 1.5,
      count: busy.length,
      details: `p99 ${quietP99.toFixed(1)} → ${busyP99.toFixed(1)} ms (${ratio.toFixed(2)}×) while the serve loop pruned ${summary?.events ?? '?'} events in ${summary?.durationMs ?? '?'} ms; db ${mib(before)} → ${mib(fileBytes(dbPath))} MiB; non-200 ${failed}`,
    }
  } finally {
    await gateway.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `hookgate prune` (cron, another process on the same file) while serve ingests: ingest p99 alone and during it. */
async function cliPrune(scale) {
  const backlog = Math.max(20_000, Math.round(400_000 * scale))
  const quietSeconds = 20
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-retention-'))
  const dbPath = join(dir, 'hookgate.db')
  const gateway = await launchGateway(dir, config(dir))
  try {
    const filled = await paced(gateway.url, { perSecond: 5_000, total: backlog, inFlight: 32 })
    const before = fileBytes(dbPath)
    const quiet = []
    await paced(gateway.url, { perSecond: RATE, total: RATE * quietSeconds, latencies: quiet })
    const busy = []
    const prune = pruneProcess(dir)
    let done = false
    const result = prune.exited.then((r) => {
      done = true
      return r
    })
    const pruneStarted = performance.now()
    await paced(gateway.url, { perSecond: RATE, latencies: busy, until: () => done })
    const { code, output } = await result
    const pruneSeconds = (performance.now() - pruneStarted) / 1000
    const quietP99 = percentile(quiet, 99)
    const busyP99 = percentile(busy, 99)
    const ratio = busyP99 / quietP99
    console.log(
      `\nhookgate prune beside serve: backlog ${filled.ok} events (${mib(before)} MiB), ingest at ${RATE}/s: p99 alone ${quietP99.toFixed(1)} ms (${quiet.length} requests), ` +
        `during hookgate prune ${busyP99.toFixed(1)} ms (${busy.length} requests over ${pruneSeconds.toFixed(1)} s); ratio ${ratio.toFixed(2)}×\n  prune: ${output}`,
    )
    return {
      pass: code === 0 && ratio <= 1.5,
      count: busy.length,
      details: `p99 ${quietP99.toFixed(1)} → ${busyP99.toFixed(1)} ms (${ratio.toFixed(2)}×) while hookgate prune deleted ${filled.ok}+ events in ${pruneSeconds.toFixed(1)} s; db ${mib(before)} → ${mib(fileBytes(dbPath))} MiB`,
    }
  } finally {
    await gateway.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Both parts; returns table rows `[check, count, PASS|FAIL, details, seconds]`. */
export async function retentionSoak(scale = scaleOf()) {
  const rows = []
  const only = process.env.SOAK_RETENTION_PARTS?.split(',').map((name) => name.trim())
  for (const [key, name, part] of [
    ['serve', 'retention: serve-loop large prune vs ingest p99', servePrune],
    ['cli', 'retention: hookgate prune (other process) vs ingest p99', cliPrune],
    ['curve', 'retention: db size and RSS flat (1m retention)', curve],
  ]) {
    if (only !== undefined && !only.includes(key)) continue
    const started = performance.now()
    const r = await part(scale)
    rows.push([
      name,
      r.count,
      r.pass ? 'PASS' : 'FAIL',
      r.details,
      ((performance.now() - started) / 1000).toFixed(0),
    ])
  }
  return rows
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const scale = scaleOf()
  console.log(`hookgate retention soak: SOAK_SCALE=${scale}; loopback only`)
  const rows = await retentionSoak(scale)
  console.log('')
  printTable(['check', 'count', 'result', 'details', 's'], rows, 4)
  process.exit(rows.some((row) => row[2] === 'FAIL') ? 1 : 0)
}
