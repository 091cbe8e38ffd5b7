/**
 * The delivery worker against real HTTP sinks and a real SQLite store, on an injected clock: multi-hour
 * schedules run in milliseconds by moving the clock and calling `poll()` / `idle()`.
 */
import { Buffer } from 'node:buffer'
import { Webhook } from 'standardwebhooks'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createDeliveryWorker,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
} from '../../src/delivery/worker.ts'
import { createMetrics } from '../../src/metrics.ts'
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts'
import type { Storage, StoredAttempt } from '../../src/storage/types.ts'
import { createClock, DEST_SECRET, destination, event, sequence, type Clock } from './fixtures.ts'
import { startSink, type Sink, type SinkMode } from './sink.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function sink(...args: Parameters<typeof startSink>): Promise<Sink> {
  const s = await startSink(...args)
  cleanups.push(() => s.close())
  return s
}

async function store(): Promise<Storage> {
  const storage = createSqliteStorage({ path: ':memory:' })
  await storage.migrate()
  cleanups.push(() => storage.close())
  return storage
}

function worker(options: Omit<DeliveryWorkerOptions, 'now'> & { clock: Clock }): DeliveryWorker {
  const { clock, ...rest } = options
  const w = createDeliveryWorker({
    workerId: 'test-worker',
    now: clock.now,
    random: () => 0.5,
    ...rest,
  })
  cleanups.push(() => w.stop({ timeoutMs: 2_000 }))
  return w
}

/** One round: claim what is due now, wait for every attempt to be recorded. */
async function round(w: DeliveryWorker): Promise<number> {
  const claimed = await w.poll()
  await w.idle()
  return claimed
}

async function attemptsOf(
  storage: Storage,
  eventId: string,
  destinationId = 'd',
): Promise<StoredAttempt[]> {
  const deliveries = await storage.listDeliveries(eventId)
  return deliveries.filter((d) => d.destinationId === destinationId).flatMap((d) => d.attemptLog)
}

describe('delivery worker', () => {
  it('POSTs the raw body with the original content type and Standard Webhooks headers that verify with standardwebhooks', async () => {
    const clock = createClock()
    const s = await sink()
    const storage = await store()
    const d = destination({ url: `${s.origin}/hooks/billing?tenant=1` })
    const w = worker({ storage, destinations: [d], clock })
    const body = Buffer.from('{"type":"invoice.paid","amount":12,"note":"ünïcødé ✓"}', 'utf8')
    const { event: stored } = await storage.ingest(
      event(clock.now(), {
        body,
        eventType: 'invoice.paid',
        headers: {
          'content-type': 'application/vnd.custom+json; charset=utf-8',
          'x-other': 'not forwarded',
        },
      }),
      ['d'],
    )

    expect(await round(w)).toBe(1)
    expect(s.received).toHaveLength(1)
    const got = s.received[0]!
    expect(got.method).toBe('POST')
    expect(got.path).toBe('/hooks/billing?tenant=1')
    expect(got.body.equals(body)).toBe(true)
    expect(got.headers['content-type']).toBe('application/vnd.custom+json; charset=utf-8')
    expect(got.headers['webhook-id']).toBe(stored.id)
    expect(got.headers['webhook-timestamp']).toBe(String(Math.floor(clock.ms / 1000)))
    expect(got.headers['x-hookgate-source']).toBe('src')
    expect(got.headers['x-hookgate-provider']).toBe('github')
    expect(got.headers['x-hookgate-event-type']).toBe('invoice.paid')
    expect(got.headers['x-hookgate-attempt']).toBe('1')
    expect(got.headers['x-other']).toBeUndefined() // provider headers stay in the store, not forwarded
    expect(got.headers['content-encoding']).toBeUndefined()

    // The official library accepts it; any change to the body or the id is refused.
    const wh = new Webhook(DEST_SECRET)
    expect(wh.verify(got.body, got.headers)).toEqual(JSON.parse(body.toString('utf8')))
    expect(() =>
      wh.verify(Buffer.concat([got.body, Buffer.from(' ')]), got.headers, { jsonParse: false }),
    ).toThrow()
    expect(() =>
      wh.verify(got.body, { ...got.headers, 'webhook-id': 'evt_other' }, { jsonParse: false }),
    ).toThrow()
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(got.body, got.headers),
    ).toThrow()

    const [delivery] = await storage.listDeliveries(stored.id)
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1 })
    expect(delivery!.attemptLog[0]).toMatchObject({
      statusCode: 200,
      error: undefined,
      workerId: 'test-worker',
      next: { kind: 'done' },
    })
    expect(Buffer.from(delivery!.attemptLog[0]!.responseBody!).toString()).toBe('ok')
    expect(await round(w)).toBe(0) // delivered: never again
  })

  it('follows the schedule within the jitter bounds, keeps webhook-id, and dead-letters after the last attempt', async () => {
    const clock = createClock()
    const s = await sink({ kind: 'status', status: 500, body: 'x'.repeat(10_000) })
    const storage = await store()
    const schedule = ['5s', '5m', '30m', '2h'] as const
    const bases = [5_000, 300_000, 1_800_000, 7_200_000]
    const d = destination({ url: `${s.origin}/h`, retry: { schedule: [...schedule], jitter: 0.2 } })
    // Jitter at both extremes and in between.
    const w = worker({
      storage,
      destinations: [d],
      clock,
      random: sequence([0, 0.999_999, 0.25, 0.75]),
      circuitBreaker: { failureThreshold: 100 },
    })
    const { event: stored } = await storage.ingest(event(clock.now()), ['d'])

    for (let n = 1; n <= 5; n++) {
      expect(await round(w)).toBe(1)
      const attempts = await attemptsOf(storage, stored.id)
      expect(attempts).toHaveLength(n)
      const last = attempts[n - 1]!
      expect(last.attemptNumber).toBe(n)
      expect(last.startedAt.getTime()).toBe(clock.ms)
      expect(last.statusCode).toBe(500)
      expect(last.responseBody!.byteLength).toBe(4096) // truncated
      if (n <= 4) {
        expect(last.next.kind).toBe('retry')
        const delay = (last.next as { at: Date }).at.getTime() - clock.ms
        const base = bases[n - 1]!
        expect(delay).toBeGreaterThanOrEqual(base * 0.8)
        expect(delay).toBeLessThanOrEqual(base * 1.2)
        // Not due a millisecond early; due exactly then.
        clock.advance(delay - 1)
        expect(await round(w)).toBe(0)
        clock.advance(1)
      } else {
        expect(last.next).toEqual({
          kind: 'dead',
          reason: 'retry schedule exhausted after 5 attempts (last: HTTP 500)',
        })
      }
    }
    const delays = (await attemptsOf(storage, stored.id))
      .slice(0, 4)
      .map((a) => (a.next as { at: Date }).at.getTime() - a.startedAt.getTime())
    // random 0 → -20 %, 0.999999 → +20 %, 0.25 → -10 %, 0.75 → +10 %
    expect(delays).toEqual(
      [0, 0.999_999, 0.25, 0.75].map((r, i) => Math.round(bases[i]! * (0.8 + 0.4 * r))),
    )
    const [dead] = await storage.listDeliveries(stored.id)
    expect(dead).toMatchObject({ status: 'dead', attempts: 5 })
    clock.advance(100 * 3_600_000)
    expect(await round(w)).toBe(0)
    expect(s.received).toHaveLength(5)
    expect(new Set(s.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([stored.id]))
    expect(s.received.map((r) => r.headers['x-hookgate-attempt'])).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
    ])
    // A fresh timestamp and signature per attempt.
    expect(new Set(s.received.map((r) => r.headers['webhook-signature'])).size).toBe(5)
  })

  it('never follows a 3xx: it is a failed attempt, and the Location is not visited', async () => {
    const clock = createClock()
    const s = await sink((req): SinkMode =>
      req.url === '/moved'
        ? { kind: 'ok' }
        : { kind: 'status', status: 301, headers: { location: '/moved' } },
    )
    const storage = await store()
    const w = worker({ storage, destinations: [destination({ url: `${s.origin}/h` })], clock })
    const { event: stored } = await storage.ingest(event(clock.now()), ['d'])
    await round(w)
    expect(s.received.map((r) => r.path)).toEqual(['/h'])
    const [attempt] = await attemptsOf(storage, stored.id)
    expect(attempt).toMatchObject({ statusCode: 301, next: { kind: 'retry' } })
    expect((await storage.listDeliveries(stored.id))[0]!.status).toBe('pending')
  })

  it('410 dead-letters the delivery and disables the destination until it is re-enabled', async () => {
    const clock = createClock()
    const s = await sink({ kind: 'status', status: 410 })
    const storage = await store()
    const w = worker({ storage, destinations: [destination({ url: `${s.origin}/h` })], clock })
    const first = await storage.ingest(event(clock.now()), ['d'])
    await round(w)
    expect((await storage.listDeliveries(first.event.id))[0]).toMatchObject({
      status: 'dead',
      deadReason: expect.stringContaining('410'),
    })
    expect(await storage.listDestinationStates()).toEqual([
      {
        destinationId: 'd',
        disabled: true,
        disabledAt: clock.now(),
        disabledReason: 'the destination answered HTTP 410 Gone',
      },
    ])
    // Later events queue up but are not sent.
    await s.setMode({ kind: 'ok' })
    const later = await storage.ingest(event(clock.now()), ['d'])
    clock.advance(3_600_000)
    expect(await round(w)).toBe(0)
    expect(s.received).toHaveLength(1)
    await storage.setDestinationDisabled('d', false)
    expect(await round(w)).toBe(1)
    expect((await storage.listDeliveries(later.event.id))[0]!.status).toBe('delivered')
  })

  it('honours Retry-After on 429 and 503 (capped by retry.maxRetryAfter)', async () => {
    const clock = createClock()
    let answer: SinkMode = { kind: 'status', status: 429, headers: { 'retry-after': '7200' } }
    const s = await sink(() => answer)
    const storage = await store()
    const d = destination({
      url: `${s.origin}/h`,
      retry: { schedule: ['5s', '5s', '5s'], maxRetryAfter: '3h' },
    })
    const w = worker({ storage, destinations: [d], clock })
    const { event: stored } = await storage.ingest(event(clock.now()), ['d'])

    await round(w)
    const [a1] = await attemptsOf(storage, stored.id)
    expect((a1!.next as { at: Date }).at.getTime() - clock.ms).toBe(7_200_000)
    clock.advance(5_000)
    expect(await round(w)).toBe(0) // the schedule alone would have retried by now
    clock.advance(7_200_000 - 5_000)
    answer = {
      kind: 'status',
      status: 503,
      headers: { 'retry-after': new Date(clock.ms + 86_400_000).toUTCString() },
    }
    expect(await round(w)).toBe(1)
    const a2 = (await attemptsOf(storage, stored.id))[1]!
    expect(a2.statusCode).toBe(503)
    // A day asked, three hours granted (the cap).
    expect((a2.next as { at: Date }).at.getTime() - clock.ms).toBe(3 * 3_600_000)
  })

  it('replay re-delivers a delivered event: same webhook-id, a new delivery', async () => {
    const clock = createClock()
    const s = await sink()
    const storage = await store()
    const w = worker({ storage, destinations: [destination({ url: `${s.origin}/h` })], clock })
    const { event: stored } = await storage.ingest(event(clock.now()), ['d'])
    await round(w)
    expect(await storage.requeue(stored.id, { now: clock.now() })).toBe(1)
    expect(await round(w)).toBe(1)
    expect(s.received).toHaveLength(2)
    expect(s.received.map((r) => r.headers['webhook-id'])).toEqual([stored.id, stored.id])
    expect(s.received[0]!.headers['x-hookgate-delivery']).not.toBe(
      s.received[1]!.headers['x-hookgate-delivery'],
    )
    expect(s.received[1]!.body.equals(s.received[0]!.body)).toBe(true)
    const deliveries = await storage.listDeliveries(stored.id)
    expect(deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered'])
    expect(deliveries[1]!.replayOf).toBe(deliveries[0]!.id)
  })

  it('records connection errors: refused, reset, timeout (hang and slow), and delivers a slow answer within the timeout', async () => {
    const clock = createClock()
    const s = await sink({ kind: 'refuse' })
    const storage = await store()
    const d = destination({ url: `${s.origin}/h`, timeoutMs: 300 })
    const w = worker({
      storage,
      destinations: [d],
      clock,
      circuitBreaker: { failureThreshold: 100 },
    })
    const { event: stored } = await storage.ingest(event(clock.now()), ['d'])
    const next = async (): Promise<StoredAttempt> => {
      await round(w)
      const attempts = await attemptsOf(storage, stored.id)
      const last = attempts[attempts.length - 1]!
      if (last.next.kind === 'retry') clock.set(last.next.at.getTime())
      return last
    }
    expect(await next()).toMatchObject({
      statusCode: undefined,
      error: expect.stringMatching(/^connection_refused: connection refused \(ECONNREFUSED\)$/),
      responseBody: undefined,
    })
    await s.setMode({ kind: 'reset' })
    expect(await next()).toMatchObject({
      statusCode: undefined,
      error: expect.stringMatching(/^connection_reset/),
    })
    await s.setMode({ kind: 'hang' })
    expect(await next()).toMatchObject({
      statusCode: undefined,
      error: 'timeout: no complete answer within 300 ms',
    })
    await s.setMode({ kind: 'slow', delayMs: 2_000 })
    expect(await next()).toMatchObject({ error: 'timeout: no complete answer within 300 ms' })
    await s.setMode({ kind: 'slow', delayMs: 20, status: 202 })
    expect(await next()).toMatchObject({
      statusCode: 202,
      error: undefined,
      next: { kind: 'done' },
    })
    // Every attempt but the refused one reached the sink.
    expect(s.received.map((r) => r.mode)).toEqual(['reset', 'hang', 'slow', 'slow'])
  })

  it('a black-holed destination delays no other, and its circuit opens, then probes with one request', async () => {
    const clock = createClock()
    const hole = await sink({ kind: 'hang' })
    const fine = await sink()
    const storage = await store()
    const metrics = createMetrics()
    const slow = destination({
      id: 'hole',
      url: `${hole.origin}/h`,
      timeoutMs: 60_000,
      maxInFlight: 4,
    })
    const fast = destination({ id: 'fine', url: `${fine.origin}/h`, maxInFlight: 4 })
    const w = worker({
      storage,
      destinations: [slow, fast],
      clock,
      metrics,
      circuitBreaker: { failureThreshold: 3, cooldownMs: 60_000 },
    })
    w.start()
    for (let i = 0; i < 30; i++) {
      await storage.ingest(event(clock.now()), ['hole', 'fine'])
      w.notify(['hole', 'fine'])
    }
    // All 30 reach the healthy destination while the black hole holds its 4 slots (and nothing more).
    await fine.waitFor((r) => r.length === 30)
    await hole.waitFor(() => hole.open === 4)
    expect(hole.open).toBe(4)
    expect(w.states().find((s) => s.destinationId === 'hole')).toMatchObject({
      inFlight: 4,
      circuit: 'closed',
    })
    expect(hole.received).toHaveLength(4)

    // The hole starts failing fast (reset): the circuit opens after 3 consecutive failures.
    await hole.setMode({ kind: 'reset' })
    await hole.close()
    await w.stop({ timeoutMs: 5_000 })
    const w2 = worker({
      storage,
      destinations: [slow, fast],
      clock,
      circuitBreaker: { failureThreshold: 3, cooldownMs: 60_000 },
    })
    await hole.setMode({ kind: 'reset' })
    // The first worker's leases (60 s + margin) are still held: move past them.
    clock.advance(200_000)
    await round(w2)
    const state = w2.states().find((s) => s.destinationId === 'hole')!
    expect(state.circuit).toBe('open')
    expect(state.consecutiveFailures).toBeGreaterThanOrEqual(3)
    // The latest failure is kept for the dashboard: when, and what (a reset: no status, an error).
    expect(state.lastFailure).toMatchObject({ statusCode: undefined })
    expect(state.lastFailure?.error).toMatch(/^connection_/)
    expect(state.lastFailure?.at.getTime()).toBe(clock.now().getTime())
    const sentWhileClosed = hole.received.length
    expect(sentWhileClosed).toBeLessThanOrEqual(4 + 4) // one claim round of maxInFlight at most
    // Open: nothing is sent however due the deliveries are.
    clock.advance(30_000)
    expect(await round(w2)).toBe(0)
    expect(hole.received).toHaveLength(sentWhileClosed)
    // After the cooldown: exactly one probe; it fails, the circuit opens again.
    clock.advance(30_000)
    expect(await round(w2)).toBe(1)
    expect(hole.received).toHaveLength(sentWhileClosed + 1)
    expect(w2.states().find((s) => s.destinationId === 'hole')!.circuit).toBe('open')
    // The destination recovers: the next probe succeeds, the circuit closes and the backlog drains.
    await hole.setMode({ kind: 'ok' })
    clock.advance(24 * 3_600_000)
    expect(await round(w2)).toBe(1)
    expect(w2.states().find((s) => s.destinationId === 'hole')).toMatchObject({
      circuit: 'closed',
      consecutiveFailures: 0,
    })
    for (
      let i = 0;
      i < 20 &&
      (await storage.destinationStats()).find((s) => s.destinationId === 'hole')!.pending > 0;
      i++
    )
      await round(w2)
    const stats = (await storage.destinationStats()).find((s) => s.destinationId === 'hole')!
    expect(stats).toMatchObject({ pending: 0, inFlight: 0, delivered: 30, dead: 0 })
    expect(metrics.render()).toMatch(
      /hookgate_deliveries_total\{destination="fine",outcome="delivered"\} 30/,
    )
  })

  it('a long outage (connections refused) while events keep arriving: all delivered after recovery, each exactly once', async () => {
    const clock = createClock()
    const s = await sink({ kind: 'refuse' })
    const storage = await store()
    const d = destination({ url: `${s.origin}/h`, maxInFlight: 8 })
    const w = worker({ storage, destinations: [d], clock, random: sequence([0.1, 0.9, 0.5, 0.3]) })
    const ids: string[] = []
    // Six hours of outage, one event every 10 simulated minutes, the worker polling every minute.
    for (let minute = 0; minute < 360; minute++) {
      if (minute % 10 === 0) ids.push((await storage.ingest(event(clock.now()), ['d'])).event.id)
      await round(w)
      clock.advance(60_000)
    }
    expect(ids).toHaveLength(36)
    expect(s.received).toHaveLength(0)
    const during = (await storage.destinationStats())[0]!
    expect(during).toMatchObject({ delivered: 0, dead: 0, pending: 36 })

    await s.setMode({ kind: 'ok' })
    // The rest of the schedule (≤ 10 h + jitter per step) runs out well within 30 simulated hours.
    for (
      let minute = 0;
      minute < 30 * 60 && (await storage.destinationStats())[0]!.pending > 0;
      minute += 5
    ) {
      await round(w)
      clock.advance(5 * 60_000)
    }
    expect((await storage.destinationStats())[0]).toMatchObject({
      pending: 0,
      inFlight: 0,
      dead: 0,
      delivered: 36,
    })
    const received = s.received.map((r) => r.headers['webhook-id'])
    expect(received).toHaveLength(36) // refused attempts never reached it: no duplicates at all
    expect(new Set(received)).toEqual(new Set(ids))
  })

  it('a lease lost to another worker is not recorded twice (the late attempt gets lease_lost)', async () => {
    const clock = createClock()
    const s = await sink({ kind: 'slow', delayMs: 300 })
    const storage = await store()
    const d = destination({ url: `${s.origin}/h`, timeoutMs: 5_000 })
    const metrics = createMetrics()
    const w1 = worker({ storage, destinations: [d], clock, metrics, leaseMarginMs: 0 })
    const w2 = worker({ storage, destinations: [d], clock, workerId: 'other' })
    const { event: stored } = await storage.ingest(event(clock.now()), ['d'])
    await w1.poll()
    await s.waitFor((r) => r.length === 1) // w1's attempt is now in flight (answered in 300 ms)
    clock.advance(5_000) // its lease (timeout + 0 margin) ends on this clock
    await s.setMode({ kind: 'ok' })
    await round(w2)
    await w1.idle()
    const [delivery] = await storage.listDeliveries(stored.id)
    expect(delivery!.attemptLog.map((a) => a.workerId)).toEqual(['other'])
    expect(delivery!.status).toBe('delivered')
    expect(s.received).toHaveLength(2) // the genuine duplicate of an attempt whose lease ran out
    expect(metrics.render()).toMatch(
      /hookgate_deliveries_total\{destination="d",outcome="lease_lost"\} 1/,
    )
  })
})
