/**
 * The SQLite store syncs its WAL off the main thread (see `storage/sqlite/storage.ts`): no caller may be
 * answered before the sync that covers its commit has completed, a sync only covers commits made before it
 * started, and a failed sync stops every later write. The sync is injected so each test holds or fails it.
 */
import { fstatSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts'
import { StorageUnavailableError, type Storage } from '../../src/storage/types.ts'
import { makeEvent, makeRejection } from './suite.ts'

const root = mkdtempSync(join(tmpdir(), 'hookgate-walsync-'))
let files = 0
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A held sync: each call waits until the test completes or fails it. */
function heldSync() {
  const calls: { fd: number; done: (error: NodeJS.ErrnoException | null) => void }[] = []
  return {
    calls,
    syncWal: (fd: number, done: (error: NodeJS.ErrnoException | null) => void) =>
      void calls.push({ fd, done }),
  }
}

/** Lets the store's `setImmediate` flush run, and the promise reactions after it. */
const tick = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)))

/** Records whether a promise has settled, without letting a rejection go unhandled. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false }
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  )
  return state
}

async function open(
  syncWal?: ReturnType<typeof heldSync>['syncWal'],
): Promise<{ storage: Storage; path: string }> {
  const path = join(root, `case-${++files}`, 'hookgate.db')
  const storage = createSqliteStorage({ path, ...(syncWal === undefined ? {} : { syncWal }) })
  await storage.migrate()
  return { storage, path }
}

describe('sqlite storage: WAL sync off the main thread', () => {
  it('answers a caller only after the sync of its commit, on the WAL file', async () => {
    const sync = heldSync()
    const { storage, path } = await open(sync.syncWal)
    const event = makeEvent()
    const ingest = track(storage.ingest(event))
    await tick()
    expect(sync.calls).toHaveLength(1)
    // The commit happened (another connection sees the row), but nobody has been told so.
    const reader = new Database(path, { readonly: true })
    expect(reader.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 1 })
    reader.close()
    expect(statSync(`${path}-wal`).ino).toBe(fstatSync(sync.calls[0]!.fd).ino)
    expect(ingest.settled).toBe(false)

    sync.calls[0]!.done(null)
    await tick()
    expect(ingest).toMatchObject({
      settled: true,
      value: { duplicate: false, event: { dedupeKey: event.dedupeKey } },
    })
    const closing = storage.close()
    await tick()
    await closing
  })

  it('runs one sync at a time; commits made meanwhile wait for the next one', async () => {
    const sync = heldSync()
    const { storage } = await open(sync.syncWal)
    const first = track(storage.ingest(makeEvent()))
    await tick()
    const second = track(storage.ingest(makeEvent()))
    await tick()
    const third = track(storage.recordRejection(makeRejection()))
    await tick()
    // Three commits, one sync: the first one's, which began before the other two were written.
    expect(sync.calls).toHaveLength(1)

    sync.calls[0]!.done(null)
    await tick()
    expect(first.settled).toBe(true)
    expect(second.settled).toBe(false)
    expect(third.settled).toBe(false)
    expect(sync.calls).toHaveLength(2)

    sync.calls[1]!.done(null)
    await tick()
    expect(second.settled && third.settled).toBe(true)
    expect(second.error ?? third.error).toBeUndefined()
    const closing = storage.close()
    await closing
  })

  it('a failed sync fails its callers with StorageUnavailableError and every later write, reads still work', async () => {
    const sync = heldSync()
    const { storage } = await open(sync.syncWal)
    const stored = await (async () => {
      const ok = storage.ingest(makeEvent())
      await tick()
      sync.calls[0]!.done(null)
      return ok
    })()
    const doomed = track(storage.ingest(makeEvent()))
    await tick()
    sync.calls[1]!.done(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }))
    await tick()
    expect(doomed.error).toBeInstanceOf(StorageUnavailableError)

    await expect(storage.ingest(makeEvent())).rejects.toThrow(StorageUnavailableError)
    await expect(storage.checkWritable()).rejects.toThrow(/restarted/)
    expect(sync.calls).toHaveLength(2)
    expect(await storage.getEvent(stored.event.id)).toMatchObject({ id: stored.event.id })
    await storage.close()
  })

  it('durable writes queued during a sync wait for it, then commit as one batch under the next sync (issue 15)', async () => {
    const sync = heldSync()
    const commits: number[] = []
    const path = join(root, `case-${++files}`, 'hookgate.db')
    const storage = createSqliteStorage({
      path,
      syncWal: sync.syncWal,
      onCommit: (size) => commits.push(size),
    })
    await storage.migrate()
    const first = track(storage.ingest(makeEvent()))
    await tick()
    expect(sync.calls).toHaveLength(1)
    const waiting = [0, 1, 2].map(() => track(storage.ingest(makeEvent())))
    await tick()
    await tick()
    // Not committed while the first sync runs: no other connection sees them.
    const reader = new Database(path, { readonly: true })
    const count = () =>
      (reader.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n
    expect(count()).toBe(1)
    sync.calls[0]!.done(null)
    await tick()
    expect(first.settled).toBe(true)
    // Committed together the moment the first sync completed, under a second sync; answered only after it.
    expect(count()).toBe(4)
    reader.close()
    expect(sync.calls).toHaveLength(2)
    expect(waiting.map((w) => w.settled)).toEqual([false, false, false])
    sync.calls[1]!.done(null)
    await tick()
    expect(waiting.map((w) => [w.settled, w.error])).toEqual([
      [true, undefined],
      [true, undefined],
      [true, undefined],
    ])
    expect(commits.slice(-2)).toEqual([1, 3])
    await storage.close()
  })

  it('close() waits for the sync in flight, then answers its callers', async () => {
    const sync = heldSync()
    const { storage } = await open(sync.syncWal)
    const ingest = track(storage.ingest(makeEvent()))
    const closing = track(storage.close())
    await tick()
    expect(sync.calls).toHaveLength(1)
    expect(closing.settled).toBe(false)
    await expect(storage.ingest(makeEvent())).rejects.toThrow(/closed/)
    sync.calls[0]!.done(null)
    await tick()
    expect([ingest.settled, ingest.error, ingest.value?.duplicate]).toEqual([
      true,
      undefined,
      false,
    ])
    expect([closing.settled, closing.error]).toEqual([true, undefined])
  })

  it('with the real fdatasync: writes are durable and readable, reopening keeps them', async () => {
    const { storage, path } = await open()
    const events = Array.from({ length: 20 }, () => makeEvent())
    const results = await Promise.all(events.map((event) => storage.ingest(event)))
    await storage.close()
    const again = createSqliteStorage({ path })
    await again.migrate()
    for (const result of results)
      expect(await again.getEvent(result.event.id)).toMatchObject({ id: result.event.id })
    await again.close()
  })

  it('without WAL (:memory:) nothing is synced by the store', async () => {
    const sync = heldSync()
    const storage = createSqliteStorage({ path: ':memory:', syncWal: sync.syncWal })
    await storage.migrate()
    await storage.ingest(makeEvent())
    expect(sync.calls).toHaveLength(0)
    await storage.close()
  })
})
