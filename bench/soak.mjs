/**
 * `npm run soak` (issue 12, the battery's long versions; not a test). Runs the BUILT `hookgate serve` on 127.0.0.1
 * only, bounded in time and count, stops by itself, and prints one table:
 *
 * - fuzz: ≥ 100,000 mutated requests (SOAK_SCALE = 1) over a source per built-in preset (aws-sns excluded: its keys
 *   come from the network): no 5xx, every 4xx `{"error":{"code","message"}}` JSON; RSS sampled every second;
 * - kill -9: 20 SIGKILLs of the gateway under 16 concurrent senders, restarted on the same SQLite file, unanswered
 *   requests retried; then the file is audited: every acknowledged webhook stored once, byte for byte, under the id
 *   it was answered with (the approach of packages/hookgate/test/gateway/crash.test.ts);
 * - disk full: the database on a small tmpfs (only as root, where `mount` works; skipped with a message otherwise):
 *   fill it until the gateway answers 503, check the 503's log hint, free the space and check it recovers, and that
 *   every acknowledged webhook is stored;
 * - duplicate storms: one webhook sent 1000 times concurrently (1000 connections) → stored once, every answer 200;
 * - rejection flood: valid webhooks' p99 alone and under 20 req/s of ~1 MiB hostile requests (bench/hostile.mjs);
 * - retention (issue 14, bench/retention.mjs): ingest p99 alone and during a large `hookgate prune`, and the database
 *   size and RSS curve of 1,000,000 × SOAK_SCALE webhooks under a 1-minute retention.
 *
 * SOAK_SCALE (default 1) scales the counts and durations: SOAK_SCALE=0.05 finishes in about 1–2 minutes.
 * SOAK_PHASES (default: all) runs only the named phases, comma-separated (e.g. SOAK_PHASES=retention).
 * SOAK_SEED (default 12) seeds the fuzz and the kill points. Needs `npm run build` first (`npm run soak` does it).
 */
import { Buffer } from 'node:buffer'
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import Database from 'better-sqlite3'
import { providers, signWebhook } from '@hookgate/verify'
import { exchange, launchGateway, percentile, printTable } from './lib/gateway-process.mjs'
import { buildRows, floodPhase } from './hostile.mjs'
import { retentionSoak } from './retention.mjs'

const SCALE = Number(process.env.SOAK_SCALE ?? 1)
if (!(SCALE > 0 && SCALE <= 10)) {
  console.error('SOAK_SCALE must be a number in (0, 10]')
  process.exit(2)
}
const SEED = Number(process.env.SOAK_SEED ?? 12)
const FUZZ_REQUESTS = Math.max(1_000, Math.round(100_000 * SCALE))
const KILLS = 20
const ACKS_BEFORE_KILL = [
  Math.max(20, Math.round(150 * SCALE * 4)),
  Math.max(60, Math.round(450 * SCALE * 4)),
]
const STORMS = Math.max(1, Math.round(10 * SCALE))
const STORM_WIDTH = 1_000
const FLOOD_SECONDS = Math.max(4, Math.round(60 * SCALE))
/** Every phase gives up after this long (a hang is a failure, not a wait). */
const PHASE_BOUND_MS = Math.max(60_000, 600_000 * SCALE)

function seeded(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
const random = seeded(SEED)
const pick = (list) => list[Math.floor(random() * list.length)]

const results = []
function report(check, count, pass, details, startedMs) {
  results.push([
    check,
    String(count),
    pass === undefined ? 'skipped' : pass ? 'ok' : 'FAIL',
    details,
    `${((performance.now() - startedMs) / 1000).toFixed(1)}`,
  ])
}

function withBound(promise, what) {
  let timer
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: bound of ${PHASE_BOUND_MS} ms reached`)),
        PHASE_BOUND_MS,
      )
    }),
  ])
}

// ---------------------------------------------------------------------------------------------------------
// Fuzz

const PUBLIC_URL = 'https://hooks.example.test'
const BODY_LIMIT = 64 * 1024
const HAND_OPTIONS = {
  trello: { callbackUrl: 'https://hooks.example.com/trello/?board=5f1&mainModel=true' },
  jwt: {
    issuer: 'https://sender.example',
    audience: 'https://receiver.example',
    bodyHashClaim: 'payload_hash',
  },
  livekit: { apiKey: 'APIk3yL1vek1t' },
  'upstash-qstash': { url: 'https://hooks.example.com/qstash' },
  trivialsec: { account: 'acct-1234' },
}

function secretFor(id, kind) {
  switch (kind) {
    case 'whsec':
      return 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    case 'base64':
      return 'c2VjcmV0LWtleS1ieXRlcy0wMTIzNDU2Nzg5'
    case 'hex':
      return '0123456789abcdef0123456789abcdef'
    case 'ed25519':
      return generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString()
    case 'ecdsa-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString()
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString()
    default:
      return `${id}-soak-signing-secret-4f2a9c`
  }
}

/** A source and a validly signed base request per preset (aws-sns excluded: its keys are fetched from AWS). */
function fuzzSources() {
  const entries = []
  for (const [id, factory] of Object.entries(providers)) {
    if (id === 'aws-sns') continue
    const profile = factory.definition.profile
    const options = { ...profile?.options, ...HAND_OPTIONS[id] }
    const secret = secretFor(id, profile?.secretKind)
    let base
    try {
      const preset = factory({ secrets: [secret], ...options })
      const form = id === 'twilio'
      const json =
        id === 'trivialsec'
          ? {
              event_id: '3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f',
              event_name: 'report_created',
              timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
              payload: { ok: '✓' },
            }
          : { id: 'evt_soak_1', type: 'soak.test', event: 'soak.test', data: { ok: '✓' } }
      const body = Buffer.from(
        form ? 'AccountSid=AC1&Body=Hello+%E2%9C%93&From=%2B15550001111' : JSON.stringify(json),
      )
      const headers = {
        'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
      }
      for (const [name, value] of Object.entries(
        signWebhook(preset, { body, url: `${PUBLIC_URL}/webhooks/${id}` }),
      ))
        headers[name] = value
      base = { id, method: 'POST', headers, body }
    } catch (error) {
      console.log(`fuzz: ${id} skipped (${error.message.slice(0, 80)})`)
      continue
    }
    entries.push({
      source: {
        id,
        provider: id,
        secrets: [secret],
        ...(Object.keys(options).length === 0 ? {} : { options }),
      },
      base,
    })
  }
  return entries
}

const JUNK = [
  '',
  ' ',
  'v1=',
  't=1,v1=zz',
  'sha256=',
  'Bearer ',
  'Bearer a.b.c',
  '=',
  ',,,,',
  'A'.repeat(9_000),
  '0'.repeat(64),
  'a=b=c=d',
]
const TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  '',
  'application/octet-stream',
]
const METHODS = ['POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']

function mutate(base) {
  const headers = { ...base.headers }
  let body = base.body
  let method = base.method
  let path = `/webhooks/${base.id}`
  for (let round = 0, rounds = 1 + Math.floor(random() * 3); round < rounds; round++) {
    const names = Object.keys(headers)
    const name = pick(names)
    switch (Math.floor(random() * 13)) {
      case 0:
        delete headers[name]
        break
      case 1:
      case 2:
        headers[name] = pick(JUNK)
        break
      case 3: {
        const value = headers[name] ?? ''
        const at = Math.floor(random() * value.length)
        if (value.length > 0)
          headers[name] =
            value.slice(0, at) +
            String.fromCharCode(0x21 + Math.floor(random() * 94)) +
            value.slice(at + 1)
        break
      }
      case 4:
        if (body.length > 0) {
          body = Buffer.from(body)
          body[Math.floor(random() * body.length)] ^= 1 + Math.floor(random() * 255)
        }
        break
      case 5:
        body = body.subarray(0, Math.floor(random() * body.length))
        break
      case 6:
        body = Buffer.concat([body, Buffer.from(pick(['\u0000', '}', '&a=b', '\ufeff', 'é']))])
        break
      case 7:
        body = randomBytes(Math.floor(random() * 2_000))
        break
      case 8:
        body =
          random() < 0.3
            ? Buffer.alloc(BODY_LIMIT + 1 + Math.floor(random() * 1000), 0x61)
            : Buffer.alloc(0)
        break
      case 9:
        headers['content-type'] = pick(TYPES)
        break
      case 10:
        method = pick(METHODS)
        break
      case 11:
        path = pick([
          `/webhooks/${base.id}/`,
          `/webhooks/${base.id}?x=%zz`,
          '/webhooks/nope',
          '/webhooks/',
          '/api/events',
          '/',
        ])
        break
      default:
        break
    }
  }
  return { method, path, headers, body }
}

function judge(answer, method, oversize) {
  if (answer.status === 0) return oversize ? undefined : 'no answer'
  if (answer.status >= 500) return `${answer.status}`
  if (answer.status < 400 || method === 'HEAD') return undefined
  try {
    const json = JSON.parse(answer.text)
    if (
      typeof json?.error?.code === 'string' &&
      typeof json.error.message === 'string' &&
      Object.keys(json).length === 1
    )
      return undefined
  } catch {
    // fall through
  }
  return `not the JSON error shape: ${answer.text.slice(0, 80)}`
}

async function fuzz() {
  const started = performance.now()
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-soak-fuzz-'))
  const entries = fuzzSources()
  const gateway = await launchGateway(dir, {
    server: {
      host: '127.0.0.1',
      port: 0,
      publicUrl: PUBLIC_URL,
      maxBodyBytes: BODY_LIMIT,
      rejectionLimit: { burst: 0 },
    },
    storage: { sqlite: join(dir, 'hookgate.db') },
    log: { level: 'warn' },
    sources: entries.map((entry) => entry.source),
  })
  const rss = []
  const sampler = setInterval(() => rss.push(gateway.rssMiB()), 1000)
  const agent = new Agent({ keepAlive: true, maxSockets: 16 })
  const statuses = {}
  const problems = []
  let validAccepted = 0
  try {
    for (const entry of entries) {
      const answer = await exchange(gateway.url, {
        path: `/webhooks/${entry.base.id}`,
        agent,
        headers: entry.base.headers,
        body: entry.base.body,
      })
      if (answer.status === 200) validAccepted++
    }
    let next = 0
    const lane = async () => {
      while (next < FUZZ_REQUESTS) {
        next++
        const r = mutate(pick(entries).base)
        const answer = await exchange(gateway.url, {
          method: r.method,
          path: r.path,
          agent,
          headers: r.headers,
          body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body,
        })
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1
        const problem = judge(answer, r.method, r.body.length > BODY_LIMIT)
        if (problem !== undefined && problems.length < 20)
          problems.push(`${r.method} ${r.path}: ${problem}`)
      }
    }
    await withBound(Promise.all(Array.from({ length: 16 }, lane)), 'fuzz')
  } finally {
    clearInterval(sampler)
    agent.destroy()
    await gateway.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  const fiveXX = Object.entries(statuses)
    .filter(([s]) => Number(s) >= 500)
    .reduce((n, [, c]) => n + c, 0)
  const samples = rss.filter((v) => v !== undefined)
  const statusText = Object.entries(statuses)
    .map(([s, c]) => `${s}:${c}`)
    .join(' ')
  report(
    'fuzz (all presets but aws-sns)',
    FUZZ_REQUESTS,
    problems.length === 0 && fiveXX === 0,
    `${entries.length} presets, ${validAccepted} base requests accepted; ${statusText}; ${problems[0] ?? 'no 5xx, every 4xx JSON'}`,
    started,
  )
  report(
    'RSS during fuzz (MiB)',
    samples.length,
    true,
    `min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)}, last ${samples.at(-1)?.toFixed(0)}`,
    started,
  )
}

// ---------------------------------------------------------------------------------------------------------
// kill -9 under load, every acknowledged webhook stored

const GH_SECRET = 'soak-github-secret-0123456789abcdef'
const github = providers.github({ secrets: [GH_SECRET] })

function ghDelivery(id, pad = 100 + Math.floor(random() * 500)) {
  const body = Buffer.from(
    JSON.stringify({
      action: 'opened',
      delivery: id,
      note: `ünïcödé ✓ ${id}`,
      filler: randomBytes(pad).toString('hex'),
    }),
  )
  return {
    id,
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-delivery': id,
      'x-github-event': 'push',
      ...signWebhook(github, { body }),
    },
  }
}

function audit(dbPath, acknowledged) {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare("SELECT id, dedupe_key, body FROM events WHERE source_id = 'gh'").all()
    const byKey = new Map()
    for (const row of rows) byKey.set(row.dedupe_key, [...(byKey.get(row.dedupe_key) ?? []), row])
    let lost = 0
    let altered = 0
    let otherId = 0
    for (const [key, ack] of acknowledged) {
      const stored = byKey.get(key)?.[0]
      if (stored === undefined) lost++
      else {
        if (!Buffer.from(stored.body).equals(ack.body)) altered++
        if (stored.id !== ack.eventId) otherId++
      }
    }
    const storedTwice = [...byKey.values()].filter((list) => list.length > 1).length
    return { rows: rows.length, lost, altered, otherId, storedTwice }
  } finally {
    db.close()
  }
}

async function kills() {
  const started = performance.now()
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-soak-kill-'))
  const dbPath = join(dir, 'hookgate.db')
  const config = {
    server: { host: '127.0.0.1', port: 0, shutdownTimeoutMs: 5_000 },
    storage: { sqlite: dbPath },
    log: { level: 'warn' },
    sources: [{ id: 'gh', provider: 'github', secrets: [GH_SECRET] }],
  }
  const acknowledged = new Map()
  const retry = []
  const unexpected = []
  let current
  let ready = Promise.resolve()
  let announce = () => undefined
  let stopped = false
  let sent = 0
  let cutOff = 0
  let duplicates = 0
  let next = 0
  let acks = 0
  const publish = (generation) => {
    current = generation
    if (generation !== undefined) announce()
    else ready = new Promise((resolve) => (announce = resolve))
  }
  const sender = async () => {
    while (!stopped && sent < 2_000_000) {
      const generation = current
      if (generation === undefined) {
        await ready
        continue
      }
      const delivery = retry.shift() ?? ghDelivery(`soak-${SEED}-${next++}`)
      sent++
      const answer = await exchange(generation.url, {
        path: '/webhooks/gh',
        agent: generation.agent,
        headers: delivery.headers,
        body: delivery.body,
      })
      if (answer.status === 200) {
        const { id, duplicate } = JSON.parse(answer.text)
        if (duplicate) duplicates++
        acknowledged.set(delivery.id, { eventId: id, body: delivery.body })
        acks++
      } else {
        if (answer.status === 0) cutOff++
        else if (answer.status !== 503)
          unexpected.push(`${answer.status} ${answer.text.slice(0, 100)}`)
        retry.push(delivery)
        if (
          generation.child.exitCode !== null ||
          generation.child.signalCode !== null ||
          answer.status === 0
        )
          await ready
      }
    }
  }
  publish(undefined)
  const senders = Array.from({ length: 16 }, () => sender())
  let killed = 0
  const waitAcks = async (target) => {
    const bound = performance.now() + 30_000
    while (acks < target) {
      if (performance.now() > bound)
        throw new Error(`kill -9: only ${acks} of ${target} acknowledgements within 30 s`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
  let audited
  try {
    await withBound(
      (async () => {
        for (; killed < KILLS; killed++) {
          const generation = await launchGateway(dir, config)
          generation.agent = new Agent({ keepAlive: true, maxSockets: 16 })
          publish(generation)
          const [low, high] = ACKS_BEFORE_KILL
          await waitAcks(acks + low + Math.floor(random() * (high - low)))
          await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 20)))
          publish(undefined)
          generation.child.kill('SIGKILL')
          await generation.exited
          generation.agent.destroy()
        }
        const last = await launchGateway(dir, config)
        last.agent = new Agent({ keepAlive: true, maxSockets: 16 })
        publish(last)
        await waitAcks(acks + 100)
        stopped = true
        await Promise.all(senders)
        const code = await last.stop('SIGTERM')
        last.agent.destroy()
        if (code !== 0) unexpected.push(`graceful stop exited with ${code}`)
      })(),
      'kill -9',
    )
    audited = audit(dbPath, acknowledged)
  } finally {
    stopped = true
    announce()
    current?.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  const pass =
    unexpected.length === 0 &&
    audited.lost === 0 &&
    audited.altered === 0 &&
    audited.otherId === 0 &&
    audited.storedTwice === 0 &&
    killed === KILLS
  report(
    'kill -9 under load (SQLite)',
    killed,
    pass,
    `${sent} sent, ${acknowledged.size} acked, ${cutOff} cut off, ${duplicates} retries answered duplicate; audit: lost ${audited.lost}, altered ${audited.altered}, other id ${audited.otherId}, stored twice ${audited.storedTwice}${unexpected.length ? `; ${unexpected[0]}` : ''}`,
    started,
  )
}

// ---------------------------------------------------------------------------------------------------------
// Disk full on a small tmpfs

async function diskFull() {
  const started = performance.now()
  if (process.getuid?.() !== 0) {
    report('disk full (tmpfs)', 0, undefined, 'skipped: needs root to mount a tmpfs', started)
    return
  }
  const mountPoint = mkdtempSync(join(tmpdir(), 'hookgate-soak-tmpfs-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { stdio: 'pipe' })
  } catch (error) {
    rmSync(mountPoint, { recursive: true, force: true })
    report(
      'disk full (tmpfs)',
      0,
      undefined,
      `skipped: mount failed (${String(error.message).split('\n')[0].slice(0, 60)})`,
      started,
    )
    return
  }
  const configDir = mkdtempSync(join(tmpdir(), 'hookgate-soak-disk-'))
  let gateway
  try {
    const dbPath = join(mountPoint, 'hookgate.db')
    gateway = await launchGateway(configDir, {
      server: { host: '127.0.0.1', port: 0 },
      storage: { sqlite: dbPath },
      log: { level: 'warn' },
      sources: [{ id: 'gh', provider: 'github', secrets: [GH_SECRET] }],
    })
    // Ballast to free later: most of the remaining space.
    const ballast = join(mountPoint, 'ballast')
    writeFileSync(ballast, Buffer.alloc(5 * 1024 * 1024))
    const agent = new Agent({ keepAlive: true, maxSockets: 4 })
    const acknowledged = new Map()
    let refused = 0
    let n = 0
    const bound = performance.now() + 60_000
    while (refused < 5 && performance.now() < bound) {
      const delivery = ghDelivery(`disk-${n++}`, 8_000)
      const answer = await exchange(gateway.url, {
        path: '/webhooks/gh',
        agent,
        headers: delivery.headers,
        body: delivery.body,
      })
      if (answer.status === 200)
        acknowledged.set(delivery.id, { eventId: JSON.parse(answer.text).id, body: delivery.body })
      else if (answer.status === 503) refused++
      else throw new Error(`disk full: unexpected ${answer.status} ${answer.text.slice(0, 100)}`)
    }
    const hinted = gateway.logLines.some(
      (line) => line.includes('store cannot commit') && line.includes('-wal file'),
    )
    unlinkSync(ballast)
    let recovered = false
    for (let tries = 0; tries < 40 && !recovered; tries++) {
      const delivery = ghDelivery(`disk-after-${tries}`, 200)
      const answer = await exchange(gateway.url, {
        path: '/webhooks/gh',
        agent,
        headers: delivery.headers,
        body: delivery.body,
      })
      if (answer.status === 200) {
        acknowledged.set(delivery.id, { eventId: JSON.parse(answer.text).id, body: delivery.body })
        recovered = true
      } else await new Promise((resolve) => setTimeout(resolve, 250))
    }
    agent.destroy()
    await gateway.stop()
    gateway = undefined
    const audited = audit(dbPath, acknowledged)
    const pass =
      refused >= 5 &&
      hinted &&
      recovered &&
      audited.lost === 0 &&
      audited.altered === 0 &&
      audited.storedTwice === 0
    report(
      'disk full (8 MiB tmpfs)',
      acknowledged.size,
      pass,
      `${acknowledged.size} acked, then ${refused} × 503; log hint ${hinted ? 'present' : 'MISSING'}; ${recovered ? 'recovered after freeing space' : 'did NOT recover'}; audit: lost ${audited.lost}, altered ${audited.altered}`,
      started,
    )
  } finally {
    if (gateway !== undefined) await gateway.stop('SIGKILL')
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' })
    } catch {
      // reported by the rmdir below if it stays mounted
    }
    rmSync(mountPoint, { recursive: true, force: true })
    rmSync(configDir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------------------
// Duplicate storms

async function storms() {
  const started = performance.now()
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-soak-storm-'))
  const dbPath = join(dir, 'hookgate.db')
  const gateway = await launchGateway(dir, {
    server: { host: '127.0.0.1', port: 0, maxConnectionsPerClient: STORM_WIDTH * 2 },
    storage: { sqlite: dbPath },
    log: { level: 'warn' },
    sources: [{ id: 'gh', provider: 'github', secrets: [GH_SECRET] }],
  })
  const problems = []
  let answered = 0
  const latencies = []
  try {
    for (let storm = 0; storm < STORMS; storm++) {
      const delivery = ghDelivery(`storm-${SEED}-${storm}`)
      const agent = new Agent({ keepAlive: false, maxSockets: STORM_WIDTH })
      const answers = await withBound(
        Promise.all(
          Array.from({ length: STORM_WIDTH }, () =>
            exchange(gateway.url, {
              path: '/webhooks/gh',
              agent,
              headers: delivery.headers,
              body: delivery.body,
            }),
          ),
        ),
        'duplicate storm',
      )
      agent.destroy()
      const ids = new Set()
      let fresh = 0
      for (const answer of answers) {
        latencies.push(answer.ms)
        if (answer.status !== 200) {
          if (problems.length < 5) problems.push(`${answer.status} ${answer.text.slice(0, 80)}`)
          continue
        }
        answered++
        const json = JSON.parse(answer.text)
        ids.add(json.id)
        if (!json.duplicate) fresh++
      }
      if (ids.size !== 1 || fresh !== 1)
        problems.push(`storm ${storm}: ${ids.size} ids, ${fresh} answered as new`)
    }
  } finally {
    await gateway.stop()
  }
  const db = new Database(dbPath, { readonly: true })
  const rows = db.prepare("SELECT count(*) AS n FROM events WHERE source_id = 'gh'").get().n
  db.close()
  rmSync(dir, { recursive: true, force: true })
  const pass = problems.length === 0 && rows === STORMS && answered === STORMS * STORM_WIDTH
  report(
    `duplicate storms (${STORM_WIDTH}-way)`,
    STORMS,
    pass,
    `${answered}/${STORMS * STORM_WIDTH} answered 200, ${rows} stored; p99 ${percentile(latencies, 99).toFixed(0)} ms${problems.length ? `; ${problems[0]}` : ''}`,
    started,
  )
}

// ---------------------------------------------------------------------------------------------------------
// Rejection flood

async function flood() {
  const started = performance.now()
  const r = await floodPhase(buildRows(), undefined, FLOOD_SECONDS)
  const quietP99 = percentile(
    r.quiet.map((a) => a.ms),
    99,
  )
  const floodP99 = percentile(
    r.flooded.map((a) => a.ms),
    99,
  )
  const ratio = floodP99 / quietP99
  const statuses = Object.entries(r.statuses)
    .map(([s, c]) => `${s}:${c}`)
    .join(' ')
  report(
    'rejection flood (20/s, ~1 MiB, default limit)',
    r.flooded.length,
    r.bad === 0 && (ratio <= 2 || floodP99 - quietP99 <= 5),
    `valid p99 quiet ${quietP99.toFixed(1)} ms → flood ${floodP99.toFixed(1)} ms (${ratio.toFixed(2)}×); hostile ${statuses}; valid non-200 ${r.bad}; RSS ${r.rss.map((v) => v?.toFixed(0)).join('→')} MiB`,
    started,
  )
}

// ---------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------
// Retention (issue 14)

async function retention() {
  for (const [check, count, result, details, seconds] of await retentionSoak(SCALE))
    results.push([check, String(count), result === 'PASS' ? 'ok' : 'FAIL', details, seconds])
}

// ---------------------------------------------------------------------------------------------------------

const only = process.env.SOAK_PHASES?.split(',').map((name) => name.trim())
const phases = [fuzz, kills, diskFull, storms, flood, retention].filter(
  (phase) => only === undefined || only.includes(phase.name),
)
const allStarted = performance.now()
console.log(
  `hookgate soak: SOAK_SCALE=${SCALE}, SOAK_SEED=${SEED}; loopback only; phases: ${phases.map((p) => p.name).join(', ')}`,
)
for (const phase of phases) {
  const started = performance.now()
  try {
    await phase()
  } catch (error) {
    report(phase.name, 0, false, `error: ${String(error?.message ?? error).slice(0, 160)}`, started)
  }
  console.log(`  ${phase.name} done (${((performance.now() - started) / 1000).toFixed(1)} s)`)
}
console.log('')
printTable(['check', 'count', 'result', 'details', 's'], results, 4)
console.log(`\ntotal ${((performance.now() - allStarted) / 1000).toFixed(0)} s`)
process.exit(results.some((row) => row[2] === 'FAIL') ? 1 : 0)
