/**
 * Bench section `postgres` (issue 5): the `ingest` section's load (same connections, durations, 1 KiB signed
 * GitHub bodies with a unique `X-GitHub-Delivery` each, same harness: `bench/ingest.mjs`) against
 *
 * - `hookgate serve` on PostgreSQL — the built CLI, `storage.postgres`, default pool (10) and batching: verify,
 *   dedupe, group commit (one multi-row statement per batch, synchronous_commit on);
 * - the bare `node:http` receiver that only verifies the HMAC: the ceiling;
 * - a `node:http` receiver that INSERTs each request into PostgreSQL with its own commit (`pg.Pool`, default
 *   size 10, prepared statement): what a hand-written durable receiver does.
 *
 * PostgreSQL runs on the same machine (and its CPU counts against every server that uses it). Each run gets
 * its own schema, dropped afterwards. After the run, the gateway's schema must hold one event per 2xx it
 * answered. The server: BENCH_POSTGRES_URL, else HOOKGATE_TEST_POSTGRES_URL, else
 * postgres://postgres@127.0.0.1:5432/test; when it cannot be reached the section says so and measures nothing.
 *
 * Knobs: those of the ingest section (the first of BENCH_INGEST_CONNECTIONS, _SECONDS, _WARMUP_SECONDS, _ROUNDS,
 * and BENCH_INGEST_BASELINE_CLI: another build benched beside this one, in a schema of its own).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import pg from 'pg'
import {
  BODY_SIZE,
  CONNECTIONS,
  ROUNDS,
  SECONDS,
  WARMUP_SECONDS,
  integer,
  load,
  median,
  peakRssMb,
  probe,
  startHookgate,
  startReceiver,
  stop,
  table,
} from './ingest.mjs'

export const title =
  'ingest over loopback on PostgreSQL: hookgate serve (group commit) vs bare verify-only vs one INSERT + commit per request'

const URL_TEXT =
  process.env.BENCH_POSTGRES_URL ||
  process.env.HOOKGATE_TEST_POSTGRES_URL ||
  'postgres://postgres@127.0.0.1:5432/test'

// Targets of issues 5 and 15.
const BARE_SHARE_TARGET = 0.7
const PER_REQUEST_RATIO_TARGET = 3

/** Cluster-wide WAL counters (PostgreSQL 14+): flushes (`wal_sync`) and records; undefined when unavailable. */
async function walStats(pool) {
  try {
    const { rows } = await pool.query(
      'SELECT wal_sync::bigint AS syncs, wal_records::bigint AS records FROM pg_stat_wal',
    )
    return { syncs: Number(rows[0].syncs), records: Number(rows[0].records) }
  } catch {
    return undefined
  }
}

/** Mean events per commit from the gateway's own /metrics histogram. */
async function meanBatchSize(url) {
  const text = await (await fetch(`${url}/metrics`)).text()
  const sum = Number(/^hookgate_commit_batch_size_sum (\S+)$/m.exec(text)?.[1])
  const count = Number(/^hookgate_commit_batch_size_count (\S+)$/m.exec(text)?.[1])
  return count > 0 ? sum / count : undefined
}

export async function run() {
  const admin = new pg.Pool({ connectionString: URL_TEXT, max: 2, connectionTimeoutMillis: 5_000 })
  admin.on('error', () => undefined)
  try {
    await admin.query('SELECT 1')
  } catch (error) {
    console.log(
      `PostgreSQL not reachable (${error.message}): section skipped. Set BENCH_POSTGRES_URL to run it.`,
    )
    await admin.end()
    return { targets: [] }
  }
  const tag = randomBytes(4).toString('hex')
  const hookgateSchema = `bench_hookgate_${tag}`
  const perRequestSchema = `bench_per_request_${tag}`
  const baselineSchema = `bench_baseline_${tag}`
  const baselineCli = process.env.BENCH_INGEST_BASELINE_CLI || undefined
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-bench-postgres-'))
  const servers = [
    {
      id: 'hookgate',
      label: 'hookgate serve on PostgreSQL (verify, dedupe, group commit)',
      start: () => startHookgate(dir, { postgres: URL_TEXT, schema: hookgateSchema }),
    },
    {
      id: 'bare',
      label: 'node:http + HMAC, verify only (ceiling)',
      start: () => startReceiver('bare', dir),
    },
    ...(baselineCli === undefined
      ? []
      : [
          {
            id: 'baseline',
            label: 'hookgate serve on PostgreSQL, baseline build',
            start: () =>
              startHookgate(
                dir,
                { postgres: URL_TEXT, schema: baselineSchema },
                { name: 'baseline', cli: baselineCli },
              ),
          },
        ]),
    {
      id: 'perRequest',
      label: 'node:http + HMAC + PostgreSQL INSERT/commit per request',
      start: () => startReceiver('postgres', dir, [URL_TEXT, perRequestSchema]),
    },
  ]
  const version = (await admin.query('SHOW server_version')).rows[0].server_version
  console.log(
    `${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured per server, ${ROUNDS} round(s); ` +
      `${BODY_SIZE} B body signed once, unique X-GitHub-Delivery per request; PostgreSQL ${version} on this machine; ` +
      `load average ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
  )
  try {
    for (const server of servers) {
      Object.assign(server, await server.start(), {
        acknowledged: 0,
        samples: [],
        walSyncs: 0,
        walRecords: 0,
      })
      await probe(server)
      server.acknowledged += 1
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length])
      for (const server of order) {
        await load(server, WARMUP_SECONDS)
        const before = await walStats(admin)
        const sample = await load(server, SECONDS)
        const after = await walStats(admin)
        if (before !== undefined && after !== undefined) {
          sample.walSyncsPerRequest = (after.syncs - before.syncs) / sample.total
        }
        server.samples.push(sample)
        process.stderr.write(
          `  round ${round + 1} ${server.id}: ${integer.format(sample.rps)} req/s, p50 ${sample.p50} ms, p99 ${sample.p99} ms\n`,
        )
      }
    }
    for (const server of servers) server.peakRssMb = peakRssMb(server.child.pid)
    const gateway = servers[0]
    const batch = await meanBatchSize(gateway.url).catch(() => undefined)

    const code = await stop(gateway.child, gateway.exited)
    const stored = Number(
      (await admin.query(`SELECT count(*) AS n FROM "${hookgateSchema}".events`)).rows[0].n,
    )
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
          cpuUs: s.samples.every((x) => x.cpuUsPerRequest !== undefined)
            ? median(s.samples.map((x) => x.cpuUsPerRequest))
            : undefined,
          walSyncs: s.samples.every((x) => x.walSyncsPerRequest !== undefined)
            ? median(s.samples.map((x) => x.walSyncsPerRequest))
            : undefined,
        },
      ]),
    )
    const bare = stats.bare
    console.log(
      table(
        [
          'receiver',
          'req/s',
          '% of bare',
          'p50 ms',
          'p99 ms',
          'CPU µs/req',
          'WAL flushes/req',
          'peak RSS MB',
        ],
        servers.map((s) => [
          s.label,
          integer.format(stats[s.id].rps),
          `${((stats[s.id].rps / bare.rps) * 100).toFixed(0)}%`,
          String(stats[s.id].p50),
          String(stats[s.id].p99),
          stats[s.id].cpuUs === undefined ? 'n/a' : stats[s.id].cpuUs.toFixed(1),
          stats[s.id].walSyncs === undefined ? 'n/a' : stats[s.id].walSyncs.toFixed(3),
          s.peakRssMb === undefined ? 'n/a' : s.peakRssMb.toFixed(0),
        ]),
      ),
    )
    console.log(
      `\nhookgate: ${integer.format(stored)} events stored for ${integer.format(gateway.acknowledged)} 2xx answers ` +
        `(${accountOk ? 'all there' : 'MISMATCH'}), mean ${batch === undefined ? 'n/a' : batch.toFixed(1)} events per commit, ` +
        `exit ${code} after SIGTERM; load average after: ${loadavg()
          .map((v) => v.toFixed(2))
          .join(' ')}`,
    )
    if (!accountOk)
      throw new Error(
        `bench: hookgate stored ${stored} events but answered ${gateway.acknowledged} with 2xx`,
      )

    const hg = stats.hookgate
    const targets = [
      {
        name: `hookgate on PostgreSQL ≥ ${BARE_SHARE_TARGET * 100}% of bare req/s`,
        pass: hg.rps >= BARE_SHARE_TARGET * bare.rps,
        value: `${((hg.rps / bare.rps) * 100).toFixed(0)}%`,
      },
      {
        name: `hookgate on PostgreSQL ≥ ${PER_REQUEST_RATIO_TARGET}× the INSERT-per-request receiver`,
        pass: hg.rps >= PER_REQUEST_RATIO_TARGET * stats.perRequest.rps,
        value: `${(hg.rps / stats.perRequest.rps).toFixed(2)}×`,
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
    for (const schema of [hookgateSchema, perRequestSchema, baselineSchema])
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined)
    await admin.end()
    rmSync(dir, { recursive: true, force: true })
  }
}
