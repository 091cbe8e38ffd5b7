/**
 * `hookgate verify --rejection <id>` (issue 9 §2) as users run it: the built binary against a running
 * `hookgate serve` (a child process, a real SQLite file) that captured a refused GitHub webhook. The command fetches
 * the rejection from the admin API, opens the sealed signature headers with --secret, and re-runs verification (and
 * with --explain, diagnosis) on exactly what was received. Neither the secret nor the admin token is ever printed.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { sign as octokitSign } from '@octokit/webhooks-methods'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, ensureBuilt, plainEnv } from './built.ts'

const SECRET = 'verify-rejection-github-secret-0123'
const OLD_SECRET = 'verify-rejection-old-secret-abcdef0'
const ADMIN = 'verify-rejection-admin-token-0123456789'
const EVENT = {
  action: 'opened',
  number: 7,
  repository: { full_name: 'octo/hello', note: 'café ☕' },
}
const PRETTY = JSON.stringify(EVENT, null, 2)
const COMPACT = JSON.stringify(EVENT)

let dir = ''
let url = ''
let child: ReturnType<typeof spawn> | undefined
const ids: Record<string, string> = {}

async function refused(
  source: string,
  body: string,
  signedBody: string,
  secret: string,
): Promise<string> {
  const response = await fetch(`${url}/webhooks/${source}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': `d-${source}`,
      'x-hub-signature-256': await octokitSign(secret, signedBody),
    },
    body,
  })
  expect(response.status).toBe(401)
  const list = await fetch(`${url}/api/rejections?source=${source}&limit=1`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  })
  return ((await list.json()) as { items: { id: string }[] }).items[0]!.id
}

function verify(args: string[], env: Record<string, string> = { HOOKGATE_ADMIN_TOKEN: ADMIN }) {
  const run = spawnSync(process.execPath, [CLI, 'verify', ...args], {
    env: { ...plainEnv(), ...env },
    encoding: 'utf8',
    timeout: 30_000,
  })
  for (const text of [run.stdout, run.stderr]) {
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain(OLD_SECRET)
    expect(text).not.toContain(ADMIN)
  }
  return run
}

beforeAll(async () => {
  await ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookgate-verify-rejection-'))
  const config = join(dir, 'hookgate.yaml')
  writeFileSync(
    config,
    [
      'server:\n  port: 0',
      'storage:\n  sqlite: ./hookgate.db',
      "admin:\n  token: '${env:ADMIN_TOKEN}'",
      'sources:',
      "  - id: gh\n    provider: github\n    secrets: ['${env:GH_SECRET}']\n    captureRejected: true",
      // Configured with a secret the sender no longer uses: the sender signs with SECRET.
      "  - id: rotated\n    provider: github\n    secrets: ['${env:OLD_SECRET}']\n    captureRejected: true",
      "  - id: plain\n    provider: github\n    secrets: ['${env:GH_SECRET}']",
    ].join('\n') + '\n',
  )
  const server = spawn(process.execPath, [CLI, 'serve', '--config', config], {
    env: { ...plainEnv(), GH_SECRET: SECRET, OLD_SECRET, ADMIN_TOKEN: ADMIN },
    cwd: dir,
  })
  child = server
  let stderr = ''
  server.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()))
  url = await new Promise<string>((resolve, reject) => {
    const lines: { msg: string; url?: string }[] = []
    createInterface({ input: server.stdout }).on('line', (line) => {
      lines.push(JSON.parse(line) as { msg: string })
      const listening = lines.find((l) => l.msg === 'hookgate listening')
      if (listening !== undefined && lines.filter((l) => l.msg === 'source ready').length === 3)
        resolve(listening.url!)
    })
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
  })
  ids.gh = await refused('gh', COMPACT, PRETTY, SECRET)
  ids.rotated = await refused('rotated', COMPACT, COMPACT, SECRET)
  ids.plain = await refused('plain', COMPACT, PRETTY, SECRET)
})

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  rmSync(dir, { recursive: true, force: true })
})

describe('hookgate verify --rejection', () => {
  it('re-runs verification on the captured request: the verdict, exit 1; with --explain the hint', () => {
    const plain = verify(['--rejection', ids.gh!, '--url', url, '--secret', SECRET])
    expect(plain.status).toBe(1)
    expect(plain.stdout).toMatch(/^signature_mismatch: /)
    expect(plain.stdout).not.toContain('diagnosis')

    const explained = verify([
      '--rejection',
      ids.gh!,
      '--url',
      url,
      '--secret',
      SECRET,
      '--explain',
    ])
    expect(explained.status).toBe(1)
    expect(explained.stdout).toMatch(/^signature_mismatch: /)
    expect(explained.stdout).toMatch(/diagnosis:\n {2}\[body_reserialized\] .*raw request body/)

    const json = verify(
      ['--rejection', ids.gh!, '--url', url, '--secret', SECRET, '--explain', '--json'],
      { HOOKGATE_ADMIN_TOKEN: ADMIN },
    )
    const parsed = JSON.parse(json.stdout) as {
      ok: boolean
      provider: string
      diagnosis: { code: string }[]
    }
    expect(parsed).toMatchObject({ ok: false, provider: 'github' })
    expect(parsed.diagnosis.map((d) => d.code)).toContain('body_reserialized')
  })

  it('verifies with the secret the sender really uses (the sealed headers opened with the configured one): ok, exit 0', () => {
    const run = verify(
      [
        '--rejection',
        ids.rotated!,
        '--url',
        url,
        '--secret',
        OLD_SECRET,
        '--secret',
        SECRET,
        '--token',
        ADMIN,
      ],
      {},
    )
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^ok\nprovider: github\n/)
    // Without the configured secret the sealed signature cannot be opened: said, and the verdict is a failure.
    const sealed = verify(['--rejection', ids.rotated!, '--url', url, '--secret', SECRET])
    expect(sealed.status).toBe(1)
    expect(sealed.stderr).toMatch(/no --secret opens the sealed signature headers/)
    expect(sealed.stdout).toMatch(/^missing_signature: /)
  })

  it('a rejection without capture, an unknown id, a wrong token: exit 1 with a message; missing flags: exit 2', () => {
    const uncaptured = verify(['--rejection', ids.plain!, '--url', url, '--secret', SECRET])
    expect(uncaptured.status).toBe(1)
    expect(uncaptured.stderr).toMatch(
      /has no captured request \(set captureRejected: true on source "plain"/,
    )
    const unknown = verify(['--rejection', 'rej_unknown', '--url', url, '--secret', SECRET])
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toMatch(/answered 404/)
    const wrongToken = verify(
      [
        '--rejection',
        ids.gh!,
        '--url',
        url,
        '--secret',
        SECRET,
        '--token',
        'not-the-token-0123456789',
      ],
      {},
    )
    expect(wrongToken.status).toBe(1)
    expect(wrongToken.stderr).toMatch(/answered 401/)
    expect(verify(['--rejection', ids.gh!, '--url', url]).status).toBe(2)
    expect(verify(['--rejection', ids.gh!, '--url', url, '--secret', SECRET], {}).status).toBe(2)
    expect(
      verify(['--rejection', ids.gh!, '--url', url, '--secret', SECRET, '--body', 'x']).status,
    ).toBe(2)
  })
})
