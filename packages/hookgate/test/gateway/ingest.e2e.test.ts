/**
 * The ingest path over real HTTP, beyond the per-preset checks: routing and methods, handshakes, the body
 * cap (413 before the body is read), IP allowlists with and without trusted proxies, the 503 path when the
 * store cannot commit (and recovery), and graceful shutdown.
 */
import { connect } from 'node:net'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts'
import type { Storage } from '../../src/storage/types.ts'
import { startGateway, wrapStorage, type Running } from './harness.ts'

const GITHUB_SECRET = 'github-webhook-secret-0123456789'
const SLACK_SECRET = 'slack-signing-secret-0123456789ab'
const github = providers.github({ secrets: [GITHUB_SECRET] })
const slack = providers.slack({ secrets: [SLACK_SECRET] })

function githubRequest(body: string, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signWebhook(github, { body }), ...headers },
    body,
  }
}

/** Sends raw bytes on a socket and resolves with everything the server wrote until it closed the connection. */
function rawExchange(
  port: number,
  head: string,
  bodyPart: string,
): Promise<{ response: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let response = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      response += chunk
    })
    socket.on('error', reject)
    socket.on('end', () => resolve({ response, closedByServer: true }))
    socket.write(head + bodyPart)
    // The rest of the declared body is never sent: a server that waited for it would never answer.
  })
}

describe('routing, methods and handshakes', () => {
  let gw: Running
  beforeAll(async () => {
    gw = await startGateway({
      server: { publicUrl: 'https://hooks.example.test' },
      sources: [
        { id: 'gh', provider: 'github', secrets: [GITHUB_SECRET] },
        // Its own source, so that the /metrics test's exact counts for `gh` hold whatever runs first.
        { id: 'gh-dedupe', provider: 'github', secrets: [GITHUB_SECRET] },
        { id: 'gh-twice', provider: 'github', secrets: [GITHUB_SECRET] },
        { id: 'board', provider: 'trello', secrets: ['trello-app-secret-0123456789abcdef'] },
        { id: 'slack', provider: 'slack', secrets: [SLACK_SECRET] },
        { id: 'bin', provider: 'hmac-sha256', secrets: ['binary-hmac-secret-0123456789ab'] },
        {
          id: 'mac',
          provider: 'hmac-sha256',
          secrets: ['custom-mac-secret-0123456789ab'],
          options: { header: 'X-Mac', prefix: '' },
        },
      ],
    })
  })
  afterAll(() => gw.close())

  it('answers 404 unknown_source for an unconfigured source, 404 not_found elsewhere', async () => {
    const unknown = await fetch(`${gw.url}/webhooks/nope`, githubRequest('{}'))
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toEqual({
      error: { code: 'unknown_source', message: expect.stringContaining('nope') },
    })
    const other = await fetch(`${gw.url}/elsewhere`)
    expect(other.status).toBe(404)
    expect(((await other.json()) as any).error.code).toBe('not_found')
  })

  it("answers 405 with Allow for other methods, and 200 to Trello's HEAD probe only", async () => {
    const get = await fetch(`${gw.url}/webhooks/gh`)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect(((await get.json()) as any).error.code).toBe('method_not_allowed')
    const headGithub = await fetch(`${gw.url}/webhooks/gh`, { method: 'HEAD' })
    expect(headGithub.status).toBe(405)
    const headTrello = await fetch(`${gw.url}/webhooks/board`, { method: 'HEAD' })
    expect(headTrello.status).toBe(200)
    expect((await gw.admin('/api/events?source=board')).body.items).toEqual([])
  })

  it("echoes Slack's url_verification challenge after verification, stores nothing; unsigned → 400", async () => {
    const body = JSON.stringify({
      token: 'legacy',
      challenge: 'c-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
      type: 'url_verification',
    })
    const ok = await fetch(`${gw.url}/webhooks/slack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook(slack, { body }) },
      body,
    })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({
      challenge: 'c-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    })
    const unsigned = await fetch(`${gw.url}/webhooks/slack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    expect(unsigned.status).toBe(400)
    expect(((await unsigned.json()) as any).error.code).toBe('missing_signature')
    expect((await gw.admin('/api/events?source=slack')).body.items).toEqual([])
  })

  it('answers a handshake only for the preset that declares it: a signed url_verification body to another source is stored', async () => {
    const preset = providers['hmac-sha256']({
      secrets: ['custom-mac-secret-0123456789ab'],
      header: 'X-Mac',
      prefix: '',
    })
    const body = JSON.stringify({ type: 'url_verification', challenge: 'not-for-this-source' })
    const response = await fetch(`${gw.url}/webhooks/mac`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook(preset, { body }) },
      body,
    })
    expect(response.status).toBe(200)
    const answer = (await response.json()) as { id: string; duplicate: boolean }
    expect(answer).toMatchObject({ duplicate: false })
    expect((await gw.admin(`/api/events/${answer.id}`)).body.body).toBe(body)
    // And no source but Trello's answers HEAD.
    expect((await fetch(`${gw.url}/webhooks/mac`, { method: 'HEAD' })).status).toBe(405)
  })

  it("dedupes on the provider's delivery id: the same body under two ids is two events, one id twice is one", async () => {
    const body = '{"action":"same body, two deliveries"}'
    const send = async (delivery: string) =>
      (await (
        await fetch(
          `${gw.url}/webhooks/gh-dedupe`,
          githubRequest(body, { 'x-github-delivery': delivery }),
        )
      ).json()) as { id: string; duplicate: boolean }
    const first = await send('dedupe-a')
    const second = await send('dedupe-b')
    const again = await send('dedupe-a')
    expect([first.duplicate, second.duplicate, again.duplicate]).toEqual([false, false, true])
    expect(second.id).not.toBe(first.id)
    expect(again.id).toBe(first.id)
    expect((await gw.admin(`/api/events/${first.id}`)).body.dedupeKey).toBe('dedupe-a')
  })

  it('refuses a signature header sent twice, also when spelled in two cases; one copy is stored', async () => {
    const port = Number(new URL(gw.url).port)
    const body = '{"action":"signature header twice"}'
    const [signature] = Object.entries(signWebhook(github, { body }))
      .filter(([name]) => name.toLowerCase() === 'x-hub-signature-256')
      .map(([, value]) => value)
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/)
    /** One request on its own connection (`connection: close`), with `signatureLines` as its signature headers. */
    const send = async (signatureLines: string[], delivery: string) => {
      const head =
        `POST /webhooks/gh-twice HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `x-github-delivery: ${delivery}\r\nconnection: close\r\n` +
        signatureLines.map((line) => `${line}\r\n`).join('') +
        `content-length: ${Buffer.byteLength(body)}\r\n\r\n`
      const { response } = await rawExchange(port, head, body)
      return { status: Number(response.split(' ')[1]), text: response }
    }
    for (const lines of [
      [`x-hub-signature-256: ${signature}`, `x-hub-signature-256: ${signature}`],
      [`X-Hub-Signature-256: ${signature}`, `x-hub-signature-256: ${signature}`],
    ]) {
      const twice = await send(lines, `twice-${lines[0]!.slice(0, 1)}`)
      expect(twice.status).toBe(400)
      expect(twice.text).toContain('"code":"malformed_signature"')
      expect(twice.text).toContain('more than once')
    }
    // The same request with one copy is accepted: the refusals above were about the repeat alone.
    const once = await send([`x-hub-signature-256: ${signature}`], 'once')
    expect(once.status).toBe(200)
  })

  it('stores a non-UTF-8 body byte-exact and returns it as base64', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x7f, 0xc3])
    const preset = providers['hmac-sha256']({ secrets: ['binary-hmac-secret-0123456789ab'] })
    const response = await fetch(`${gw.url}/webhooks/bin`, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        ...signWebhook(preset, { body: bytes }),
      },
      body: bytes,
    })
    expect(response.status).toBe(200)
    const { id } = (await response.json()) as { id: string }
    const stored = await gw.admin(`/api/events/${id}`)
    expect(stored.body.encoding).toBe('base64')
    expect(Buffer.from(stored.body.body, 'base64').equals(bytes)).toBe(true)
    expect(stored.body.dedupeKey).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('redacts a custom signature header configured for the generic HMAC preset, in events and rejections', async () => {
    const preset = providers['hmac-sha256']({
      secrets: ['custom-mac-secret-0123456789ab'],
      header: 'X-Mac',
      prefix: '',
    })
    const body = '{"custom":true}'
    const signed = signWebhook(preset, { body })
    const ok = await fetch(`${gw.url}/webhooks/mac`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body,
    })
    expect(ok.status).toBe(200)
    const { id } = (await ok.json()) as { id: string }
    const stored = await gw.admin(`/api/events/${id}`)
    expect(stored.body.headers['x-mac']).toBe('[redacted]')
    expect(JSON.stringify(stored.body)).not.toContain(signed['X-Mac'])
    const bad = await fetch(`${gw.url}/webhooks/mac`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body: `${body} `,
    })
    expect(bad.status).toBe(401)
    const rejections = await gw.admin('/api/rejections?source=mac')
    expect(rejections.body.items[0].headers['x-mac']).toBe('[redacted]')
  })

  it('serves /healthz, /readyz and Prometheus /metrics', async () => {
    const ingestCount = async () =>
      Number(
        /^hookgate_ingest_duration_seconds_count\{source="gh"\} (\d+)$/m.exec(
          await (await fetch(`${gw.url}/metrics`)).text(),
        )?.[1] ?? 0,
      )
    const before = await ingestCount()
    await fetch(
      `${gw.url}/webhooks/gh`,
      githubRequest('{"a":1}', { 'x-github-delivery': 'metrics-1' }),
    )
    await fetch(
      `${gw.url}/webhooks/gh`,
      githubRequest('{"a":1}', { 'x-github-delivery': 'metrics-1' }),
    )
    await fetch(`${gw.url}/webhooks/gh`, { method: 'POST', body: '{}' })
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200)
    const ready = await fetch(`${gw.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready' })
    const metrics = await fetch(`${gw.url}/metrics`)
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await metrics.text()
    expect(text).toContain('# TYPE hookgate_requests_total counter')
    expect(text).toMatch(/^hookgate_requests_total\{source="gh",outcome="stored",reason="ok"\} 1$/m)
    expect(text).toMatch(
      /^hookgate_requests_total\{source="gh",outcome="duplicate",reason="ok"\} 1$/m,
    )
    expect(text).toMatch(
      /^hookgate_requests_total\{source="gh",outcome="rejected",reason="missing_signature"\} 1$/m,
    )
    expect(text).toMatch(
      /^hookgate_requests_total\{source="_unknown",outcome="rejected",reason="unknown_source"\} 1$/m,
    )
    expect(text).toContain('# TYPE hookgate_ingest_duration_seconds histogram')
    expect(text).toMatch(
      new RegExp(`^hookgate_ingest_duration_seconds_count\\{source="gh"\\} ${before + 3}$`, 'm'),
    )
    expect(text).toMatch(
      new RegExp(
        `^hookgate_ingest_duration_seconds_bucket\\{source="gh",le="\\+Inf"\\} ${before + 3}$`,
        'm',
      ),
    )
    const commits = /^hookgate_commit_batch_size_count (\d+)$/m.exec(text)
    expect(Number(commits?.[1])).toBeGreaterThan(0)
    expect(text).toMatch(/^hookgate_commit_duration_seconds_bucket\{le="\+Inf"\} \d+$/m)
    // Cumulative buckets never decrease.
    const buckets = [
      ...text.matchAll(/^hookgate_commit_batch_size_bucket\{le="[^"]+"\} (\d+)$/gm),
    ].map((m) => Number(m[1]))
    expect(buckets.length).toBeGreaterThan(5)
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b))
  })
})

describe('body size limit', () => {
  let gw: Running
  beforeAll(async () => {
    gw = await startGateway({
      server: { maxBodyBytes: 1024 },
      sources: [{ id: 'gh', provider: 'github', secrets: [GITHUB_SECRET] }],
    })
  })
  afterAll(() => gw.close())

  it('answers 413 to a declared oversized body before reading it, and closes the connection', async () => {
    const port = Number(new URL(gw.url).port)
    const head = `POST /webhooks/gh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`
    const { response, closedByServer } = await rawExchange(port, head, '{"partial":')
    expect(response).toMatch(/^HTTP\/1\.1 413 /)
    expect(response.toLowerCase()).toContain('connection: close')
    expect(response).toContain('"code":"payload_too_large"')
    expect(closedByServer).toBe(true)
    const rejections = await gw.admin('/api/rejections?source=gh')
    expect(rejections.body.items[0]).toMatchObject({
      reason: 'payload_too_large',
      status: 413,
      bodySize: 50 * 1024 * 1024,
      bodySha256: '',
    })
  })

  it('stops a chunked body at the limit with 413', async () => {
    const port = Number(new URL(gw.url).port)
    const chunk = 'x'.repeat(800)
    const head =
      'POST /webhooks/gh HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n'
    const part = `${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(2)
    const { response } = await rawExchange(port, head, part)
    expect(response).toMatch(/^HTTP\/1\.1 413 /)
  })

  it('accepts a body of exactly the limit', async () => {
    const body = JSON.stringify({ pad: 'y'.repeat(1024 - 10) })
    expect(Buffer.byteLength(body)).toBe(1024)
    const response = await fetch(`${gw.url}/webhooks/gh`, githubRequest(body))
    expect(response.status).toBe(200)
  })
})

describe('IP allowlist', () => {
  const gateways: Running[] = []
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.close()))
  })

  async function start(trustProxy: string[], allowIps: string[], host = '127.0.0.1') {
    const gw = await startGateway(
      {
        server: { trustProxy },
        sources: [{ id: 'gh', provider: 'github', secrets: [GITHUB_SECRET], allowIps }],
      },
      { host },
    )
    gateways.push(gw)
    return gw
  }

  it('refuses an address outside the list with 403 and ignores X-Forwarded-For from an untrusted peer', async () => {
    const gw = await start([], ['10.1.0.0/16'])
    const direct = await fetch(`${gw.url}/webhooks/gh`, githubRequest('{"n":1}'))
    expect(direct.status).toBe(403)
    expect(((await direct.json()) as any).error.code).toBe('ip_not_allowed')
    const spoofed = await fetch(
      `${gw.url}/webhooks/gh`,
      githubRequest('{"n":2}', { 'x-forwarded-for': '10.1.2.3' }),
    )
    expect(spoofed.status).toBe(403)
    expect((await gw.admin('/api/events')).body.items).toEqual([])
    const rejections = await gw.admin('/api/rejections')
    expect(rejections.body.items.map((r: any) => [r.reason, r.remoteAddress])).toEqual([
      ['ip_not_allowed', '127.0.0.1'],
      ['ip_not_allowed', '127.0.0.1'],
    ])
  })

  it('believes X-Forwarded-For from a trusted proxy (IPv4 and IPv6 clients)', async () => {
    const gw = await start(['127.0.0.1/32'], ['10.1.0.0/16', '2001:db8::/32'])
    const v4 = await fetch(
      `${gw.url}/webhooks/gh`,
      githubRequest('{"n":3}', { 'x-forwarded-for': '10.1.2.3' }),
    )
    expect(v4.status).toBe(200)
    const v6 = await fetch(
      `${gw.url}/webhooks/gh`,
      githubRequest('{"n":4}', { 'x-forwarded-for': '2001:db8::7' }),
    )
    expect(v6.status).toBe(200)
    // The client is the first untrusted hop from the right: a forged left-most entry does not help.
    const forged = await fetch(
      `${gw.url}/webhooks/gh`,
      githubRequest('{"n":5}', { 'x-forwarded-for': '10.1.2.3, 203.0.113.9' }),
    )
    expect(forged.status).toBe(403)
    expect((await gw.admin('/api/events')).body.items).toHaveLength(2)
  })

  it('matches an IPv6 peer directly (listening on ::1)', async () => {
    const allowed = await start([], ['::1/128'], '::1')
    expect((await fetch(`${allowed.url}/webhooks/gh`, githubRequest('{"n":6}'))).status).toBe(200)
    const refused = await start([], ['2001:db8::/32'], '::1')
    expect((await fetch(`${refused.url}/webhooks/gh`, githubRequest('{"n":7}'))).status).toBe(403)
  })
})

describe('when the store cannot commit', () => {
  it('answers 503 with Retry-After (never 2xx), reports not ready, and recovers once the lock is gone', async () => {
    const gw = await startGateway(
      { sources: [{ id: 'gh', provider: 'github', secrets: [GITHUB_SECRET] }] },
      {
        storage: (path, hooks) =>
          createSqliteStorage({ path, busyTimeoutMs: 20, onCommit: hooks.onCommit }),
      },
    )
    // Another connection holds the write lock: every commit of the gateway fails (SQLITE_BUSY).
    const blocker = new Database(gw.dbPath)
    try {
      blocker.exec('BEGIN EXCLUSIVE')
      const refused = await fetch(
        `${gw.url}/webhooks/gh`,
        githubRequest('{"n":"locked"}', { 'x-github-delivery': 'locked-1' }),
      )
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('5')
      expect(((await refused.json()) as any).error.code).toBe('storage_unavailable')
      expect((await fetch(`${gw.url}/readyz`)).status).toBe(503)
      blocker.exec('ROLLBACK')
      const again = await fetch(
        `${gw.url}/webhooks/gh`,
        githubRequest('{"n":"locked"}', { 'x-github-delivery': 'locked-1' }),
      )
      expect(again.status).toBe(200)
      expect(((await again.json()) as any).duplicate).toBe(false)
      expect((await fetch(`${gw.url}/readyz`)).status).toBe(200)
      expect((await gw.admin('/api/events')).body.items).toHaveLength(1)
    } finally {
      blocker.close()
      await gw.close()
    }
  })
})

describe('graceful shutdown', () => {
  it('lets an in-flight webhook finish, refuses new connections, then closes the store', async () => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let entered: () => void = () => undefined
    const inside = new Promise<void>((resolve) => {
      entered = resolve
    })
    let closed = false
    const gw = await startGateway(
      { sources: [{ id: 'gh', provider: 'github', secrets: [GITHUB_SECRET] }] },
      {
        storage: (path, hooks) => {
          const real = createSqliteStorage({ path, onCommit: hooks.onCommit })
          return wrapStorage(real, {
            ingest: async (...args: Parameters<Storage['ingest']>) => {
              entered()
              await gate
              return real.ingest(...args)
            },
            close: async () => {
              closed = true
              await real.close()
            },
          })
        },
      },
    )
    const inFlight = fetch(`${gw.url}/webhooks/gh`, githubRequest('{"n":"slow"}'))
    await inside
    const closing = gw.gateway.close()
    await expect(fetch(`${gw.url}/healthz`)).rejects.toThrow()
    // A webhook that still reaches the pipeline while draining (an open keep-alive connection) gets 503 + Retry-After.
    const late = await gw.gateway.fetch(
      new Request('http://gateway.local/webhooks/gh', githubRequest('{"n":"late"}')),
    )
    expect(late.status).toBe(503)
    expect(late.headers.get('retry-after')).toBe('5')
    expect(((await late.json()) as any).error.code).toBe('shutting_down')
    expect(closed).toBe(false)
    release()
    const response = await inFlight
    expect(response.status).toBe(200)
    expect(((await response.json()) as any).duplicate).toBe(false)
    await closing
    expect(closed).toBe(true)
    // The acknowledged event is in the file.
    const reopened = createSqliteStorage({ path: gw.dbPath })
    await reopened.migrate()
    expect((await reopened.listEvents({})).items).toHaveLength(1)
    await reopened.close()
    await gw.close()
  })
})

describe('fetch adapter', () => {
  it('serves the same pipeline as fetch(Request)', async () => {
    const gw = await startGateway({
      sources: [{ id: 'gh', provider: 'github', secrets: [GITHUB_SECRET] }],
    })
    try {
      const body = '{"via":"fetch"}'
      const ok = await gw.gateway.fetch(
        new Request('http://gateway.local/webhooks/gh', githubRequest(body)),
      )
      expect(ok.status).toBe(200)
      const { id } = (await ok.json()) as { id: string }
      expect((await gw.admin(`/api/events/${id}`)).body.body).toBe(body)
      const unsigned = await gw.gateway.fetch(
        new Request('http://gateway.local/webhooks/gh', { method: 'POST', body }),
      )
      expect(unsigned.status).toBe(400)
      const refused = await gw.gateway.fetch(new Request('http://gateway.local/api/events'))
      expect(refused.status).toBe(401)
    } finally {
      await gw.close()
    }
  })

  it('maps an unexpected storage error to 500, never 2xx', async () => {
    const gw = await startGateway(
      { sources: [{ id: 'gh', provider: 'github', secrets: [GITHUB_SECRET] }] },
      {
        storage: (path) => {
          return wrapStorage(createSqliteStorage({ path }), {
            ingest: async () => {
              throw new Error('boom')
            },
          })
        },
      },
    )
    try {
      const response = await fetch(`${gw.url}/webhooks/gh`, githubRequest('{"n":1}'))
      expect(response.status).toBe(500)
      expect(((await response.json()) as any).error.code).toBe('internal_error')
    } finally {
      await gw.close()
    }
  })
})
