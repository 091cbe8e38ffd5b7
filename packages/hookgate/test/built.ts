/**
 * @module test/built
 * Tests that run the built packages (the CLI binary, plain-Node imports) need `dist/`. The root `npm test`
 * builds first; a lone `npx vitest run …` builds here when the output is missing. A lock directory keeps
 * two test files (run in parallel workers) from building over each other.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { setTimeout as delay } from 'node:timers/promises'

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
export const VERIFY_DIST = fileURLToPath(new URL('../../verify/dist/', import.meta.url))

const OUTPUTS = [CLI, `${VERIFY_DIST}index.js`, `${VERIFY_DIST}index.d.ts`]
const LOCK = fileURLToPath(new URL('../.build-lock', import.meta.url))

function built(): boolean {
  return OUTPUTS.every((file) => existsSync(file))
}

/** Builds both packages (`npm run build` at the root) unless their outputs are already there. */
export async function ensureBuilt(): Promise<void> {
  for (let waited = 0; !built(); waited += 1) {
    let owner = false
    try {
      mkdirSync(LOCK)
      owner = true
    } catch {
      // Another worker is building: wait for it (polling a lock, not timing a test).
      if (waited > 600) throw new Error(`gave up waiting for the build lock ${LOCK}`)
      await delay(200)
      continue
    }
    try {
      if (!built()) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' })
    } finally {
      if (owner) rmSync(LOCK, { recursive: true, force: true })
    }
  }
}

/** The environment for child processes: plain Node, without conditions or loaders a test runner may add. */
export function plainEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  return env
}
