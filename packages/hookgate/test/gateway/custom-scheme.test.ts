/**
 * Issue 11: a sender without a built-in preset, declared as data in the config (`provider: custom` + `scheme:`),
 * verified through the same family code as the built-in presets, end to end over HTTP; and every config mistake
 * refused at start-up with its path. The signatures here are computed with node:crypto, not by Hookgate.
 */
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config.ts'
import { ConfigError } from '../../src/errors.ts'
import { startGateway, type Running } from './harness.ts'

const SECRET = 'acme-signing-secret-0123456789'
const TOKEN = 'acme-shared-token-0123456789'
const acme = {
  type: 'signature',
  algorithm: 'hmac-sha256',
  header: 'X-Acme-Signature',
  prefix: 'sha256=',
  encoding: 'hex',
  signed: '{timestamp}.{body}',
  timestamp: { header: 'X-Acme-Timestamp', unit: 's', toleranceSeconds: 300 },
  eventId: { header: 'X-Acme-Delivery' },
  eventType: { body: 'type' },
}

function issues(scheme: unknown, provider = 'custom'): readonly string[] {
  try {
    parseConfig(
      {
        sources: [
          { id: 'acme', provider, secrets: [SECRET], ...(scheme === undefined ? {} : { scheme }) },
        ],
      },
      { env: {} },
    )
    return []
  } catch (error) {
    if (error instanceof ConfigError) return error.issues
    throw error
  }
}

describe('custom schemes in the config', () => {
  let gw: Running
  beforeAll(async () => {
    gw = await startGateway({
      sources: [
        { id: 'acme', provider: 'custom', secrets: [SECRET], scheme: acme },
        {
          id: 'tok',
          provider: 'custom',
          secrets: [TOKEN],
          scheme: { type: 'token', header: 'X-Acme-Token' },
        },
      ],
    } as never)
  })
  afterAll(async () => gw.close())

  it('a signature scheme: signed as the sender documents it → stored with its id and type; tampered → 401; the header is redacted', async () => {
    const body = '{"type":"order.paid","id":42}'
    const t = Math.floor(Date.now() / 1000)
    const signature = `sha256=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`
    const headers = {
      'content-type': 'application/json',
      'x-acme-signature': signature,
      'x-acme-timestamp': String(t),
      'x-acme-delivery': 'd-1',
    }
    const ok = await fetch(`${gw.url}/webhooks/acme`, { method: 'POST', headers, body })
    expect(ok.status).toBe(200)
    const { id } = (await ok.json()) as { id: string }
    const stored = (await gw.admin(`/api/events/${id}`)).body
    expect(stored).toMatchObject({
      providerEventId: 'd-1',
      eventType: 'order.paid',
      provider: 'custom:acme',
    })
    expect(stored.headers['x-acme-signature']).toBe('[redacted]')
    const bad = await fetch(`${gw.url}/webhooks/acme`, {
      method: 'POST',
      headers,
      body: body.replace('42', '43'),
    })
    expect(bad.status).toBe(401)
    const stale = await fetch(`${gw.url}/webhooks/acme`, {
      method: 'POST',
      headers: { ...headers, 'x-acme-timestamp': String(t - 600) },
      body,
    })
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe(
      'timestamp_too_old',
    )
  })

  it('a token scheme: the shared token in its header', async () => {
    expect(
      (
        await fetch(`${gw.url}/webhooks/tok`, {
          method: 'POST',
          headers: { 'x-acme-token': TOKEN },
          body: '{}',
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await fetch(`${gw.url}/webhooks/tok`, {
          method: 'POST',
          headers: { 'x-acme-token': `${TOKEN}x` },
          body: '{}',
        })
      ).status,
    ).toBe(401)
  })

  it('mistakes are refused at start-up, each naming its path', () => {
    expect(issues(undefined)).toEqual([
      'sources[0].scheme: required with provider: custom (type: signature, token or basic)',
    ])
    expect(issues(acme, 'github')).toEqual([
      'sources[0].scheme: only with provider: custom (a built-in provider brings its own scheme)',
    ])
    expect(issues({ ...acme, encoding: 'octal' })[0]).toMatch(/^sources\[0\]\.scheme\.encoding: /)
    expect(issues({ ...acme, algorithm: 'hmac-sha3' })[0]).toMatch(
      /^sources\[0\]\.scheme\.algorithm: /,
    )
    expect(issues({ ...acme, header: 'Bad Header' })[0]).toMatch(
      /^sources\[0\]\.scheme\.header: must be an HTTP header name/,
    )
    expect(issues({ ...acme, signed: '{nonce}.{body}' })).toEqual([
      expect.stringMatching(/^sources\[0\]\.scheme: custom:acme: unknown placeholder/),
    ])
    expect(issues({ ...acme, signed: '{id}.{body}' })).toEqual([
      expect.stringMatching(/^sources\[0\]\.scheme: custom:acme: \{id\} needs idHeader/),
    ])
    expect(issues({ type: 'hmac' })[0]).toMatch(/^sources\[0\]\.scheme/)
    // Nothing about the secret is echoed.
    expect(issues({ ...acme, encoding: 'octal' }).join('\n')).not.toContain(SECRET)
  })
})
