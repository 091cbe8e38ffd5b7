/**
 * Bench section `delivery` (issue 4): end to end on loopback, from a provider's signed request to `hookgate
 * serve` until the destination has received the re-signed delivery.
 *
 * - latency: a fixed request rate (BENCH_DELIVERY_RATE, default 200/s) over at most 10 keep-alive connections
 *   to one healthy destination, PACED: request i is due at start + i/rate (open loop: a request that waits for
 *   a free connection still counts from its due time). Not autocannon's `overallRate`, which is a per-second
 *   quota per connection: each connection sent its share back to back at the top of every second, so "200/s"
 *   was a burst of 200 requests once a second and the figure measured the queue of that burst. Each body
 *   carries its due time `t`; the sink (a child process, `delivery-sink.mjs`) keeps receipt − t: p50/p99 of
 *   provider request → destination receipt.
 * - throughput: saturating load (50 connections) for BENCH_DELIVERY_SECONDS; ingest req/s, deliveries/s while
 *   the load runs, and deliveries/s until the backlog is drained (every acknowledged event received).
 * - isolation: ingest req/s with two destinations both healthy vs one of them down (a closed port: connections
 *   refused) and vs one black-holed (accepts, never answers): a sick destination must not cost ingest more than
 *   20% (target: ≥ 80% of the healthy figure).
 *
 * Every request is signed for real (GitHub HMAC) with its own delivery id; `hookgate serve` is the built CLI with
 * its default settings (SQLite WAL, fsync before each answer, group commit, JSON logs to a file).
 * Knobs: BENCH_DELIVERY_SECONDS (10), BENCH_DELIVERY_WARMUP_SECONDS (2), BENCH_DELIVERY_RATE (200),
 * BENCH_DELIVERY_CONNECTIONS (50), BENCH_DELIVERY_MAX_IN_FLIGHT (the destinations' `maxInFlight`; unset: the default).
 */
import { Buffer } from 'node:buffer'
import { fork } from 'node:child_process'
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { createInterface } from 'node:readline'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { providers, signWebhook } from '@hookgate/verify'
import { integer, peakRssMb, SECRET, SOURCE, startHookgate, stop, table, track } from './ingest.mjs'

export const title =
  'delivery end to end over loopback: provider request → destination receipt (latency, deliveries/s), ingest with a destination down'

function envInt(name, fallback) {
  const value = Number(process.env[name])
  return Number.isInteger(value) && value > 0 ? value : fallback
}

const SECONDS = envInt('BENCH_DELIVERY_SECONDS', 10)
const WARMUP_SECONDS = envInt('BENCH_DELIVERY_WARMUP_SECONDS', 2)
const RATE = envInt('BENCH_DELIVERY_RATE', 200)
const CONNECTIONS = envInt('BENCH_DELIVERY_CONNECTIONS', 50)
const MAX_IN_FLIGHT = envInt('BENCH_DELIVERY_MAX_IN_FLIGHT', 0)
/** Issue 15: provider POST → destination receipt, p99 at RATE. */
const LATENCY_P99_TARGET_MS = 25
const DOWN_SHARE_TARGET = 0.8

const SINK = fileURLToPath(new URL('./delivery-sink.mjs', import.meta.url))
const DEST_SECRET = `whsec_${Buffer.from('hookgate-bench-destination-key-!').toString('base64')}`
const BODY_SIZE = 1024
const github = providers.github({ secrets: [SECRET] })
const epochNow = () => performance.timeOrigin + performance.now()

let sequence = 0

/** A ~1 KiB JSON body carrying its send time, signed for real with its own delivery id. */
function signedRequest(request, sentAt = epochNow()) {
  const n = sequence++
  const head = JSON.stringify({ seq: n, t: sentAt, padding: '' })
  const body = Buffer.from(
    head.replace('"padding":""', `"padding":"${'x'.repeat(Math.max(0, BODY_SIZE - head.length))}"`),
  )
  request.body = body
  request.headers = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/bench',
    'x-github-event': 'push',
    'x-github-delivery': `bench-delivery-${n}`,
    ...signWebhook(github, { body }),
  }
  return request
}

// ---------------------------------------------------------------------------------------------------------
// Processes

async function startSink(mode = 'ok') {
  const child = fork(SINK, [mode], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, NODE_OPTIONS: '' },
  })
  const exited = track(child)
  const port = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line).port))
    void exited.then((code) => reject(new Error(`bench: delivery sink exited (${code})`)))
  })
  const ask = (cmd) =>
    new Promise((resolve) => {
      child.once('message', resolve)
      child.send({ cmd })
    })
  return { child, exited, origin: `http://127.0.0.1:${port}`, ask }
}

/** A port nothing listens on (connections refused). */
async function closedPort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** `hookgate serve` with the bench's GitHub source feeding `destinations` (re-signed with DEST_SECRET). */
function startGateway(dir, name, destinations) {
  const routed = destinations.map((d) => ({
    sources: [SOURCE],
    signingSecret: DEST_SECRET,
    timeoutMs: 5000,
    ...(MAX_IN_FLIGHT > 0 ? { maxInFlight: MAX_IN_FLIGHT } : {}),
    ...d,
  }))
  return startHookgate(dir, undefined, { name, extra: { destinations: routed } })
}

async function load(gateway, options) {
  const result = await autocannon({
    url: `${gateway.url}/webhooks/${SOURCE}`,
    method: 'POST',
    duration: options.seconds,
    connections: options.connections,
    requests: [{ setupRequest: signedRequest }],
  })
  const failures = result.non2xx + result.errors + result.timeouts
  if (failures > 0)
    throw new Error(
      `bench: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`,
    )
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    acked: result['2xx'],
  }
}

/**
 * Open-loop load at `rate` req/s for `seconds`: request i is due at start + i/rate and sent then (or as soon as
 * one of `connections` keep-alive sockets is free), its body's `t` being its due time. Answer latencies also
 * count from the due time.
 */
async function pacedLoad(gateway, { seconds, rate, connections }) {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: connections })
  const target = new URL(`${gateway.url}/webhooks/${SOURCE}`)
  const total = Math.round(seconds * rate)
  const latencies = []
  let failures = 0
  const sends = []
  const start = epochNow() + 20
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate
    const wait = due - epochNow()
    if (wait > 1) await delay(wait)
    const request = signedRequest({}, due)
    sends.push(
      new Promise((resolve) => {
        const req = httpRequest(
          target,
          {
            method: 'POST',
            agent,
            headers: { ...request.headers, 'content-length': request.body.length },
          },
          (res) => {
            res.resume()
            res.on('end', () => {
              if (res.statusCode === 200) latencies.push(epochNow() - due)
              else failures++
              resolve()
            })
          },
        )
        req.on('error', () => {
          failures++
          resolve()
        })
        req.end(request.body)
      }),
    )
  }
  await Promise.all(sends)
  agent.destroy()
  if (failures > 0) throw new Error(`bench: ${failures} of ${total} paced requests failed`)
  latencies.sort((a, b) => a - b)
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]
  return { rps: total / seconds, p50: at(0.5), p99: at(0.99), acked: latencies.length }
}

function storedEvents(gateway) {
  const db = new Database(gateway.dbPath, { readonly: true, fileMustExist: true })
  try {
    return db.prepare('SELECT count(*) AS n FROM events').get().n
  } finally {
    db.close()
  }
}

/** Waits until the sink has every event the gateway stored beyond `baseline` (unique webhook-ids since its reset). */
async function drained(sink, gateway, baseline, timeoutMs = 180_000) {
  const db = new Database(gateway.dbPath, { readonly: true, fileMustExist: true })
  try {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const stored = db.prepare('SELECT count(*) AS n FROM events').get().n - baseline
      const stats = await sink.ask('stats')
      if (stats.unique >= stored) return { stats, stored }
      if (Date.now() > deadline)
        throw new Error(
          `bench: only ${stats.unique} of ${stored} events delivered after ${timeoutMs / 1000} s`,
        )
      await delay(50)
    }
  } finally {
    db.close()
  }
}

const ms = (value) => (value === undefined ? 'n/a' : value.toFixed(1))

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-bench-delivery-'))
  const started = []
  const keep = (process_) => {
    started.push(process_)
    return process_
  }
  console.log(
    `${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured per run; ${BODY_SIZE} B bodies each signed with its own delivery id; ` +
      `load average ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
  )
  try {
    const sink = keep(await startSink())

    // 1. Latency at a fixed rate.
    const latencyGw = keep(
      await startGateway(dir, 'latency', [{ id: 'sink', url: `${sink.origin}/hooks` }]),
    )
    await pacedLoad(latencyGw, { seconds: WARMUP_SECONDS, connections: 10, rate: RATE })
    await drained(sink, latencyGw, 0)
    const latencyBase = storedEvents(latencyGw)
    await sink.ask('reset')
    const fixed = await pacedLoad(latencyGw, { seconds: SECONDS, connections: 10, rate: RATE })
    const latency = (await drained(sink, latencyGw, latencyBase)).stats
    await stop(latencyGw.child, latencyGw.exited)

    // 2. Throughput under saturating load, then until drained.
    await sink.ask('reset')
    const busyGw = keep(
      await startGateway(dir, 'throughput', [{ id: 'sink', url: `${sink.origin}/hooks` }]),
    )
    await load(busyGw, { seconds: WARMUP_SECONDS, connections: CONNECTIONS })
    await drained(sink, busyGw, 0)
    const busyBase = storedEvents(busyGw)
    await sink.ask('reset')
    const loadStart = epochNow()
    const busy = await load(busyGw, { seconds: SECONDS, connections: CONNECTIONS })
    const loadEnd = epochNow()
    const atEnd = await sink.ask('stats')
    const { stats: full, stored } = await drained(sink, busyGw, busyBase)
    const busyRss = peakRssMb(busyGw.child.pid)
    await stop(busyGw.child, busyGw.exited)
    const duringLoad = atEnd.received / ((loadEnd - loadStart) / 1000)
    const untilDrained = full.unique / ((full.last - loadStart) / 1000)

    // 3. Isolation: ingest with both destinations healthy vs one down vs one black-holed.
    const other = keep(await startSink())
    const hole = keep(await startSink('hang'))
    const down = await closedPort()
    const isolation = []
    for (const [label, second] of [
      ['both destinations healthy', `${other.origin}/hooks`],
      ['one destination down (connection refused)', `http://127.0.0.1:${down}/hooks`],
      ['one destination black-holed (never answers)', `${hole.origin}/hooks`],
    ]) {
      const gw = keep(
        await startGateway(dir, `isolation-${isolation.length}`, [
          { id: 'up', url: `${sink.origin}/hooks` },
          { id: 'second', url: second },
        ]),
      )
      await load(gw, { seconds: WARMUP_SECONDS, connections: CONNECTIONS })
      const sample = await load(gw, { seconds: SECONDS, connections: CONNECTIONS })
      isolation.push({ label, ...sample })
      process.stderr.write(
        `  ${label}: ${integer.format(sample.rps)} req/s, p99 ${sample.p99} ms\n`,
      )
      await stop(gw.child, gw.exited)
    }

    console.log(
      table(
        ['end to end (provider → hookgate → destination)', 'value'],
        [
          [`latency at ${RATE} req/s: p50`, `${ms(latency.p50)} ms`],
          [`latency at ${RATE} req/s: p99`, `${ms(latency.p99)} ms`],
          [`latency at ${RATE} req/s: max`, `${ms(latency.max)} ms`],
          [
            `  (ingest at that rate, paced: ${integer.format(fixed.rps)} req/s, answer p50 ${ms(fixed.p50)} ms, p99 ${ms(fixed.p99)} ms)`,
            '',
          ],
          [
            `saturating ingest (${CONNECTIONS} connections)`,
            `${integer.format(busy.rps)} req/s (p99 ${busy.p99} ms)`,
          ],
          ['deliveries/s while that load runs', integer.format(duringLoad)],
          ['deliveries/s from load start until drained', integer.format(untilDrained)],
          [
            'events stored / delivered (unique) / duplicates',
            `${integer.format(stored)} / ${integer.format(full.unique)} / ${integer.format(full.received - full.unique)}`,
          ],
          ['gateway peak RSS', busyRss === undefined ? 'n/a' : `${busyRss.toFixed(0)} MB`],
        ],
      ),
    )
    console.log('')
    const healthy = isolation[0]
    console.log(
      table(
        ['ingest with two destinations', 'req/s', '% of healthy', 'p50 ms', 'p99 ms'],
        isolation.map((s) => [
          s.label,
          integer.format(s.rps),
          `${((s.rps / healthy.rps) * 100).toFixed(0)}%`,
          String(s.p50),
          String(s.p99),
        ]),
      ),
    )
    console.log(
      `\nload average after: ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
    )

    const targets = [
      {
        name: `ingest with a destination down ≥ ${DOWN_SHARE_TARGET * 100}% of healthy`,
        pass: isolation[1].rps >= DOWN_SHARE_TARGET * healthy.rps,
        value: `${((isolation[1].rps / healthy.rps) * 100).toFixed(0)}%`,
      },
      {
        name: `ingest with a destination black-holed ≥ ${DOWN_SHARE_TARGET * 100}% of healthy`,
        pass: isolation[2].rps >= DOWN_SHARE_TARGET * healthy.rps,
        value: `${((isolation[2].rps / healthy.rps) * 100).toFixed(0)}%`,
      },
      {
        name: `end-to-end p99 at ${RATE} req/s ≤ ${LATENCY_P99_TARGET_MS} ms (issue 15)`,
        pass: latency.p99 <= LATENCY_P99_TARGET_MS,
        value: `${ms(latency.p99)} ms`,
      },
      {
        name: 'deliveries/s ≥ ingest req/s under saturating load (issue 15)',
        pass: duringLoad >= busy.rps,
        value: `${integer.format(duringLoad)} vs ${integer.format(busy.rps)} (until drained ${integer.format(untilDrained)})`,
      },
      {
        name: 'every stored event delivered',
        pass: full.unique >= stored,
        value: `${full.unique}/${stored}`,
      },
    ]
    console.log('')
    for (const target of targets)
      console.log(`${target.pass ? 'PASS' : 'MISS'}  ${target.name}: ${target.value}`)
    return { targets }
  } finally {
    await Promise.all(
      started
        .filter((p) => p.child.exitCode === null && p.child.signalCode === null)
        .map((p) => stop(p.child, p.exited)),
    )
    rmSync(dir, { recursive: true, force: true })
  }
}
