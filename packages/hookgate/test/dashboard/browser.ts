/**
 * @module test/dashboard/browser
 * Debian's Chromium (`/usr/bin/chromium`, installed by `.ci/run` when missing) driven by playwright-core, with the
 * flags this closed network needs. A missing browser fails the test: the dashboard's proof is never skipped.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env.HOOKGATE_TEST_CHROMIUM ?? '/usr/bin/chromium'

/** Screenshots land here (`test-output/` at the repository root, git-ignored). */
export const OUTPUT_DIR = fileURLToPath(
  new URL('../../../../test-output/dashboard/', import.meta.url),
)

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set HOOKGATE_TEST_CHROMIUM`,
    )
  mkdirSync(OUTPUT_DIR, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}
