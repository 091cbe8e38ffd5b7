/**
 * Bench section `dashboard` (issue 13): the admin API's list pages and overview on a large store, on SQLite and
 * on PostgreSQL. Target: every query answers in well under 200 ms of server time (p95 < 200 ms here).
 *
 * Seed (bulk, straight through SQL after the gateway's own migrations; not through ingest, which `ingest` and
 * `postgres` measure): BENCH_DASHBOARD_EVENTS events (default 1,000,000) spread over the last 30 days, 4 sources,
 * 20 event types, each with a provider id; two deliveries per event (dest-a: 1% dead, 0.1% pending, the rest
 * delivered; dest-b: delivered); 10,000 rejections (the default cap) over 4 reasons; 30 days of per-minute
 * traffic counts as the gateway's recorder writes them. PostgreSQL then gets VACUUM ANALYZE (what autovacuum does
 * after a bulk load); SQLite gets no ANALYZE (the gateway never runs one), so its planner works without statistics.
 *
 * Measure: the BUILT gateway (`createGateway`, delivery off) on 127.0.0.1, each admin request timed from the client
 * over loopback (server time + well under 1 ms of loopback), BENCH_DASHBOARD_ROUNDS times (default 30) after 3
 * warm-ups; median and p95 per query per backend.
 *
 * Knobs: BENCH_DASHBOARD_EVENTS (scale the seed down, e.g. 100000 for a quick run), BENCH_DASHBOARD_ROUNDS,
 * BENCH_DASHBOARD_BACKENDS (`sqlite,postgres`), BENCH_POSTGRES_URL (else HOOKGATE_TEST_POSTGRES_URL, else
 * postgres://postgres@127.0.0.1:5432/test; when unreachable the PostgreSQL column says so).
 */
import { Buffer } from 'node:buffer'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import Database from 'better-sqlite3'
import pg from 'pg'
import {
  createGateway,
  createLogger,
  createPostgresStorage,
  createSqliteStorage,
  parseConfig,
} from 'hookgate'
import { integer, table } from './ingest.mjs'

export const title =
  'admin API on a large store: list pages, filters, deep cursors and the overview, SQLite and PostgreSQL (p95 < 200 ms)'

function envInt(name, fallback) {
  const value = Number(process.env[name])
  return Number.isInteger(value) && value > 0 ? value : fallback
}

const EVENTS = envInt('BENCH_DASHBOARD_EVENTS', 1_000_000)
const ROUNDS = envInt('BENCH_DASHBOARD_ROUNDS', 30)
const WARMUPS = 3
const BACKENDS = (process.env.BENCH_DASHBOARD_BACKENDS ?? 'sqlite,postgres').split(',')
const TARGET_MS = 200
const PG_URL =
  process.env.BENCH_POSTGRES_URL ||
  process.env.HOOKGATE_TEST_POSTGRES_URL ||
  'postgres://postgres@127.0.0.1:5432/test'
const TOKEN = 'bench-dashboard-admin-token-0123456789'
const SOURCES = ['src-0', 'src-1', 'src-2', 'src-3']
const DAY = 86_400_000
const MINUTE = 60_000
/** The seed's clock: the newest event is at NOW; the oldest 30 days before. */
const NOW = Math.floor(Date.now() / MINUTE) * MINUTE
const START = NOW - 30 * DAY
const STEP_MS = Math.max(1, Math.floor((30 * DAY) / EVENTS))

const cursorAt = (seq) => Buffer.from(String(seq), 'utf8').toString('base64url')

/** The queries timed, as admin paths. */
function queries() {
  const mid = Math.floor(EVENTS / 2)
  const third = Math.floor(EVENTS / 3)
  const dayAgo10 = new Date(NOW - 10 * DAY).toISOString()
  const dayAgo9 = new Date(NOW - 9 * DAY).toISOString()
  return [
    ['events: first page', '/api/events?limit=50'],
    ['events: source=', '/api/events?source=src-1&limit=50'],
    ['events: type=', '/api/events?type=type-7&limit=50'],
    ['events: status=dead', '/api/events?status=dead&limit=50'],
    ['events: status=pending', '/api/events?status=pending&limit=50'],
    ['events: source+type+status', '/api/events?source=src-3&type=type-7&status=dead&limit=50'],
    ['events: q= provider id', `/api/events?q=pe_${third}`],
    ['events: q= provider id + source', `/api/events?source=src-${third % 4}&q=pe_${third}`],
    ['events: q= hookgate id', `/api/events?q=evt_bench${String(third).padStart(10, '0')}`],
    ['events: from/to (one day)', `/api/events?from=${dayAgo10}&to=${dayAgo9}&limit=50`],
    ['events: deep cursor', `/api/events?limit=50&cursor=${cursorAt(mid)}`],
    ['events: source + deep cursor', `/api/events?source=src-2&limit=50&cursor=${cursorAt(mid)}`],
    ['rejections: first page', '/api/rejections?limit=50'],
    ['rejections: reason=', '/api/rejections?reason=timestamp_too_old&limit=50'],
    ['overview 1h', '/api/overview?window=1h'],
    ['overview 24h', '/api/overview?window=24h'],
    ['overview 7d', '/api/overview?window=7d'],
    ['sources', '/api/sources'],
    ['destinations', '/api/destinations'],
  ]
}

/** The traffic rows the recorder would have written: per minute, per source and destination. */
function trafficRow(minuteIndex) {
  const minute = START + minuteIndex * MINUTE
  const rows = []
  for (const source of SOURCES) {
    rows.push([minute, 'source', source, 'accepted', 8 + (minuteIndex % 5)])
    if (minuteIndex % 10 === 0) rows.push([minute, 'source', source, 'duplicate', 1])
    if (minuteIndex % 30 === 0)
      rows.push([minute, 'source', source, 'rejected:signature_mismatch', 2])
  }
  for (const destination of ['dest-a', 'dest-b']) {
    rows.push([minute, 'destination', destination, 'delivered', 9])
    if (minuteIndex % 20 === 0) rows.push([minute, 'destination', destination, 'retry', 1])
    if (minuteIndex % 100 === 0) rows.push([minute, 'destination', destination, 'dead', 1])
  }
  return rows
}
const MINUTES = 30 * 1440

export async function seedSqlite(path) {
  // The gateway's own schema first.
  const storage = createSqliteStorage({ path })
  await storage.migrate()
  await storage.close()
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  const n = `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${EVENTS})`
  db.transaction(() => {
    db.exec(`${n}
INSERT INTO events (seq, id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body)
SELECT x, printf('evt_bench%010d', x), 'src-' || (x % 4), 'github', 'pe_' || x, 'pe_' || x, 'type-' || (x % 20),
       ${START} + x * ${STEP_MS}, '{"content-type":"application/json","x-github-event":"push"}',
       CAST('{"n":' || x || ',"padding":"' || substr(hex(zeroblob(100)), 1, 200) || '"}' AS BLOB)
FROM n`)
    db.exec(`${n}
INSERT INTO deliveries (id, event_id, destination_id, status, attempts, created_at, next_attempt_at, due_at,
                        last_attempt_at, completed_at, dead_reason)
SELECT printf('dlv_a%010d', x), printf('evt_bench%010d', x), 'dest-a',
       CASE WHEN x % 100 = 7 THEN 'dead' WHEN x % 1000 = 3 THEN 'pending' ELSE 'delivered' END,
       CASE WHEN x % 100 = 7 THEN 8 WHEN x % 1000 = 3 THEN 1 ELSE 1 END,
       ${START} + x * ${STEP_MS},
       CASE WHEN x % 1000 = 3 AND x % 100 <> 7 THEN ${START} + x * ${STEP_MS} + 60000 END,
       CASE WHEN x % 1000 = 3 AND x % 100 <> 7 THEN ${START} + x * ${STEP_MS} + 60000 END,
       ${START} + x * ${STEP_MS} + 10,
       CASE WHEN x % 1000 = 3 AND x % 100 <> 7 THEN NULL ELSE ${START} + x * ${STEP_MS} + 50 END,
       CASE WHEN x % 100 = 7 THEN 'retry schedule exhausted' END
FROM n`)
    db.exec(`${n}
INSERT INTO deliveries (id, event_id, destination_id, status, attempts, created_at, last_attempt_at, completed_at)
SELECT printf('dlv_b%010d', x), printf('evt_bench%010d', x), 'dest-b', 'delivered', 1,
       ${START} + x * ${STEP_MS}, ${START} + x * ${STEP_MS} + 10, ${START} + x * ${STEP_MS} + 40
FROM n`)
    db.exec(`WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000)
INSERT INTO rejections (id, source_id, received_at, status, reason, message, remote_address, headers, body_size, body_sha256)
SELECT printf('rej_bench%08d', x), 'src-' || (x % 4), ${NOW} - (10000 - x) * 60000, 401,
       CASE x % 4 WHEN 0 THEN 'signature_mismatch' WHEN 1 THEN 'timestamp_too_old' WHEN 2 THEN 'missing_signature'
                  ELSE 'malformed_signature' END,
       'No signature matched.', '203.0.113.7', '{"x-hub-signature-256":"[redacted]"}', 123, 'ab'
FROM n`)
    const add = db.prepare(
      'INSERT INTO traffic (minute, kind, subject_id, outcome, count) VALUES (?, ?, ?, ?, ?)',
    )
    for (let i = 0; i < MINUTES; i++) for (const row of trafficRow(i)) add.run(...row)
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
}

export async function seedPostgres(schema) {
  const storage = createPostgresStorage({ connectionString: PG_URL, schema, poolSize: 2 })
  await storage.migrate()
  await storage.close()
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    const s = `"${schema}"`
    await client.query('SET synchronous_commit = off')
    await client.query(`
INSERT INTO ${s}.events (id, source_id, provider, dedupe_key, provider_event_id, event_type, received_at, headers, body)
SELECT 'evt_bench' || lpad(x::text, 10, '0'), 'src-' || (x % 4), 'github', 'pe_' || x, 'pe_' || x, 'type-' || (x % 20),
       to_timestamp((${START}::bigint + x * ${STEP_MS}) / 1000.0),
       '{"content-type":"application/json","x-github-event":"push"}'::json,
       convert_to('{"n":' || x || ',"padding":"' || repeat('0', 200) || '"}', 'UTF8')
FROM generate_series(1::bigint, ${EVENTS}) AS x`)
    await client.query(`
INSERT INTO ${s}.deliveries (id, event_id, destination_id, status, attempts, created_at, next_attempt_at, due_at,
                             last_attempt_at, completed_at, dead_reason)
SELECT 'dlv_a' || lpad(x::text, 10, '0'), 'evt_bench' || lpad(x::text, 10, '0'), 'dest-a',
       CASE WHEN x % 100 = 7 THEN 'dead' WHEN x % 1000 = 3 THEN 'pending' ELSE 'delivered' END,
       CASE WHEN x % 100 = 7 THEN 8 ELSE 1 END,
       to_timestamp((${START}::bigint + x * ${STEP_MS}) / 1000.0),
       CASE WHEN x % 1000 = 3 AND x % 100 <> 7 THEN to_timestamp((${START}::bigint + x * ${STEP_MS} + 60000) / 1000.0) END,
       CASE WHEN x % 1000 = 3 AND x % 100 <> 7 THEN to_timestamp((${START}::bigint + x * ${STEP_MS} + 60000) / 1000.0) END,
       to_timestamp((${START}::bigint + x * ${STEP_MS} + 10) / 1000.0),
       CASE WHEN x % 1000 = 3 AND x % 100 <> 7 THEN NULL ELSE to_timestamp((${START}::bigint + x * ${STEP_MS} + 50) / 1000.0) END,
       CASE WHEN x % 100 = 7 THEN 'retry schedule exhausted' END
FROM generate_series(1::bigint, ${EVENTS}) AS x`)
    await client.query(`
INSERT INTO ${s}.deliveries (id, event_id, destination_id, status, attempts, created_at, last_attempt_at, completed_at)
SELECT 'dlv_b' || lpad(x::text, 10, '0'), 'evt_bench' || lpad(x::text, 10, '0'), 'dest-b', 'delivered', 1,
       to_timestamp((${START}::bigint + x * ${STEP_MS}) / 1000.0),
       to_timestamp((${START}::bigint + x * ${STEP_MS} + 10) / 1000.0),
       to_timestamp((${START}::bigint + x * ${STEP_MS} + 40) / 1000.0)
FROM generate_series(1::bigint, ${EVENTS}) AS x`)
    await client.query(`
INSERT INTO ${s}.rejections (id, source_id, received_at, status, reason, message, remote_address, headers, body_size, body_sha256)
SELECT 'rej_bench' || lpad(x::text, 8, '0'), 'src-' || (x % 4), to_timestamp((${NOW}::bigint - (10000 - x) * 60000) / 1000.0), 401,
       CASE x % 4 WHEN 0 THEN 'signature_mismatch' WHEN 1 THEN 'timestamp_too_old' WHEN 2 THEN 'missing_signature'
                  ELSE 'malformed_signature' END,
       'No signature matched.', '203.0.113.7', '{"x-hub-signature-256":"[redacted]"}'::json, 123, 'ab'
FROM generate_series(1::bigint, 10000) AS x`)
    const chunk = []
    const flush = async () => {
      if (chunk.length === 0) return
      await client.query(
        `INSERT INTO ${s}.traffic (minute, kind, subject_id, outcome, count)
         SELECT to_timestamp(m / 1000.0), k, sid, o, c
         FROM json_to_recordset($1::json) AS r (m bigint, k text, sid text, o text, c bigint)`,
        [JSON.stringify(chunk.map(([m, k, sid, o, c]) => ({ m, k, sid, o, c })))],
      )
      chunk.length = 0
    }
    for (let i = 0; i < MINUTES; i++) {
      chunk.push(...trafficRow(i))
      if (chunk.length >= 20_000) await flush()
    }
    await flush()
    await client.query(`VACUUM ANALYZE ${s}.events, ${s}.deliveries, ${s}.rejections, ${s}.traffic`)
  } finally {
    await client.end()
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
}

/** Starts the built gateway on `storage`, times every query, closes. */
async function measure(storage, dir) {
  const config = parseConfig(
    {
      server: { host: '127.0.0.1', port: 0, publicUrl: 'https://hooks.example.com' },
      admin: { token: TOKEN },
      log: { level: 'error' },
      storage: { sqlite: join(dir, 'unused.db') },
      delivery: { mode: 'ingest' },
      sources: SOURCES.map((id) => ({
        id,
        provider: 'github',
        secrets: ['bench-secret-0123456789'],
      })),
      destinations: ['dest-a', 'dest-b'].map((id) => ({
        id,
        url: 'http://127.0.0.1:9/never',
        sources: SOURCES,
        signingSecret: `whsec_${Buffer.from('bench-destination-key-0123456789').toString('base64')}`,
      })),
    },
    { env: {}, baseDir: dir },
  )
  const gateway = createGateway(config, {
    storage,
    logger: createLogger({ level: 'error' }),
    now: () => new Date(NOW + 30_000),
  })
  const { url } = await gateway.listen({ host: '127.0.0.1', port: 0 })
  const results = new Map()
  try {
    for (const [name, path] of queries()) {
      const times = []
      let items
      for (let i = 0; i < WARMUPS + ROUNDS; i++) {
        const started = performance.now()
        const response = await fetch(url + path, { headers: { authorization: `Bearer ${TOKEN}` } })
        const body = await response.json()
        const ms = performance.now() - started
        if (response.status !== 200)
          throw new Error(`${name}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`)
        items = body.items?.length ?? body.sources?.length
        if (i >= WARMUPS) times.push(ms)
      }
      times.sort((a, b) => a - b)
      results.set(name, { median: percentile(times, 0.5), p95: percentile(times, 0.95), items })
    }
  } finally {
    await gateway.close()
  }
  return results
}

async function runSqlite() {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-bench-dashboard-'))
  try {
    const path = join(dir, 'hookgate.db')
    const seeded = performance.now()
    await seedSqlite(path)
    const seedSeconds = (performance.now() - seeded) / 1000
    console.log(`SQLite: seeded ${integer.format(EVENTS)} events in ${seedSeconds.toFixed(1)} s`)
    const storage = createSqliteStorage({ path })
    try {
      return { results: await measure(storage, dir), seedSeconds }
    } finally {
      await storage.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function runPostgres() {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 })
  try {
    await admin.connect()
  } catch (error) {
    console.log(`PostgreSQL not reachable (${error.message}): skipped. Set BENCH_POSTGRES_URL.`)
    return undefined
  }
  const schema = `bench_dashboard_${process.pid}`
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-bench-dashboard-pg-'))
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    const seeded = performance.now()
    await seedPostgres(schema)
    const seedSeconds = (performance.now() - seeded) / 1000
    console.log(
      `PostgreSQL: seeded ${integer.format(EVENTS)} events in ${seedSeconds.toFixed(1)} s`,
    )
    const storage = createPostgresStorage({ connectionString: PG_URL, schema })
    try {
      return { results: await measure(storage, dir), seedSeconds }
    } finally {
      await storage.close()
    }
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined)
    await admin.end()
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function run() {
  console.log(
    `${integer.format(EVENTS)} events (2 deliveries each), 10,000 rejections, 30 days of traffic counts; ` +
      `${ROUNDS} timed requests per query after ${WARMUPS} warm-ups; load average ${loadavg()[0].toFixed(2)}\n`,
  )
  const sqlite = BACKENDS.includes('sqlite') ? await runSqlite() : undefined
  const postgres = BACKENDS.includes('postgres') ? await runPostgres() : undefined
  const ms = (value) => (value === undefined ? '-' : value.toFixed(1))
  const lines = queries().map(([name]) => {
    const s = sqlite?.results.get(name)
    const p = postgres?.results.get(name)
    return [
      name,
      ms(s?.median),
      ms(s?.p95),
      ms(p?.median),
      ms(p?.p95),
      String(s?.items ?? p?.items ?? '-'),
    ]
  })
  console.log(
    `\n${table(['query', 'SQLite median ms', 'SQLite p95 ms', 'PG median ms', 'PG p95 ms', 'items'], lines)}`,
  )
  const targets = []
  for (const [backend, outcome] of [
    ['SQLite', sqlite],
    ['PostgreSQL', postgres],
  ]) {
    if (outcome === undefined) continue
    for (const [name, { p95 }] of outcome.results)
      targets.push({
        name: `${backend} ${name}: p95 ${p95.toFixed(1)} ms < ${TARGET_MS} ms`,
        pass: p95 < TARGET_MS,
      })
  }
  const missed = targets.filter((t) => !t.pass)
  for (const t of missed) console.log(`MISSED: ${t.name}`)
  return { targets }
}
