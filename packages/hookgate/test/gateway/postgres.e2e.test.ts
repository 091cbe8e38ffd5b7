/**
 * The gateway on PostgreSQL, end to end: `storage.postgres` in the config (parsing and errors, no server
 * needed), then a real gateway whose store sits behind a TCP proxy that cuts PostgreSQL off and brings it back
 * (503 + Retry-After and /readyz 503 while it is away, recovery without a restart), and `hookgate migrate`
 * from the built CLI. The server parts need HOOKGATE_TEST_POSTGRES_URL (see test/storage/postgres.test.ts).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { createGateway } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { ConfigError } from '../../src/errors.ts'
import { createLogger } from '../../src/logger.ts'
import { describeStorage, redactUrl } from '../../src/storage/from-config.ts'
import { CLI, ensureBuilt, plainEnv } from '../built.ts'
import {
  adminPool,
  closeAdminPool,
  POSTGRES_URL,
  serverAddress,
  TcpProxy,
  testSchema,
  urlVia,
} from '../storage/postgres-support.ts'

const FILE = 'test/gateway/postgres.e2e.test.ts'
const SECRET = 'github-webhook-secret-0123456789'
const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef'
const github = providers.github({ secrets: [SECRET] })
const source = { id: 'gh', provider: 'github', secrets: [SECRET] }

function issues(input: unknown): string[] {
  try {
    parseConfig(input, { env: {}, baseDir: '/srv/hookgate' })
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues]
    throw error
  }
  return []
}

describe('storage.postgres in the configuration', () => {
  it('accepts the object form with defaults, and the URL or path shorthand', () => {
    const url = 'postgres://hookgate:s3cret-pw@db.example:5432/hooks?sslmode=require'
    expect(
      parseConfig({ storage: { postgres: url }, sources: [source] }, { env: {} }).storage,
    ).toEqual({
      kind: 'postgres',
      postgres: url,
      schema: 'hookgate',
      poolSize: 10,
      maxRejections: undefined,
    })
    expect(
      parseConfig(
        {
          storage: { postgres: url, schema: 'gw_tenant_1', poolSize: '25', maxRejections: 500 },
          sources: [source],
        },
        { env: {} },
      ).storage,
    ).toEqual({
      kind: 'postgres',
      postgres: url,
      schema: 'gw_tenant_1',
      poolSize: 25,
      maxRejections: 500,
    })
    expect(
      parseConfig({ storage: 'postgresql://db.example/hooks', sources: [source] }, { env: {} })
        .storage,
    ).toMatchObject({
      kind: 'postgres',
      postgres: 'postgresql://db.example/hooks',
    })
    expect(
      parseConfig(
        { storage: 'data/x.db', sources: [source] },
        { env: {}, baseDir: '/srv/hookgate' },
      ).storage,
    ).toEqual({
      kind: 'sqlite',
      sqlite: '/srv/hookgate/data/x.db',
      maxRejections: undefined,
    })
    // ${env:…} interpolation, as for secrets.
    expect(
      parseConfig(
        { storage: { postgres: '${env:DATABASE_URL}' }, sources: [source] },
        { env: { DATABASE_URL: url } },
      ).storage,
    ).toMatchObject({ postgres: url })
  })

  it('names the exact path of every problem, and never echoes the URL (it may hold a password)', () => {
    const withPassword = 'postgres//user:hunter2-password@db'
    const found = issues({
      storage: { postgres: withPassword, schema: 'Bad-Schema', poolSize: 0 },
      sources: [source],
    })
    expect(found).toEqual(['storage.poolSize: must be at least 1'])
    const second = issues({
      storage: { postgres: withPassword, schema: 'Bad-Schema' },
      sources: [source],
    })
    expect(second).toEqual([
      'storage.postgres: must be a URL such as postgres://user:password@db.example:5432/hookgate',
      'storage.schema: must be 1-63 lowercase letters, digits or "_", not starting with a digit (e.g. hookgate)',
    ])
    for (const line of [...found, ...second]) expect(line).not.toContain('hunter2')
    expect(issues({ storage: { postgres: 'mysql://db/x' }, sources: [source] })).toEqual([
      'storage.postgres: must be a URL such as postgres://user:password@db.example:5432/hookgate',
    ])
    expect(
      issues({ storage: { sqlite: 'a.db', postgres: 'postgres://db/x' }, sources: [source] }),
    ).toEqual([
      'storage: set either sqlite (one instance, a file) or postgres (several instances), not both',
    ])
    expect(
      issues({ storage: { sqlite: 'a.db', schema: 'x', poolSize: 3 }, sources: [source] }),
    ).toEqual([
      'storage.schema: only applies to storage.postgres',
      'storage.poolSize: only applies to storage.postgres',
    ])
    expect(
      issues({ storage: { postgres: 'postgres://db/x', poolSize: 5000 }, sources: [source] }),
    ).toEqual(['storage.poolSize: must be at most 1000'])
    expect(issues({ storage: 42, sources: [source] })[0]).toMatch(
      /^storage: must be a mapping such as/,
    )
  })

  it('shows the store without its password', () => {
    expect(redactUrl('postgres://u:p4ss@db:5432/x?sslpassword=k3y&sslmode=require')).toBe(
      'postgres://u:***@db:5432/x?sslpassword=***&sslmode=require',
    )
    expect(redactUrl('not a url')).not.toContain('not a url')
    const config = parseConfig(
      { storage: { postgres: 'postgres://u:p4ss@db/x', schema: 'hg' }, sources: [source] },
      { env: {} },
    )
    expect(describeStorage(config.storage)).toBe('postgres://u:***@db/x (schema hg)')
  })
})

if (POSTGRES_URL === undefined) {
  describe.skip('gateway on PostgreSQL (skipped: HOOKGATE_TEST_POSTGRES_URL is not set)', () => {
    it('503 while PostgreSQL is away, recovery, hookgate migrate', () => undefined)
  })
} else {
  describe('gateway on PostgreSQL', () => {
    afterAll(() => closeAdminPool())

    function signed(body: string, delivery: string): RequestInit {
      return {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-delivery': delivery,
          'x-github-event': 'push',
          ...signWebhook(github, { body }),
        },
        body,
      }
    }

    it('PostgreSQL cut off: 503 + Retry-After (never 2xx) and /readyz 503; it comes back: stored once, ready, no restart', async () => {
      const proxy = new TcpProxy(serverAddress())
      const port = await proxy.start()
      const schema = await testSchema(FILE)
      // A password the server (trust auth) ignores: it must never show up in a log line.
      const url = new URL(urlVia('127.0.0.1', port))
      url.password = 'hunter2-never-logged'
      const logs: string[] = []
      const config = parseConfig(
        {
          server: { port: 0 },
          storage: { postgres: url.toString(), schema, poolSize: 3 },
          admin: { token: ADMIN_TOKEN },
          sources: [source],
        },
        { env: {} },
      )
      const gateway = createGateway(config, {
        logger: createLogger({
          level: 'debug',
          destination: { write: (line: string) => void logs.push(line) },
        }),
      })
      try {
        const { url: base } = await gateway.listen({ host: '127.0.0.1', port: 0 })
        const first = await fetch(`${base}/webhooks/gh`, signed('{"n":1}', 'delivery-1'))
        expect(first.status).toBe(200)
        const firstId = ((await first.json()) as { id: string }).id
        expect((await fetch(`${base}/readyz`)).status).toBe(200)

        await proxy.cut()
        const refused = await fetch(`${base}/webhooks/gh`, signed('{"n":2}', 'delivery-2'))
        expect(refused.status).toBe(503)
        expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
          'storage_unavailable',
        )
        const notReady = await fetch(`${base}/readyz`)
        expect(notReady.status).toBe(503)
        expect(notReady.headers.get('retry-after')).toMatch(/^\d+$/)
        expect((await fetch(`${base}/healthz`)).status).toBe(200) // the process itself is fine

        await proxy.restore()
        expect((await fetch(`${base}/readyz`)).status).toBe(200)
        const retried = await fetch(`${base}/webhooks/gh`, signed('{"n":2}', 'delivery-2'))
        expect(retried.status).toBe(200)
        expect(((await retried.json()) as { duplicate: boolean }).duplicate).toBe(false)
        const again = await fetch(`${base}/webhooks/gh`, signed('{"n":1}', 'delivery-1'))
        expect(await again.json()).toEqual({ id: firstId, duplicate: true })

        const listed = await fetch(`${base}/api/events?source=gh`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        })
        expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(2)
        const count = await adminPool().query(`SELECT count(*)::int AS n FROM "${schema}".events`)
        expect(count.rows[0].n).toBe(2)
        expect(logs.join('\n')).not.toContain('hunter2-never-logged')
      } finally {
        await gateway.close()
        await proxy.close()
      }
    })

    it('a verified webhook whose id and type contain U+0000 is stored, deduplicated and read back as sent (issue 12)', async () => {
      const schema = await testSchema(FILE)
      const stripeSecret = 'whsec_stripe-secret-for-the-nul-test'
      const config = parseConfig(
        {
          server: { port: 0 },
          storage: { postgres: POSTGRES_URL!, schema, poolSize: 2 },
          log: { level: 'silent' },
          admin: { token: ADMIN_TOKEN },
          sources: [{ id: 'st', provider: 'stripe', secrets: [stripeSecret] }],
        },
        { env: {} },
      )
      const gateway = createGateway(config)
      const stripe = providers.stripe({ secrets: [stripeSecret] })
      const body = '{"id":"evt_\\u0000nul","type":"invoice.\\u0000paid","object":"event"}'
      const send = (): Promise<Response> =>
        gateway.fetch(
          new Request('http://gateway.test/webhooks/st', {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...signWebhook(stripe, { body }) },
            body,
          }),
        )
      try {
        await gateway.start()
        const first = await send()
        expect(first.status).toBe(200)
        const { id } = (await first.json()) as { id: string }
        expect(await (await send()).json()).toEqual({ id, duplicate: true })
        const event = await gateway.fetch(
          new Request(`http://gateway.test/api/events/${id}`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          }),
        )
        expect(await event.json()).toMatchObject({
          id,
          providerEventId: 'evt_\u0000nul',
          eventType: 'invoice.\u0000paid',
        })
      } finally {
        await gateway.close()
      }
    })

    it("an idle deliver-only instance is woken by another instance's ingest (LISTEN/NOTIFY), not by its 10-minute poll", async () => {
      const schema = await testSchema(FILE)
      const received: string[] = []
      let arrived: (() => void) | undefined
      const sink = createServer((req, res) => {
        received.push(String(req.headers['webhook-id']))
        req.resume()
        req.on('end', () => {
          res.writeHead(204).end()
          arrived?.()
        })
      })
      await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
      const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hooks`
      const base = {
        server: { port: 0 },
        storage: { postgres: POSTGRES_URL!, schema, poolSize: 3 },
        log: { level: 'silent' },
        sources: [source],
        destinations: [
          {
            id: 'sink',
            url: sinkUrl,
            sources: ['gh'],
            signingSecret: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
          },
        ],
      }
      const ingester = createGateway(
        parseConfig({ ...base, delivery: { mode: 'ingest' } }, { env: {} }),
      )
      const deliverer = createGateway(
        parseConfig(
          { ...base, delivery: { mode: 'deliver', pollIntervalMs: 600_000 } },
          { env: {} },
        ),
      )
      try {
        await ingester.start()
        // The LISTEN connection calls its subscribers once it is listening: subscribe before it opens.
        const listening = new Promise<void>((resolve) => {
          const unsubscribe = deliverer.storage.onWake!(() => {
            unsubscribe()
            resolve()
          })
        })
        await deliverer.start()
        await listening
        // Let the deliverer's first poll (at start) and the wake-up after its LISTEN connection pass: the
        // wake-up starts a poll on the next setImmediate turn, so one turn later idle() covers it.
        await new Promise((resolve) => setImmediate(resolve))
        await deliverer.worker!.idle()
        const delivered = new Promise<void>((resolve) => (arrived = resolve))
        const response = await ingester.fetch(
          new Request('http://gateway.test/webhooks/gh', signed('{"wake":1}', 'wake-1')),
        )
        expect(response.status).toBe(200)
        const { id } = (await response.json()) as { id: string }
        // Without the notification the next poll would come 10 minutes later, far past the test's timeout.
        await delivered
        expect(received).toEqual([id])
      } finally {
        await ingester.close()
        await deliverer.close()
        sink.closeAllConnections()
        await new Promise((resolve) => sink.close(resolve))
      }
    })

    describe('hookgate migrate (built CLI)', () => {
      let dir: string
      beforeAll(async () => {
        await ensureBuilt()
        dir = mkdtempSync(join(tmpdir(), 'hookgate-migrate-'))
      })
      afterAll(() => rmSync(dir, { recursive: true, force: true }))

      let configFiles = 0
      function migrate(storage: unknown): {
        status: number | null
        stdout: string
        stderr: string
      } {
        const file = join(dir, `config-${++configFiles}.json`)
        writeFileSync(file, JSON.stringify({ storage, sources: [source] }))
        const run = spawnSync(process.execPath, [CLI, 'migrate', '--config', file], {
          env: plainEnv(),
          encoding: 'utf8',
          timeout: 30_000,
        })
        return { status: run.status, stdout: run.stdout, stderr: run.stderr }
      }

      it('applies the migrations once, then reports up to date; passwords never printed; unreachable → exit 1', async () => {
        const schema = await testSchema(FILE)
        const url = new URL(POSTGRES_URL!)
        url.password = 'hunter2-never-printed'
        const first = migrate({ postgres: url.toString(), schema })
        expect(first).toMatchObject({ status: 0, stderr: '' })
        expect(first.stdout).toMatch(
          /\(schema gw_[0-9a-f]+_1\): applied 0001-init, 0002-rejection-diagnosis, 0003-dashboard\n$/,
        )
        const ledger = await adminPool().query(`SELECT id FROM "${schema}".schema_migrations`)
        expect(ledger.rows).toEqual([
          { id: '0001-init' },
          { id: '0002-rejection-diagnosis' },
          { id: '0003-dashboard' },
        ])
        const second = migrate({ postgres: url.toString(), schema })
        expect(second.status).toBe(0)
        expect(second.stdout).toMatch(/: already up to date\n$/)

        const closed = new TcpProxy(serverAddress())
        const port = await closed.start()
        await closed.close() // nothing listens there now
        const unreachable = new URL(urlVia('127.0.0.1', port))
        unreachable.password = 'hunter2-never-printed'
        const failed = migrate({ postgres: unreachable.toString(), schema })
        expect(failed.status).toBe(1)
        expect(failed.stderr).toMatch(/ECONNREFUSED/)
        for (const run of [first, second, failed])
          expect(run.stdout + run.stderr).not.toContain('hunter2')

        expect(migrate({ postgres: 'not-a-url' }).status).toBe(2)
      })
    })
  })
}
