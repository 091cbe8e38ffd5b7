/**
 * Child process of the `ingest` bench section (not a section itself): one of the hand-written webhook
 * receivers Hookgate is compared with, listening on 127.0.0.1 at a free port, which it prints on stdout as
 * `{"port":N}`. Every receiver checks GitHub's `X-Hub-Signature-256` (HMAC-SHA256 hex of the raw body,
 * compared in constant time), answers 401 when it does not hold, else 200 with a small JSON body.
 *
 *   node bench/ingest-receiver.mjs bare   SECRET            node:http, verify only: the ceiling
 *   node bench/ingest-receiver.mjs express SECRET           express.raw() + HMAC: what people hand-write
 *   node bench/ingest-receiver.mjs sqlite SECRET DB_FILE    node:http + one SQLite commit per request
 *                                                           (better-sqlite3, WAL, synchronous=FULL)
 *   node bench/ingest-receiver.mjs floor SECRET DB_FILE     the durable floor: node:http + group commit of a
 *                                                           minimal dedupe table (delivery UNIQUE, headers, body),
 *                                                           WAL fdatasynced off the event loop before the 200
 *   node bench/ingest-receiver.mjs postgres SECRET URL SCHEMA   node:http + one PostgreSQL INSERT per request,
 *                                                           each its own commit (pg.Pool, default size 10)
 *
 * Stops on SIGTERM.
 */
import { Buffer } from 'node:buffer'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import process from 'node:process'

const [mode, secret, dbFile, pgSchema] = process.argv.slice(2)
if (secret === undefined || !['bare', 'express', 'sqlite', 'floor', 'postgres'].includes(mode)) {
  console.error(
    'usage: node bench/ingest-receiver.mjs bare|express|sqlite|floor|postgres SECRET [DB_FILE | URL SCHEMA]',
  )
  process.exit(2)
}

/** The usual hand-written check: recompute, compare in constant time. */
function signatureHolds(body, header) {
  if (typeof header !== 'string') return false
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`)
  const given = Buffer.from(header)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function answer(res, status, object) {
  const text = JSON.stringify(object)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

const REFUSED = { error: { code: 'invalid_signature', message: 'signature mismatch' } }

/** A node:http receiver: reads the body, verifies, then `accept(req, body)` (may throw or reject → 503). */
function nodeReceiver(accept) {
  return createServer((req, res) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
      if (!signatureHolds(body, req.headers['x-hub-signature-256']))
        return answer(res, 401, REFUSED)
      const refuse = () =>
        answer(res, 503, { error: { code: 'storage_unavailable', message: 'not stored' } })
      let accepted
      try {
        accepted = accept(req, body)
      } catch {
        return refuse()
      }
      const ok = () => answer(res, 200, { id: req.headers['x-github-delivery'], duplicate: false })
      if (accepted instanceof Promise) accepted.then(ok, refuse)
      else ok()
    })
  })
}

let server
if (mode === 'bare') {
  server = nodeReceiver(() => undefined)
} else if (mode === 'sqlite') {
  // No explicit transaction: each INSERT is its own commit, i.e. one fsync per request.
  const { insert } = await openEventsTable(dbFile, 'FULL')
  server = nodeReceiver((req, body) => void insert.run(...rowOf(req, body)))
} else if (mode === 'floor') {
  server = nodeReceiver(await groupCommitStore(dbFile))
} else if (mode === 'postgres') {
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({ connectionString: dbFile })
  pool.on('error', () => undefined)
  const table = `"${pgSchema}".per_request_events`
  await pool.query(`CREATE SCHEMA IF NOT EXISTS "${pgSchema}"`)
  await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, delivery text NOT NULL UNIQUE, received_at timestamptz NOT NULL,
    headers json NOT NULL, body bytea NOT NULL)`)
  // No explicit transaction: each INSERT is its own commit (synchronous_commit on: one WAL flush each).
  const insert = `INSERT INTO ${table} (delivery, received_at, headers, body) VALUES ($1, $2, $3, $4) ON CONFLICT (delivery) DO NOTHING`
  server = nodeReceiver((req, body) =>
    pool.query({
      name: 'insert',
      text: insert,
      values: [
        String(req.headers['x-github-delivery']),
        new Date(),
        JSON.stringify(req.headers),
        body,
      ],
    }),
  )
} else {
  const { default: express } = await import('express')
  const app = express()
  app.post('/webhooks/:source', express.raw({ type: '*/*', limit: '1mb' }), (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    if (!signatureHolds(body, req.get('x-hub-signature-256'))) return res.status(401).json(REFUSED)
    res.json({ id: req.get('x-github-delivery'), duplicate: false })
  })
  server = createServer(app)
}

/** The SQLite receivers' table (WAL; `synchronous` as given): the delivery id as its one unique key. */
async function openEventsTable(file, synchronous) {
  const { default: Database } = await import('better-sqlite3')
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous}`)
  db.exec(`CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, delivery TEXT NOT NULL UNIQUE, received_at INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL)`)
  process.once('exit', () => db.close())
  const insert = db.prepare(
    'INSERT OR IGNORE INTO events (delivery, received_at, headers, body) VALUES (?, ?, ?, ?)',
  )
  return { db, insert }
}

/** One row of that table. */
function rowOf(req, body) {
  return [String(req.headers['x-github-delivery']), Date.now(), JSON.stringify(req.headers), body]
}

/**
 * The least a durable, deduplicating SQLite receiver must do per webhook, batched as well as it can be: the
 * gateway's group commit (one transaction per event-loop turn, or per WAL sync while one runs; the WAL
 * fdatasynced on libuv's pool; 200 only after that sync) with nothing else: no ids of its own, no per-source or
 * per-type indexes, no redaction, no logging. The gateway's storage cost is measured against this in one run.
 */
async function groupCommitStore(file) {
  const { fdatasync, openSync } = await import('node:fs')
  const { db, insert } = await openEventsTable(file, 'NORMAL')
  const begin = db.prepare('BEGIN IMMEDIATE')
  const commit = db.prepare('COMMIT')
  let queue = []
  let committed = []
  let scheduled = false
  let syncing = false
  let walFd
  const flush = () => {
    scheduled = false
    if (queue.length === 0) return
    const batch = queue
    queue = []
    try {
      begin.run()
      for (const write of batch) insert.run(...write.params)
      commit.run()
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK')
      for (const write of batch) write.reject(error)
      return
    }
    committed.push(...batch)
    walFd ??= openSync(`${file}-wal`, 'r')
    syncNext()
  }
  // One sync in flight; what is committed meanwhile waits for the next (a sync covers only earlier writes).
  const syncNext = () => {
    if (syncing || committed.length === 0) return
    const covered = committed
    committed = []
    syncing = true
    fdatasync(walFd, (error) => {
      syncing = false
      for (const write of covered) (error === null ? write.resolve : write.reject)(error)
      flush()
    })
  }
  return (req, body) =>
    new Promise((resolve, reject) => {
      queue.push({ params: rowOf(req, body), resolve, reject })
      if (!scheduled && !syncing) {
        scheduled = true
        setImmediate(flush)
      }
    })
}

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`)
})
process.once('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
  process.exit(0)
})
