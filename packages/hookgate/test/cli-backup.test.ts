/**
 * Issue 14: `hookgate backup` copies a live SQLite store while a sender keeps ingesting. The copy opens, passes
 * `PRAGMA integrity_check`, and holds every event acknowledged before the backup started.
 */
import { spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, ensureBuilt, plainEnv } from './built.ts'
import { startGateway, type Running } from './gateway/harness.ts'

const SECRET = 'backup-test-github-secret-0123456789'
let gw: Running
let dir = ''

beforeAll(async () => {
  await ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookgate-backup-'))
  gw = await startGateway({
    sources: [{ id: 'gh', provider: 'github', secrets: [SECRET] }],
  } as never)
})
afterAll(async () => {
  await gw.close()
  rmSync(dir, { recursive: true, force: true })
})

function backup(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'backup', ...args], { env: plainEnv() })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })))
}

async function send(n: number): Promise<string> {
  const body = JSON.stringify({ n, note: 'ünïcode ✓' })
  const response = await fetch(`${gw.url}/webhooks/gh`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-delivery': `d-${n}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { id: string }).id
}

describe('hookgate backup', () => {
  it('copies a live store consistently while a sender keeps ingesting', async () => {
    const config = join(dir, 'hookgate.yaml')
    writeFileSync(
      config,
      `storage:\n  sqlite: ${JSON.stringify(gw.dbPath)}\nsources:\n  - id: gh\n    provider: github\n    secrets: ['${SECRET}']\n`,
    )
    const before: string[] = []
    for (let n = 0; n < 200; n += 1) before.push(await send(n))
    // The sender keeps going during the backup.
    let sending = true
    let n = 200
    const sender = (async () => {
      while (sending) await send(n++)
    })()
    const target = join(dir, 'copy.db')
    const result = await backup(['--config', config, '--to', target])
    sending = false
    await sender
    expect(result).toMatchObject({ code: 0 })
    expect(result.stdout).toContain('copy.db')
    expect(n).toBeGreaterThan(200) // ingest really ran meanwhile

    const copy = new Database(target, { readonly: true })
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
      const stored = new Set(
        (copy.prepare('SELECT id FROM events').all() as { id: string }[]).map((row) => row.id),
      )
      expect(before.filter((id) => !stored.has(id))).toEqual([])
    } finally {
      copy.close()
    }

    const again = await backup(['--config', config, '--to', target])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('already exists')
  })

  it('prints the pg_dump advice for PostgreSQL', async () => {
    const config = join(dir, 'pg.yaml')
    writeFileSync(
      config,
      `storage:\n  postgres: postgres://hookgate:s3cret-password@127.0.0.1:5432/hooks\n  schema: prod\nsources:\n  - id: gh\n    provider: github\n    secrets: ['${SECRET}']\n`,
    )
    const result = await backup(['--config', config])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('pg_dump --format=custom --schema=prod')
    expect(result.stdout).not.toContain('s3cret-password')
  })
})
