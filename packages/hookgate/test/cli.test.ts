/**
 * The `hookgate` binary as users run it: `node packages/hookgate/dist/cli/main.js …` in a child process,
 * resolving `@hookgate/verify` to its built `dist/` (no source condition). Signatures made by the
 * providers' own SDKs are fed in to show the CLI agrees with them, not only with itself.
 */
import { spawnSync } from 'node:child_process'
import { createHash, createHmac, randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, safeVerifyWebhook } from '@hookgate/verify'
import { CLI, ensureBuilt, plainEnv } from './built.ts'

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

interface Verdict {
  readonly ok: boolean
  readonly provider: string | null
  readonly reason: string | null
  readonly message: string | null
  readonly id: string | null
  readonly type: string | null
  readonly timestamp: string | null
}

// Every secret used below, and every output seen: the last test checks that no secret was ever printed.
const SECRETS = {
  stripe: 'whsec_cliTestStripeSecret4242',
  github: 'gh-cli-test-secret-9f3a',
  trello: 'trello-cli-app-secret-77aa',
  trivialsec: 'trivialsec-cli-secret-5c5c',
  // Standard Webhooks secrets are base64 after the prefix.
  standard: `whsec_${Buffer.from('standard-webhooks-cli-test-key!').toString('base64')}`,
  other: 'rotated-away-old-secret-0000',
}
const outputs: Run[] = []

let dir = ''
/** A fixed signing time (Unix seconds); `--now` is always given relative to it. */
const T = 1_763_900_000
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString()

function cli(args: readonly string[], input?: string | Uint8Array): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: plainEnv(),
    ...(input === undefined ? {} : { input }),
    encoding: 'utf8',
  })
  const run = { code: result.status, stdout: result.stdout, stderr: result.stderr }
  outputs.push(run)
  return run
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

/** `Name: value` lines (the human output of `sign`) → repeated `--header` flags. */
function headerFlags(lines: string): string[] {
  return lines
    .trim()
    .split('\n')
    .flatMap((line) => ['--header', line])
}

/** The `--json` output of `verify`; a verdict never writes to stderr. */
function verdict(run: Run): Verdict {
  expect(run.stderr).toBe('')
  return JSON.parse(run.stdout) as Verdict
}

beforeAll(async () => {
  await ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookgate-cli-'))
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('hookgate providers', () => {
  it('--json lists every preset with name, scheme and docs link', () => {
    const run = cli(['providers', '--json'])
    expect(run.code).toBe(0)
    const rows = JSON.parse(run.stdout) as {
      id: string
      name: string
      scheme: string
      docsUrl: string
      optionKeys: string[]
      handshake: string | null
    }[]
    expect(rows.map((row) => row.id).sort()).toEqual(Object.keys(providers).sort())
    expect(rows.length).toBeGreaterThanOrEqual(130)
    for (const row of rows) {
      expect(row.name.length).toBeGreaterThan(0)
      expect(row.scheme.length).toBeGreaterThan(0)
      expect(row.docsUrl).toMatch(/^https:\/\//)
    }
    expect(rows.find((row) => row.id === 'trello')?.optionKeys).toEqual(['callbackUrl'])
    expect(rows.find((row) => row.id === 'slack')?.handshake).toMatch(/url_verification/)
    expect(rows.find((row) => row.id === 'github')?.handshake).toBeNull()
  })

  it('--markdown prints the README providers table, and the README holds exactly that table', () => {
    const run = cli(['providers', '--markdown'])
    expect(run.code).toBe(0)
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    const table = /<!-- providers:start -->\n([\s\S]*?)\n<!-- providers:end -->/.exec(readme)?.[1]
    // Regenerate with: npx hookgate providers --markdown
    expect(table).toBe(run.stdout.trimEnd())
    expect(run.stdout.trim().split('\n')).toHaveLength(Object.keys(providers).length + 2)
  })

  it('prints a table for humans', () => {
    const run = cli(['providers'])
    expect(run.code).toBe(0)
    const lines = run.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^ID\s+NAME\s+SCHEME\s+DOCS$/)
    expect(
      lines
        .slice(1)
        .map((line) => line.split(/\s+/)[0])
        .sort(),
    ).toEqual(Object.keys(providers).sort())
    expect(run.stdout).toContain('https://docs.stripe.com/webhooks/signature')
  })
})

describe('hookgate sign → hookgate verify', () => {
  const trivialsecEventId = randomUUID()
  const trivialsecBody = {
    event_id: trivialsecEventId,
    event_name: 'report_created',
    timestamp: '2025-11-23T12:00:00Z',
    payload: { report: 1 },
  }
  const cases = [
    {
      provider: 'stripe',
      secret: SECRETS.stripe,
      options: [],
      body: JSON.stringify({ id: 'evt_cli_1', type: 'invoice.paid', object: 'event' }),
      expected: { id: 'evt_cli_1', type: 'invoice.paid', timestamp: iso(T) },
    },
    {
      provider: 'github',
      secret: SECRETS.github,
      options: [],
      body: '{"zen":"Keep it logically awesome."}',
      expected: { id: null, type: null, timestamp: null },
    },
    {
      provider: 'trello',
      secret: SECRETS.trello,
      options: ['--option', 'callbackUrl=https://hooks.example.com/trello?board=1'],
      body: JSON.stringify({ action: { id: 'act_9', type: 'createCard' } }),
      expected: { id: 'act_9', type: 'createCard', timestamp: null },
    },
    {
      provider: 'trivialsec',
      secret: SECRETS.trivialsec,
      options: ['--option', 'account=acme-prod'],
      body: JSON.stringify(trivialsecBody),
      // Trivial Security's verified time is the payload's own `timestamp`.
      expected: {
        id: trivialsecEventId,
        type: 'report_created',
        timestamp: '2025-11-23T12:00:00.000Z',
      },
    },
    {
      provider: 'standard-webhooks',
      secret: SECRETS.standard,
      options: [],
      body: '{"type":"user.created","data":{"id":1}}',
      expected: { id: 'msg_cli_round_trip', type: 'user.created', timestamp: iso(T) },
    },
  ] as const

  for (const c of cases) {
    it(`${c.provider}: the signed headers verify, and a changed body does not`, () => {
      const body = file(`${c.provider}.json`, c.body)
      const signArgs = [
        '--secret',
        c.secret,
        '--body',
        body,
        '--timestamp',
        String(T),
        '--id',
        'msg_cli_round_trip',
      ]
      const signed = cli(['sign', c.provider, ...signArgs, ...c.options])
      expect(signed.stderr).toBe('')
      expect(signed.code).toBe(0)
      expect(signed.stdout).toMatch(/^[\w-]+: \S/)

      const flags = [
        '--secret',
        c.secret,
        ...headerFlags(signed.stdout),
        ...c.options,
        '--now',
        String(T + 10),
        '--json',
      ]
      const ok = verdict(cli(['verify', c.provider, '--body', body, ...flags]))
      expect(ok).toEqual({
        ok: true,
        provider: c.provider,
        reason: null,
        message: null,
        ...c.expected,
      })

      // Trivial Security's token signs the payload's event_id (the eid claim), not the body bytes.
      const tampered =
        c.provider === 'trivialsec' ? c.body.replace(trivialsecEventId, randomUUID()) : `${c.body} `
      const bad = cli([
        'verify',
        c.provider,
        '--body',
        file(`${c.provider}-tampered.json`, tampered),
        ...flags,
      ])
      expect(bad.code).toBe(1)
      const reason = c.provider === 'trivialsec' ? 'claim_mismatch' : 'signature_mismatch'
      expect(verdict(bad)).toMatchObject({
        ok: false,
        provider: c.provider,
        reason,
        id: null,
        timestamp: null,
      })
    })
  }

  it('sign --json prints the headers as an object, and the body can come from stdin', () => {
    const viaStdin = cli(
      ['sign', 'github', '--secret', SECRETS.github, '--body', '-', '--json'],
      '{"a":1}',
    )
    const viaFile = cli([
      'sign',
      'github',
      '--secret',
      SECRETS.github,
      '--body',
      file('a.json', '{"a":1}'),
      '--json',
    ])
    expect(viaStdin.code).toBe(0)
    const expected = `sha256=${createHmac('sha256', SECRETS.github).update('{"a":1}').digest('hex')}`
    expect(JSON.parse(viaStdin.stdout)).toEqual({ 'X-Hub-Signature-256': expected })
    expect(JSON.parse(viaFile.stdout)).toEqual({ 'X-Hub-Signature-256': expected })
  })

  it('without --body, signs the empty body', () => {
    const run = cli(['sign', 'github', '--secret', SECRETS.github])
    expect(run.code).toBe(0)
    const mac = createHmac('sha256', SECRETS.github).update('').digest('hex')
    expect(run.stdout.trim()).toBe(`X-Hub-Signature-256: sha256=${mac}`)
  })
})

describe("hookgate verify against the providers' own SDKs", () => {
  it('stripe: a header from stripe.webhooks.generateTestHeaderString verifies, and sign matches it', () => {
    const payload = JSON.stringify({ id: 'evt_sdk', type: 'charge.succeeded' })
    const stripe = new Stripe('sk_test_cli')
    const header = stripe.webhooks.generateTestHeaderString({
      payload,
      secret: SECRETS.stripe,
      timestamp: T,
    })
    const body = file('stripe-sdk.json', payload)
    const flags = ['--secret', SECRETS.stripe, '--body', body]
    const run = cli([
      'verify',
      'stripe',
      ...flags,
      '--header',
      `Stripe-Signature: ${header}`,
      '--now',
      String(T),
      '--json',
    ])
    expect(run.code).toBe(0)
    expect(verdict(run)).toMatchObject({ ok: true, id: 'evt_sdk', type: 'charge.succeeded' })
    const signed = cli(['sign', 'stripe', ...flags, '--timestamp', String(T)])
    expect(signed.stdout.trim()).toBe(`Stripe-Signature: ${header}`)
  })

  it('github: @octokit/webhooks-methods sign verifies, and octokit accepts our signature', async () => {
    const payload = '{"action":"opened","number":7}'
    const signature = await octokitSign(SECRETS.github, payload)
    const flags = ['--secret', SECRETS.github, '--body', file('github-sdk.json', payload)]
    const run = cli(['verify', 'github', ...flags, '--header', `X-Hub-Signature-256: ${signature}`])
    expect(run.code).toBe(0)
    expect(run.stdout.split('\n')[0]).toBe('ok')
    const ours = JSON.parse(cli(['sign', 'github', ...flags, '--json']).stdout) as Record<
      string,
      string
    >
    expect(await octokitVerify(SECRETS.github, payload, ours['X-Hub-Signature-256'] ?? '')).toBe(
      true,
    )
  })

  it('standard-webhooks: the standardwebhooks SDK signature verifies', () => {
    const payload = '{"type":"invoice.created"}'
    const msgId = 'msg_sdk_1'
    const signature = new StandardWebhook(SECRETS.standard).sign(msgId, new Date(T * 1000), payload)
    const headers = [
      `webhook-id: ${msgId}`,
      `webhook-timestamp: ${T}`,
      `webhook-signature: ${signature}`,
    ]
    const run = cli([
      'verify',
      'standard-webhooks',
      '--secret',
      SECRETS.standard,
      '--body',
      file('sw-sdk.json', payload),
      ...headers.flatMap((header) => ['--header', header]),
      '--now',
      String(T + 1),
      '--json',
    ])
    expect(verdict(run)).toMatchObject({
      ok: true,
      id: msgId,
      type: 'invoice.created',
      timestamp: iso(T),
    })
  })
})

describe('hookgate verify', () => {
  const payload = JSON.stringify({ id: 'evt_v', type: 'customer.created' })
  const stripeHeader = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: SECRETS.stripe,
    timestamp: T,
  })
  /** `verify stripe` with the right secret and signature header, plus `extra`. */
  const verifyStripe = (body: string, ...extra: string[]): Run =>
    cli([
      'verify',
      'stripe',
      '--secret',
      SECRETS.stripe,
      '--body',
      body,
      '--header',
      `Stripe-Signature: ${stripeHeader}`,
      ...extra,
    ])

  it('reads the body as raw bytes (invalid UTF-8, CRLF and a BOM survive)', () => {
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x0d, 0x0a, 0xff, 0xfe, 0x80, 0x7d])
    const header = `X-Hub-Signature-256: sha256=${createHmac('sha256', SECRETS.github).update(bytes).digest('hex')}`
    const flags = ['--secret', SECRETS.github, '--header', header]
    expect(cli(['verify', 'github', ...flags, '--body', file('raw.bin', bytes)]).code).toBe(0)
    expect(cli(['verify', 'github', ...flags, '--body', '-'], bytes).code).toBe(0)
  })

  it('prints the reason code and message and exits 1 on a tampered body', () => {
    const run = verifyStripe(file('t.json', payload.replace('evt_v', 'evt_w')), '--now', String(T))
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^signature_mismatch: No signature matched/)
  })

  it('reports timestamp_too_old for a stale --now, and accepts it with a wider --tolerance', () => {
    const body = file('stale.json', payload)
    const stale = verifyStripe(body, '--now', String(T + 301), '--json')
    expect(stale.code).toBe(1)
    expect(verdict(stale)).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
      message: expect.stringMatching(/300s old/),
    })
    expect(verdict(verifyStripe(body, '--now', String(T - 301), '--json')).reason).toBe(
      'timestamp_in_future',
    )
    expect(verifyStripe(body, '--now', String(T + 301), '--tolerance', '600').code).toBe(0)
  })

  it('tries every --secret (rotation)', () => {
    const args = [
      '--body',
      file('rot.json', payload),
      '--header',
      `Stripe-Signature: ${stripeHeader}`,
      '--now',
      String(T),
    ]
    expect(
      cli(['verify', 'stripe', '--secret', SECRETS.other, '--secret', SECRETS.stripe, ...args])
        .code,
    ).toBe(0)
    expect(cli(['verify', 'stripe', '--secret', SECRETS.other, ...args]).code).toBe(1)
  })

  it('takes headers from --headers-file, any case, with --header overriding a name', () => {
    const body = file('hf.json', payload)
    const headers = file(
      'headers.json',
      JSON.stringify({ 'STRIPE-SIGNATURE': stripeHeader, 'content-type': 'application/json' }),
    )
    const flags = [
      '--secret',
      SECRETS.stripe,
      '--body',
      body,
      '--headers-file',
      headers,
      '--now',
      String(T),
      '--json',
    ]
    expect(verdict(cli(['verify', 'stripe', ...flags]))).toMatchObject({ ok: true, id: 'evt_v' })
    const zeros = `Stripe-Signature: t=${T},v1=${'0'.repeat(64)}`
    expect(verdict(cli(['verify', 'stripe', ...flags, '--header', zeros])).reason).toBe(
      'signature_mismatch',
    )
    const bad = cli([
      'verify',
      'stripe',
      '--secret',
      SECRETS.stripe,
      '--body',
      body,
      '--headers-file',
      file('bad.json', '[1,2]'),
    ])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/must hold a JSON object/)
  })

  it('reports a missing signature header', () => {
    const run = cli([
      'verify',
      'stripe',
      '--secret',
      SECRETS.stripe,
      '--body',
      file('m.json', payload),
      '--json',
    ])
    expect(run.code).toBe(1)
    expect(verdict(run)).toMatchObject({ ok: false, reason: 'missing_signature' })
  })

  it('refuses a signature header given twice', () => {
    const run = verifyStripe(
      file('d.json', payload),
      '--header',
      `Stripe-Signature: ${stripeHeader}`,
      '--now',
      String(T),
      '--json',
    )
    expect(verdict(run).reason).toBe('malformed_signature')
  })
})

describe('usage errors exit 2 with a message on stderr', () => {
  const body = (): string => file('u.json', '{}')

  it('missing --secret', () => {
    const run = cli([
      'verify',
      'stripe',
      '--body',
      body(),
      '--header',
      'Stripe-Signature: t=1,v1=00',
    ])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/needs --secret/)
    expect(cli(['sign', 'stripe']).code).toBe(2)
  })

  it('unknown --option key lists the valid keys', () => {
    const run = cli([
      'verify',
      'trello',
      '--secret',
      SECRETS.trello,
      '--body',
      body(),
      '--option',
      'callbackURL=https://x.example',
    ])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      /unknown --option key "callbackURL"; valid keys for trello: callbackUrl/,
    )
    const none = cli(['sign', 'stripe', '--secret', SECRETS.stripe, '--option', 'secrets=["x"]'])
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/stripe takes no --option/)
  })

  it('issue 9: --url serves every URL-signed preset; a missing one is named', () => {
    const file = join(dir, 'trello.json')
    writeFileSync(file, '{"action":{"id":"a1","type":"createCard"}}')
    const callbackUrl = 'https://hooks.example.com/webhooks/trello?board=1'
    const signed = cli([
      'sign',
      'trello',
      '--secret',
      SECRETS.trello,
      '--url',
      callbackUrl,
      '--body',
      file,
      '--json',
    ])
    expect(signed.code).toBe(0)
    const headers = JSON.parse(signed.stdout) as Record<string, string>
    const result = safeVerifyWebhook(providers.trello({ secrets: SECRETS.trello, callbackUrl }), {
      headers,
      rawBody: readFileSync(file),
    })
    expect(result.ok).toBe(true)
    const missing = cli(['sign', 'trello', '--secret', SECRETS.trello, '--body', file])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/pass --url/)
    const twilioMissing = cli(['sign', 'twilio', '--secret', SECRETS.other, '--body', file])
    expect(twilioMissing.code).toBe(2)
    expect(twilioMissing.stderr).toMatch(/twilio signs the URL it calls: pass --url/)
  })

  it('issue 9: sign twilio signs a JSON body the JSON way (bodySHA256) and says which URL to call', () => {
    const file = join(dir, 'twilio.json')
    const json = '{"AccountSid":"AC1","EventType":"com.twilio.messaging.inbound-message.received"}'
    writeFileSync(file, json)
    const url = 'https://hooks.example.com/webhooks/twilio'
    const signed = cli([
      'sign',
      'twilio',
      '--secret',
      SECRETS.other,
      '--url',
      url,
      '--body',
      file,
      '--json',
    ])
    expect(signed.code).toBe(0)
    const sha = createHash('sha256').update(json).digest('hex')
    expect(signed.stderr).toContain(`${url}?bodySHA256=${sha}`)
    const headers = {
      ...(JSON.parse(signed.stdout) as Record<string, string>),
      'content-type': 'application/json',
    }
    const preset = providers.twilio({ secrets: SECRETS.other })
    expect(
      safeVerifyWebhook(preset, { url: `${url}?bodySHA256=${sha}`, headers, rawBody: json }).ok,
    ).toBe(true)
    // --content-type says form: the same body is then signed as (odd) form params, on the URL as given.
    const asForm = cli([
      'sign',
      'twilio',
      '--secret',
      SECRETS.other,
      '--url',
      url,
      '--body',
      file,
      '--content-type',
      'application/x-www-form-urlencoded',
      '--json',
    ])
    expect(asForm.code).toBe(0)
    expect(asForm.stderr).toBe('')
    expect(
      safeVerifyWebhook(preset, {
        url,
        headers: JSON.parse(asForm.stdout) as Record<string, string>,
        rawBody: json,
      }).ok,
    ).toBe(true)
  })

  it('option values are JSON when they parse', () => {
    // requiredClaims must be an array: the JSON form configures the preset, the plain text is refused by it.
    const sign = (...options: string[]): Run =>
      cli(['sign', 'jwt', '--secret', SECRETS.other, ...options.flatMap((o) => ['--option', o])])
    const good = sign('requiredClaims=["exp"]', 'leewaySeconds=5')
    expect(good.stderr).toBe('')
    expect(good.code).toBe(0)
    const bad = sign('requiredClaims=exp')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/jwt: option `requiredClaims` must be an array.*--option/)
  })

  it('an option error from the preset is shown as is', () => {
    const run = cli(['verify', 'trivialsec', '--secret', SECRETS.trivialsec, '--body', body()])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/\[@hookgate\/verify\] trivialsec: option `account` is required/)
  })

  it('unknown provider, unknown flag, missing --body, bad --now, unknown command', () => {
    const secret = ['--secret', SECRETS.other]
    const cases = [
      {
        args: ['verify', 'paypal', ...secret, '--body', body()],
        error: /unknown provider "paypal"; known providers: .*stripe/,
      },
      {
        args: ['verify', 'stripe', ...secret, '--bodyy', body()],
        error: /Unknown option '--bodyy'/,
      },
      { args: ['verify', 'stripe', ...secret], error: /needs --body/ },
      {
        args: ['verify', 'stripe', ...secret, '--body', body(), '--now', 'yesterday'],
        error: /--now expects Unix seconds/,
      },
      {
        args: ['verify', 'stripe', ...secret, '--body', join(dir, 'nope.json')],
        error: /cannot read --body file .*ENOENT/,
      },
      {
        args: ['verify', 'stripe', ...secret, '--body', body(), '--header', 'no colon'],
        error: /--header expects 'Name: value'/,
      },
      {
        args: ['verify', 'stripe', ...secret, '--body', '-', '--headers-file', '-'],
        error: /only one of --body and --headers-file/,
      },
      { args: ['sign', 'stripe', ...secret, '--secret', SECRETS.stripe], error: /one --secret/ },
      { args: ['frobnicate'], error: /unknown command "frobnicate"/ },
      { args: [], error: /Usage: hookgate <command>/ },
    ]
    for (const c of cases) {
      const run = cli(c.args)
      expect({ args: c.args, code: run.code }).toEqual({ args: c.args, code: 2 })
      expect(run.stderr).toMatch(c.error)
    }
  })
})

describe('help and version', () => {
  it('--help lists the commands, including serve and init', () => {
    const run = cli(['--help'])
    expect(run.code).toBe(0)
    for (const name of ['serve', 'init', 'providers', 'sign', 'verify'])
      expect(run.stdout).toMatch(new RegExp(`^  ${name} `, 'm'))
  })

  it('help <command> and <command> --help print the command usage', () => {
    expect(cli(['help', 'verify']).stdout).toMatch(/^Usage: hookgate verify <provider>/)
    expect(cli(['sign', '--help']).stdout).toMatch(/^Usage: hookgate sign <provider>/)
  })

  it('--version prints the package version', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string }
    expect(cli(['--version']).stdout.trim()).toBe(manifest.version)
  })
})

describe('secrets', () => {
  it('a secret never appears in any output, including errors', () => {
    // Error paths that hold a secret in their arguments.
    const broken = 'whsec_not*base64*cli-secret-xyz'
    cli(['sign', 'standard-webhooks', '--secret', broken])
    cli(['verify', 'stripe', `--secret=${SECRETS.stripe}`, '--json=yes'])
    cli([
      'verify',
      'stripe',
      '--secret',
      SECRETS.stripe,
      '--body',
      `/nonexistent/${SECRETS.stripe}`,
    ])
    expect(outputs.length).toBeGreaterThanOrEqual(3)
    for (const run of outputs) {
      for (const secret of [...Object.values(SECRETS), broken, broken.slice('whsec_'.length)]) {
        expect(run.stdout).not.toContain(secret)
        expect(run.stderr).not.toContain(secret)
      }
    }
  })
})
