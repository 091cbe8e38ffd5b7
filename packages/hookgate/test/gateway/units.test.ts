/**
 * Small pieces of the gateway on their own: header redaction, the pino redaction fallback, CIDR matching and
 * client resolution behind proxies, the Prometheus text format.
 */
import { describe, expect, it } from 'vitest'
import { createAddressMatcher, parseCidr, resolveClient } from '../../src/http/client-address.ts'
import { createLogger } from '../../src/logger.ts'
import { createMetrics } from '../../src/metrics.ts'
import { isSensitiveHeader, redactHeaders } from '../../src/redact.ts'

describe('redactHeaders', () => {
  it('redacts credentials and every provider signature header, keeps the rest', () => {
    const sensitive = [
      'Authorization',
      'proxy-authorization',
      'Cookie',
      'Stripe-Signature',
      'X-Hub-Signature',
      'X-Hub-Signature-256',
      'X-Twilio-Signature',
      'X-Trello-Webhook',
      'X-Shopify-Hmac-Sha256',
      'shopify-hmac-sha256',
      'X-Slack-Signature',
      'webhook-signature',
      'svix-signature',
      'Calendly-Webhook-Signature',
      'X-Gitlab-Token',
      'X-Webhook-Secret',
      'X-Api-Key',
    ]
    const kept = [
      'content-type',
      'user-agent',
      'x-github-delivery',
      'x-github-event',
      'webhook-id',
      'webhook-timestamp',
      'x-slack-request-timestamp',
      'stripe-version',
    ]
    const input: Record<string, string> = {}
    for (const name of [...sensitive, ...kept]) input[name] = `value-of-${name}`
    const out = redactHeaders(input)
    for (const name of sensitive) expect(out[name.toLowerCase()], name).toBe('[redacted]')
    for (const name of kept) expect(out[name], name).toBe(`value-of-${name}`)
    expect(JSON.stringify(out)).not.toMatch(
      /value-of-(authorization|stripe-signature|x-trello-webhook)/i,
    )
  })

  it('lower-cases names, joins repeated values, and reads Fetch Headers', () => {
    expect(
      redactHeaders({ 'X-Thing': ['a', 'b'], 'X-Hub-Signature-256': ['sha256=1', 'sha256=2'] }),
    ).toEqual({ 'x-thing': 'a, b', 'x-hub-signature-256': '[redacted]' })
    expect(redactHeaders(new Headers({ Authorization: 'Bearer x', Accept: '*/*' }))).toEqual({
      authorization: '[redacted]',
      accept: '*/*',
    })
    expect(isSensitiveHeader('content-length')).toBe(false)
  })

  it('reads own headers only, never what an object inherits', () => {
    const headers = Object.assign(Object.create({ 'x-inherited': 'from-prototype' }) as object, {
      accept: '*/*',
    }) as Record<string, string>
    expect(redactHeaders(headers)).toEqual({ accept: '*/*' })
  })

  it('the logger redacts secrets, tokens and signature headers even when passed raw', () => {
    const lines: string[] = []
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(line) },
    })
    logger.info(
      {
        headers: {
          authorization: 'Bearer raw-admin-token-123',
          'stripe-signature': 't=1,v1=rawsig',
          'content-type': 'application/json',
        },
        source: { secrets: ['raw-secret-value'], token: 'raw-token-value' },
      },
      'careless call',
    )
    const text = lines.join('')
    expect(JSON.parse(text)).toMatchObject({
      name: 'hookgate',
      msg: 'careless call',
      headers: { 'content-type': 'application/json' },
    })
    for (const leaked of ['raw-admin-token-123', 'rawsig', 'raw-secret-value', 'raw-token-value'])
      expect(text).not.toContain(leaked)
  })
})

describe('CIDR matching', () => {
  it('parses IPv4, IPv6 and bare addresses, refuses garbage', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' })
    expect(parseCidr('2001:db8::/32')).toEqual({
      address: '2001:db8::',
      prefix: 32,
      family: 'ipv6',
    })
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' })
    for (const bad of [
      '10.0.0.0/33',
      '::/129',
      '10.0.0/8',
      'example.com',
      '10.0.0.0/-1',
      '10.0.0.0/ 8x',
      '',
    ])
      expect(parseCidr(bad), bad).toBeUndefined()
  })

  it('matches addresses, IPv4-mapped IPv6 included', () => {
    const matcher = createAddressMatcher(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'])
    expect(matcher.matches('10.255.1.1')).toBe(true)
    expect(matcher.matches('::ffff:10.1.1.1')).toBe(true)
    expect(matcher.matches('11.0.0.1')).toBe(false)
    expect(matcher.matches('2001:db8:1::9')).toBe(true)
    expect(matcher.matches('2001:db9::1')).toBe(false)
    expect(matcher.matches('192.0.2.7')).toBe(true)
    expect(matcher.matches('192.0.2.8')).toBe(false)
    expect(matcher.matches('garbage')).toBe(false)
    expect(matcher.matches(undefined)).toBe(false)
    expect(createAddressMatcher([]).matches('10.0.0.1')).toBe(false)
  })

  it('resolves the client through trusted proxies only', () => {
    const trusted = createAddressMatcher(['10.0.0.0/8', 'fd00::/8'])
    const xff = (value: string, extra: Record<string, string> = {}) => ({
      'x-forwarded-for': value,
      ...extra,
    })
    // Untrusted peer: headers ignored.
    expect(
      resolveClient('203.0.113.1', xff('1.2.3.4', { 'x-forwarded-proto': 'https' }), trusted),
    ).toEqual({ address: '203.0.113.1', forwardedProto: undefined, forwardedHost: undefined })
    // Trusted peer: the right-most untrusted hop is the client.
    expect(
      resolveClient('::ffff:10.0.0.2', xff('198.51.100.1, 203.0.113.5, 10.0.0.9'), trusted).address,
    ).toBe('203.0.113.5')
    // Every hop trusted: the left-most one.
    expect(resolveClient('10.0.0.2', xff('10.0.0.7'), trusted).address).toBe('10.0.0.7')
    // IPv6 hops.
    expect(resolveClient('fd00::1', xff('2001:db8::5, fd00::2'), trusted).address).toBe(
      '2001:db8::5',
    )
    // Proto and host from a trusted proxy, first value.
    expect(
      resolveClient(
        '10.0.0.2',
        { 'x-forwarded-proto': 'HTTPS, http', 'x-forwarded-host': 'hooks.example.com' },
        trusted,
      ),
    ).toEqual({
      address: '10.0.0.2',
      forwardedProto: 'https',
      forwardedHost: 'hooks.example.com',
    })
  })
})

describe('metrics text', () => {
  it('renders counters and cumulative histograms, escaping label values', () => {
    const metrics = createMetrics()
    metrics.countRequest('a"b\\c', 'stored', 'ok')
    metrics.countRequest('a"b\\c', 'stored', 'ok')
    metrics.observeIngest('s', 0.003)
    metrics.observeIngest('s', 2)
    metrics.observeCommit(3, 1.5)
    const text = metrics.render()
    expect(text).toContain(
      'hookgate_requests_total{source="a\\"b\\\\c",outcome="stored",reason="ok"} 2\n',
    )
    expect(text).toContain('hookgate_ingest_duration_seconds_bucket{source="s",le="0.0025"} 0\n')
    expect(text).toContain('hookgate_ingest_duration_seconds_bucket{source="s",le="0.005"} 1\n')
    expect(text).toContain('hookgate_ingest_duration_seconds_bucket{source="s",le="2.5"} 2\n')
    expect(text).toContain('hookgate_ingest_duration_seconds_sum{source="s"} 2.003\n')
    expect(text).toContain('hookgate_commit_batch_size_bucket{le="2"} 0\n')
    expect(text).toContain('hookgate_commit_batch_size_bucket{le="4"} 1\n')
    expect(text).toContain('hookgate_commit_duration_seconds_sum 0.0015\n')
    expect(text.endsWith('\n')).toBe(true)
  })
})
