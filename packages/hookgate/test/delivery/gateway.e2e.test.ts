/**
 * Delivery end to end: a provider-signed request to `hookgate`'s HTTP server → verified, stored → delivered to
 * a sink, byte for byte, re-signed; routing by source and event-type globs; the admin delivery routes
 * (deliveries with attempts, destinations, replay of one event and by filter, re-enable); `/metrics`;
 * `delivery.mode` ingest/deliver; and the `hookgate replay` command against the running gateway.
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { createHash } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, safeVerifyWebhook, signWebhook } from '@hookgate/verify'
import { createGateway } from '../../src/app.ts'
import { UsageError } from '../../src/cli/args.ts'
import { runReplay, type ReplayIo } from '../../src/cli/commands/replay.ts'
import { parseConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { ADMIN_TOKEN, startGateway, type Running } from '../gateway/harness.ts'
import { DEST_SECRET, SOURCE_SECRET } from './fixtures.ts'
import { startSink, type Sink } from './sink.ts'

const github = providers.github({ secrets: [SOURCE_SECRET] })
let deliveryCounter = 0

async function send(
  gw: Running,
  source: string,
  body: Buffer | string,
  eventType = 'push',
  contentType = 'application/json',
): Promise<{ status: number; id: string }> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  const response = await fetch(`${gw.url}/webhooks/${source}`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-github-event': eventType,
      // Unique within the run; every run starts from an empty store (a fresh temporary SQLite file).
      'x-github-delivery': `e2e-${++deliveryCounter}`,
      ...signWebhook(github, { body: bytes }),
    },
    body: new Uint8Array(bytes),
  })
  const json = (await response.json()) as { id: string }
  return { status: response.status, id: json.id }
}

async function adminPost(
  gw: Running,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(gw.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: await response.json() }
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/**
 * Waits until every attempt the worker has started is recorded (and a 410's destination disabled): call it once
 * the sink has seen the requests, whose attempts were claimed, and so started, before they were sent.
 */
const recorded = (gateway: Running = gw): Promise<void> => gateway.gateway.worker!.idle()

let sink: Sink
let gone: Sink
let gw: Running

beforeAll(async () => {
  sink = await startSink()
  gone = await startSink({ kind: 'status', status: 410 })
  gw = await startGateway({
    sources: [
      { id: 'src', provider: 'github', secrets: [SOURCE_SECRET] },
      { id: 'other', provider: 'github', secrets: [SOURCE_SECRET] },
    ],
    delivery: { pollIntervalMs: 20, workerId: 'e2e' },
    destinations: [
      { id: 'all', url: `${sink.origin}/all`, sources: ['src'], signingSecret: DEST_SECRET },
      {
        id: 'pushes',
        url: `${sink.origin}/pushes`,
        sources: ['src', 'other'],
        eventTypes: ['push*'],
        signingSecret: DEST_SECRET,
      },
      {
        id: 'issues',
        url: `${sink.origin}/issues`,
        sources: ['other'],
        eventTypes: ['issue?', 'pull_request.*'],
        signingSecret: DEST_SECRET,
      },
      {
        id: 'gone',
        url: `${gone.origin}/x`,
        sources: ['other'],
        eventTypes: ['gone'],
        signingSecret: DEST_SECRET,
      },
      // The /metrics test's own 410 destination, so its counts do not depend on which other tests ran.
      {
        id: 'gone-metrics',
        url: `${gone.origin}/metrics`,
        sources: ['other'],
        eventTypes: ['gone-metrics'],
        signingSecret: DEST_SECRET,
      },
    ],
  })
})

afterAll(async () => {
  await gw.close()
  await sink.close()
  await gone.close()
})

describe('delivery through the gateway', () => {
  it('delivers byte-exact bodies (unicode, BOM, __proto__, deep nesting, large integers, non-UTF-8) with the SHA-256 they arrived with', async () => {
    const bodies: Array<[Buffer, string]> = [
      [
        Buffer.from('{"text":"héllo wörld ✓ 日本語 🎉","esc":"\\u0000\\ud83d\\ude00"}', 'utf8'),
        'application/json',
      ],
      [Buffer.from('\uFEFF{"bom":true}', 'utf8'), 'application/json; charset=utf-8'],
      [
        Buffer.from(
          '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"a":1,"a":2}',
          'utf8',
        ),
        'application/json',
      ],
      [Buffer.from(`${'['.repeat(3000)}1${']'.repeat(3000)}`, 'utf8'), 'application/json'],
      [
        Buffer.from(
          '{"id":123456789012345678901234567890,"f":0.10000000000000000000001,"e":1E400,"n":-0}\r\n',
          'utf8',
        ),
        'application/json',
      ],
      [
        Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0x0d, 0x0a]),
        'application/octet-stream',
      ],
      [Buffer.from('a=1&b=%E2%9C%93&b=2', 'utf8'), 'application/x-www-form-urlencoded'],
    ]
    const sent = new Map<string, { sha: string; type: string; body: Buffer }>()
    for (const [body, type] of bodies) {
      const { status, id } = await send(gw, 'src', body, 'push', type)
      expect(status).toBe(200)
      sent.set(id, { sha: sha256(body), type, body })
    }
    await sink.waitFor(
      (r) =>
        r.filter((x) => x.path === '/all' && sent.has(x.headers['webhook-id']!)).length ===
        bodies.length,
    )
    const wh = new Webhook(DEST_SECRET)
    // The official library signs `payload.toString()`, so it can only check UTF-8 bodies; ours checks any bytes.
    const ours = providers['standard-webhooks']({ secrets: [DEST_SECRET] })
    for (const got of sink.received.filter(
      (x) => x.path === '/all' && sent.has(x.headers['webhook-id']!),
    )) {
      const expected = sent.get(got.headers['webhook-id']!)!
      expect(got.sha256).toBe(expected.sha)
      expect(got.headers['content-type']).toBe(expected.type)
      expect(got.headers['content-length']).toBe(String(expected.body.byteLength))
      // The signature covers the exact bytes.
      if (isUtf8(got.body))
        expect(() => wh.verify(got.body, got.headers, { jsonParse: false })).not.toThrow()
      const verified = safeVerifyWebhook(ours, {
        method: 'POST',
        url: `${sink.origin}/all`,
        headers: got.headers,
        rawBody: got.body,
      })
      expect(verified.ok).toBe(true)
    }
  })

  it('routes by source and event-type glob: one pending delivery per matching destination, committed with the event', async () => {
    const push = await send(gw, 'other', '{"k":"push"}', 'push')
    const issue = await send(gw, 'other', '{"k":"issues"}', 'issues')
    const pr = await send(gw, 'other', '{"k":"pr"}', 'pull_request.opened')
    const star = await send(gw, 'other', '{"k":"star"}', 'star')
    const destinationsOf = async (id: string) =>
      ((await gw.admin(`/api/events/${id}/deliveries`)).body.items as any[])
        .map((d) => d.destinationId)
        .sort()
    expect(await destinationsOf(push.id)).toEqual(['pushes'])
    expect(await destinationsOf(issue.id)).toEqual(['issues'])
    expect(await destinationsOf(pr.id)).toEqual(['issues'])
    expect(await destinationsOf(star.id)).toEqual([])
    await sink.waitFor((r) => r.some((x) => x.headers['webhook-id'] === pr.id))
    const got = sink.received.find((x) => x.headers['webhook-id'] === pr.id)!
    expect(got.path).toBe('/issues')
    expect(got.headers).toMatchObject({
      'x-hookgate-source': 'other',
      'x-hookgate-provider': 'github',
      'x-hookgate-event-type': 'pull_request.opened',
    })
  })

  it('GET /api/events/{id}/deliveries shows each delivery with its attempts', async () => {
    const { id } = await send(gw, 'src', '{"show":"deliveries"}', 'push')
    await sink.waitFor((r) => r.filter((x) => x.headers['webhook-id'] === id).length === 2)
    await recorded()
    const items: any[] = (await gw.admin(`/api/events/${id}/deliveries`)).body.items
    expect(items.map((d) => d.destinationId).sort()).toEqual(['all', 'pushes'])
    for (const d of items) {
      expect(d).toMatchObject({
        eventId: id,
        status: 'delivered',
        attempts: 1,
        deadReason: null,
        replayOf: null,
      })
      expect(d.attemptLog).toHaveLength(1)
      expect(d.attemptLog[0]).toMatchObject({
        attemptNumber: 1,
        statusCode: 200,
        error: null,
        workerId: 'e2e',
        response: { encoding: 'utf8', body: 'ok' },
        next: { kind: 'done' },
      })
    }
    expect((await gw.admin('/api/events/evt_00000000000000000000000000/deliveries')).status).toBe(
      404,
    )
  })

  it('a 410 disables its destination (GET /api/destinations), and POST …/enable re-enables it', async () => {
    const { id } = await send(gw, 'other', '{"k":"gone"}', 'gone')
    await gone.waitFor((r) => r.some((x) => x.path === '/x'))
    await recorded()
    const destination = ((await gw.admin('/api/destinations')).body.items as any[]).find(
      (d) => d.id === 'gone',
    )
    expect(destination).toMatchObject({
      id: 'gone',
      url: `${gone.origin}/x`,
      state: 'disabled',
      disabledReason: 'the destination answered HTTP 410 Gone',
      backlog: { pending: 0, inFlight: 0, delivered: 0, dead: 1 },
      circuit: { state: 'closed', inFlight: 0 },
      retrySchedule: ['5s', '5m', '30m', '2h', '5h', '10h', '10h'],
    })
    const deliveries = (await gw.admin(`/api/events/${id}/deliveries`)).body.items
    expect(deliveries[0]).toMatchObject({
      status: 'dead',
      deadReason: expect.stringContaining('410'),
    })

    expect((await adminPost(gw, '/api/destinations/gone/enable')).body).toEqual({
      id: 'gone',
      state: 'enabled',
    })
    expect(
      ((await gw.admin('/api/destinations')).body.items as any[]).find((d) => d.id === 'gone')
        .state,
    ).toBe('enabled')
    expect((await adminPost(gw, '/api/destinations/nope/enable')).status).toBe(404)
  })

  it('POST /api/events/{id}/replay re-delivers (to its routed destinations, or the ones asked)', async () => {
    const { id } = await send(gw, 'src', '{"replay":1}', 'push')
    await sink.waitFor((r) => r.filter((x) => x.headers['webhook-id'] === id).length === 2)
    // Wait until both are recorded delivered (else the replay would find them still in flight).
    await recorded()
    const replay = await adminPost(gw, `/api/events/${id}/replay`)
    expect(replay).toEqual({
      status: 202,
      body: { eventId: id, requeued: 2, destinationIds: ['all', 'pushes'] },
    })
    await sink.waitFor((r) => r.filter((x) => x.headers['webhook-id'] === id).length === 4)
    await recorded()
    const one = await adminPost(gw, `/api/events/${id}/replay`, { destinationIds: ['pushes'] })
    expect(one.body).toEqual({ eventId: id, requeued: 1, destinationIds: ['pushes'] })
    await sink.waitFor(
      (r) => r.filter((x) => x.headers['webhook-id'] === id && x.path === '/pushes').length === 3,
    )

    expect(
      (await adminPost(gw, `/api/events/${id}/replay`, { destinationIds: ['nope'] })).status,
    ).toBe(400)
    expect((await adminPost(gw, '/api/events/evt_00000000000000000000000000/replay')).status).toBe(
      404,
    )
    expect((await gw.admin(`/api/events/${id}/replay`)).status).toBe(405)
  })

  it('POST /api/replay by filter: dry run counts, batches walk a cursor, bad filters are 400', async () => {
    const before = new Date().toISOString()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await send(gw, 'other', `{"bulk":${i}}`, 'issues')).id)
    await sink.waitFor((r) => ids.every((id) => r.some((x) => x.headers['webhook-id'] === id)))
    await recorded()
    const filter = { sourceId: 'other', destinationId: 'issues', from: before, status: 'delivered' }
    expect((await adminPost(gw, '/api/replay', { ...filter, dryRun: true })).body.matched).toBe(5)
    const first = await adminPost(gw, '/api/replay', { ...filter, limit: 2 })
    expect(first.body).toEqual({ matched: 5, requeued: 2, nextCursor: expect.any(String) })
    let total = first.body.requeued
    let cursor = first.body.nextCursor
    while (cursor !== null) {
      const next = await adminPost(gw, '/api/replay', { ...filter, limit: 2, cursor })
      expect(next.body.matched).toBeUndefined()
      total += next.body.requeued
      cursor = next.body.nextCursor
    }
    expect(total).toBe(5)
    await sink.waitFor((r) =>
      ids.every((id) => r.filter((x) => x.headers['webhook-id'] === id).length === 2),
    )

    for (const bad of [
      { status: 'nope' },
      { from: 'yesterday' },
      { destinationId: 'unknown' },
      { limit: 0 },
      { cursor: 'garbage' },
      { extra: 1 },
    ]) {
      const response = await adminPost(gw, '/api/replay', bad)
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('invalid_request')
    }
    expect((await gw.admin('/api/replay')).status).toBe(405)
  })

  it('/metrics counts delivery outcomes and attempt latency, and shows the backlog per destination', async () => {
    // Its own traffic: one delivered event, and one to a destination of its own that answers 410.
    const ok = await send(gw, 'src', '{"metrics":"ok"}', 'push')
    await send(gw, 'other', '{"metrics":"gone"}', 'gone-metrics')
    await sink.waitFor((r) => r.some((x) => x.headers['webhook-id'] === ok.id && x.path === '/all'))
    await gone.waitFor((r) => r.some((x) => x.path === '/metrics'))
    await recorded()
    const text = await (await fetch(`${gw.url}/metrics`)).text()
    expect(text).toMatch(
      /^hookgate_deliveries_total\{destination="all",outcome="delivered"\} [1-9]\d*$/m,
    )
    expect(text).toMatch(
      /^hookgate_deliveries_total\{destination="gone-metrics",outcome="dead"\} 1$/m,
    )
    expect(text).toMatch(
      /^hookgate_delivery_attempts_total\{destination="gone-metrics",result="4xx"\} 1$/m,
    )
    expect(text).toMatch(
      /^hookgate_delivery_attempt_duration_seconds_count\{destination="all"\} [1-9]\d*$/m,
    )
    expect(text).toMatch(
      /^hookgate_delivery_lag_seconds_bucket\{destination="all",le="\+Inf"\} [1-9]\d*$/m,
    )
    expect(text).toMatch(
      /^hookgate_delivery_backlog\{destination="gone-metrics",status="dead"\} 1$/m,
    )
    expect(text).toMatch(/^hookgate_delivery_circuit_open\{destination="all"\} 0$/m)
  })
})

describe('hookgate replay (the CLI, against the running gateway)', () => {
  function io(isTTY: boolean, env: Record<string, string> = { HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN }) {
    const out: string[] = []
    const err: string[] = []
    const value: ReplayIo = {
      out: (t) => void out.push(t),
      err: (t) => void err.push(t),
      isTTY,
      env: { HOOKGATE_URL: gw.url, ...env },
      fetch,
    }
    return { value, out, err }
  }

  /** Waits until the sink has seen each event `times` times and the worker has recorded those attempts. */
  async function settled(ids: readonly string[], times = 1): Promise<void> {
    await sink.waitFor((r) =>
      ids.every((id) => r.filter((x) => x.headers['webhook-id'] === id).length >= times),
    )
    await recorded()
  }

  it('replays one event', async () => {
    const { id } = await send(gw, 'other', '{"cli":"one"}', 'issues')
    await settled([id])
    const run = io(false)
    expect(await runReplay([id], run.value)).toBe(0)
    expect(run.out.join('')).toBe(`requeued 1 delivery of ${id} (issues)\n`)
    await sink.waitFor((r) => r.filter((x) => x.headers['webhook-id'] === id).length === 2)
  })

  it('replays by filter: plain lines per batch off a terminal, a progress bar on one; dry run', async () => {
    const from = new Date().toISOString()
    const ids: string[] = []
    for (let i = 0; i < 5; i++)
      ids.push((await send(gw, 'other', `{"cli":${i}}`, 'pull_request.closed')).id)
    await settled(ids)
    const args = ['--source', 'other', '--from', from, '--destination', 'issues', '--batch', '2']

    const dry = io(false)
    expect(await runReplay([...args, '--dry-run'], dry.value)).toBe(0)
    expect(dry.out.join('')).toBe('would requeue 5 deliveries\n')

    const plain = io(false)
    expect(await runReplay(args, plain.value)).toBe(0)
    expect(plain.err).toEqual([
      'replay: batch 1: requeued 2 (2/5)\n',
      'replay: batch 2: requeued 2 (4/5)\n',
      'replay: batch 3: requeued 1 (5/5)\n',
    ])
    expect(plain.out.join('')).toBe('requeued 5 deliveries\n')
    await settled(ids, 2)

    const tty = io(true)
    expect(
      await runReplay([...args, '--url', gw.url, '--token', ADMIN_TOKEN], {
        ...tty.value,
        env: {},
      }),
    ).toBe(0)
    const bar = tty.err.join('')
    expect(bar).toContain('\r[############------------------] 2/5 40%')
    expect(bar).toContain('\r[##############################] 5/5 100%')
    expect(bar.endsWith('\n')).toBe(true)
    await sink.waitFor((r) =>
      ids.every((id) => r.filter((x) => x.headers['webhook-id'] === id).length === 3),
    )
  })

  it('fails cleanly: no token (usage), a wrong token (exit 1, never printed), unknown event, no filter', async () => {
    await expect(runReplay(['evt_x'], io(false, {}).value)).rejects.toBeInstanceOf(UsageError)
    await expect(runReplay([], io(false).value)).rejects.toThrow(/--all/)
    await expect(runReplay(['--status', 'pending'], io(false).value)).rejects.toBeInstanceOf(
      UsageError,
    )
    const wrongToken = 'wrong-admin-token-0123456789abcdef'
    const wrong = io(false, { HOOKGATE_ADMIN_TOKEN: wrongToken })
    expect(await runReplay(['--all', '--dry-run'], wrong.value)).toBe(1)
    expect(wrong.err.join('')).toMatch(/401 unauthorized/)
    expect(wrong.err.join('')).not.toContain(wrongToken)
    const missing = io(false)
    expect(await runReplay(['evt_00000000000000000000000000'], missing.value)).toBe(1)
    expect(missing.err.join('')).toMatch(/404 not_found No such event/)
    const down = io(false, {
      HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      HOOKGATE_URL: `${gone.origin.replace(/:\d+$/, ':1')}`,
    })
    expect(await runReplay(['--all', '--dry-run'], down.value)).toBe(1)
    expect(down.err.join('')).toMatch(/cannot reach/)
  })
})

describe('delivery.mode', () => {
  it('ingest stores pending deliveries without sending; deliver refuses webhooks and sends them', async () => {
    const s = await startSink()
    const base = {
      sources: [{ id: 'src', provider: 'github', secrets: [SOURCE_SECRET] }],
      destinations: [
        { id: 'd', url: `${s.origin}/h`, sources: ['src'], signingSecret: DEST_SECRET },
      ],
    }
    const ingestOnly = await startGateway({
      ...base,
      delivery: { mode: 'ingest', pollIntervalMs: 20 },
    })
    try {
      expect(ingestOnly.gateway.worker).toBeUndefined()
      const { status, id } = await send(ingestOnly, 'src', '{"mode":"ingest"}')
      expect(status).toBe(200)
      const [delivery] = (await ingestOnly.admin(`/api/events/${id}/deliveries`)).body.items
      expect(delivery.status).toBe('pending')

      // A deliver-only instance on the same store.
      const config = parseConfig(
        {
          ...base,
          storage: { sqlite: ingestOnly.dbPath },
          delivery: { mode: 'deliver', pollIntervalMs: 20 },
        },
        { env: {} },
      )
      const deliverer = createGateway(config, { logger: createLogger({ level: 'silent' }) })
      const address = await deliverer.listen({ port: 0, host: '127.0.0.1' })
      try {
        await s.waitFor((r) => r.some((x) => x.headers['webhook-id'] === id))
        const refused = await fetch(`${address.url}/webhooks/src`, { method: 'POST', body: '{}' })
        expect(refused.status).toBe(503)
        expect(((await refused.json()) as any).error.code).toBe('ingest_disabled')
        expect(refused.headers.get('retry-after')).toBe('5')
      } finally {
        await deliverer.close()
      }
    } finally {
      await ingestOnly.close()
      await s.close()
    }
  })
})
