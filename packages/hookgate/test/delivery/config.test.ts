/**
 * Destinations and `delivery` in the configuration: defaults, durations, routing, and refusals that name the
 * exact path (never echoing a secret).
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_RETRY_SCHEDULE, isSecretPath, parseConfig } from '../../src/config.ts'
import { parseDurationMs, formatDurationMs } from '../../src/delivery/duration.ts'
import { compileGlob, createFanOut } from '../../src/delivery/fan-out.ts'
import { ConfigError } from '../../src/errors.ts'
import { DEST_SECRET } from './fixtures.ts'

const SECRET = 'a-good-long-secret-0123456789'
const sources = [
  { id: 'stripe-main', provider: 'stripe', secrets: [SECRET] },
  { id: 'gh', provider: 'github', secrets: [SECRET] },
]
const destination = (extra: Record<string, unknown> = {}) => ({
  id: 'billing',
  url: 'http://127.0.0.1:9000/hooks/billing',
  sources: ['stripe-main'],
  signingSecret: DEST_SECRET,
  ...extra,
})

function issues(input: unknown, env: Record<string, string> = {}): readonly string[] {
  try {
    parseConfig(input, { env, baseDir: '/srv/hookgate' })
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).issues
  }
  throw new Error('the configuration was accepted')
}

describe('destinations', () => {
  it('defaults: no destinations, mode all; a destination gets the Standard Webhooks schedule, 15 s, 64 in flight', () => {
    const bare = parseConfig({ sources }, { env: {} })
    expect(bare.destinations).toEqual([])
    expect(bare.delivery).toEqual({
      mode: 'all',
      workerId: undefined,
      pollIntervalMs: 1000,
      leaseMarginMs: 30_000,
      circuitBreaker: { failureThreshold: 5, cooldownMs: 30_000 },
    })
    const config = parseConfig({ sources, destinations: [destination()] }, { env: {} })
    const [d] = config.destinations
    expect(d).toMatchObject({
      id: 'billing',
      url: 'http://127.0.0.1:9000/hooks/billing',
      sources: ['stripe-main'],
      eventTypes: undefined,
      timeoutMs: 15_000,
      maxInFlight: 64,
      retry: {
        scheduleMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
        jitter: 0.2,
        maxRetryAfterMs: 3_600_000,
      },
    })
    expect(DEFAULT_RETRY_SCHEDULE).toHaveLength(7)
    expect(d!.signer.id).toBe('standard-webhooks')
  })

  it('the issue example, with ${env:…} for the secret, durations as text or milliseconds, and delivery settings', () => {
    const config = parseConfig(
      {
        sources,
        delivery: {
          mode: 'deliver',
          workerId: 'w-1',
          pollIntervalMs: '250',
          circuitBreaker: { failureThreshold: 3, cooldown: '2m' },
        },
        destinations: [
          destination({
            eventTypes: ['invoice.*'],
            timeoutMs: 15000,
            signingSecret: '${env:BILLING_WHSEC}',
            retry: { schedule: ['5s', '5m', 1500, '1d'], jitter: 0, maxRetryAfter: '10m' },
            maxInFlight: 16,
          }),
        ],
      },
      { env: { BILLING_WHSEC: DEST_SECRET } },
    )
    expect(config.delivery).toMatchObject({
      mode: 'deliver',
      workerId: 'w-1',
      pollIntervalMs: 250,
      circuitBreaker: { failureThreshold: 3, cooldownMs: 120_000 },
    })
    expect(config.destinations[0]!.retry).toEqual({
      scheduleMs: [5_000, 300_000, 1_500, 86_400_000],
      jitter: 0,
      maxRetryAfterMs: 600_000,
    })
    expect(config.destinations[0]!.eventTypes).toEqual(['invoice.*'])
  })

  it('refuses bad destinations with the exact path, never echoing the secret', () => {
    const secretValue = 'whsec_notbase64!!!!!!!!!!!!!!!!!!'
    const found = issues({
      sources,
      delivery: { mode: 'sometimes' },
      destinations: [
        destination(),
        destination({ id: 'two', sources: [], timeoutMs: 0, maxInFlight: 0 }),
        destination({
          id: 'three',
          retry: { schedule: ['5s', 'soon', -1], jitter: 2 },
          eventTypes: [],
        }),
        destination({ id: 'four', extra: 1 }),
      ],
    })
    expect(found).toEqual([
      'delivery.mode: Invalid option: expected one of "all"|"ingest"|"deliver"',
      'destinations[1].sources: must list at least one source id',
      'destinations[1].timeoutMs: must be at least 1',
      'destinations[1].maxInFlight: must be at least 1',
      'destinations[2].eventTypes: must not be empty (omit it to deliver every event)',
      'destinations[2].retry.schedule[1]: must be a duration such as 500ms, 5s, 5m, 2h or 1d',
      'destinations[2].retry.schedule[2]: must be a duration such as 500ms, 5s, 5m, 2h or 1d',
      'destinations[2].retry.jitter: must be from 0 to 1',
      'destinations[3].extra: unknown key',
    ])
    // Schema errors come first (the config stops there); the rest is checked on a config that parses.
    const later = issues({
      sources,
      destinations: [
        destination({ url: 'not a url', signingSecret: secretValue }),
        destination({ url: 'ftp://x/y', sources: ['nope', 'gh'], signingSecret: 'too-short' }),
        destination({ id: 'b', signingSecret: 'stripe-style-secret-0123456789' }),
        destination({ id: 'c', url: 'http://h/x#frag' }),
      ],
    })
    expect(later).toEqual([
      'destinations[0].url: must be an absolute http or https URL such as http://127.0.0.1:9000/hooks',
      expect.stringMatching(/^destinations\[0\]\.signingSecret: /),
      'destinations[1].id: duplicate destination id "billing" (also destinations[0].id)',
      'destinations[1].url: must be an absolute http or https URL such as http://127.0.0.1:9000/hooks',
      'destinations[1].sources[0]: unknown source "nope" (configured: stripe-main, gh)',
      'destinations[1].signingSecret: is too short (9 characters; at least 16 required)',
      'destinations[2].signingSecret: must be a Standard Webhooks secret: whsec_ followed by base64 (e.g. from `openssl rand -base64 32`)',
      'destinations[3].url: must not have a #fragment',
    ])
    for (const line of [...found, ...later]) expect(line).not.toContain('notbase64')
    expect(
      issues({ sources, destinations: [destination({ signingSecret: '${env:MISSING}' })] }),
    ).toEqual(['destinations[0].signingSecret: environment variable MISSING is not set'])
  })

  it('treats destinations[i].signingSecret as a secret path', () => {
    expect(isSecretPath('destinations[3].signingSecret')).toBe(true)
    expect(isSecretPath('destinations[3].url')).toBe(false)
  })
})

describe('durations and routing', () => {
  it('parses durations', () => {
    expect(['500ms', '5s', '5m', '2h', '1d', '1.5s', 250, '250'].map(parseDurationMs)).toEqual([
      500, 5_000, 300_000, 7_200_000, 86_400_000, 1_500, 250, 250,
    ])
    for (const bad of ['', '5', 'soon', '5 minutes', '-5s', -1, '1h30m', null]) {
      if (bad === '5') continue
      expect(parseDurationMs(bad)).toBeUndefined()
    }
    expect([300_000, 36_000_000, 1_500, 86_400_000].map(formatDurationMs)).toEqual([
      '5m',
      '10h',
      '1500ms',
      '1d',
    ])
  })

  it('globs: * spans dots, ? is one character, the rest is literal', () => {
    expect(compileGlob('invoice.*').test('invoice.payment.failed')).toBe(true)
    expect(compileGlob('invoice.*').test('invoices.paid')).toBe(false)
    expect(compileGlob('issue?').test('issues')).toBe(true)
    expect(compileGlob('issue?').test('issue')).toBe(false)
    expect(compileGlob('a+b(c)').test('a+b(c)')).toBe(true)
    expect(compileGlob('a+b(c)').test('aab(c)')).toBe(false)
  })

  it('routes by source and type; untyped events only reach destinations without a type filter', () => {
    const fanOut = createFanOut([
      { id: 'everything', sources: ['s1', 's2'], eventTypes: undefined },
      { id: 'invoices', sources: ['s1'], eventTypes: ['invoice.*'] },
      {
        id: 'customers',
        sources: ['s1', 's1'],
        eventTypes: ['customer.created', 'customer.deleted'],
      },
    ])
    expect(fanOut('s1', 'invoice.paid')).toEqual(['everything', 'invoices'])
    expect(fanOut('s1', 'customer.deleted')).toEqual(['everything', 'customers'])
    expect(fanOut('s1', undefined)).toEqual(['everything'])
    expect(fanOut('s2', 'invoice.paid')).toEqual(['everything'])
    expect(fanOut('s2', 'x')).toBe(fanOut('s2', 'y')) // precomputed, shared
    expect(fanOut('s3', 'invoice.paid')).toEqual([])
  })
})
