/**
 * `hookgate doctor` as users run it (the built binary in a child process): a good configuration passes (exit 0), and
 * each class of problem is reported on its own line with its severity and path (exit 1) — without ever printing a
 * secret value.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, ensureBuilt, plainEnv } from './built.ts'

const GOOD = {
  admin: '9f2c4e7a1b3d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4',
  stripe: 'whsec_Kx8vQm2RtY7pLw4NzB6cD1fG3hJ5kM9s',
  github: 'f3a9c1e7b5d2086a4c1e9f7b3d5a2c8e',
  standard: `whsec_${Buffer.from('doctor-standard-webhooks-key-32b').toString('base64')}`,
  twilio: '4c1e9f7b3d5a2c8ef3a9c1e7b5d2086a',
  destination: `whsec_${Buffer.from('doctor-destination-signing-key!!').toString('base64')}`,
}
/** Every secret value any configuration below holds: none may ever be printed. */
const SECRETS: string[] = [...Object.values(GOOD)]

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}
const outputs: string[] = []
let dir = ''
let listener: Server
let listenerPort = 0

function doctor(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'doctor', ...args], {
      env: { ...plainEnv(), ...env },
      cwd: dir,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('close', (code) => {
      outputs.push(stdout + stderr)
      resolve({ code, stdout, stderr })
    })
  })
}

let files = 0
/** Writes a JSON configuration (YAML's subset) and returns its path. */
function config(content: Record<string, unknown>): string {
  const path = join(dir, `config-${(files += 1)}.json`)
  writeFileSync(path, JSON.stringify(content, null, 2))
  return path
}

/** A good configuration, with `patch` applied to its top-level keys. */
function good(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    server: { port: 0, publicUrl: 'https://hooks.example.com' },
    storage: { sqlite: './data/hookgate.db' },
    admin: { token: '${env:DOCTOR_ADMIN_TOKEN}' },
    sources: [
      { id: 'stripe', provider: 'stripe', secrets: ['${env:DOCTOR_STRIPE_SECRET}'] },
      { id: 'github', provider: 'github', secrets: [GOOD.github] },
      { id: 'app', provider: 'standard-webhooks', secrets: [GOOD.standard] },
      { id: 'sms', provider: 'twilio', secrets: [GOOD.twilio] },
      {
        id: 'trello',
        provider: 'trello',
        secrets: ['a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'fedcba98'],
      },
    ],
    destinations: [
      {
        id: 'billing',
        url: `http://127.0.0.1:${listenerPort}/hooks`,
        sources: ['stripe'],
        signingSecret: GOOD.destination,
      },
    ],
    ...patch,
  }
}
const ENV = { DOCTOR_ADMIN_TOKEN: GOOD.admin, DOCTOR_STRIPE_SECRET: GOOD.stripe }

/** `good()` with source `index` replaced. */
function withSource(index: number, source: Record<string, unknown>): Record<string, unknown> {
  const base = good()
  const sources = [...(base.sources as unknown[])]
  sources[index] = source
  return { ...base, sources }
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createTcpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

beforeAll(async () => {
  await ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookgate-doctor-'))
  listener = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  listenerPort = (listener.address() as AddressInfo).port
})
afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

/** Asserts exit 1 and a finding line `error    <path>: …<message>` (`path` is a regular expression). */
async function expectError(
  file: string,
  path: string,
  message: RegExp,
  env: Record<string, string> = ENV,
): Promise<Run> {
  const run = await doctor(['--config', file], env)
  const start = new RegExp(`^error {4}${path}: `)
  const lines = run.stdout.split('\n').filter((line) => start.test(line))
  expect(lines.length, run.stdout + run.stderr).toBeGreaterThan(0)
  expect(lines.join('\n')).toMatch(message)
  expect(run.code).toBe(1)
  return run
}

describe('hookgate doctor', () => {
  it('passes a good configuration: no finding, exit 0', async () => {
    const run = await doctor(['--config', config(good())], ENV)
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/config-\d+\.json: no problems found\n$/)
    expect(run.code).toBe(0)
  })

  it('reports what the loader refuses, then checks the rest of the file', async () => {
    writeFileSync(join(dir, 'blocked'), '')
    const file = config({
      ...withSource(1, { id: 'github', provider: 'nope', secrets: [GOOD.github] }),
      storage: { sqlite: './blocked/hookgate.db' },
    })
    const run = await expectError(file, 'sources\\[1\\]\\.provider', /unknown provider "nope"/)
    // The store is checked all the same (the configuration without the refused source).
    expect(run.stdout).toMatch(/^error {4}storage\.sqlite: .*blocked is not a directory/m)
  })

  it('flags short secrets', async () => {
    await expectError(
      config(withSource(1, { id: 'github', provider: 'github', secrets: ['s3cret-12'] })),
      'sources\\[1\\]\\.secrets\\[0\\]',
      /only 9 characters/,
    )
    SECRETS.push('s3cret-12')
  })

  it('flags a Stripe secret without whsec_', async () => {
    const secret = 'stripe-endpoint-secret-0123456789'
    SECRETS.push(secret)
    await expectError(
      config(withSource(0, { id: 'stripe', provider: 'stripe', secrets: [secret] })),
      'sources\\[0\\]\\.secrets\\[0\\]',
      /starts with whsec_/,
    )
  })

  it('flags a Standard Webhooks or Svix secret that is not whsec_ + base64', async () => {
    const secret = Buffer.from('bare-base64-standard-webhooks-key').toString('base64')
    SECRETS.push(secret)
    await expectError(
      config(withSource(2, { id: 'app', provider: 'svix', secrets: [secret] })),
      'sources\\[2\\]\\.secrets\\[0\\]',
      /whsec_ followed by base64/,
    )
  })

  it.each([
    ['stripe', 0, 'sk_live_51Hx0123456789abcdefghijklmnop', /Stripe \(or Clerk\) secret API key/],
    ['github', 1, 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB', /GitHub token/],
    ['slack', 1, 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx', /Slack token/],
    ['trello', 4, `ATTA${'0123456789abcdef'.repeat(4)}ABCDEF01`, /Trello API token/],
  ] as const)(
    'flags an API key where the %s signing secret belongs',
    async (provider, index, secret, message) => {
      SECRETS.push(secret)
      const source = { id: provider === 'slack' ? 'github' : provider, provider, secrets: [secret] }
      await expectError(
        config(withSource(index, source)),
        `sources\\[${index}\\]\\.secrets\\[0\\]`,
        message,
      )
    },
  )

  it('flags a secret left on the demo fallback of ${env:NAME:-…}', async () => {
    const file = config(
      withSource(0, {
        id: 'stripe',
        provider: 'stripe',
        secrets: ['${env:DOCTOR_UNSET_SECRET:-whsec_demoDemoDemoDemoDemo0123}'],
      }),
    )
    await expectError(file, 'sources\\[0\\]\\.secrets\\[0\\]', /demo fallback/)
    SECRETS.push('whsec_demoDemoDemoDemoDemo0123')
  })

  it('flags URL-signed providers without server.publicUrl', async () => {
    const base = good({ server: { port: 0 } })
    // Trello needs its callbackUrl then (the loader says so); Twilio would check the URL it sees behind a proxy.
    const sources = (base.sources as Record<string, unknown>[]).filter(
      (source) => source.id !== 'trello',
    )
    await expectError(
      config({ ...base, sources }),
      'sources\\[3\\]\\.provider',
      /twilio signs the exact URL it calls: set server\.publicUrl/,
    )
    const trello = await expectError(
      config(base),
      'sources\\[4\\]\\.options\\.callbackUrl',
      /required for trello/,
    )
    expect(trello.stdout).toMatch(/^error {4}sources\[3\]\.provider: twilio/m)
  })

  it('flags a SQLite store whose directory cannot be created', async () => {
    writeFileSync(join(dir, 'not-a-directory'), '')
    await expectError(
      config(good({ storage: { sqlite: './not-a-directory/hookgate.db' } })),
      'storage\\.sqlite',
      /not a directory/,
    )
  })

  it('flags an unreachable PostgreSQL without printing its password', async () => {
    const port = await closedPort()
    SECRETS.push('doctor-pg-password-42')
    const run = await expectError(
      config(
        good({
          storage: {
            postgres: `postgres://hookgate:doctor-pg-password-42@127.0.0.1:${port}/hookgate`,
          },
        }),
      ),
      'storage\\.postgres',
      /cannot connect to postgres:\/\/hookgate:\*\*\*@127\.0\.0\.1:\d+\/hookgate \(schema hookgate\) \(ECONNREFUSED\)/,
    )
    expect(run.stdout).not.toContain('doctor-pg-password-42')
  })

  it('flags a destination host that does not resolve, and warns about a loopback one nobody listens on', async () => {
    const port = await closedPort()
    const destinations = [
      {
        id: 'gone',
        url: 'https://no-such-host.invalid/hooks',
        sources: ['stripe'],
        signingSecret: GOOD.destination,
      },
      {
        id: 'later',
        url: `http://localhost:${port}/hooks`,
        sources: ['github'],
        signingSecret: GOOD.destination,
      },
    ]
    const run = await expectError(
      config(good({ destinations })),
      'destinations\\[0\\]\\.url',
      /destination "gone": no-such-host\.invalid does not resolve/,
      { ...ENV },
    )
    expect(run.stdout).toMatch(
      new RegExp(
        `^warning  destinations\\[1\\]\\.url: destination "later": nothing listens on http://localhost:${port}`,
        'm',
      ),
    )
  })

  it.each([
    ['short', 'a1b2c3d4e5f6a7b8c9d0', /is 20 characters; use at least 32/],
    ['a demo value', 'changeme-changeme-changeme-changeme', /looks like a demo value/],
    ['not random', 'abababababababababababababababababab', /too few characters/],
  ])('flags an admin token that is %s', async (_what, token, message) => {
    SECRETS.push(token)
    await expectError(config(good()), 'admin\\.token', message, {
      ...ENV,
      DOCTOR_ADMIN_TOKEN: token,
    })
  })

  it('bad usage exits 2: a missing file, an unknown flag', async () => {
    const missing = await doctor(['--config', join(dir, 'missing.yaml')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/cannot read .*missing\.yaml \(ENOENT\)/)
    const flag = await doctor(['--nope'])
    expect(flag.code).toBe(2)
  })

  it('--json prints the findings', async () => {
    const run = await doctor(
      [
        '--config',
        config(withSource(1, { id: 'github', provider: 'github', secrets: ['s3cret-12'] })),
        '--json',
      ],
      ENV,
    )
    const report = JSON.parse(run.stdout) as {
      ok: boolean
      findings: { severity: string; path: string }[]
    }
    expect(report.ok).toBe(false)
    expect(report.findings).toContainEqual(
      expect.objectContaining({ severity: 'error', path: 'sources[1].secrets[0]' }),
    )
    expect(run.code).toBe(1)
  })

  it('never prints a secret value', () => {
    const printed = outputs.join('\n')
    for (const secret of SECRETS) expect(printed).not.toContain(secret)
  })
})
