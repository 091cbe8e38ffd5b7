/**
 * Issue 12 §8: recovering from a full disk needs free space about the size of the SQLite WAL (the checkpoint copies
 * it back into the database). The 503's log line says so when the store failed for lack of space (SQLITE_FULL or
 * ENOSPC, however deep in the cause chain), and only then.
 */
import { describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts'
import { StorageUnavailableError } from '../../src/storage/types.ts'
import { startGateway, wrapStorage } from './harness.ts'

const SECRET = 'github-webhook-secret-disk-full'
const github = providers.github({ secrets: [SECRET] })

function failingWith(cause: unknown) {
  return (path: string, hooks: { onCommit(size: number, ms: number): void }) =>
    wrapStorage(createSqliteStorage({ path, onCommit: hooks.onCommit }), {
      ingest: () => Promise.reject(new StorageUnavailableError('SQLite commit failed', { cause })),
    })
}

async function answerAndLog(cause: unknown): Promise<{ status: number; line: any }> {
  const gw = await startGateway(
    { sources: [{ id: 'gh', provider: 'github', secrets: [SECRET] }] },
    { storage: failingWith(cause) },
  )
  try {
    const body = '{"n":1}'
    const response = await fetch(`${gw.url}/webhooks/gh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook(github, { body }) },
      body,
    })
    await response.arrayBuffer()
    const line = gw.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'store cannot commit; answered 503')
    return { status: response.status, line }
  } finally {
    await gw.close()
  }
}

describe('issue 12: the disk-full 503 says how much space recovery needs', () => {
  it.each([
    ['SQLITE_FULL', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })],
    [
      'ENOSPC under another error',
      new Error('sync failed', {
        cause: Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }),
      }),
    ],
  ])('%s: the log line carries the WAL hint', async (_, cause) => {
    const { status, line } = await answerAndLog(cause)
    expect(status).toBe(503)
    expect(line.hint).toMatch(/free at least as much space as the SQLite -wal file/)
  })

  it('SQLITE_BUSY: no disk hint', async () => {
    const { status, line } = await answerAndLog(
      Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
    )
    expect(status).toBe(503)
    expect(line).toBeDefined()
    expect(line.hint).toBeUndefined()
  })
})
