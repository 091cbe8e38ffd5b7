/**
 * Issue 14: `hookgate prune --config FILE` runs one retention pass to completion on the configured store (cron):
 * expired events and rejections go, an event with a pending delivery and young records stay; it prints the counts.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSqliteStorage } from '../src/storage/sqlite/index.ts'
import { CLI, ensureBuilt, plainEnv } from './built.ts'

const SECRET = 'prune-test-github-secret-0123456789'
const DAY = 86_400_000
let dir = ''

beforeAll(async () => {
  await ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookgate-prune-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function prune(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'prune', ...args], { env: plainEnv() })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })))
}

const event = (daysAgo: number, n: number) => ({
  sourceId: 'gh',
  provider: 'github',
  dedupeKey: `prune-${n}`,
  providerEventId: undefined,
  eventType: 'push',
  receivedAt: new Date(Date.now() - daysAgo * DAY),
  headers: {},
  body: new TextEncoder().encode(`{"n":${n}}`),
})

describe('hookgate prune', () => {
  it('deletes expired events and rejections once, keeps pending and young ones, and prints the counts', async () => {
    const dbPath = join(dir, 'hookgate.db')
    const storage = createSqliteStorage({ path: dbPath })
    await storage.migrate()
    for (let n = 0; n < 3; n++) await storage.ingest(event(40 + n, n))
    const pending = await storage.ingest(event(50, 10), ['d'])
    const young = await storage.ingest(event(1, 11))
    await storage.recordRejection({
      sourceId: 'gh',
      receivedAt: new Date(Date.now() - 10 * DAY),
      status: 401,
      reason: 'signature_mismatch',
      message: 'old',
      remoteAddress: undefined,
      headers: {},
      bodySize: 0,
      bodySha256: 'a'.repeat(64),
    })
    await storage.close()

    const config = join(dir, 'hookgate.yaml')
    writeFileSync(
      config,
      `storage:\n  sqlite: ${JSON.stringify(dbPath)}\nsources:\n  - id: gh\n    provider: github\n    secrets: ['${SECRET}']\nretention:\n  events: 30d\n  rejections: 7d\n`,
    )
    const result = await prune(['--config', config])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(/pruned 3 event\(s\) and 1 rejection\(s\)/)

    const after = createSqliteStorage({ path: dbPath })
    await after.migrate()
    try {
      const { items } = await after.listEvents({})
      expect(items.map((e) => e.id).sort()).toEqual([pending.event.id, young.event.id].sort())
      expect((await after.listRejections({})).items).toEqual([])
    } finally {
      await after.close()
    }

    // Nothing left to do: a second run deletes nothing.
    const again = await prune(['--config', config])
    expect(again).toMatchObject({ code: 0 })
    expect(again.stdout).toMatch(/pruned 0 event\(s\) and 0 rejection\(s\)/)
  })

  it('refuses an invalid configuration with exit 2', async () => {
    const config = join(dir, 'bad.yaml')
    writeFileSync(config, `sources: []\nretention:\n  events: soon\n`)
    const result = await prune(['--config', config])
    expect(result.code).toBe(2)
  })
})
