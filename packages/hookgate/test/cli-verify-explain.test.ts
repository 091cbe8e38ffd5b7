/**
 * `hookgate verify --explain` (issue 9 §2) and the age of a stale request (§1), driven through the built binary
 * with signatures made by the providers' own signers (stripe, twilio; Trello's documented scheme on node:crypto).
 * The verdict and exit code never change with --explain, and no secret or candidate secret is ever printed.
 */
import { spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Stripe from 'stripe'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, ensureBuilt, plainEnv } from './built.ts'

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const STRIPE_SECRET = 'whsec_explainStripeSecret4242'
const TRELLO_APP_SECRET = 'trello-app-secret-explain-9a9a'
const TRELLO_API_TOKEN = 'ATTA-trello-api-token-explain-5151'
const TWILIO_TOKEN = 'twilio-auth-token-explain-0042'
const SECRETS = [STRIPE_SECRET, TRELLO_APP_SECRET, TRELLO_API_TOKEN, TWILIO_TOKEN]
const T = 1_763_900_000
const EVENT = {
  id: 'evt_x',
  object: 'event',
  type: 'invoice.paid',
  data: { object: { note: 'café ☕' } },
}
const runs: Run[] = []
let dir = ''

function cli(args: readonly string[]): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], { env: plainEnv(), encoding: 'utf8' })
  const run = { code: result.status, stdout: result.stdout, stderr: result.stderr }
  runs.push(run)
  return run
}

function file(name: string, content: string): string {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

beforeAll(async () => {
  await ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookgate-explain-'))
})

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true })
})

describe('hookgate verify --explain', () => {
  const pretty = JSON.stringify(EVENT, null, 2)
  const stripeHeader = Stripe.webhooks.generateTestHeaderString({
    payload: pretty,
    secret: STRIPE_SECRET,
    timestamp: T,
  })
  const stripeArgs = (body: string): string[] => [
    'verify',
    'stripe',
    '--secret',
    STRIPE_SECRET,
    '--body',
    body,
    '--header',
    `Stripe-Signature: ${stripeHeader}`,
  ]

  it('a body re-serialised after Stripe signed it: the hint, in text and in --json as diagnosis: [{ code, message }]', () => {
    const compact = file('compact.json', JSON.stringify(EVENT))
    const text = cli([...stripeArgs(compact), '--now', String(T), '--explain'])
    expect(text.code).toBe(1)
    expect(text.stdout).toMatch(/^signature_mismatch: No signature matched/)
    expect(text.stdout).toMatch(
      /\ndiagnosis:\n {2}\[body_reserialized\] The signature matches the body re-serialised as pretty-printed JSON/,
    )
    const json = cli([...stripeArgs(compact), '--now', String(T), '--explain', '--json'])
    expect(json.code).toBe(1)
    const verdict = JSON.parse(json.stdout) as {
      ok: boolean
      reason: string
      diagnosis: { code: string; message: string }[]
    }
    expect(verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' })
    expect(verdict.diagnosis).toEqual([
      {
        code: 'body_reserialized',
        message: expect.stringMatching(/raw request body exactly as received/),
      },
    ])
  })

  it('without --explain there is no diagnosis, and the verdict is the same', () => {
    const compact = file('compact2.json', JSON.stringify(EVENT))
    const run = cli([...stripeArgs(compact), '--now', String(T), '--json'])
    expect(run.code).toBe(1)
    expect(JSON.parse(run.stdout)).not.toHaveProperty('diagnosis')
    expect(cli([...stripeArgs(compact), '--now', String(T)]).stdout).not.toMatch(/diagnosis/)
  })

  it('a request that verifies: exit 0 and an empty diagnosis', () => {
    const body = file('pretty.json', pretty)
    const run = cli([...stripeArgs(body), '--now', String(T), '--explain', '--json'])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, id: 'evt_x', diagnosis: [] })
  })

  it('Trello verified with the API token: --candidate-secret with the app secret is named by position, never printed', () => {
    const callbackUrl = 'https://hooks.example.com/trello'
    const body = JSON.stringify({ action: { id: 'a1', type: 'updateCard' } })
    // Trello's documented scheme: base64 HMAC-SHA1 of body + callbackURL with the application's secret.
    const signature = createHmac('sha1', TRELLO_APP_SECRET)
      .update(body + callbackUrl)
      .digest('base64')
    const args = [
      'verify',
      'trello',
      '--secret',
      TRELLO_API_TOKEN,
      '--option',
      `callbackUrl=${callbackUrl}`,
      '--body',
      file('trello.json', body),
      '--header',
      `X-Trello-Webhook: ${signature}`,
    ]
    const run = cli([
      ...args,
      '--explain',
      '--candidate-secret',
      'not-this-one-either',
      '--candidate-secret',
      TRELLO_APP_SECRET,
    ])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /\[candidate_secret\] The signature matches candidate secret #2, not the configured secret/,
    )
    expect(run.stdout).not.toContain(signature)
    expect(cli([...args, '--candidate-secret', TRELLO_APP_SECRET]).code).toBe(2)
  })

  it('Twilio behind a TLS-terminating proxy: the URL given is http, Twilio signed https', () => {
    const params = { From: '+15550001111', Body: 'hello' }
    const signature = twilio.getExpectedTwilioSignature(
      TWILIO_TOKEN,
      'https://hooks.example.com/sms',
      params,
    )
    const run = cli([
      'verify',
      'twilio',
      '--secret',
      TWILIO_TOKEN,
      '--body',
      file('sms.form', new URLSearchParams(params).toString()),
      '--header',
      `X-Twilio-Signature: ${signature}`,
      '--header',
      'Content-Type: application/x-www-form-urlencoded',
      '--url',
      'http://hooks.example.com/sms',
      '--explain',
      '--json',
    ])
    expect(run.code).toBe(1)
    expect(
      (JSON.parse(run.stdout) as { diagnosis: { code: string }[] }).diagnosis.map((d) => d.code),
    ).toEqual(['url_scheme'])
  })
})

describe('hookgate verify: a stale request says how old it is and points to --now (issue 9 §1)', () => {
  const body = JSON.stringify(EVENT)
  const header = Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: STRIPE_SECRET,
    timestamp: T,
  })
  const args = (): string[] => [
    'verify',
    'stripe',
    '--secret',
    STRIPE_SECRET,
    '--body',
    file('stale.json', body),
    '--header',
    `Stripe-Signature: ${header}`,
  ]

  it('without --now: the age and the --now that checks it', () => {
    const run = cli(args())
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /^timestamp_too_old: The signature timestamp is more than 300s old \(signed \d+ s, about \d+ days ago\)/,
    )
    expect(run.stdout).toContain(
      `It was signed at ${new Date(T * 1000).toISOString()} (Unix ${T}). Checking a captured request? Run again with --now set to the Unix time it was received, e.g. --now ${T}.`,
    )
    expect(cli([...args(), '--now', String(T)]).code).toBe(0)
  })

  it('with a --now three hours late: hours in text, timestamp and hint in --json, clock_skew with --explain', () => {
    const late = String(T + 3 * 3600)
    expect(cli([...args(), '--now', late]).stdout).toMatch(/signed 10800 s, about 3 h 0 min ago/)
    const json = JSON.parse(
      cli([...args(), '--now', late, '--json', '--explain']).stdout,
    ) as Record<string, unknown>
    expect(json).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
      timestamp: new Date(T * 1000).toISOString(),
      hint: expect.stringContaining(`--now ${T}`),
      diagnosis: [
        {
          code: 'clock_skew',
          message: expect.stringMatching(/valid, but it was made 10800 s, about 3 h 0 min before/),
        },
      ],
    })
  })

  it('a timestamp in the future says how far ahead', () => {
    expect(cli([...args(), '--now', String(T - 600)]).stdout).toMatch(
      /^timestamp_in_future: .*\(600 s, about 10 min ahead\)/,
    )
  })
})

describe('nothing secret is printed', () => {
  it('no run printed a secret', () => {
    expect(runs.length).toBeGreaterThan(5)
    for (const run of runs)
      for (const secret of SECRETS) expect(run.stdout + run.stderr).not.toContain(secret)
  })
})
