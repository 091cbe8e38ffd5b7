/**
 * `hookgate send`: every sample of every provider signs and verifies in-process (the same renderSample + signWebhook
 * the command runs, checked with safeVerifyWebhook), and the built binary sends samples into a real
 * `hookgate serve` (temporary SQLite, port 0) that accepts and stores them — or refuses them with a wrong secret.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, safeVerifyWebhook, signWebhook, type ProviderFactory } from '@hookgate/verify'
import { renderSample } from '../src/cli/commands/send.ts'
import { SAMPLES } from '../src/cli/fixtures/samples.ts'
import { CLI, ensureBuilt, plainEnv } from './built.ts'

const TEXT_SECRET = 'hookgate-send-test-secret-0123456789'
const WHSEC = `whsec_${Buffer.from('hookgate-send-test-key-32-bytes!').toString('base64')}`
const ed25519 = generateKeyPairSync('ed25519')
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const pem = (
  key: { export(options: { type: 'pkcs8' | 'spki'; format: 'pem' }): string | Buffer },
  type: 'pkcs8' | 'spki',
) => String(key.export({ type, format: 'pem' }))

/** A secret the provider would issue (for public-key providers, the private key: it signs and verifies). */
function secretFor(factory: ProviderFactory<object>): string {
  switch (factory.definition.profile?.secretKind) {
    case 'whsec':
      return WHSEC
    case 'base64':
      return Buffer.from(TEXT_SECRET).toString('base64')
    case 'hex':
      return Buffer.from(TEXT_SECRET).toString('hex')
    case 'ed25519':
      return pem(ed25519.privateKey, 'pkcs8')
    case 'ecdsa-p256':
      return pem(p256.privateKey, 'pkcs8')
    default:
      return TEXT_SECRET
  }
}

const URL_SIGNED = 'https://hooks.example.com/webhooks/sample'
/** Discord's body `type` is numeric; its samples are named by what the number means. */
const NUMBERED_TYPES: Readonly<Record<string, string>> = {
  'discord PING': '1',
  'discord APPLICATION_COMMAND': '2',
  'discord MESSAGE_COMPONENT': '3',
}

describe('samples', () => {
  const ids = Object.keys(SAMPLES)

  it('cover at least 30 providers, each a built-in preset with a default among its events', () => {
    expect(ids.length).toBeGreaterThanOrEqual(30)
    for (const id of ids) {
      expect(Object.keys(providers), id).toContain(id)
      const samples = SAMPLES[id]!
      expect(Object.keys(samples.events), id).toContain(samples.default)
    }
    for (const required of [
      'stripe',
      'github',
      'slack',
      'shopify',
      'twilio',
      'trello',
      'calendly',
      'standard-webhooks',
      'svix',
      'clerk',
      'resend',
      'openai',
      'discord',
      'sendgrid',
      'paddle',
      'gitlab',
      'zoom',
      'twitch',
      'square',
      'mux',
      'workos',
      'intercom',
      'typeform',
      'lemon-squeezy',
      'notion',
      'sentry',
      'vercel',
      'xero',
    ]) {
      expect(ids).toContain(required)
    }
  })

  const cases = ids.flatMap((id) =>
    Object.keys(SAMPLES[id]!.events).map((event) => [id, event] as const),
  )
  it.each(cases)('%s %s signs and verifies, with its event type', (id, event) => {
    const factory = providers[id as keyof typeof providers] as ProviderFactory<object>
    const now = new Date()
    const sample = renderSample(id, event, { now })
    const options: Record<string, unknown> = { ...(SAMPLES[id]!.options ?? {}) }
    const urlOption = factory.definition.sourceUrlOption
    if (urlOption !== undefined) options[urlOption] = URL_SIGNED
    const preset = factory({ ...options, secrets: [secretFor(factory)] })
    const signature = signWebhook(preset, { body: sample.body, url: URL_SIGNED, timestamp: now })
    const headers = new Headers({
      'content-type': sample.contentType,
      ...sample.headers,
      ...signature,
    })
    const result = safeVerifyWebhook(
      preset,
      { method: 'POST', url: URL_SIGNED, headers, rawBody: sample.body },
      { now },
    )
    expect(result.ok ? 'ok' : `${result.reason}: ${result.message}`).toBe('ok')
    if (!result.ok) return
    // Where the preset reads an event type, the sample's is the one it is listed under (Discord's is a number).
    if (result.eventType !== undefined)
      expect(result.eventType).toBe(NUMBERED_TYPES[`${id} ${event}`] ?? event)
    if (sample.contentType === 'application/json') expect(() => result.json()).not.toThrow()
  })

  it('fill fresh ids and the current time on every render', () => {
    const a = renderSample('stripe', undefined, { now: new Date('2026-01-31T00:00:00Z') })
    const b = renderSample('stripe', undefined, { now: new Date('2026-01-31T00:00:00Z') })
    const [ja, jb] = [
      JSON.parse(Buffer.from(a.body).toString()),
      JSON.parse(Buffer.from(b.body).toString()),
    ] as { id: string; created: number }[]
    expect(ja!.id).toMatch(/^evt_[A-Za-z0-9]{24}$/)
    expect(ja!.id).not.toBe(jb!.id)
    expect(ja!.created).toBe(Date.parse('2026-01-31T00:00:00Z') / 1000)
    expect(a.event).toBe('payment_intent.succeeded')
  })

  it('list the known event types when --event is unknown', () => {
    expect(() => renderSample('github', 'nope')).toThrow(
      /unknown --event "nope" for github; known: push, pull_request, issues/,
    )
  })
})

// --- the built binary into a real `hookgate serve` -------------------------------------------------------------

const ADMIN = 'send-cli-admin-token-0123456789abcdef'
const TRELLO_CALLBACK = 'https://hooks.example.com/webhooks/trello'
let dir = ''
let server:
  | {
      child: ChildProcessWithoutNullStreams
      url: string
      exited: Promise<number | null>
      output: () => string
    }
  | undefined
const runs: { stdout: string; stderr: string }[] = []

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

function file(name: string, content: string): string {
  const path = join(dir, name)
  writeFileSync(path, content, { mode: 0o600 })
  return path
}

/** The CLI in a child process, asynchronously: the gateway it talks to runs in another child. */
function cli(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: plainEnv() })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('close', (code) => {
      runs.push({ stdout, stderr })
      resolve({ code, stdout, stderr })
    })
  })
}

/** Starts `hookgate serve` on port 0 and resolves once it printed its address and every source URL. */
async function serve(config: string, sources: number) {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', config], {
    env: plainEnv(),
    cwd: dir,
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const lines: { msg: string; url?: string }[] = []
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout += `${line}\n`
      lines.push(JSON.parse(line) as { msg: string })
      const listening = lines.find((l) => l.msg === 'hookgate listening')
      if (
        listening?.url !== undefined &&
        lines.filter((l) => l.msg === 'source ready').length === sources
      )
        resolve(listening.url)
    })
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
  })
  return { child, url, exited, output: () => stdout + stderr }
}

const SOURCES = [
  {
    id: 'stripe',
    provider: 'stripe',
    secret: 'whsec_c2VuZC1jbGktc3RyaXBlLXNlY3JldA',
    send: 'whsec_c2VuZC1jbGktc3RyaXBlLXNlY3JldA',
  },
  {
    id: 'github',
    provider: 'github',
    secret: 'send-cli-github-secret-0123456789',
    send: 'send-cli-github-secret-0123456789',
  },
  {
    id: 'twilio',
    provider: 'twilio',
    secret: 'send-cli-twilio-auth-token-0123456',
    send: 'send-cli-twilio-auth-token-0123456',
  },
  {
    id: 'trello',
    provider: 'trello',
    secret: 'send-cli-trello-app-secret-0123456789',
    send: 'send-cli-trello-app-secret-0123456789',
  },
  { id: 'clerk', provider: 'clerk', secret: WHSEC, send: WHSEC },
  {
    id: 'shopify',
    provider: 'shopify',
    secret: 'send-cli-shopify-secret-0123456789',
    send: 'send-cli-shopify-secret-0123456789',
  },
  // Public-key providers: the gateway holds the public key, send signs with the private one.
  {
    id: 'discord',
    provider: 'discord',
    secret: Buffer.from(ed25519.publicKey.export({ type: 'spki', format: 'der' }))
      .subarray(-32)
      .toString('hex'),
    send: pem(ed25519.privateKey, 'pkcs8'),
  },
  {
    id: 'sendgrid',
    provider: 'sendgrid',
    secret: Buffer.from(p256.publicKey.export({ type: 'spki', format: 'der' })).toString('base64'),
    send: pem(p256.privateKey, 'pkcs8'),
  },
] as const

describe('hookgate send into hookgate serve', () => {
  beforeAll(async () => {
    await ensureBuilt()
    expect(
      existsSync(join(CLI, '..', 'commands', 'send.js')),
      'dist is stale: run npm run build -w hookgate',
    ).toBe(true)
    dir = mkdtempSync(join(tmpdir(), 'hookgate-send-'))
    const config = join(dir, 'hookgate.json')
    writeFileSync(
      config,
      JSON.stringify({
        server: { port: 0 },
        storage: { sqlite: './send.db' },
        admin: { token: ADMIN },
        log: { level: 'warn' },
        sources: SOURCES.map(({ id, provider, secret }) => ({
          id,
          provider,
          secrets: [secret],
          ...(provider === 'trello' ? { options: { callbackUrl: TRELLO_CALLBACK } } : {}),
        })),
      }),
    )
    server = await serve(config, SOURCES.length)
  })
  afterAll(async () => {
    if (server !== undefined) {
      server.child.kill('SIGTERM')
      await server.exited
    }
    rmSync(dir, { recursive: true, force: true })
  })

  async function stored(
    source: string,
  ): Promise<{ eventType: string | null; providerEventId: string | null }[]> {
    const response = await fetch(`${server!.url}/api/events?source=${source}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    })
    expect(response.status).toBe(200)
    return (
      (await response.json()) as {
        items: { eventType: string | null; providerEventId: string | null }[]
      }
    ).items
  }

  it.each(SOURCES.map((source) => [source.id, source] as const))(
    '%s: the default sample is accepted (200) and stored',
    async (id, source) => {
      const to = `${server!.url}/webhooks/${id}`
      // A private key is a PEM file: --secret-file (a value starting with "-----" is no flag value).
      const secretFlag = source.send.startsWith('-----')
        ? ['--secret-file', file(`${id}.pem`, source.send)]
        : ['--secret', source.send]
      const args = ['send', source.provider, '--to', to, ...secretFlag]
      if (id === 'trello') args.push('--url', TRELLO_CALLBACK)
      const run = await cli(args)
      expect(run.stderr, run.stdout).toContain(
        `${source.provider} ${SAMPLES[source.provider]!.default} → POST ${to}`,
      )
      expect(run.stdout).toMatch(/^200 OK\n\{"id":"evt_[^"]+","duplicate":false\}/)
      expect(run.code).toBe(0)
      const events = await stored(id)
      expect(events.length).toBe(1)
      if (id !== 'twilio' && id !== 'sendgrid')
        expect(events[0]!.eventType).toBe(
          id === 'discord' ? '2' : SAMPLES[source.provider]!.default,
        )
    },
  )

  it('sends the --event asked for, each time with a fresh id', async () => {
    const to = `${server!.url}/webhooks/stripe`
    const first = await cli([
      'send',
      'stripe',
      '--to',
      to,
      '--secret',
      SOURCES[0].send,
      '--event',
      'invoice.paid',
    ])
    const second = await cli([
      'send',
      'stripe',
      '--to',
      to,
      '--secret',
      SOURCES[0].send,
      '--event',
      'invoice.paid',
    ])
    expect([first.code, second.code]).toEqual([0, 0])
    expect(second.stdout).toContain('"duplicate":false')
    const types = (await stored('stripe')).map((event) => event.eventType)
    expect(types.filter((type) => type === 'invoice.paid')).toHaveLength(2)
  })

  it('sends --body FILE with the sample headers (GitHub event name) and a Twilio JSON body the JSON way', async () => {
    const body = join(dir, 'ping.json')
    writeFileSync(body, '{"zen":"Keep it logically awesome.","hook_id":1}')
    const gh = await cli([
      'send',
      'github',
      '--to',
      `${server!.url}/webhooks/github`,
      '--secret',
      SOURCES[1].send,
      '--body',
      body,
      '--event',
      'ping',
    ])
    expect(gh.code).toBe(0)
    expect((await stored('github')).map((event) => event.eventType)).toContain('ping')
    const tw = await cli([
      'send',
      'twilio',
      '--to',
      `${server!.url}/webhooks/twilio`,
      '--secret',
      SOURCES[2].send,
      '--body',
      body,
    ])
    expect(tw.stderr).toMatch(/bodySHA256=[0-9a-f]{64}/)
    expect(tw.code).toBe(0)
  })

  it('a wrong secret is refused: 401 printed, exit 1', async () => {
    const run = await cli([
      'send',
      'stripe',
      '--to',
      `${server!.url}/webhooks/stripe`,
      '--secret',
      'whsec_bm90LXRoZS1yaWdodC1zZWNyZXQ',
    ])
    expect(run.stdout).toMatch(/^401 Unauthorized\n.*"code":"signature_mismatch"/)
    expect(run.code).toBe(1)
  })

  it('bad usage exits 2: no --to, no --secret, unknown --event (listing the known ones), unknown provider', async () => {
    const noTo = await cli(['send', 'stripe', '--secret', 'whsec_x'])
    expect([noTo.code, noTo.stderr]).toEqual([2, expect.stringContaining('send needs --to URL')])
    const noSecret = await cli(['send', 'stripe', '--to', `${server!.url}/webhooks/stripe`])
    expect([noSecret.code, noSecret.stderr]).toEqual([
      2,
      expect.stringContaining('send needs --secret'),
    ])
    const event = await cli([
      'send',
      'stripe',
      '--to',
      `${server!.url}/webhooks/stripe`,
      '--secret',
      'whsec_x',
      '--event',
      'nope',
    ])
    expect(event.code).toBe(2)
    expect(event.stderr).toContain(
      'unknown --event "nope" for stripe; known: payment_intent.succeeded, checkout.session.completed',
    )
    const provider = await cli([
      'send',
      'nope',
      '--to',
      `${server!.url}/webhooks/stripe`,
      '--secret',
      'whsec_x',
    ])
    expect(provider.code).toBe(2)
    const noSamples = await cli([
      'send',
      'okta',
      '--to',
      `${server!.url}/webhooks/stripe`,
      '--secret',
      'okta-token-0123456789',
    ])
    expect([noSamples.code, noSamples.stderr]).toEqual([
      2,
      expect.stringContaining('no sample payloads for okta: pass --body FILE'),
    ])
  })

  it('an unreachable receiver exits 1 with the reason', async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    const run = await cli([
      'send',
      'github',
      '--to',
      `http://127.0.0.1:${port}/webhooks/github`,
      '--secret',
      SOURCES[1].send,
    ])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(
      `cannot reach http://127.0.0.1:${port}/webhooks/github: ECONNREFUSED`,
    )
  })

  it('never prints a secret', () => {
    const printed = runs.map((run) => run.stdout + run.stderr).join('\n') + (server?.output() ?? '')
    for (const source of SOURCES) {
      expect(printed).not.toContain(source.send)
    }
    expect(printed).not.toContain(ADMIN)
  })
})
