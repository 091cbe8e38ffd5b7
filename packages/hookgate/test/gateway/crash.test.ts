/**
 * Crash consistency: nothing the gateway acknowledged may be lost when its process dies.
 *
 * The real built gateway (`hookgate serve`, a child process) runs on a SQLite file in a temp directory while
 * concurrent senders post signed GitHub webhooks (unique `X-GitHub-Delivery` each). After a random number of
 * acknowledgements the process is SIGKILLed — no shutdown handler runs — and restarted on the same file;
 * requests that got no 2xx are sent again (as a provider retries), possibly duplicating one the store had
 * committed. After the last restart the gateway is stopped and the SQLite file itself is audited, read-only:
 * every request that got a 2xx must be there once, body byte for byte, under the id it was answered with.
 *
 * The negative control runs the same harness against `test/fixtures/early-ack-serve.mjs`, a gateway whose
 * store answers before committing (commits are held back 250 ms). The audit must find it losing events: proof
 * that this test can fail.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { setTimeout as delay } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { CLI, ensureBuilt, plainEnv } from '../built.ts'
import { seededRandom, testSeed } from '../seed.ts'

const SECRET = 'crash-test-github-secret-0123456789'
const SOURCE = 'gh'
const github = providers.github({ secrets: [SECRET] })
const EARLY_ACK = fileURLToPath(new URL('../fixtures/early-ack-serve.mjs', import.meta.url))

/** Concurrent senders. */
const CONCURRENCY = 16
const KILLS = 4
/** Each kill comes after a random number of acknowledgements in this range, then a random 0-20 ms more. */
const ACKS_BEFORE_KILL = [150, 450] as const
/** Acknowledgements collected after the last restart, before the graceful stop. */
const FINAL_ACKS = 100
/** Hard cap on requests per run: the loop is bounded even if acknowledgements never come. */
const MAX_REQUESTS = 20_000

/** A seeded PRNG (mulberry32), so a failing run can be replayed with CRASH_TEST_SEED. */
const prng = seededRandom

interface Delivery {
  readonly id: string
  readonly body: Buffer
  readonly headers: Record<string, string>
}

interface Generation {
  readonly child: ChildProcess
  readonly url: URL
  readonly agent: Agent
  readonly exited: Promise<number | null>
  acks: number
  onAck: (() => void) | undefined
}

interface CrashRun {
  readonly seed: number
  readonly sent: number
  readonly acks: number
  readonly kills: number
  /** Requests whose connection died with the process (no answer). */
  readonly cutOff: number
  /** Retries answered `duplicate: true`: their first attempt was committed, its answer cut off by a kill. */
  readonly duplicates: number
  /** Answers that were neither 200 nor a 503 to retry: a harness or gateway bug. */
  readonly unexpected: readonly string[]
  readonly audit: Audit
}

interface Audit {
  readonly storedRows: number
  /** Acknowledged but absent from the store. */
  readonly lost: number
  /** Acknowledged and stored, but with other bytes. */
  readonly altered: number
  /** Acknowledged with an event id other than the stored one. */
  readonly otherId: number
  /** Dedupe keys stored more than once. */
  readonly storedTwice: number
  /** Stored although never acknowledged (committed just before a kill): allowed, not lost. */
  readonly storedUnacknowledged: number
}

/** Builds a signed GitHub delivery with a unique id and a ~0.3-1.5 KiB JSON body (multi-byte UTF-8 included). */
function makeDelivery(id: string, random: () => number): Delivery {
  const filler = randomBytes(100 + Math.floor(random() * 500)).toString('hex')
  const body = Buffer.from(
    JSON.stringify({ action: 'opened', delivery: id, note: `ünïcödé ✓ ${id}`, filler }),
    'utf8',
  )
  const headers = {
    'content-type': 'application/json',
    'x-github-delivery': id,
    'x-github-event': 'push',
    ...signWebhook(github, { body }),
  }
  return { id, body, headers }
}

/** POSTs one delivery; `undefined` when the connection failed or died before an answer. */
function post(
  generation: Generation,
  delivery: Delivery,
): Promise<{ status: number; text: string } | undefined> {
  return new Promise((resolve) => {
    const req = request(
      new URL(`/webhooks/${SOURCE}`, generation.url),
      {
        method: 'POST',
        agent: generation.agent,
        headers: { ...delivery.headers, 'content-length': String(delivery.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        )
        res.on('error', () => resolve(undefined))
        res.on('close', () => {
          if (!res.complete) resolve(undefined)
        })
      },
    )
    req.on('error', () => resolve(undefined))
    req.end(delivery.body)
  })
}

/** Starts a gateway process and resolves once it logged its listening address. */
async function launch(entry: string, configPath: string): Promise<Generation> {
  const args =
    entry === CLI ? [CLI, 'serve', '--config', configPath] : [entry, '--config', configPath]
  const child = spawn(process.execPath, args, {
    env: plainEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const lines = createInterface({ input: child.stdout! })
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`the gateway did not report its address within 20 s; stderr: ${stderr}`)),
      20_000,
    )
    lines.on('line', (line) => {
      if (!line.includes('"hookgate listening"')) return
      clearTimeout(timer)
      resolve(new URL((JSON.parse(line) as { url: string }).url))
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`the gateway exited (${code}) before listening; stderr: ${stderr}`))
    })
  })
  // Keep reading (and dropping) the per-request log lines so the pipe never fills up and blocks the gateway.
  lines.removeAllListeners('line')
  lines.on('line', () => undefined)
  return {
    child,
    url,
    agent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
    exited,
    acks: 0,
    onAck: undefined,
  }
}

/** Reads the store directly (read-only) and compares it with what was acknowledged. */
function audit(
  dbPath: string,
  acknowledged: ReadonlyMap<string, { eventId: string; body: Buffer }>,
): Audit {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true })
  try {
    const rows = db
      .prepare('SELECT id, dedupe_key, body FROM events WHERE source_id = ?')
      .all(SOURCE) as {
      id: string
      dedupe_key: string
      body: Buffer
    }[]
    const byKey = new Map<string, { id: string; body: Buffer }[]>()
    for (const row of rows) {
      const list = byKey.get(row.dedupe_key) ?? []
      list.push({ id: row.id, body: row.body })
      byKey.set(row.dedupe_key, list)
    }
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
    const storedUnacknowledged = [...byKey.keys()].filter((key) => !acknowledged.has(key)).length
    return { storedRows: rows.length, lost, altered, otherId, storedTwice, storedUnacknowledged }
  } finally {
    db.close()
  }
}

/**
 * Sends load at `entry` (the CLI or the early-ack fixture), SIGKILLs and restarts it `KILLS` times, stops it
 * gracefully, and audits the store.
 */
async function crashRun(entry: string, dir: string, seed: number): Promise<CrashRun> {
  const random = prng(seed)
  const dbPath = join(dir, 'hookgate.db')
  const configPath = join(dir, 'hookgate.json')
  writeFileSync(
    configPath,
    JSON.stringify({
      server: { host: '127.0.0.1', port: 0, shutdownTimeoutMs: 5_000 },
      storage: { sqlite: dbPath },
      log: { level: 'info' },
      sources: [{ id: SOURCE, provider: 'github', secrets: [SECRET] }],
    }),
  )

  const acknowledged = new Map<string, { eventId: string; body: Buffer }>()
  const retry: Delivery[] = []
  const unexpected: string[] = []
  let sent = 0
  let cutOff = 0
  let duplicates = 0
  let next = 0
  let stopped = false
  let current: Generation | undefined
  let generationReady: Promise<void> = Promise.resolve()
  let announce: () => void = () => undefined

  const sender = async (): Promise<void> => {
    while (!stopped && sent < MAX_REQUESTS) {
      const generation = current
      if (generation === undefined) {
        await generationReady
        continue
      }
      const delivery = retry.shift() ?? makeDelivery(`crash-${seed}-${next++}`, random)
      sent++
      const answer = await post(generation, delivery)
      if (answer?.status === 200) {
        // A duplicate (a retry of a request committed just before a kill) is answered with the stored event's id.
        const { id, duplicate } = JSON.parse(answer.text) as { id: string; duplicate: boolean }
        if (duplicate) duplicates++
        acknowledged.set(delivery.id, { eventId: id, body: delivery.body })
        generation.acks++
        generation.onAck?.()
      } else {
        if (answer === undefined) cutOff++
        else if (answer.status !== 503)
          unexpected.push(`${answer.status} ${answer.text.slice(0, 200)}`)
        retry.push(delivery)
        // The process is gone: wait for the next one instead of spinning on refused connections.
        if (
          generation.child.exitCode !== null ||
          generation.child.signalCode !== null ||
          answer === undefined
        ) {
          await generationReady
        }
      }
    }
  }

  /** Publishes a running gateway to the senders. */
  const publish = (generation: Generation | undefined): void => {
    current = generation
    if (generation !== undefined) announce()
    else generationReady = new Promise<void>((resolve) => (announce = resolve))
  }
  /** Resolves once `generation` has acknowledged `count` requests; fails rather than waiting for ever. */
  const ackCount = (generation: Generation, count: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `only ${generation.acks} of ${count} acknowledgements within 20 s (sent ${sent})`,
            ),
          ),
        20_000,
      )
      generation.onAck = () => {
        if (generation.acks < count) return
        clearTimeout(timer)
        resolve()
      }
      generation.onAck()
    })

  publish(undefined)
  const senders = Array.from({ length: CONCURRENCY }, () => sender())
  let kills = 0
  try {
    for (; kills < KILLS; kills++) {
      const generation = await launch(entry, configPath)
      publish(generation)
      const [low, high] = ACKS_BEFORE_KILL
      await ackCount(generation, low + Math.floor(random() * (high - low)))
      await delay(Math.floor(random() * 20))
      publish(undefined)
      generation.child.kill('SIGKILL')
      await generation.exited
      generation.agent.destroy()
    }
    const last = await launch(entry, configPath)
    publish(last)
    await ackCount(last, FINAL_ACKS)
    stopped = true
    await Promise.all(senders)
    last.child.kill('SIGTERM')
    const code = await last.exited
    last.agent.destroy()
    if (code !== 0) unexpected.push(`graceful stop exited with ${code}`)
  } finally {
    stopped = true
    announce()
    current?.child.kill('SIGKILL')
  }
  return {
    seed,
    sent,
    acks: acknowledged.size,
    kills,
    cutOff,
    duplicates,
    unexpected,
    audit: audit(dbPath, acknowledged),
  }
}

describe('crash consistency (SIGKILL under load, restart on the same SQLite file)', () => {
  const dirs: string[] = []
  const seed = Number(process.env.CRASH_TEST_SEED) || testSeed(0x0c4a_5e01)
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'hookgate-crash-'))
    dirs.push(dir)
    return dir
  }
  beforeAll(() => ensureBuilt())
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  it(
    'loses no acknowledged event and stores each once: hookgate serve',
    { timeout: 60_000 },
    async () => {
      const run = await crashRun(CLI, tempDir(), seed)
      console.log(`crash test (hookgate serve, seed ${run.seed}): ${JSON.stringify(run)}`)
      expect(run.unexpected).toEqual([])
      expect(run.kills).toBe(KILLS)
      expect(run.acks).toBeGreaterThan(KILLS * ACKS_BEFORE_KILL[0])
      expect(run.audit).toMatchObject({ lost: 0, altered: 0, otherId: 0, storedTwice: 0 })
      expect(run.audit.storedRows).toBe(run.acks + run.audit.storedUnacknowledged)
    },
  )

  it(
    'negative control: a gateway that acknowledges before committing is caught losing events',
    { timeout: 60_000 },
    async () => {
      const run = await crashRun(EARLY_ACK, tempDir(), seed)
      console.log(`crash test (early-ack control, seed ${run.seed}): ${JSON.stringify(run)}`)
      expect(run.unexpected).toEqual([])
      expect(run.kills).toBe(KILLS)
      expect(run.audit.lost).toBeGreaterThan(0)
    },
  )
})
