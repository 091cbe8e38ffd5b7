/**
 * Issue 12 item 1: a client whose requests keep being refused is answered 429 with Retry-After, before its body is
 * read or any signature checked, while other clients — and valid webhooks from anyone not refused — go on.
 */
import { request } from 'node:http'
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRejectionLimiter } from '../../src/ingest/rejection-limiter.ts'
import { startGateway, type Running } from './harness.ts'

const SECRET = 'rejection-limit-secret-0123456789'

describe('rejection limiter (unit, injected clock)', () => {
  it('only refusals drain the bucket; it refills at perSecond; Retry-After says when', () => {
    const limiter = createRejectionLimiter({ burst: 3, perSecond: 0.5, maxClients: 10 })
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.retryAfter('10.0.0.1', 0)).toBe(0)
      limiter.refused('10.0.0.1', 0)
    }
    expect(limiter.retryAfter('10.0.0.1', 0)).toBe(2)
    expect(limiter.retryAfter('10.0.0.2', 0)).toBe(0)
    expect(limiter.retryAfter('10.0.0.1', 1_000)).toBe(1)
    expect(limiter.retryAfter('10.0.0.1', 2_000)).toBe(0)
    expect(limiter.retryAfter(undefined, 0)).toBe(0)
  })

  it('keeps at most maxClients addresses, forgetting the longest idle', () => {
    const limiter = createRejectionLimiter({ burst: 1, perSecond: 0.001, maxClients: 2 })
    limiter.refused('a', 0)
    limiter.refused('b', 1)
    limiter.refused('c', 2)
    expect([
      limiter.retryAfter('a', 3),
      limiter.retryAfter('b', 3) > 0,
      limiter.retryAfter('c', 3) > 0,
    ]).toEqual([0, true, true])
  })

  it('burst 0 turns it off', () => {
    const limiter = createRejectionLimiter({ burst: 0, perSecond: 1, maxClients: 1 })
    limiter.refused('a', 0)
    expect(limiter.retryAfter('a', 0)).toBe(0)
  })
})

describe('rejection limit in the gateway', () => {
  let gw: Running
  beforeAll(async () => {
    gw = await startGateway({
      server: { rejectionLimit: { burst: 5, perSecond: 0.01 } },
      sources: [{ id: 'gh', provider: 'github', secrets: [SECRET] }],
    } as never)
  })
  afterAll(async () => gw.close())

  function post(
    localAddress: string,
    body: string,
    signature: string,
  ): Promise<{ status: number; retryAfter: string | undefined; code: string }> {
    const url = new URL(`${gw.url}/webhooks/gh`)
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          localAddress,
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
        },
        (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => (text += chunk.toString()))
          res.on('end', () => {
            const code =
              res.statusCode === 200
                ? 'ok'
                : (JSON.parse(text) as { error: { code: string } }).error.code
            resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], code })
          })
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  }
  const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`

  it('five refusals, then 429 with Retry-After for that address only; other addresses are served', async () => {
    const junk = `sha256=${'0'.repeat(64)}`
    for (let i = 0; i < 5; i += 1)
      expect((await post('127.0.0.1', `{"n":${i}}`, junk)).status).toBe(401)
    const limited = await post('127.0.0.1', '{"n":6}', junk)
    expect(limited).toMatchObject({ status: 429, code: 'too_many_rejections' })
    expect(Number(limited.retryAfter)).toBeGreaterThan(0)
    // Refused before verification: even a valid webhook from that address waits (the provider retries later).
    expect((await post('127.0.0.1', '{"valid":1}', sign('{"valid":1}'))).status).toBe(429)
    // Another client is not held back, and its valid webhook is stored.
    expect(await post('127.0.0.2', '{"valid":2}', sign('{"valid":2}'))).toMatchObject({
      status: 200,
      code: 'ok',
    })
    // The 429s are counted, not written to the store one by one.
    const rejections = await gw.admin('/api/rejections?source=gh&limit=100')
    expect(rejections.body.items).toHaveLength(5)
    expect(await (await fetch(`${gw.url}/metrics`)).text()).toMatch(
      /hookgate_requests_total\{[^}]*reason="too_many_rejections"[^}]*\} 2/,
    )
  })
})
