/**
 * Several instances on one PostgreSQL schema, one of them dying again and again.
 *
 * Two real `hookgate serve` processes (the built CLI) share one schema and one destination (a sink server in
 * this process). Concurrent senders post signed GitHub webhooks (unique `X-GitHub-Delivery` each) to both, as
 * a load balancer would; a request that gets no 2xx is sent again to whichever instance is up (as a provider
 * retries). Instance B is SIGKILLed several times under load — mid-ingest and mid-delivery — and restarted.
 *
 * Then, read from the sink and from the database itself:
 * - every acknowledged event is stored exactly once, under the id it was acknowledged with;
 * - every acknowledged event reached the sink at least once (B's leases expire and A or the next B takes over);
 * - no delivery was ever in flight twice at the same time: the sink tracks requests per `x-hookgate-delivery`
 *   and counts one arriving while another for the same delivery is still open (a killed worker's connection
 *   closes with its process, so only a real double claim could do it);
 * - both instances took requests and both delivered (load shared).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { Agent, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as delay } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { CLI, ensureBuilt, plainEnv } from '../built.ts'
import { adminPool, closeAdminPool, POSTGRES_URL, testSchema } from '../storage/postgres-support.ts'
import { seededRandom, testSeed } from '../seed.ts'

/** Delays of the sink and between kills: seeded, so a run can be replayed (HOOKGATE_TEST_SEED). */
const random = seededRandom(testSeed(0x9a11_0002))

const FILE = 'test/gateway/postgres-multi-instance.test.ts'
const SECRET = 'multi-instance-github-secret-0123456789'
const SINK_SECRET = `whsec_${randomBytes(24).toString('base64')}`
const github = providers.github({ secrets: [SECRET] })
const SENDERS = 6
const KILLS = 3
/** B is killed after this many of its own acknowledgements (then a random 0-30 ms more). */
const ACKS_BEFORE_KILL = 60
/** Acknowledgements the last B must collect before new events stop. */
const FINAL_B_ACKS = 30
/** Hard cap on distinct events: the run is bounded even if acknowledgements never come. */
const MAX_EVENTS = 5_000

interface Instance {
  readonly name: string
  readonly child: ChildProcess
  readonly url: URL
  readonly agent: Agent
  readonly exited: Promise<number | null>
  acks: number
}

async function launch(name: string, configPath: string): Promise<Instance> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath], {
    env: plainEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const lines = createInterface({ input: child.stdout! })
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not report its address within 20 s; stderr: ${stderr}`)),
      20_000,
    )
    lines.on('line', (line) => {
      if (!line.includes('"hookgate listening"')) return
      clearTimeout(timer)
      resolve(new URL((JSON.parse(line) as { url: string }).url))
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited (${code}) before listening; stderr: ${stderr}`))
    })
  })
  lines.removeAllListeners('line')
  lines.on('line', () => undefined)
  return {
    name,
    child,
    url,
    agent: new Agent({ keepAlive: true, maxSockets: SENDERS }),
    exited,
    acks: 0,
  }
}

function post(
  instance: Instance,
  id: string,
  body: Buffer,
): Promise<{ status: number; text: string } | undefined> {
  const headers = {
    'content-type': 'application/json',
    'x-github-delivery': id,
    'x-github-event': 'push',
    ...signWebhook(github, { body }),
  }
  return new Promise((resolve) => {
    const req = request(
      new URL('/webhooks/gh', instance.url),
      {
        method: 'POST',
        agent: instance.agent,
        headers: { ...headers, 'content-length': String(body.length) },
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
    req.end(body)
  })
}

/** The destination: answers 2xx after a short random delay, and watches for one delivery in flight twice. */
function startSink(): Promise<{
  server: Server
  url: string
  received: Map<string, number>
  overlaps: string[]
  badSignatures: number
}> {
  const received = new Map<string, number>()
  const open = new Set<string>()
  const state = {
    server: undefined as unknown as Server,
    url: '',
    received,
    overlaps: [] as string[],
    badSignatures: 0,
  }
  const secret = Buffer.from(SINK_SECRET.slice('whsec_'.length), 'base64')
  state.server = createServer((req, res) => {
    const delivery = String(req.headers['x-hookgate-delivery'])
    const eventId = String(req.headers['webhook-id'])
    if (open.has(delivery)) state.overlaps.push(delivery)
    open.add(delivery)
    let closed = false
    const release = (): void => {
      if (!closed) open.delete(delivery)
      closed = true
    }
    // The response's 'close': when it was sent, or when the connection died first (the worker was killed).
    // (The request's own 'close' also fires once its body is read, so it says nothing here.)
    res.on('close', release)
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      // Standard Webhooks: v1,<base64 HMAC-SHA256 of id.timestamp.body>.
      const expected = createHmac('sha256', secret)
        .update(
          `${eventId}.${String(req.headers['webhook-timestamp'])}.${Buffer.concat(chunks).toString('utf8')}`,
        )
        .digest('base64')
      if (!String(req.headers['webhook-signature']).split(' ').includes(`v1,${expected}`))
        state.badSignatures++
      setTimeout(
        () => {
          if (closed) return
          received.set(eventId, (received.get(eventId) ?? 0) + 1)
          res.writeHead(204).end()
          release()
        },
        Number(req.headers['x-test-delay-ms'] ?? Math.floor(random() * 30)),
      )
    })
  })
  return new Promise((resolve) => {
    state.server.listen(0, '127.0.0.1', () => {
      state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/hooks`
      resolve(state)
    })
  })
}

if (POSTGRES_URL === undefined) {
  describe.skip('several instances on one PostgreSQL schema (skipped: HOOKGATE_TEST_POSTGRES_URL is not set)', () => {
    it('shares load; one instance SIGKILLed repeatedly; stored once, delivered, never twice in flight', () =>
      undefined)
  })
} else {
  describe('several instances on one PostgreSQL schema', () => {
    let dir: string
    beforeAll(async () => {
      await ensureBuilt()
      dir = mkdtempSync(join(tmpdir(), 'hookgate-multi-'))
    })
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true })
      await closeAdminPool()
    })

    it(
      'share load; B SIGKILLed repeatedly and restarted: every acknowledged event stored once and delivered, never twice in flight',
      { timeout: 60_000 },
      async () => {
        const schema = await testSchema(FILE)
        const sink = await startSink()
        // The overlap detector itself: two requests for one delivery at once are caught (then forgotten).
        const probe = (): Promise<Response> =>
          fetch(sink.url, {
            method: 'POST',
            headers: {
              'x-hookgate-delivery': 'dlv_probe',
              'webhook-id': 'evt_probe',
              'x-test-delay-ms': '200',
            },
            body: '{}',
          })
        await Promise.all([probe(), probe()])
        expect(sink.overlaps).toEqual(['dlv_probe'])
        sink.overlaps.length = 0
        sink.received.clear()
        sink.badSignatures = 0
        const configPath = join(dir, 'hookgate.json')
        writeFileSync(
          configPath,
          JSON.stringify({
            server: { host: '127.0.0.1', port: 0, shutdownTimeoutMs: 3_000 },
            storage: { postgres: POSTGRES_URL, schema, poolSize: 4 },
            log: { level: 'warn' },
            sources: [{ id: 'gh', provider: 'github', secrets: [SECRET] }],
            destinations: [
              {
                id: 'sink',
                url: sink.url,
                sources: ['gh'],
                signingSecret: SINK_SECRET,
                timeoutMs: 2_000,
                retry: {
                  schedule: ['200ms', '500ms', '1s', '1s', '1s', '1s', '1s', '1s', '1s', '1s'],
                },
              },
            ],
            // A killed worker's leases (timeoutMs + margin = 3 s) are taken over by the survivors.
            delivery: { pollIntervalMs: 250, leaseMarginMs: 1_000 },
          }),
        )

        const acknowledged = new Map<string, string>() // delivery id → event id
        const unexpected: string[] = []
        const pendingRetries: string[] = []
        const bodies = new Map<string, Buffer>()
        let next = 0
        let stopped = false
        let newEvents = true
        let a: Instance | undefined
        let b: Instance | undefined
        let turn = 0
        let onBAck: (() => void) | undefined

        const sender = async (): Promise<void> => {
          while (!stopped) {
            const id =
              pendingRetries.shift() ??
              (newEvents && next < MAX_EVENTS ? `multi-${next++}` : undefined)
            if (id === undefined) {
              if (!newEvents && acknowledged.size === next) return
              await delay(20)
              continue
            }
            const body =
              bodies.get(id) ??
              Buffer.from(JSON.stringify({ id, filler: randomBytes(200).toString('hex') }))
            bodies.set(id, body)
            const live = [a, b].filter((i): i is Instance => i !== undefined)
            const target = live[turn++ % Math.max(1, live.length)]
            const answer = target === undefined ? undefined : await post(target, id, body)
            if (answer?.status === 200) {
              const { id: eventId } = JSON.parse(answer.text) as { id: string }
              const before = acknowledged.get(id)
              if (before !== undefined && before !== eventId)
                unexpected.push(`${id} acknowledged as ${before} and ${eventId}`)
              acknowledged.set(id, eventId)
              target!.acks++
              if (target === b) onBAck?.()
            } else {
              if (answer !== undefined && answer.status !== 503)
                unexpected.push(`${answer.status} ${answer.text.slice(0, 200)}`)
              pendingRetries.push(id)
              if (answer === undefined) await delay(10)
            }
          }
        }

        const instances: Instance[] = []
        try {
          a = await launch('A', configPath)
          b = await launch('B', configPath)
          instances.push(a, b)
          const senders = Array.from({ length: SENDERS }, () => sender())
          /** Resolves once the current B has acknowledged `count` requests; fails rather than waiting for ever. */
          const bAcks = (victim: Instance, count: number): Promise<void> =>
            new Promise<void>((resolve, reject) => {
              const timer = setTimeout(
                () =>
                  reject(
                    new Error(`${victim.name} got only ${victim.acks} acknowledgements in 20 s`),
                  ),
                20_000,
              )
              onBAck = () => {
                if (victim.acks < count) return
                clearTimeout(timer)
                onBAck = undefined
                resolve()
              }
              onBAck()
            })
          for (let kill = 0; kill < KILLS; kill++) {
            const victim: Instance = b!
            await bAcks(victim, ACKS_BEFORE_KILL)
            await delay(Math.floor(random() * 30))
            victim.child.kill('SIGKILL')
            b = undefined
            await victim.exited
            victim.agent.destroy()
            b = await launch(`B${kill + 2}`, configPath)
            instances.push(b)
          }
          await bAcks(b!, FINAL_B_ACKS)
          newEvents = false
          await Promise.all(senders)

          // Everything acknowledged must reach the sink; B's orphaned leases take timeoutMs + margin to expire.
          const deadline = Date.now() + 25_000
          const eventIds = new Set(acknowledged.values())
          while ([...eventIds].some((id) => !sink.received.has(id)) && Date.now() < deadline)
            await delay(100)
        } finally {
          stopped = true
          for (const instance of [a, b]) instance?.child.kill('SIGTERM')
          await Promise.all([a, b].map(async (instance) => instance?.exited))
          for (const instance of instances) instance.agent.destroy()
          await new Promise((resolve) => sink.server.close(resolve))
          sink.server.closeAllConnections()
        }

        // The database, read directly.
        const pool = adminPool()
        const rows = (
          await pool.query(`SELECT id, dedupe_key FROM "${schema}".events WHERE source_id = 'gh'`)
        ).rows as { id: string; dedupe_key: string }[]
        const byKey = new Map<string, string[]>()
        for (const row of rows)
          byKey.set(row.dedupe_key, [...(byKey.get(row.dedupe_key) ?? []), row.id])
        const lost = [...acknowledged].filter(([key]) => !byKey.has(key))
        const otherId = [...acknowledged].filter(([key, id]) => byKey.get(key)?.[0] !== id)
        const storedTwice = [...byKey].filter(([, ids]) => ids.length > 1)
        const undelivered = [...acknowledged.values()].filter((id) => !sink.received.has(id))
        const attemptsByWorker = (
          await pool.query(
            `SELECT worker_id, count(*)::int AS n FROM "${schema}".attempts GROUP BY worker_id`,
          )
        ).rows as { worker_id: string; n: number }[]
        const redelivered = [...sink.received.values()].filter((n) => n > 1).length
        console.log(
          `multi-instance: ${acknowledged.size} acknowledged (A ${instances[0]!.acks}, B* ${instances.slice(1).reduce((n, i) => n + i.acks, 0)}), ` +
            `${rows.length} stored, ${sink.received.size} delivered (${redelivered} more than once), ${KILLS} kills, ` +
            `attempts by worker ${JSON.stringify(attemptsByWorker.map((w) => w.n))}`,
        )

        expect(unexpected).toEqual([])
        expect(acknowledged.size).toBe(next)
        expect({
          lost: lost.length,
          otherId: otherId.length,
          storedTwice: storedTwice.length,
        }).toEqual({ lost: 0, otherId: 0, storedTwice: 0 })
        expect(undelivered).toEqual([])
        expect(sink.overlaps).toEqual([])
        expect(sink.badSignatures).toBe(0)
        expect(instances[0]!.acks).toBeGreaterThan(0)
        expect(instances.slice(1).reduce((n, i) => n + i.acks, 0)).toBeGreaterThanOrEqual(
          KILLS * ACKS_BEFORE_KILL,
        )
        // Both A and (some generation of) B delivered.
        expect(attemptsByWorker.length).toBeGreaterThanOrEqual(2)
      },
    )
  })
}
