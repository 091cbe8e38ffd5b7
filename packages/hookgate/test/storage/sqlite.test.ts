/**
 * The SQLite backend: the conformance suite for `:memory:` and for a real file, then what only SQLite has
 * (reopening a file, WAL, batch sizes, and failure injection that works even as root).
 */
import { execFileSync } from 'node:child_process'
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createSqliteStorage,
  SQLITE_MIGRATIONS,
  type SqliteStorageOptions,
} from '../../src/storage/sqlite/index.ts'
import { runMigrations } from '../../src/storage/sqlite/migrations/index.ts'
import { StorageUnavailableError, type Storage } from '../../src/storage/types.ts'
import { defineStorageSuite, makeEvent, makeRejection, nastyBytes } from './suite.ts'

const root = mkdtempSync(join(tmpdir(), 'hookgate-sqlite-'))
let files = 0
/** A path in a directory that does not exist yet (the storage must create it). */
const newPath = (): string => join(root, `case-${++files}`, 'nested', 'hookgate.db')

afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Tables, indexes and the migration ledger of a database file, as comparable text. */
function schemaOf(path: string): string {
  const db = new Database(path, { readonly: true })
  try {
    const objects = db
      .prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name')
      .all()
    const migrations = db.prepare('SELECT id FROM schema_migrations ORDER BY id').all()
    return JSON.stringify({ objects, migrations }, null, 1)
  } finally {
    db.close()
  }
}

/** Each migration applied by its own run on a reopened file, as successive releases would (run 0: the ledger only). */
function migrateStepwise(path: string, upTo: number): void {
  mkdirSync(join(path, '..'), { recursive: true })
  for (let i = 0; i <= upTo; i++) {
    const db = new Database(path)
    try {
      runMigrations(db, SQLITE_MIGRATIONS.slice(0, i))
    } finally {
      db.close()
    }
  }
}

const schemaParity = {
  async fresh() {
    const path = newPath()
    const storage = createSqliteStorage({ path })
    await storage.migrate()
    await storage.close()
    return schemaOf(path)
  },
  async stepwise() {
    const path = newPath()
    migrateStepwise(path, SQLITE_MIGRATIONS.length)
    return schemaOf(path)
  },
}

defineStorageSuite(
  'sqlite :memory:',
  async (options) => createSqliteStorage({ path: ':memory:', ...options }),
  {
    schemaParity,
  },
)
defineStorageSuite(
  'sqlite file',
  async (options) => createSqliteStorage({ path: newPath(), ...options }),
  {
    schemaParity,
  },
)

describe('sqlite storage', () => {
  const opened: Storage[] = []
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()))
  })
  async function open(options: Partial<SqliteStorageOptions> & { path: string }): Promise<Storage> {
    const storage = createSqliteStorage(options)
    opened.push(storage)
    await storage.migrate()
    return storage
  }

  it('keeps events and rejections across close and reopen of the file', async () => {
    const path = newPath()
    const first = await open({ path })
    const event = makeEvent({ body: nastyBytes(10_000) })
    const { event: saved } = await first.ingest(event)
    const rejection = makeRejection()
    await first.recordRejection(rejection)
    await first.close()

    const second = await open({ path })
    expect(await second.migrate()).toEqual({ applied: [] })
    expect(await second.getEvent(saved.id)).toEqual({ id: saved.id, ...event })
    expect((await second.ingest(event)).duplicate).toBe(true)
    const rejections = (await second.listRejections({})).items
    expect(rejections).toEqual([{ id: rejections[0]!.id, ...rejection }])
  })

  it('retention: a new file uses auto_vacuum=incremental, and a prune of most rows shrinks it', async () => {
    const path = newPath()
    const storage = await open({ path })
    const events = []
    for (let i = 0; i < 400; i++)
      events.push(
        storage.ingest(makeEvent({ receivedAt: new Date(1_000 + i), body: nastyBytes(16_384) })),
      )
    await Promise.all(events)
    await storage.ingest(makeEvent({ receivedAt: new Date(1_000_000) }))
    // Checkpoint what was ingested, so the file holds every page before the prune.
    const probe = new Database(path)
    try {
      expect(probe.pragma('auto_vacuum', { simple: true })).toBe(2)
      probe.pragma('wal_checkpoint(TRUNCATE)')
    } finally {
      probe.close()
    }
    const full = statSync(path).size
    expect(full).toBeGreaterThan(400 * 16_384)
    let pruned = 0
    for (let calls = 0; calls < 50; calls++)
      pruned += (await storage.prune({ olderThan: new Date(500_000), batchSize: 100 })).events
    expect(pruned).toBe(400)
    expect(statSync(path).size).toBeLessThan(full / 4)
    expect((await storage.listEvents({})).items).toHaveLength(1)
  })

  it('creates the parent directory and puts the file in WAL mode', async () => {
    const path = newPath()
    const storage = await open({ path })
    await storage.ingest(makeEvent())
    const other = new Database(path, { readonly: true })
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal')
    } finally {
      other.close()
    }
  })

  it('refuses to open a path that is a directory, with StorageUnavailableError', () => {
    const path = newPath()
    mkdirSync(path, { recursive: true })
    expect(() => createSqliteStorage({ path })).toThrow(StorageUnavailableError)
  })

  it('the parity check notices a missing migration', async () => {
    const path = newPath()
    migrateStepwise(path, SQLITE_MIGRATIONS.length - 1)
    expect(schemaOf(path)).not.toBe(await schemaParity.fresh())
  })

  it('flushes a full queue at once and the rest on the next macrotask; answers only after the commit', async () => {
    const sizes: number[] = []
    let committed = 0
    const storage = await open({
      path: ':memory:',
      maxBatchSize: 10,
      onCommit: (size, durationMs) => {
        sizes.push(size)
        committed += size
        expect(durationMs).toBeGreaterThanOrEqual(0)
      },
    })
    const before = { ...storage.stats }
    const committedWhenAnswered: number[] = []
    await Promise.all(
      Array.from({ length: 35 }, (_, i) =>
        storage.ingest(makeEvent()).then(() => {
          committedWhenAnswered[i] = committed
        }),
      ),
    )
    expect(sizes).toEqual([10, 10, 10, 5])
    expect(storage.stats.commits - before.commits).toBe(4)
    expect(storage.stats.committedEvents - before.committedEvents).toBe(35)
    // Caller i is in batch floor(i / 10); it must only hear back once that whole batch committed.
    committedWhenAnswered.forEach((seen, i) =>
      expect(seen).toBeGreaterThanOrEqual(Math.min(35, (Math.floor(i / 10) + 1) * 10)),
    )
  })

  it('an onCommit callback that throws does not fail the committed callers', async () => {
    const storage = await open({
      path: ':memory:',
      onCommit: () => {
        throw new Error('metrics broke')
      },
    })
    const { event } = await storage.ingest(makeEvent())
    expect(await storage.getEvent(event.id)).toBeDefined()
  })

  it('a write lock held elsewhere: the batch fails with StorageUnavailableError, rolls back, and the next batch recovers', async () => {
    // Root ignores chmod, so a read-only file is no test here. Another connection holding the write lock
    // makes our BEGIN IMMEDIATE fail with SQLITE_BUSY once the (short) busy timeout expires, as root too.
    const path = newPath()
    const sizes: number[] = []
    const storage = await open({ path, busyTimeoutMs: 20, onCommit: (size) => sizes.push(size) })
    const kept = await storage.ingest(makeEvent())
    sizes.length = 0
    const before = { ...storage.stats }

    const holder = new Database(path)
    holder.exec('BEGIN EXCLUSIVE')
    const events = Array.from({ length: 5 }, () => makeEvent())
    let settled: PromiseSettledResult<unknown>[]
    try {
      settled = await Promise.allSettled([
        ...events.map((e) => storage.ingest(e)),
        storage.recordRejection(makeRejection()),
        storage.checkWritable(),
      ])
      // Reads still work meanwhile (WAL).
      expect(await storage.getEvent(kept.event.id)).toEqual(kept.event)
    } finally {
      holder.exec('ROLLBACK')
      holder.close()
    }
    expect(settled.map((r) => r.status)).toEqual(Array(7).fill('rejected'))
    for (const r of settled) {
      const reason = (r as PromiseRejectedResult).reason as StorageUnavailableError
      expect(reason).toBeInstanceOf(StorageUnavailableError)
      expect(reason.code).toBe('ERR_STORAGE')
      expect(reason.message).toContain('SQLITE_BUSY')
    }
    expect(sizes).toEqual([])
    expect(storage.stats).toEqual(before)
    expect((await storage.listEvents({})).items.map((e) => e.id)).toEqual([kept.event.id])
    expect((await storage.listRejections({})).items).toEqual([])

    // Lock gone: the same storage, not reopened, stores the very same events as new.
    await expect(storage.checkWritable()).resolves.toBeUndefined()
    const retried = await Promise.all(events.map((e) => storage.ingest(e)))
    expect(retried.map((r) => r.duplicate)).toEqual(Array(5).fill(false))
    expect((await storage.listEvents({})).items).toHaveLength(6)
  })

  it('a statement failing mid-batch fails the whole batch: earlier inserts of it are rolled back, not committed', async () => {
    // A trigger (added by another connection) aborts one insert. SQLite keeps the transaction open after
    // an aborted statement, so without an explicit ROLLBACK the events before it would be committed later.
    const path = newPath()
    const storage = await open({ path })
    const admin = new Database(path)
    admin.exec(`CREATE TRIGGER inject_fault BEFORE INSERT ON events WHEN NEW.source_id = 'boom'
                BEGIN SELECT RAISE(ABORT, 'injected fault'); END`)
    const events = [makeEvent(), makeEvent({ sourceId: 'boom' }), makeEvent()]
    const settled = await Promise.allSettled(events.map((e) => storage.ingest(e)))
    expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected'])
    for (const r of settled)
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StorageUnavailableError)

    // The next batch, on the same connection, must not carry the half-done transaction with it.
    const later = await storage.ingest(makeEvent())
    expect((await storage.listEvents({})).items.map((e) => e.id)).toEqual([later.event.id])
    admin.exec('DROP TRIGGER inject_fault')
    admin.close()
    const retried = await Promise.all(events.map((e) => storage.ingest(e)))
    expect(retried.map((r) => r.duplicate)).toEqual([false, false, false])
    expect((await storage.listEvents({})).items).toHaveLength(4)
  })

  it('a failing COMMIT rejects every caller of the batch (no success before the commit) and rolls back', async () => {
    // A deferred foreign key is checked only at COMMIT, and a COMMIT failing on it leaves the transaction
    // open: the commit itself fails, after every insert of the batch went through.
    const path = newPath()
    const storage = await open({ path })
    const admin = new Database(path)
    admin.exec(`CREATE TABLE fault_parent (id INTEGER PRIMARY KEY);
                CREATE TABLE fault_child (parent INTEGER REFERENCES fault_parent (id) DEFERRABLE INITIALLY DEFERRED);
                CREATE TRIGGER inject_commit_fault AFTER INSERT ON events WHEN NEW.source_id = 'commit-fails'
                BEGIN INSERT INTO fault_child (parent) VALUES (42); END`)
    const events = [makeEvent(), makeEvent({ sourceId: 'commit-fails' }), makeEvent()]
    const settled = await Promise.allSettled([
      ...events.map((e) => storage.ingest(e)),
      storage.recordRejection(makeRejection()),
    ])
    expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected'])
    for (const r of settled) {
      const reason = (r as PromiseRejectedResult).reason as Error
      expect(reason).toBeInstanceOf(StorageUnavailableError)
      expect(reason.message).toContain('FOREIGNKEY')
    }
    expect(storage.stats.committedEvents).toBe(0)

    const later = await storage.ingest(makeEvent())
    expect((await storage.listEvents({})).items.map((e) => e.id)).toEqual([later.event.id])
    expect((await storage.listRejections({})).items).toEqual([])
    admin.exec('DROP TRIGGER inject_commit_fault')
    admin.close()
    const retried = await Promise.all(events.map((e) => storage.ingest(e)))
    expect(retried.map((r) => r.duplicate)).toEqual([false, false, false])
  })

  it('a full disk (tiny tmpfs): StorageUnavailableError, never a success, and recovery once space is freed', async (ctx) => {
    const mountPoint = join(root, `tmpfs-${++files}`)
    mkdirSync(mountPoint)
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=768k', 'tmpfs', mountPoint], {
        stdio: 'ignore',
      })
    } catch {
      ctx.skip('mounting a tmpfs needs root and CAP_SYS_ADMIN')
    }
    let storage: Storage | undefined
    try {
      const path = join(mountPoint, 'db', 'hookgate.db')
      storage = createSqliteStorage({ path })
      await storage.migrate()
      const kept = await storage.ingest(makeEvent())

      // Fill the file system to the last block.
      const filler = join(mountPoint, 'filler')
      const fd = openSync(filler, 'w')
      const chunk = Buffer.alloc(4096)
      try {
        for (;;) writeSync(fd, chunk)
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC')
      } finally {
        closeSync(fd)
      }

      const events = [
        makeEvent({ body: nastyBytes(100) }),
        makeEvent({ body: nastyBytes(50_000) }),
        makeEvent(),
      ]
      const settled = await Promise.allSettled([
        ...events.map((e) => storage!.ingest(e)),
        storage.checkWritable(),
      ])
      expect(settled.map((r) => r.status)).toEqual(Array(4).fill('rejected'))
      for (const r of settled) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StorageUnavailableError)
      }
      expect((await storage.listEvents({})).items.map((e) => e.id)).toEqual([kept.event.id])

      unlinkSync(filler)
      await expect(storage.checkWritable()).resolves.toBeUndefined()
      const retried = await Promise.all(events.map((e) => storage!.ingest(e)))
      expect(retried.map((r) => r.duplicate)).toEqual([false, false, false])
      for (const [i, r] of retried.entries()) {
        expect(await storage.getEvent(r.event.id)).toEqual({ id: r.event.id, ...events[i]! })
      }
      expect(await storage.getEvent(kept.event.id)).toEqual(kept.event)
    } finally {
      await storage?.close()
      execFileSync('umount', [mountPoint])
    }
  })
})
