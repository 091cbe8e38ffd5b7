/**
 * The admin API the dashboard reads (issue 13), through a real gateway on a real port, on SQLite and (with
 * HOOKGATE_TEST_POSTGRES_URL) PostgreSQL: event filters and their delivery counts, rejection filters, the overview
 * (real signed webhooks, duplicates and bad signatures, counted by the traffic recorder and flushed), sources,
 * an operator's disable/enable against a real sink, re-verifying captured rejections with the current secrets,
 * and bad input answered 400 `invalid_query`.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { createPostgresStorage } from '../../src/storage/postgres/index.ts'
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts'
import type { Storage } from '../../src/storage/types.ts'
import { startSink, type Sink } from '../delivery/sink.ts'
import { POSTGRES_URL, adminPool, closeAdminPool } from '../storage/postgres-support.ts'
import { ADMIN_TOKEN, startGateway, type Running } from './harness.ts'

const FILE = 'test/gateway/admin-dashboard.e2e.test.ts'
const GH_SECRET = 'github-dashboard-secret-0123456789'
const WRONG_SECRET = 'github-wrong-secret-9876543210'
const ST_SECRET = 'whsec_stripe-dashboard-secret'
const SLACK_SECRET = 'slack-signing-secret-0123456789abcdef'
const DEST_SECRET = `whsec_${Buffer.from('dashboard-destination-secret').toString('base64')}`
const github = providers.github({ secrets: [GH_SECRET] })
const stripe = providers.stripe({ secrets: [ST_SECRET] })

type Factory = (dbPath: string, hooks: { onCommit(size: number, ms: number): void }) => Storage

const COMPACT = '{"action":"opened","number":1}'
const PRETTY = '{\n  "action": "opened",\n  "number": 1\n}'

async function call(
  gw: Running,
  method: string,
  path: string,
): Promise<{ status: number; body: any }> {
  const response = await fetch(gw.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  return { status: response.status, body: await response.json() }
}

function sources(secrets: { gh?: string[] } = {}) {
  return [
    {
      id: 'gh',
      provider: 'github',
      secrets: secrets.gh ?? [GH_SECRET],
      captureRejected: true,
    },
    { id: 'st', provider: 'stripe', secrets: [ST_SECRET], captureRejected: true },
    { id: 'quiet', provider: 'github', secrets: [GH_SECRET] },
    {
      id: 'small',
      provider: 'github',
      secrets: [GH_SECRET],
      captureRejected: true,
      captureMaxBytes: 8,
    },
    { id: 'slack', provider: 'slack', secrets: [SLACK_SECRET] },
  ]
}

function scenario(
  name: string,
  factory: () => Promise<{ storage: Factory; cleanup: () => Promise<void> }>,
) {
  describe(name, () => {
    let gw: Running
    let sink: Sink
    let flaky: Sink
    let cleanup: () => Promise<void>
    let storage: Factory
    const ids: Record<string, string> = {}

    async function send(
      source: string,
      body: string,
      options: {
        delivery?: string
        event?: string
        signedBody?: string
        secret?: string
        timestamp?: Date
      } = {},
    ): Promise<{ status: number; json: any }> {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (source === 'st') {
        Object.assign(
          headers,
          signWebhook(stripe, {
            body,
            ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
          }),
        )
      } else {
        const preset =
          options.secret === undefined ? github : providers.github({ secrets: [options.secret] })
        headers['x-github-delivery'] = options.delivery ?? `d-${Math.random()}`
        headers['x-github-event'] = options.event ?? 'push'
        Object.assign(headers, signWebhook(preset, { body: options.signedBody ?? body }))
      }
      const response = await fetch(`${gw.url}/webhooks/${source}`, {
        method: 'POST',
        headers,
        body,
      })
      return { status: response.status, json: await response.json() }
    }

    const start = (secrets: { gh?: string[] } = {}) =>
      startGateway(
        {
          server: { publicUrl: 'https://hooks.example.com' },
          sources: sources(secrets),
          delivery: { pollIntervalMs: 20, workerId: 'dashboard' },
          destinations: [
            { id: 'sink', url: `${sink.origin}/in`, sources: ['gh'], signingSecret: DEST_SECRET },
            {
              id: 'flaky',
              url: `${flaky.origin}/in`,
              sources: ['st'],
              signingSecret: DEST_SECRET,
              retry: { schedule: ['10ms'], jitter: 0 },
            },
          ],
        } as never,
        { storage, gateway: { trafficFlushMs: 3_600_000 } },
      )

    beforeAll(async () => {
      ;({ storage, cleanup } = await factory())
      sink = await startSink()
      flaky = await startSink({ kind: 'status', status: 500 })
      gw = await start()
      // gh: 3 pushes, 1 issues event, 1 duplicate; st: 2 events (dead at flaky); 2 bad signatures, 1 missing.
      ids.push1 = (await send('gh', '{"n":1}', { delivery: 'gh-1' })).json.id
      ids.push2 = (await send('gh', '{"n":2}', { delivery: 'gh-2' })).json.id
      ids.issues = (await send('gh', '{"n":3}', { delivery: 'gh-3', event: 'issues' })).json.id
      ids.push4 = (await send('gh', '{"n":4}', { delivery: 'gh-4' })).json.id
      expect((await send('gh', '{"n":4}', { delivery: 'gh-4' })).json.duplicate).toBe(true)
      const st1 = JSON.stringify({ id: 'evt_st_1', type: 'invoice.paid', object: 'event' })
      const st2 = JSON.stringify({ id: 'evt_st_2', type: 'invoice.failed', object: 'event' })
      ids.st1 = (await send('st', st1)).json.id
      ids.st2 = (await send('st', st2)).json.id
      expect((await send('gh', PRETTY, { signedBody: COMPACT })).status).toBe(401)
      expect((await send('gh', '{"n":9}', { secret: WRONG_SECRET })).status).toBe(401)
      const missing = await fetch(`${gw.url}/webhooks/quiet`, { method: 'POST', body: '{}' })
      expect(missing.status).toBe(400)
      await sink.waitFor((received) => received.length >= 4)
      // Two attempts per st event (one retry after 10 ms, then dead).
      await flaky.waitFor((received) => received.length >= 4)
      await gw.gateway.worker!.idle()
      await gw.gateway.traffic.flush()
    }, 30_000)

    afterAll(async () => {
      await gw?.close()
      await sink?.close()
      await flaky?.close()
      await cleanup?.()
    })

    it('filters events by source, type, status, time range and q, with delivery counts per item', async () => {
      const list = async (query: string) => {
        const { status, body } = await gw.admin(`/api/events?${query}`)
        expect(status, query).toBe(200)
        return body
      }
      const all = await list('')
      expect(all.items.map((e: any) => e.id)).toEqual([
        ids.st2,
        ids.st1,
        ids.push4,
        ids.issues,
        ids.push2,
        ids.push1,
      ])
      const byId = new Map(all.items.map((e: any) => [e.id, e]))
      expect((byId.get(ids.push1) as any).deliveries).toEqual({
        pending: 0,
        in_flight: 0,
        delivered: 1,
        dead: 0,
      })
      expect((byId.get(ids.st1) as any).deliveries).toEqual({
        pending: 0,
        in_flight: 0,
        delivered: 0,
        dead: 1,
      })

      expect((await list('source=st')).items.map((e: any) => e.id)).toEqual([ids.st2, ids.st1])
      expect((await list('type=issues')).items.map((e: any) => e.id)).toEqual([ids.issues])
      expect((await list('type=invoice.paid&source=st')).items.map((e: any) => e.id)).toEqual([
        ids.st1,
      ])
      expect((await list('status=dead')).items.map((e: any) => e.id)).toEqual([ids.st2, ids.st1])
      expect((await list('status=delivered&limit=2')).items.map((e: any) => e.id)).toEqual([
        ids.push4,
        ids.issues,
      ])
      expect((await list('status=pending')).items).toEqual([])
      expect((await list(`q=${ids.push2}`)).items.map((e: any) => e.id)).toEqual([ids.push2])
      expect((await list('q=gh-3')).items.map((e: any) => e.id)).toEqual([ids.issues])
      expect((await list('q=evt_st_2')).items.map((e: any) => e.id)).toEqual([ids.st2])
      expect((await list('q=gh-')).items).toEqual([])

      const receivedAt = (byId.get(ids.issues) as any).receivedAt as string
      const next = new Date(new Date(receivedAt).getTime() + 1).toISOString()
      const to = await list(`to=${encodeURIComponent(next)}&source=gh`)
      expect(to.items.map((e: any) => e.id)).toContain(ids.issues)
      expect(to.items.map((e: any) => e.id)).not.toContain(ids.push4)
      const from = await list(`from=${encodeURIComponent(receivedAt)}&source=gh`)
      expect(from.items.map((e: any) => e.id)).toContain(ids.issues)
      expect(from.items.map((e: any) => e.id)).not.toContain(ids.push1)
      expect((await list('from=2000-01-01&to=2000-01-02')).items).toEqual([])

      // Keyset pages with a filter: every match once, in order.
      const first = await list('source=gh&limit=3')
      expect(first.nextCursor).toEqual(expect.any(String))
      const second = await list(`source=gh&limit=3&cursor=${encodeURIComponent(first.nextCursor)}`)
      expect([...first.items, ...second.items].map((e: any) => e.id)).toEqual([
        ids.push4,
        ids.issues,
        ids.push2,
        ids.push1,
      ])
      expect(second.nextCursor).toBeNull()
    })

    it('filters rejections by reason and time range', async () => {
      const mismatches = await gw.admin('/api/rejections?reason=signature_mismatch')
      expect(mismatches.body.items).toHaveLength(2)
      expect(mismatches.body.items.every((r: any) => r.sourceId === 'gh')).toBe(true)
      const missing = await gw.admin('/api/rejections?reason=missing_signature&source=quiet')
      expect(missing.body.items).toHaveLength(1)
      expect((await gw.admin('/api/rejections?from=2000-01-01&to=2000-01-02')).body.items).toEqual(
        [],
      )
      const until = await gw.admin(
        `/api/rejections?to=${encodeURIComponent(new Date().toISOString())}`,
      )
      expect(until.body.items.length).toBeGreaterThanOrEqual(3)
    })

    it('the overview counts what was received, per source and destination, in buckets of the window', async () => {
      for (const [window, bucketSeconds, count] of [
        ['1h', 60, 60],
        ['24h', 3600, 24],
        ['7d', 21600, 28],
      ] as const) {
        const { status, body } = await gw.admin(`/api/overview?window=${window}`)
        expect(status).toBe(200)
        expect(body).toMatchObject({ window, bucketSeconds })
        expect(body.buckets).toHaveLength(count)
        expect(body.from).toBe(body.buckets[0])
        for (let i = 1; i < count; i++)
          expect(Date.parse(body.buckets[i]) - Date.parse(body.buckets[i - 1])).toBe(
            bucketSeconds * 1000,
          )
        expect(Date.parse(body.buckets[0]) % (bucketSeconds * 1000)).toBe(0)
        expect(Date.parse(body.to)).toBeGreaterThanOrEqual(Date.parse(body.buckets[count - 1]))

        const bySource = new Map(body.sources.map((s: any) => [s.sourceId, s]))
        expect([...bySource.keys()]).toEqual(['gh', 'st', 'quiet', 'small', 'slack'])
        const gh = bySource.get('gh') as any
        expect(gh.provider).toBe('github')
        expect(gh.totals).toEqual({ accepted: 4, duplicate: 1, rejected: 2 })
        for (const outcome of ['accepted', 'duplicate', 'rejected'] as const) {
          expect(gh.series[outcome]).toHaveLength(count)
          expect(gh.series[outcome].reduce((a: number, b: number) => a + b, 0)).toBe(
            gh.totals[outcome],
          )
        }
        expect((bySource.get('st') as any).totals).toEqual({
          accepted: 2,
          duplicate: 0,
          rejected: 0,
        })
        expect((bySource.get('quiet') as any).totals).toEqual({
          accepted: 0,
          duplicate: 0,
          rejected: 1,
        })
        expect((bySource.get('slack') as any).totals).toEqual({
          accepted: 0,
          duplicate: 0,
          rejected: 0,
        })
        expect((bySource.get('slack') as any).series.accepted).toEqual(new Array(count).fill(0))
        expect(body.rejectionReasons).toEqual([
          { reason: 'signature_mismatch', count: 2 },
          { reason: 'missing_signature', count: 1 },
        ])
        expect(body.ingestLatencyMs).toEqual({
          p50: expect.any(Number),
          p99: expect.any(Number),
          count: expect.any(Number),
        })
        expect(body.ingestLatencyMs.count).toBeGreaterThanOrEqual(10)
        expect(body.ingestLatencyMs.p99).toBeGreaterThanOrEqual(body.ingestLatencyMs.p50)
        expect(body.destinations).toEqual([
          {
            id: 'sink',
            attempts: 4,
            delivered: 4,
            failed: 0,
            successRate: 1,
            backlog: { pending: 0, inFlight: 0, dead: 0 },
            oldestDueAt: null,
          },
          {
            id: 'flaky',
            attempts: 4,
            delivered: 0,
            failed: 4,
            successRate: 0,
            backlog: { pending: 0, inFlight: 0, dead: 2 },
            oldestDueAt: null,
          },
        ])
      }
      expect((await gw.admin('/api/overview')).body.window).toBe('24h')
    })

    it('lists sources with their URL, last event, handshake and capture setting, never a secret', async () => {
      const { status, body } = await gw.admin('/api/sources')
      expect(status).toBe(200)
      const byId = new Map(body.items.map((s: any) => [s.id, s]))
      expect(byId.get('gh')).toEqual({
        id: 'gh',
        provider: 'github',
        path: '/webhooks/gh',
        url: 'https://hooks.example.com/webhooks/gh',
        lastEventAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        handshake: null,
        captureRejected: true,
      })
      expect((byId.get('quiet') as any).lastEventAt).toBeNull()
      expect((byId.get('quiet') as any).captureRejected).toBe(false)
      expect((byId.get('slack') as any).handshake).toEqual({
        description: expect.stringMatching(/url_verification/),
      })
      const events = await gw.admin('/api/events?source=gh&limit=1')
      expect((byId.get('gh') as any).lastEventAt).toBe(events.body.items[0].receivedAt)
      const text = JSON.stringify(body)
      for (const secret of [GH_SECRET, ST_SECRET, SLACK_SECRET, DEST_SECRET])
        expect(text).not.toContain(secret)
    })

    it('re-verifies captured rejections with the current secrets; refuses what cannot be', async () => {
      const rejections = (await gw.admin('/api/rejections?source=gh&reason=signature_mismatch'))
        .body.items
      // Newest first: the wrong secret, then the re-serialised body.
      const [wrongSecret, reserialized] = rejections
      const first = await call(gw, 'POST', `/api/rejections/${reserialized.id}/verify`)
      expect(first.status).toBe(200)
      expect(first.body).toMatchObject({ verified: false, reason: 'signature_mismatch' })
      expect(first.body.diagnosis.map((h: any) => h.code)).toContain('body_reserialized')
      // Nothing fixed: still false, same answer.
      expect((await call(gw, 'POST', `/api/rejections/${reserialized.id}/verify`)).body).toEqual(
        first.body,
      )
      const wrong = await call(gw, 'POST', `/api/rejections/${wrongSecret.id}/verify`)
      expect(wrong.body).toMatchObject({ verified: false, reason: 'signature_mismatch' })
      const text = JSON.stringify([first.body, wrong.body])
      for (const secret of [GH_SECRET, WRONG_SECRET]) expect(text).not.toContain(secret)
      expect(text).not.toMatch(/sha256=[0-9a-f]{64}/)

      // A stale timestamp: still refused, with the clock_skew hint.
      const old = new Date(Date.now() - 3_600_000)
      const body = JSON.stringify({ id: 'evt_old', type: 'invoice.paid', object: 'event' })
      expect((await send('st', body, { timestamp: old })).status).toBe(401)
      const [stale] = (await gw.admin('/api/rejections?source=st&limit=1')).body.items
      expect(stale.reason).toBe('timestamp_too_old')
      const staleVerify = await call(gw, 'POST', `/api/rejections/${stale.id}/verify`)
      expect(staleVerify.body).toMatchObject({ verified: false, reason: 'timestamp_too_old' })
      expect(staleVerify.body.diagnosis.map((h: any) => h.code)).toContain('clock_skew')

      // Not captured, truncated, unknown, wrong method.
      const [notCaptured] = (await gw.admin('/api/rejections?source=quiet')).body.items
      const refused = await call(gw, 'POST', `/api/rejections/${notCaptured.id}/verify`)
      expect(refused.status).toBe(409)
      expect(refused.body.error.code).toBe('not_captured')
      expect(
        (await send('small', '{"a long body":"more than 8 bytes"}', { secret: WRONG_SECRET }))
          .status,
      ).toBe(401)
      const [cut] = (await gw.admin('/api/rejections?source=small')).body.items
      const truncated = await call(gw, 'POST', `/api/rejections/${cut.id}/verify`)
      expect(truncated.status).toBe(409)
      expect(truncated.body.error.code).toBe('truncated')
      expect((await call(gw, 'POST', '/api/rejections/rej_unknown/verify')).status).toBe(404)
      expect((await call(gw, 'GET', `/api/rejections/${cut.id}/verify`)).status).toBe(405)
    })

    it('an operator disables a destination (delivery stops) and enables it (delivery resumes)', async () => {
      expect((await call(gw, 'POST', '/api/destinations/nope/disable')).status).toBe(404)
      expect((await call(gw, 'GET', '/api/destinations/sink/disable')).status).toBe(405)
      const disabled = await call(gw, 'POST', '/api/destinations/sink/disable')
      expect(disabled).toEqual({ status: 200, body: { id: 'sink', state: 'disabled' } })
      const state = (await gw.admin('/api/destinations')).body.items.find(
        (d: any) => d.id === 'sink',
      )
      expect(state).toMatchObject({ state: 'disabled', disabledReason: 'disabled by an operator' })

      const before = sink.received.length
      const held = (await send('gh', '{"held":true}', { delivery: 'gh-held' })).json.id
      // A barrier: an event to the other destination is attempted meanwhile (once: its circuit may open after).
      const flakyBefore = flaky.received.length
      await send('st', JSON.stringify({ id: 'evt_barrier', type: 'x', object: 'event' }))
      await flaky.waitFor((received) => received.length >= flakyBefore + 1)
      await gw.gateway.worker!.idle()
      expect(sink.received.length).toBe(before)
      const waiting = await gw.admin(`/api/events?q=${held}`)
      expect(waiting.body.items[0].deliveries).toEqual({
        pending: 1,
        in_flight: 0,
        delivered: 0,
        dead: 0,
      })
      expect(
        (await gw.admin('/api/events?source=gh&status=pending')).body.items.map((e: any) => e.id),
      ).toEqual([held])

      const enabled = await call(gw, 'POST', '/api/destinations/sink/enable')
      expect(enabled).toEqual({ status: 200, body: { id: 'sink', state: 'enabled' } })
      await sink.waitFor((received) => received.length >= before + 1)
      expect(JSON.parse(sink.received.at(-1)!.body.toString('utf8'))).toEqual({ held: true })
      await gw.gateway.worker!.idle()
      expect((await gw.admin(`/api/events?q=${held}`)).body.items[0].deliveries.delivered).toBe(1)
    })

    it('refuses bad queries with 400 invalid_query', async () => {
      const cases = [
        '/api/overview?window=2h',
        '/api/overview?window=',
        '/api/events?status=lost',
        '/api/events?from=yesterday',
        '/api/events?from=2026-01-01T00:00:00', // no zone
        '/api/events?to=2026-13-45T00:00:00Z',
        '/api/events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
        `/api/events?q=${'x'.repeat(201)}`,
        `/api/events?type=${'x'.repeat(201)}`,
        '/api/rejections?from=soon',
        `/api/rejections?reason=${'r'.repeat(201)}`,
        '/api/events?status=dead&cursor=garbage',
      ]
      for (const path of cases) {
        const response = await gw.admin(path)
        expect(response.status, path).toBe(400)
        expect(response.body.error.code, path).toBe('invalid_query')
        expect(response.body.error.message, path).toEqual(expect.any(String))
      }
      expect((await call(gw, 'POST', '/api/overview')).status).toBe(405)
      expect((await call(gw, 'POST', '/api/sources')).status).toBe(405)
    })

    it('re-verify uses the CURRENT secrets: a rotation that adds the right one verifies the capture', async () => {
      // A gateway configured with the wrong secret refuses (and captures, sealed under the wrong secret's key)
      // a correctly signed webhook; once the right secret is configured next to the old one, it verifies.
      await gw.close()
      gw = await start({ gh: [WRONG_SECRET] })
      expect((await send('gh', '{"rotation":1}', { delivery: 'rot-1' })).status).toBe(401)
      const [rejection] = (await gw.admin('/api/rejections?source=gh&limit=1')).body.items
      expect((await call(gw, 'POST', `/api/rejections/${rejection.id}/verify`)).body).toMatchObject(
        {
          verified: false,
          reason: 'signature_mismatch',
        },
      )
      await gw.close()
      gw = await start({ gh: [GH_SECRET, WRONG_SECRET] })
      expect((await call(gw, 'POST', `/api/rejections/${rejection.id}/verify`)).body).toEqual({
        verified: true,
        reason: null,
        message: null,
        diagnosis: [],
      })
      // Without the old secret the sealed signature header cannot be opened: refused, and said why.
      await gw.close()
      gw = await start({ gh: [GH_SECRET] })
      const unsealed = await call(gw, 'POST', `/api/rejections/${rejection.id}/verify`)
      expect(unsealed.body).toMatchObject({ verified: false, reason: 'missing_signature' })
      expect(unsealed.body.diagnosis.map((h: any) => h.code)).toContain('sealed_headers_unreadable')
    })
  })
}

scenario('admin dashboard API on SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-dashboard-'))
  const path = join(dir, 'hookgate.db')
  return {
    storage: (_dbPath, hooks) => createSqliteStorage({ path, onCommit: hooks.onCommit }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
})

if (POSTGRES_URL !== undefined) {
  scenario('admin dashboard API on PostgreSQL', async () => {
    // Its own schema for the whole file (testSchema() is per test), dropped at the end.
    const hash = createHash('sha1').update(FILE).digest('hex').slice(0, 12)
    const schema = `gw_dashboard_${hash}_${process.pid}`
    await adminPool().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    return {
      storage: () =>
        createPostgresStorage({ connectionString: POSTGRES_URL!, schema, poolSize: 4 }),
      cleanup: async () => {
        await adminPool().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        await closeAdminPool()
      },
    }
  })
}
