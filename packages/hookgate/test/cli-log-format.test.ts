/**
 * Log formats: JSON lines by default (what scripts wait for), `hookgate serve --log-format pretty` for people, and
 * the formatter itself (redaction happens before it). The binary is the built one, in a child process.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, prettyLine } from '../src/logger.ts'
import { CLI, ensureBuilt, plainEnv } from './built.ts'

const SECRET = 'log-format-github-secret-0123456789'
let dir = ''
let config = ''

beforeAll(async () => {
  await ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookgate-logs-'))
  config = join(dir, 'hookgate.yaml')
  writeFileSync(
    config,
    [
      'server:',
      '  port: 0',
      'storage:',
      '  sqlite: ./logs.db',
      'sources:',
      '  - id: gh',
      '    provider: github',
      `    secrets: ['${SECRET}']`,
      '',
    ].join('\n'),
  )
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Starts serve with `args`, collects stdout lines until `ready(lines)`, then stops it with SIGTERM. */
async function serveLines(
  args: readonly string[],
  ready: (lines: readonly string[]) => boolean,
): Promise<{ lines: string[]; code: number | null }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', config, ...args], {
    env: plainEnv(),
    cwd: dir,
  })
  const lines: string[] = []
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line)
      if (ready(lines)) resolve()
    })
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
  })
  child.kill('SIGTERM')
  const code = await exited
  return { lines, code }
}

describe('hookgate serve logs', () => {
  it('are JSON lines when stdout is not a terminal: the address and source lines scripts wait for are unchanged', async () => {
    const { lines, code } = await serveLines([], (seen) =>
      seen.some((line) => line.includes('"source ready"')),
    )
    const parsed = lines.map(
      (line) => JSON.parse(line) as { msg: string; url?: string; source?: string },
    )
    expect(parsed.find((entry) => entry.msg === 'hookgate listening')?.url).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+$/,
    )
    expect(parsed.find((entry) => entry.msg === 'source ready')).toMatchObject({
      source: 'gh',
      provider: 'github',
    })
    expect(code).toBe(0)
  })

  it('--log-format pretty prints one line per entry for people', async () => {
    const { lines, code } = await serveLines(['--log-format', 'pretty'], (seen) =>
      seen.some((line) => line.includes('source ready')),
    )
    expect(lines.find((line) => line.includes('hookgate listening'))).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}hookgate listening url=http:\/\/127\.0\.0\.1:\d+ host=127\.0\.0\.1 port=\d+ /,
    )
    expect(lines.find((line) => line.includes('source ready'))).toMatch(
      / INFO {2}source ready source=gh provider=github url=http:\/\/127\.0\.0\.1:\d+\/webhooks\/gh$/,
    )
    expect(lines.join('\n')).not.toContain('{"level"')
    expect(code).toBe(0)
  })

  it('an unknown --log-format is bad usage (exit 2)', () => {
    const run = spawnSync(
      process.execPath,
      [CLI, 'serve', '--config', config, '--log-format', 'xml'],
      { env: plainEnv(), encoding: 'utf8' },
    )
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('--log-format expects json or pretty, got "xml"')
  })
})

describe('prettyLine', () => {
  it('formats level, time, message and fields; quotes values with blanks; passes non-JSON through', () => {
    const line = JSON.stringify({
      level: 40,
      time: '2026-01-31T12:34:56.789Z',
      pid: 1,
      hostname: 'h',
      name: 'hookgate',
      msg: 'slow destination',
      destination: 'billing',
      latencyMs: 1200,
      note: 'two words',
    })
    expect(prettyLine(line)).toBe(
      '12:34:56.789 WARN  slow destination destination=billing latencyMs=1200 note="two words"\n',
    )
    expect(prettyLine('not json')).toBe('not json\n')
    expect(prettyLine(line, true)).toContain('\u001b[33mWARN \u001b[0m')
  })

  it('shows what pino redacted, never the secret', () => {
    const out: string[] = []
    const logger = createLogger({
      format: 'pretty',
      destination: { write: (chunk: string) => void out.push(chunk) },
    })
    logger.info({ secrets: [SECRET], headers: { authorization: `Bearer ${SECRET}` } }, 'configured')
    expect(out.join('')).toMatch(
      / INFO {2}configured secrets=\[redacted\] headers=\{"authorization":"\[redacted\]"\}/,
    )
    expect(out.join('')).not.toContain(SECRET)
  })
})
