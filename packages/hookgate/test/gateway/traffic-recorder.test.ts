/**
 * The traffic recorder behind `GET /api/overview`: counts from the bus, per minute, written in ONE `addTraffic`
 * call per flush (nothing per event); a failed flush keeps its counts for the next, within a bound; lost leases are
 * not counted; close() flushes and unsubscribes. Also the ingest latency quantiles estimated from the histogram.
 */
import { describe, expect, it } from 'vitest'
import { createTrafficRecorder } from '../../src/admin/traffic.ts'
import { createGatewayEvents } from '../../src/events.ts'
import { createMetrics } from '../../src/metrics.ts'
import type { TrafficRow } from '../../src/storage/types.ts'

const T = Date.UTC(2026, 0, 1, 12, 0, 0)

function fakeStore() {
  const calls: TrafficRow[][] = []
  let failing = false
  return {
    calls,
    fail(value: boolean) {
      failing = value
    },
    async addTraffic(rows: readonly TrafficRow[]) {
      if (failing) throw new Error('store down')
      calls.push([...rows])
    },
  }
}

const key = (r: TrafficRow) =>
  `${r.kind}/${r.subjectId}/${r.bucketStart.toISOString()}/${r.outcome}=${r.count}`

describe('traffic recorder', () => {
  it('counts stored, duplicate, rejected and attempted per minute; one addTraffic per flush', async () => {
    const events = createGatewayEvents()
    const store = fakeStore()
    const recorder = createTrafficRecorder({ events, storage: store, flushIntervalMs: 3_600_000 })
    recorder.start()
    const stored = (at: number, duplicate = false) =>
      events.emit('event:stored', {
        id: 'evt_1',
        sourceId: 'gh',
        provider: 'github',
        eventType: 'push',
        receivedAt: new Date(at),
        duplicate,
      })
    stored(T)
    stored(T + 59_999)
    stored(T + 60_000)
    stored(T + 1, true)
    events.emit('rejection:recorded', {
      sourceId: 'gh',
      status: 401,
      reason: 'signature_mismatch',
      receivedAt: new Date(T + 5),
    })
    for (const outcome of ['delivered', 'retry', 'dead', 'lease_lost', 'delivered'] as const)
      events.emit('delivery:attempted', {
        deliveryId: 'dlv_1',
        eventId: 'evt_1',
        destinationId: 'sink',
        attempt: 1,
        statusCode: 200,
        error: undefined,
        durationMs: 3,
        outcome,
        startedAt: new Date(T + 10),
      })
    expect(store.calls).toEqual([]) // nothing written before a flush
    await recorder.flush()
    expect(store.calls).toHaveLength(1)
    const minute = new Date(T).toISOString()
    expect(store.calls[0]!.map(key).sort()).toEqual(
      [
        `source/gh/${minute}/accepted=2`,
        `source/gh/${new Date(T + 60_000).toISOString()}/accepted=1`,
        `source/gh/${minute}/duplicate=1`,
        `source/gh/${minute}/rejected:signature_mismatch=1`,
        `destination/sink/${minute}/delivered=2`,
        `destination/sink/${minute}/retry=1`,
        `destination/sink/${minute}/dead=1`,
      ].sort(),
    )
    await recorder.flush() // nothing new: no call
    expect(store.calls).toHaveLength(1)

    await recorder.close()
    stored(T) // after close: not counted
    await recorder.flush()
    expect(store.calls).toHaveLength(1)
  })

  it('a failed flush keeps its counts for the next one (bounded), and close() flushes', async () => {
    const events = createGatewayEvents()
    const store = fakeStore()
    const warnings: unknown[] = []
    const logger = {
      warn: (obj: unknown) => void warnings.push(obj),
    } as never
    const recorder = createTrafficRecorder({
      events,
      storage: store,
      logger,
      flushIntervalMs: 3_600_000,
      maxPendingRows: 3,
    })
    recorder.start()
    const stored = (at: number) =>
      events.emit('event:stored', {
        id: 'evt_1',
        sourceId: 'gh',
        provider: 'github',
        eventType: undefined,
        receivedAt: new Date(at),
        duplicate: false,
      })
    stored(T)
    stored(T)
    store.fail(true)
    await recorder.flush() // rejected: kept
    expect(warnings).toHaveLength(1)
    stored(T)
    for (let m = 1; m <= 4; m++) stored(T + m * 60_000) // 5 minutes of rows, cap 3 after the next failure
    await recorder.flush()
    store.fail(false)
    await recorder.close()
    expect(store.calls).toHaveLength(1)
    // The newest 3 minutes survive the cap; the oldest (with its 3 counts) was dropped and said so.
    expect(store.calls[0]!.map((r) => r.bucketStart.getTime() - T).sort((a, b) => a - b)).toEqual([
      120_000, 180_000, 240_000,
    ])
    expect(JSON.stringify(warnings)).toMatch(/droppedRows/)
  })
})

describe('ingest latency from the histogram', () => {
  it('is undefined before any request, then p50/p99 interpolated within buckets', () => {
    const metrics = createMetrics()
    expect(metrics.ingestLatency()).toBeUndefined()
    // 100 observations: 90 in (1 ms, 2.5 ms], 10 in (5 ms, 10 ms].
    for (let i = 0; i < 90; i++) metrics.observeIngest('a', 0.002)
    for (let i = 0; i < 10; i++) metrics.observeIngest('b', 0.008)
    const latency = metrics.ingestLatency()!
    expect(latency.count).toBe(100)
    // rank 50 of 90 in (1, 2.5] ms: 1 + 1.5 * 50/90
    expect(latency.p50Ms).toBeCloseTo(1 + (1.5 * 50) / 90, 6)
    // rank 99: 9th of 10 in (5, 10] ms
    expect(latency.p99Ms).toBeCloseTo(5 + (5 * 9) / 10, 6)
    // Beyond the last bucket: its bound.
    const slow = createMetrics()
    slow.observeIngest('a', 60)
    expect(slow.ingestLatency()).toEqual({ p50Ms: 5000, p99Ms: 5000, count: 1 })
  })
})
