/**
 * Issue 10 §3: `pg` is an optional peer dependency, loaded only when a PostgreSQL store is created. The built
 * package is imported in a fresh Node process (its module cache clean) and used with SQLite; `pg` must not load.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { CLI, ensureBuilt } from './built.ts'

beforeAll(async () => ensureBuilt())

function run(script: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('pg is optional', () => {
  it('importing hookgate and running an SQLite gateway does not load pg; a PostgreSQL store does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookgate-optional-pg-'))
    try {
      const index = pathToFileURL(join(CLI, '..', '..', 'index.js')).href
      const script = `
        import { createRequire } from 'node:module'
        const cache = createRequire(import.meta.url).cache
        const loaded = () => Object.keys(cache).some((file) => /[\\\\/]node_modules[\\\\/]pg[\\\\/]/.test(file))
        const hookgate = await import(${JSON.stringify(index)})
        const sqlite = hookgate.createSqliteStorage({ path: ${JSON.stringify(join(dir, 'h.db'))} })
        await sqlite.migrate()
        await sqlite.close()
        const before = loaded()
        const postgres = hookgate.createPostgresStorage({ connectionString: 'postgres://nobody@127.0.0.1:1/none' })
        await postgres.close()
        console.log(JSON.stringify({ before, after: loaded() }))
      `
      const result = run(script)
      expect(result.stderr).toBe('')
      expect(JSON.parse(result.stdout)).toEqual({ before: false, after: true })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
