/**
 * Issue 12, item 2: an event whose verified type holds characters `node:http` cannot send (outside Latin-1,
 * control characters) used to be stored and then fail every attempt with ERR_INVALID_CHAR, counted against the
 * destination until its circuit opened. Now such values are percent-encoded, and a request the gateway cannot
 * build is recorded as its own failure (`internal_error`) that leaves the destination's circuit alone.
 */
import { validateHeaderValue } from 'node:http'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeHeaderValue } from '../../src/delivery/header-value.ts'
import {
  createDeliveryWorker,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
} from '../../src/delivery/worker.ts'
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts'
import type { Storage } from '../../src/storage/types.ts'
import { createClock, destination, event, type Clock } from './fixtures.ts'
import { startSink, type Sink } from './sink.ts'
import { testSeed } from '../seed.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function sink(): Promise<Sink> {
  const s = await startSink()
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

async function round(w: DeliveryWorker): Promise<void> {
  await w.poll()
  await w.idle()
}

describe('header value encoding', () => {
  it('leaves printable ASCII alone and percent-encodes the UTF-8 bytes of everything else, and "%" and space', () => {
    expect(encodeHeaderValue('invoice.paid')).toBe('invoice.paid')
    expect(encodeHeaderValue('order.✓')).toBe('order.%E2%9C%93')
    expect(encodeHeaderValue('注文.作成')).toBe('%E6%B3%A8%E6%96%87.%E4%BD%9C%E6%88%90')
    expect(encodeHeaderValue('order\ncreated')).toBe('order%0Acreated')
    expect(encodeHeaderValue('café')).toBe('caf%C3%A9') // Latin-1 too: one encoding, whatever the character
    expect(encodeHeaderValue('100%')).toBe('100%25')
    expect(encodeHeaderValue(' padded type ')).toBe('%20padded%20type%20')
    expect(encodeHeaderValue('a\u0000b\u007f')).toBe('a%00b%7F')
  })

  it('property: always sendable, and decodeURIComponent gives the value back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const encoded = encodeHeaderValue(value)
        expect(encoded).toMatch(/^[\x21-\x7e]*$/)
        expect(() => validateHeaderValue('x-hookgate-event-type', encoded)).not.toThrow()
        expect(decodeURIComponent(encoded)).toBe(value)
      }),
      { seed: testSeed(0x7e77_0012) },
    )
  })
})

describe('delivery of events whose type or headers are not sendable as is', () => {
  it('delivers types outside Latin-1 or with control characters, encoded, and the circuit stays closed', async () => {
    const clock = createClock()
    const s = await sink()
    const storage = await store()
    const d = destination({ url: `${s.origin}/h` })
    const w = worker({ storage, destinations: [d], clock, circuitBreaker: { failureThreshold: 1 } })
    const types = ['order.✓', '注文.作成', 'order\ncreated', 'plain.type']
    for (const eventType of types) await storage.ingest(event(clock.now(), { eventType }), ['d'])

    await round(w)
    expect(s.received).toHaveLength(types.length)
    const sent = s.received.map((r) => decodeURIComponent(r.headers['x-hookgate-event-type']!))
    expect(sent.sort()).toEqual([...types].sort())
    expect(s.received.map((r) => r.headers['x-hookgate-event-type'])).toContain('order%0Acreated')
    expect(w.states()[0]).toMatchObject({ circuit: 'closed', consecutiveFailures: 0 })
    expect((await storage.destinationStats())[0]).toMatchObject({
      delivered: types.length,
      dead: 0,
      pending: 0,
    })
  })

  it('a request the gateway cannot build is recorded as internal_error and dead-lettered, never counted against the destination', async () => {
    const clock = createClock()
    const s = await sink()
    const storage = await store()
    const d = destination({ url: `${s.origin}/h` })
    const w = worker({ storage, destinations: [d], clock, circuitBreaker: { failureThreshold: 2 } })
    // A stored Content-Encoding is forwarded verbatim (it describes the body); one Node refuses cannot be sent.
    const bad = []
    for (let i = 0; i < 3; i++) {
      const { event: stored } = await storage.ingest(
        event(clock.now(), {
          headers: {
            'content-type': 'application/json',
            'content-encoding': 'gzip\r\nx-injected: 1',
          },
        }),
        ['d'],
      )
      bad.push(stored.id)
    }
    await round(w)

    expect(s.received).toHaveLength(0) // the destination was never contacted
    for (const id of bad) {
      const [delivery] = await storage.listDeliveries(id)
      expect(delivery!.attemptLog).toHaveLength(1)
      expect(delivery!.attemptLog[0]!.error).toMatch(
        /^internal_error: the gateway could not build the request \(ERR_INVALID_CHAR: .*\); the destination was not contacted$/,
      )
      expect(delivery!.attemptLog[0]!.next).toMatchObject({
        kind: 'dead',
        reason: expect.stringMatching(/could not build the request.*replay/),
      })
    }
    // Three failures of ours, threshold 2: the circuit is still closed, and the next event goes out at once.
    expect(w.states()[0]).toMatchObject({ circuit: 'closed', consecutiveFailures: 0 })
    await storage.ingest(event(clock.now()), ['d'])
    await round(w)
    expect(s.received).toHaveLength(1)
  })
})
