/**
 * Issue 14: `hookgate export` → `hookgate import` moves events between real SQLite files byte-exact (bodies that
 * are not UTF-8, redacted headers, every id, delivery states and attempts); a re-import imports nothing twice;
 * a corrupt line stops the import with ERR_HOOKGATE_IMPORT and its line number, nothing of it written.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSqliteStorage } from '../src/storage/sqlite/index.ts'
import type { PortableEvent, Storage } from '../src/storage/types.ts'
import { CLI, ensureBuilt, plainEnv } from './built.ts'
import { makeAttempt, makeEvent, nastyBytes } from './storage/suite.ts'

let dir = ''
let files = 0

beforeAll(async () => {
  await ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookgate-transfer-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Result {
  readonly code: number | null
  readonly stdout: Buffer
  readonly stderr: string
}

function hookgate(args: readonly string[], stdin?: Buffer): Promise<Result> {
  const child = spawn(process.execPath, [CLI, ...args], { env: plainEnv() })
  const out: Buffer[] = []
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdin.end(stdin)
  return new Promise((resolve) =>
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr })),
  )
}

/** A new SQLite store path and the config file naming it. */
function newStore(): { db: string; config: string } {
  const n = ++files
  const db = join(dir, `store-${n}.db`)
  const config = join(dir, `hookgate-${n}.yaml`)
  writeFileSync(
    config,
    `storage:\n  sqlite: ${JSON.stringify(db)}\nsources:\n  - id: src-a\n    provider: stripe\n    secrets: ['whsec_dGVzdC1zZWNyZXQtZm9yLXRyYW5zZmVyLXRlc3Rz']\n`,
  )
  return { db, config }
}

async function withStore<T>(db: string, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = createSqliteStorage({ path: db })
  await storage.migrate()
  try {
    return await fn(storage)
  } finally {
    await storage.close()
  }
}

async function everything(storage: Storage): Promise<PortableEvent[]> {
  const items: PortableEvent[] = []
  let cursor: string | undefined
  do {
    const page = await storage.exportEvents({
      limit: 3,
      ...(cursor === undefined ? {} : { cursor }),
    })
    items.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return items
}

/** Seven events: odd bodies and headers, deliveries delivered (after a retry), dead, pending; two sources. */
async function seed(db: string): Promise<PortableEvent[]> {
  return withStore(db, async (storage) => {
    await storage.ingest(makeEvent({ body: nastyBytes(2_000) }), ['ok', 'gone'])
    await storage.ingest(
      makeEvent({ headers: { 'x-odd': 'é\u0000"\\', 'stripe-signature': '[redacted]' } }),
      ['later'],
    )
    await storage.ingest(makeEvent({ body: new Uint8Array(0), eventType: undefined }))
    await storage.ingest(makeEvent({ sourceId: 'src-b', providerEventId: undefined }))
    for (let i = 0; i < 3; i++) await storage.ingest(makeEvent({ body: nastyBytes(100 + i) }))
    const now = new Date(1_800_000_000_000)
    const claimed = await storage.claimDue({
      workerId: 'w1',
      limit: 10,
      leaseMs: 30_000,
      now,
      destinationIds: ['ok', 'gone'],
    })
    for (const d of claimed) {
      await storage.recordAttempt(
        d.leaseToken,
        makeAttempt({ responseBody: nastyBytes(30) }),
        d.destinationId === 'ok' ? { kind: 'done' } : { kind: 'dead', reason: '410 gone' },
      )
    }
    return everything(storage)
  })
}

const lines = (text: Buffer): string[] => text.toString('utf8').split('\n').filter(Boolean)

describe('hookgate export / import', () => {
  it('round-trips byte-exact into a fresh store; a second import is skipped; stdin works', async () => {
    const source = newStore()
    const original = await seed(source.db)
    expect(original).toHaveLength(7)

    const exported = await hookgate(['export', '--config', source.config])
    expect(exported.code).toBe(0)
    expect(exported.stderr).toMatch(/exported 7 event\(s\), 3 deliveries/)
    const out = lines(exported.stdout)
    expect(out).toHaveLength(8)
    expect(JSON.parse(out[0]!)).toMatchObject({ format: 'hookgate-events', version: 1 })
    const file = join(dir, 'events.ndjson')
    writeFileSync(file, exported.stdout)

    const target = newStore()
    const first = await hookgate(['import', '--config', target.config, file])
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout.toString()).toMatch(/imported 7 event\(s\), skipped 0/)
    const again = await hookgate(['import', '--config', target.config, '-'], exported.stdout)
    expect(again.code).toBe(0)
    expect(again.stdout.toString()).toMatch(/imported 0 event\(s\), skipped 7/)

    const copied = await withStore(target.db, everything)
    expect(copied).toEqual(original)
    for (const [i, item] of copied.entries()) {
      expect(Buffer.from(item.event.body).equals(Buffer.from(original[i]!.event.body))).toBe(true)
    }
    // The export of the copy is the same file, but for the header's time.
    const reexported = await hookgate(['export', '--config', target.config])
    expect(lines(reexported.stdout).slice(1)).toEqual(out.slice(1))
  })

  it('filters by source and time, and shows a progress line when asked', async () => {
    const source = newStore()
    const original = await seed(source.db)
    const bySource = await hookgate(['export', '--config', source.config, '--source', 'src-b'])
    expect(
      lines(bySource.stdout)
        .slice(1)
        .map((l) => (JSON.parse(l) as { id: string }).id),
    ).toEqual(original.filter((e) => e.event.sourceId === 'src-b').map((e) => e.event.id))
    const cut = original[4]!.event.receivedAt.toISOString()
    const since = await hookgate([
      'export',
      '--config',
      source.config,
      '--since',
      cut,
      '--progress',
    ])
    expect(lines(since.stdout)).toHaveLength(1 + 3)
    expect(since.stderr).toMatch(/export: 3 events, 0 deliveries \(\d+\/s/)
    const until = await hookgate(['export', '--config', source.config, '--until', cut])
    expect(lines(until.stdout)).toHaveLength(1 + 4)
    const bad = await hookgate(['export', '--config', source.config, '--since', 'yesterday'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--since expects an ISO 8601 time/)
  })

  it('a corrupt line stops the import with its line number: lines before it are in, nothing of it or after', async () => {
    const source = newStore()
    await seed(source.db)
    const good = lines((await hookgate(['export', '--config', source.config])).stdout)
    const header = good[0]!
    const events = good.slice(1)
    const broken = JSON.parse(events[0]!) as { deliveries: { status: string }[] }
    broken.deliveries[0]!.status = 'lost'
    const cases: [name: string, body: Buffer, line: number, reason: RegExp][] = [
      [
        'bad JSON',
        Buffer.from([header, events[2], events[3], '{"id": "evt_', events[4]].join('\n')),
        4,
        /invalid_json/,
      ],
      [
        'a bad delivery state',
        Buffer.from([header, events[2], JSON.stringify(broken), events[3]].join('\n')),
        3,
        /invalid_record: deliveries\[0\]\.status must be one of pending/,
      ],
      [
        'a body that is not base64',
        Buffer.from([header, events[2]!.replace(/"body":"[^"]*"/, '"body":"%%%"')].join('\n')),
        2,
        /invalid_record: body must be base64/,
      ],
      [
        'binary garbage',
        Buffer.concat([Buffer.from(`${header}\n${events[2]}\n`), nastyBytes(500)]),
        3,
        /invalid_json/,
      ],
      ['no header', Buffer.from(events.join('\n')), 1, /missing_header/],
      [
        'a newer format',
        Buffer.from(header.replace('"version":1', '"version":9')),
        1,
        /unsupported_format/,
      ],
      ['an empty file', Buffer.alloc(0), 1, /missing_header/],
    ]
    for (const [name, body, line, reason] of cases) {
      const target = newStore()
      const file = join(dir, `corrupt-${++files}.ndjson`)
      writeFileSync(file, body)
      const result = await hookgate(['import', '--config', target.config, file])
      expect(result.code, name).toBe(1)
      expect(result.stderr, name).toMatch(new RegExp(`ERR_HOOKGATE_IMPORT: line ${line}: `))
      expect(result.stderr, name).toMatch(reason)
      expect(result.stderr, name).not.toMatch(/unexpected error|at .*\.js:\d+/)
      const imported = (await withStore(target.db, everything)).map((e) => e.event.id)
      const before = Math.max(0, line - 2)
      expect(imported, name).toHaveLength(before)
      expect(result.stderr, name).toMatch(new RegExp(`${before} event\\(s\\) imported`))
    }
    const missing = await hookgate([
      'import',
      '--config',
      newStore().config,
      join(dir, 'nope.ndjson'),
    ])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/cannot read .*nope\.ndjson \(ENOENT\)/)
  })
})
