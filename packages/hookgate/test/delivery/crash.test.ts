/**
 * At least once across crashes: the built `hookgate serve` delivers to a slow sink while signed events keep
 * arriving; it is SIGKILLed while deliveries are in flight (no shutdown handler runs), restarted on the same
 * SQLite file, and so on. Requests that got no answer are sent again, as a provider would. In the end every
 * event the gateway acknowledged must have reached the sink at least once, and every delivery in the store
 * must be `delivered`. Duplicates are allowed only for attempts cut off by a kill (counted, and bounded).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { CLI, ensureBuilt, plainEnv } from '../built.ts'
import { DEST_SECRET, SOURCE_SECRET } from './fixtures.ts'
import { startSink, type Sink } from './sink.ts'

const github = providers.github({ secrets: [SOURCE_SECRET] })
const EVENTS = 240
const CONCURRENCY = 8
const KILLS = 3

interface Process {
  readonly child: ChildProcess
  readonly url: URL
  readonly exited: Promise<number | null>
  readonly agent: Agent
}

async function launch(configPath: string): Promise<Process> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath], {
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
      () => reject(new Error(`no address within 20 s; stderr: ${stderr}`)),
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
  lines.removeAllListeners('line')
  lines.on('line', () => undefined)
  return { child, url, exited, agent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }) }
}

/** POSTs one signed event; the event id on a 200, else undefined (connection died, 503…). */
function send(target: Process, n: number): Promise<string | undefined> {
  const body = Buffer.from(JSON.stringify({ n, note: `crash ✓ ${n}` }), 'utf8')
  const headers = {
    'content-type': 'application/json',
    'x-github-delivery': `crash-${n}`,
    'x-github-event': 'push',
    ...signWebhook(github, { body }),
  }
  return new Promise((resolve) => {
    const req = request(
      new URL('/webhooks/gh', target.url),
      {
        method: 'POST',
        agent: target.agent,
        headers: { ...headers, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve(
            res.statusCode === 200
              ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string }).id
              : undefined,
          ),
        )
        res.on('error', () => resolve(undefined))
        res.on('close', () => {
          if (!res.complete) resolve(undefined)
        })
      },
    )
    req.on('error', () => resolve(undefined))
    req.end(body)
  })
}

/** Deliveries not yet delivered, read from the live WAL database without disturbing the writer. */
function undelivered(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true })
  try {
    return (
      db.prepare("SELECT count(*) AS n FROM deliveries WHERE status <> 'delivered'").get() as {
        n: number
      }
    ).n
  } finally {
    db.close()
  }
}

/** Polls a condition (not a timed assertion); throws after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

let dir: string
let sink: Sink

beforeAll(async () => {
  await ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookgate-delivery-crash-'))
  // Slow enough that a kill always finds attempts in flight.
  sink = await startSink({ kind: 'slow', delayMs: 40 })
})

afterAll(async () => {
  await sink.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('delivery survives SIGKILL', () => {
  it('every acknowledged event is delivered at least once after restarts; the store ends with every delivery delivered', async () => {
    const dbPath = join(dir, 'hookgate.db')
    const configPath = join(dir, 'hookgate.yaml')
    writeFileSync(
      configPath,
      JSON.stringify({
        server: { host: '127.0.0.1', port: 0 },
        storage: { sqlite: dbPath },
        log: { level: 'warn' },
        sources: [{ id: 'gh', provider: 'github', secrets: [SOURCE_SECRET] }],
        // Short timeout + margin: a dead process's leases are taken over ~1.3 s after its death.
        delivery: { pollIntervalMs: 50, leaseMarginMs: 300 },
        destinations: [
          {
            id: 'sink',
            url: `${sink.origin}/in`,
            sources: ['gh'],
            timeoutMs: 1000,
            maxInFlight: 8,
            signingSecret: DEST_SECRET,
          },
        ],
      }),
    )

    const acked = new Map<number, string>()
    const unsent = new Set(Array.from({ length: EVENTS }, (_, i) => i))
    let inFlightAtKills = 0
    for (let generation = 0; generation <= KILLS; generation++) {
      const gw = await launch(configPath)
      // Send (or resend) what has no acknowledgement yet; in the crashing generations only part of it.
      const batch = [...unsent].slice(
        0,
        generation === KILLS ? undefined : Math.ceil(EVENTS / (KILLS + 1)),
      )
      let next = 0
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < batch.length) {
            const n = batch[next++]!
            const id = await send(gw, n)
            if (id !== undefined) {
              acked.set(n, id)
              unsent.delete(n)
            }
          }
        }),
      )
      if (generation < KILLS) {
        // Kill in the middle of deliveries: wait until the sink is holding attempts of this process.
        const seen = sink.received.length
        await sink.waitFor((r) => r.length >= seen + 5 && sink.open > 0)
        inFlightAtKills += sink.open
        gw.child.kill('SIGKILL')
        await gw.exited
        gw.agent.destroy()
      } else {
        const ids = new Set(acked.values())
        await sink.waitFor((r) => {
          const got = new Set(r.map((x) => x.headers['webhook-id']))
          for (const id of ids) if (!got.has(id)) return false
          return true
        }, 30_000)
        // A delivery whose attempt a kill cut off may have reached the sink and still be leased by the dead
        // process: wait (on the store itself, read-only) until its lease ran out and it was attempted again.
        await until(() => undelivered(dbPath) === 0, 30_000)
        gw.child.kill('SIGTERM')
        expect(await gw.exited).toBe(0)
        gw.agent.destroy()
      }
    }

    expect(unsent.size).toBe(0)
    expect(acked.size).toBe(EVENTS)
    expect(inFlightAtKills).toBeGreaterThan(0) // the kills really interrupted deliveries

    const ackedIds = new Set(acked.values())
    const received = sink.received.map((r) => r.headers['webhook-id']!)
    const counts = new Map<string, number>()
    for (const id of received) counts.set(id, (counts.get(id) ?? 0) + 1)
    for (const id of ackedIds) expect(counts.get(id) ?? 0).toBeGreaterThanOrEqual(1)
    // Duplicates come only from attempts a kill cut off (each kill can cut at most maxInFlight = 8).
    const duplicates = received.length - counts.size
    expect(duplicates).toBeLessThanOrEqual(KILLS * 8)

    const db = new Database(dbPath, { readonly: true, fileMustExist: true })
    try {
      const rows = db
        .prepare('SELECT status, count(*) AS n FROM deliveries GROUP BY status')
        .all() as { status: string; n: number }[]
      expect(rows).toEqual([{ status: 'delivered', n: EVENTS }])
      const events = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n
      expect(events).toBe(EVENTS)
    } finally {
      db.close()
    }
  }, 90_000)
})
