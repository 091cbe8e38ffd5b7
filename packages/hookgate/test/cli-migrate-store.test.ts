/**
 * Issue 14: `hookgate migrate-store --from sqlite:… --to postgres://…` on the machine's PostgreSQL copies a whole
 * store (events, deliveries with their states and attempts, rejections, destination states), is safe to re-run,
 * verifies counts and checksums on both sides and prints the storage: lines; a gateway started on the PostgreSQL
 * store then serves the migrated events and delivers the pending ones to a real sink. The reverse direction works
 * too. Needs HOOKGATE_TEST_POSTGRES_URL (see test/storage/postgres.test.ts).
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { census } from '../src/cli/commands/migrate-store.ts'
import { createPostgresStorage } from '../src/storage/postgres/index.ts'
import { createSqliteStorage } from '../src/storage/sqlite/index.ts'
import type { PortableEvent, Storage, StoredEvent } from '../src/storage/types.ts'
import { CLI, ensureBuilt, plainEnv } from './built.ts'
import { DEST_SECRET } from './delivery/fixtures.ts'
import { startSink } from './delivery/sink.ts'
import { startGateway } from './gateway/harness.ts'
import { closeAdminPool, POSTGRES_URL, testSchema } from './storage/postgres-support.ts'
import { makeAttempt, makeEvent, makeRejection, nastyBytes } from './storage/suite.ts'

const FILE = 'test/cli-migrate-store.test.ts'
let dir = ''

function hookgate(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: plainEnv() })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })))
}

async function everything(storage: Storage): Promise<PortableEvent[]> {
  const items: PortableEvent[] = []
  let cursor: string | undefined
  do {
    const page = await storage.exportEvents({ ...(cursor === undefined ? {} : { cursor }) })
    items.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return items
}

/** 250 events (more than one copy page), deliveries in every final state and pending, rejections, a 410'd destination. */
async function seed(path: string): Promise<{ pending: StoredEvent[]; odd: StoredEvent }> {
  const storage = createSqliteStorage({ path })
  await storage.migrate()
  try {
    const { event: odd } = await storage.ingest(makeEvent({ body: nastyBytes(5_000) }), ['settled'])
    const [lease] = await storage.claimDue({
      workerId: 'old-worker',
      limit: 1,
      leaseMs: 60_000,
      now: new Date(1_800_000_000_000),
    })
    await storage.recordAttempt(lease!.leaseToken, makeAttempt(), { kind: 'done' })
    for (let i = 0; i < 240; i++) await storage.ingest(makeEvent())
    const pending: StoredEvent[] = []
    for (let i = 0; i < 5; i++)
      pending.push((await storage.ingest(makeEvent({ body: nastyBytes(64) }), ['sink'])).event)
    for (let i = 0; i < 4; i++) await storage.ingest(makeEvent({ sourceId: 'src-b' }))
    for (let i = 0; i < 3; i++) await storage.recordRejection(makeRejection())
    await storage.setDestinationDisabled('retired', true, { reason: '410 Gone' })
    return { pending, odd }
  } finally {
    await storage.close()
  }
}

if (POSTGRES_URL === undefined) {
  describe.skip('hookgate migrate-store (skipped: HOOKGATE_TEST_POSTGRES_URL is not set)', () => {
    it('SQLite → PostgreSQL and back', () => undefined)
  })
} else {
  const url = POSTGRES_URL
  beforeAll(async () => {
    await ensureBuilt()
    dir = mkdtempSync(join(tmpdir(), 'hookgate-migrate-store-'))
  })
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true })
    await closeAdminPool()
  })

  describe('hookgate migrate-store', () => {
    it('copies SQLite → PostgreSQL, re-runs safely, verifies, and a gateway on PostgreSQL serves and delivers the migrated events', async () => {
      const sqlitePath = join(dir, 'source.db')
      const { pending, odd } = await seed(sqlitePath)
      const schema = await testSchema(FILE)
      const args = [
        'migrate-store',
        '--from',
        `sqlite:${sqlitePath}`,
        '--to',
        url,
        '--to-schema',
        schema,
      ]

      const first = await hookgate(args)
      expect(first.stderr).toBe('')
      expect(first.code).toBe(0)
      expect(first.stdout).toMatch(
        /events 250 imported, 0 already there; rejections 3 imported, 0 already there; 1 destination state\(s\)/,
      )
      const verify = (name: string, text: string): [string, string] => {
        const line = text.split('\n').find((l) => l.startsWith(name))!
        const [source, target] = line.slice(name.length).trim().split(/\s+/)
        return [source!, target!]
      }
      expect(verify('events ', first.stdout)).toEqual(['250', '250'])
      expect(verify('deliveries', first.stdout)).toEqual(['6', '6'])
      expect(verify('attempts', first.stdout)).toEqual(['1', '1'])
      expect(verify('rejections', first.stdout)).toEqual(['3', '3'])
      expect(verify('destination states', first.stdout)).toEqual(['1', '1'])
      const [sourceSum, targetSum] = verify('events checksum', first.stdout)
      expect(sourceSum).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(targetSum).toBe(sourceSum)
      expect(first.stdout).toContain(`storage:\n  postgres: "${url}"\n  schema: ${schema}`)

      const again = await hookgate(args)
      expect(again.code).toBe(0)
      expect(again.stdout).toMatch(
        /events 0 imported, 250 already there; rejections 0 imported, 3 already there/,
      )
      expect(verify('events checksum', again.stdout)).toEqual([sourceSum, sourceSum])

      // Both stores, walked independently of the command: the same records.
      const sqlite = createSqliteStorage({ path: sqlitePath })
      const postgres = createPostgresStorage({ connectionString: url, schema })
      try {
        await sqlite.migrate()
        await postgres.migrate()
        expect(await census(postgres)).toEqual(await census(sqlite))
        expect(await everything(postgres)).toEqual(await everything(sqlite))
        expect(await postgres.listDestinationStates()).toEqual(await sqlite.listDestinationStates())
      } finally {
        await Promise.all([sqlite.close(), postgres.close()])
      }

      // A gateway on the PostgreSQL store: it serves the migrated events and delivers the pending ones.
      const sink = await startSink()
      const gateway = await startGateway(
        {
          sources: [
            { id: 'src-a', provider: 'github', secrets: ['migrate-store-test-secret-0123'] },
          ],
          delivery: { pollIntervalMs: 20, workerId: 'after-migration' },
          destinations: [
            {
              id: 'sink',
              url: `${sink.origin}/in`,
              sources: ['src-a'],
              signingSecret: DEST_SECRET,
            },
          ],
        },
        { storage: () => createPostgresStorage({ connectionString: url, schema }) },
      )
      try {
        const shown = await gateway.admin(`/api/events/${odd.id}`)
        expect(shown.status).toBe(200)
        expect(shown.body).toMatchObject({ id: odd.id, encoding: 'base64' })
        expect(Buffer.from(shown.body.body as string, 'base64').equals(Buffer.from(odd.body))).toBe(
          true,
        )
        await sink.waitFor((received) => received.length >= pending.length, 20_000)
        expect(sink.received.map((r) => r.sha256).sort()).toEqual(
          pending.map((e) => createHash('sha256').update(e.body).digest('hex')).sort(),
        )
      } finally {
        await gateway.close()
        await sink.close()
      }
    })

    it('copies PostgreSQL → SQLite too, and reports a coded error for a store it cannot open', async () => {
      const schema = await testSchema(FILE)
      const source = createPostgresStorage({ connectionString: url, schema })
      await source.migrate()
      for (let i = 0; i < 7; i++) await source.ingest(makeEvent({ body: nastyBytes(30) }), ['d'])
      await source.close()
      const target = join(dir, 'back.db')
      const back = await hookgate([
        'migrate-store',
        '--from',
        url,
        '--from-schema',
        schema,
        '--to',
        `sqlite:${target}`,
      ])
      expect(back.stderr).toBe('')
      expect(back.code).toBe(0)
      expect(back.stdout).toMatch(/events 7 imported/)
      expect(back.stdout).toContain(`storage:\n  sqlite: ${JSON.stringify(target)}`)

      const broken = await hookgate([
        'migrate-store',
        '--from',
        `sqlite:${target}`,
        '--to',
        'postgres://nobody:hunter2-secret@127.0.0.1:1/none',
      ])
      expect(broken.code).toBe(1)
      expect(broken.stderr).toMatch(
        /^hookgate migrate-store: ERR_HOOKGATE_MIGRATE_STORE: migrate postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none/,
      )
      expect(broken.stderr).not.toContain('hunter2')
      const usage = await hookgate([
        'migrate-store',
        '--from',
        'mysql://x',
        '--to',
        `sqlite:${target}`,
      ])
      expect(usage.code).toBe(2)
      expect(usage.stderr).toMatch(/--from expects sqlite:PATH or postgres:\/\//)
    })
  })
}
