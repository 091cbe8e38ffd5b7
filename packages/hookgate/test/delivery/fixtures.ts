/**
 * @module test/delivery/fixtures
 * Shared pieces of the delivery tests: a destination built by the real config parser, a movable clock,
 * a seeded random source, and events to ingest.
 */
import { parseConfig, type DestinationConfig, type HookgateConfig } from '../../src/config.ts'
import type { NewEvent } from '../../src/storage/types.ts'

/** The destination's Standard Webhooks secret (base64 of 32 fixed bytes). */
export const DEST_SECRET = `whsec_${Buffer.from('hookgate-delivery-test-secret-32').toString('base64')}`
export const SOURCE_SECRET = 'github-webhook-secret-for-delivery-tests'

type RawDestination = NonNullable<HookgateConfig['destinations']>[number]

/** A destination as `parseConfig` builds it (signer included). Default id `d`, fed by source `src`. */
export function destination(
  overrides: Partial<RawDestination> & { url: string },
): DestinationConfig {
  const config = parseConfig(
    {
      sources: [
        { id: 'src', provider: 'github', secrets: [SOURCE_SECRET] },
        { id: 'other', provider: 'github', secrets: [SOURCE_SECRET] },
      ],
      destinations: [{ id: 'd', sources: ['src'], signingSecret: DEST_SECRET, ...overrides }],
    },
    { env: {} },
  )
  return config.destinations[0]!
}

/** A clock the test moves by hand. */
export interface Clock {
  readonly now: () => Date
  advance(ms: number): void
  set(ms: number): void
  readonly ms: number
}

export function createClock(start = Date.now()): Clock {
  let ms = start
  return {
    now: () => new Date(ms),
    advance(delta) {
      ms += delta
    },
    set(value) {
      ms = value
    },
    get ms() {
      return ms
    },
  }
}

/** Cycles through `values` (each in [0, 1)): the jitter a test expects. */
export function sequence(values: readonly number[]): () => number {
  let i = 0
  return () => values[i++ % values.length]!
}

let counter = 0

/** A stored-event input from source `src`, received at `at`. */
export function event(at: Date, overrides: Partial<NewEvent> = {}): NewEvent {
  counter++
  return {
    sourceId: 'src',
    provider: 'github',
    dedupeKey: `delivery-test-${counter}`, // unique per run: the worker tests use a fresh in-memory store
    providerEventId: `gh-${counter}`,
    eventType: 'push',
    receivedAt: at,
    headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
    body: new TextEncoder().encode(JSON.stringify({ n: counter, text: 'héllo ✓' })),
    ...overrides,
  }
}
