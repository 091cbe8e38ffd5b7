/**
 * @module storage/sqlite/checkpointer
 * WAL checkpoints off the main thread (issue 15). Internal.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses `wal_autocheckpoint` (1000 pages): on the
 * connection that committed, i.e. on the gateway's main thread, where it copies every page of the WAL into the
 * database file and fsyncs both (`synchronous=NORMAL` syncs the WAL before copying and the database after). Under
 * load that is one multi-millisecond stall of reading, verifying and answering every few hundred events, and a
 * share of the ingest CPU on the one thread that serves requests.
 *
 * Here a worker thread opens a second connection to the same file every `intervalMs` and runs
 * `PRAGMA wal_checkpoint(PASSIVE)` on it: it copies what is committed without ever waiting for the writer or blocking it (WAL lets a
 * checkpointer and a writer run at once), with the same syncs SQLite's own checkpoint performs. Durability does
 * not depend on it: a commit is durable once its WAL frames are synced (`commit-queue.ts`), checkpointed or not;
 * a crash mid-checkpoint is recovered by SQLite like any other. The writer restarts the WAL from its beginning at
 * its next transaction once a checkpoint has caught up, so the file stays bounded.
 *
 * The main connection keeps an automatic checkpoint as a backstop, at `fallbackPages` instead of 1000: reached
 * only if the worker falls far behind or dies (then the default threshold comes back).
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/** The worker, as CommonJS source (`eval`): one file whichever way the package runs (TypeScript or dist/). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const timer = setInterval(() => {
  // A connection per checkpoint (opening one costs well under a millisecond): between two checkpoints this
  // thread holds nothing open, so when the store closes its own connection that one is normally the last and,
  // as always, checkpoints and removes the WAL.
  const db = new Database(workerData.path, { fileMustExist: true, timeout: 0 })
  try {
    db.pragma('synchronous = NORMAL')
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch (error) {
    // SQLITE_BUSY (another checkpoint is running) is expected now and then; anything else ends the worker.
    if (!error || error.code !== 'SQLITE_BUSY') {
      clearInterval(timer)
      throw error
    }
  } finally {
    db.close()
  }
}, workerData.intervalMs)
parentPort.on('message', () => {
  clearInterval(timer)
  parentPort.close()
})
`

/** SQLite's default `wal_autocheckpoint`. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000

export interface CheckpointerOptions {
  /** The database file (WAL mode). */
  readonly path: string
  /** Between two checkpoints. */
  readonly intervalMs: number
  /** The main connection's `wal_autocheckpoint` while the worker runs. */
  readonly fallbackPages: number
  /** Sets the main connection's `wal_autocheckpoint` (pages). */
  readonly setAutocheckpoint: (pages: number) => void
}

export interface Checkpointer {
  /**
   * Stops the worker after its current checkpoint, without waiting for it: the store's own close must not wait on
   * a thread (and the worker, unreferenced, never holds the process open). Whichever connection closes last
   * checkpoints and removes the WAL, as SQLite always does.
   */
  close(): void
}

/** Starts the checkpoint worker. */
export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, path: options.path, intervalMs: options.intervalMs },
  })
  // Never keeps the process alive: a process that exits mid-checkpoint loses nothing by it.
  worker.unref()
  let closing = false
  worker.once('exit', () => {
    // Died on its own: the main connection checkpoints by itself again, as SQLite does by default.
    if (!closing) options.setAutocheckpoint(DEFAULT_AUTOCHECKPOINT_PAGES)
  })
  worker.on('error', () => undefined)
  options.setAutocheckpoint(options.fallbackPages)
  return {
    close() {
      if (closing) return
      closing = true
      worker.postMessage('close')
    },
  }
}
