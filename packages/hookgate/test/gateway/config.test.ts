/**
 * Configuration: every refusal case names the exact path, `${env:…}` interpolation, defaults, and the
 * promise that no message ever contains a secret.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import {
  isSecretPath,
  loadConfig,
  MIN_SECRET_LENGTH,
  parseConfig,
  parseConfigText,
} from '../../src/config.ts'
import { STARTER_CONFIG } from '../../src/cli/commands/init.ts'
import { ConfigError } from '../../src/errors.ts'

const SECRET = 'a-good-long-secret-0123456789'
const source = (extra: Record<string, unknown> = {}) => ({
  id: 'gh',
  provider: 'github',
  secrets: [SECRET],
  ...extra,
})

/** The issues of a refused config (fails the test when the config is accepted). */
function issues(input: unknown, env: Record<string, string> = {}): readonly string[] {
  try {
    parseConfig(input, { env, baseDir: '/srv/hookgate' })
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).code).toBe('ERR_CONFIG_INVALID')
    return (error as ConfigError).issues
  }
  throw new Error('the configuration was accepted')
}

describe('parseConfig accepts', () => {
  it('the minimal config, with documented defaults', () => {
    const config = parseConfig({ sources: [source()] }, { env: {}, baseDir: '/srv/hookgate' })
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 8080,
      publicUrl: undefined,
      trustProxy: [],
      maxBodyBytes: 1_048_576,
      shutdownTimeoutMs: 10_000,
      shutdownGraceMs: 1_000,
      headersTimeoutMs: 10_000,
      bodyTimeoutMs: 30_000,
      maxConnections: 10_000,
      maxConnectionsPerClient: 256,
      rejectionLimit: { burst: 60, perSecond: 2, maxClients: 100_000 },
    })
    expect(config.storage).toEqual({
      kind: 'sqlite',
      sqlite: '/srv/hookgate/data/hookgate.db',
      maxRejections: undefined,
    })
    expect(config.admin).toBeUndefined()
    expect(config.log.level).toBe('info')
    expect(config.sources).toHaveLength(1)
    expect(config.sources[0]).toMatchObject({ id: 'gh', provider: 'github', allowIps: [] })
    expect(config.sources[0]?.preset.id).toBe('github')
  })

  it('interpolates ${env:NAME} and ${env:NAME:-default} in any string, numbers included', () => {
    const config = parseConfig(
      {
        server: { port: '${env:PORT:-0}', publicUrl: 'https://${env:HOST}' },
        admin: { token: '${env:TOKEN}' },
        sources: [
          source({ secrets: ['${env:GH_SECRET}', 'prefix-${env:EMPTY:-fallback-0123456789}'] }),
        ],
      },
      {
        env: {
          HOST: 'hooks.example.com',
          TOKEN: 'admin-token-0123456789',
          GH_SECRET: SECRET,
          EMPTY: '',
        },
      },
    )
    expect(config.server.port).toBe(0)
    expect(config.server.publicUrl).toBe('https://hooks.example.com')
    expect(config.admin?.token).toBe('admin-token-0123456789')
    expect(config.sources[0]?.preset.keys).toHaveLength(2)
  })

  it('writes a literal ${ for $${', () => {
    const config = parseConfig(
      { admin: { token: 'token-with-$${literal}-0123' }, sources: [source()] },
      { env: {} },
    )
    expect(config.admin?.token).toBe('token-with-${literal}-0123')
  })

  it("defaults Trello's callbackUrl to publicUrl + /webhooks/<id>, and twilio works without options", () => {
    const config = parseConfig(
      {
        server: { publicUrl: 'https://hooks.example.com/' },
        sources: [
          { id: 'board', provider: 'trello', secrets: [SECRET] },
          { id: 'sms', provider: 'twilio', secrets: [SECRET] },
        ],
      },
      { env: {} },
    )
    expect(config.server.publicUrl).toBe('https://hooks.example.com')
    expect(config.sources[0]?.options).toEqual({
      callbackUrl: 'https://hooks.example.com/webhooks/board',
    })
    expect(config.sources[1]?.options).toEqual({})
  })

  it("reads JSON as well as YAML, and resolves a relative SQLite path against the file's directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookgate-config-'))
    try {
      const json = join(dir, 'hookgate.json')
      writeFileSync(json, JSON.stringify({ storage: { sqlite: 'db/x.db' }, sources: [source()] }))
      expect((await loadConfig(json, { env: {} })).storage.sqlite).toBe(join(dir, 'db/x.db'))
      const yaml = join(dir, 'hookgate.yaml')
      writeFileSync(
        yaml,
        `storage:\n  sqlite: ./y.db\nsources:\n  - id: gh\n    provider: github\n    secrets: ['\${env:S}']\n`,
      )
      expect((await loadConfig(yaml, { env: { S: SECRET } })).storage.sqlite).toBe(
        join(dir, 'y.db'),
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('shipped configurations', () => {
  it('examples/hookgate.yaml is valid with no environment at all, and reports its demo fallbacks', async () => {
    const example = fileURLToPath(new URL('../../../../examples/hookgate.yaml', import.meta.url))
    const config = await loadConfig(example, { env: {} })
    expect(config.sources.map((s) => `${s.id}:${s.provider}`)).toEqual([
      'github:github',
      'stripe:stripe',
      'standard-webhooks:standard-webhooks',
      'slack:slack',
    ])
    expect(config.storage.sqlite).toBe(join(example, '..', 'data', 'hookgate.db'))
    expect(config.server.port).toBe(8080)
    expect(
      config.fallbacks.filter((f) => isSecretPath(f.path)).map((f) => `${f.path}=${f.variable}`),
    ).toEqual([
      'admin.token=HOOKGATE_ADMIN_TOKEN',
      'sources[0].secrets[0]=GITHUB_WEBHOOK_SECRET',
      'sources[1].secrets[0]=STRIPE_WEBHOOK_SECRET',
      'sources[2].secrets[0]=STANDARD_WEBHOOKS_SECRET',
      'sources[3].secrets[0]=SLACK_SIGNING_SECRET',
    ])
    const real = await loadConfig(example, {
      env: { GITHUB_WEBHOOK_SECRET: SECRET, HOOKGATE_PORT: '0' },
    })
    expect(real.server.port).toBe(0)
    expect(real.fallbacks.map((f) => f.variable)).not.toContain('GITHUB_WEBHOOK_SECRET')
  })

  it('the `hookgate init` starter is valid once its variables are set, and refuses without them', () => {
    const env = {
      HOOKGATE_ADMIN_TOKEN: 'admin-token-0123456789',
      GITHUB_WEBHOOK_SECRET: SECRET,
      STRIPE_WEBHOOK_SECRET: 'whsec_0123456789abcdef',
    }
    const config = parseConfigText(STARTER_CONFIG, { env })
    expect(config.sources.map((s) => s.id)).toEqual(['github', 'stripe'])
    expect(config.fallbacks).toEqual([])
    expect(() => parseConfigText(STARTER_CONFIG, { env: {} })).toThrow(
      /admin\.token: environment variable HOOKGATE_ADMIN_TOKEN is not set/,
    )
  })
})

describe('parseConfig refuses, naming the path', () => {
  it('a missing environment variable', () => {
    expect(issues({ sources: [source({ secrets: ['${env:NOT_SET_ANYWHERE}'] })] })).toEqual([
      'sources[0].secrets[0]: environment variable NOT_SET_ANYWHERE is not set',
    ])
  })

  it('a malformed reference', () => {
    expect(issues({ server: { host: '${NAME}' }, sources: [source()] })[0]).toMatch(
      /^server\.host: "\$\{NAME\}" is not a valid reference/,
    )
  })

  it('a malformed reference in a secret, without echoing any of the secret (issue 12)', () => {
    const secret = 'Zq8-${unique-secret-text-9f3b7c1e}-tail'
    const whsec = `whsec_\${${Buffer.from('unique-signing-key-text-42').toString('base64')}}`
    const found = issues({
      admin: { token: secret },
      sources: [source({ secrets: [SECRET, secret] })],
      destinations: [
        { id: 'd', url: 'http://127.0.0.1:9/h', sources: ['gh'], signingSecret: whsec },
      ],
      storage: { postgres: 'postgres://u:p${ass-word-text}@db.example/hookgate' },
    })
    expect(found).toEqual([
      'admin.token: a "${" in this secret (its text is not shown) is not a valid reference; write ${env:NAME} or ${env:NAME:-default}, or $${ for a literal "${"',
      expect.stringMatching(
        /^sources\[0\]\.secrets\[1\]: a "\$\{" in this secret \(its text is not shown\)/,
      ),
      expect.stringMatching(/^destinations\[0\]\.signingSecret: a "\$\{" in this secret/),
      expect.stringMatching(/^storage\.postgres: a "\$\{" in this secret/),
    ])
    for (const text of ['unique-secret', '9f3b7c1e', 'dW5pcXVl', 'ass-word'])
      expect(found.join('\n')).not.toContain(text)
  })

  it('an empty secret list, an empty secret and a too-short secret', () => {
    expect(
      issues({ sources: [source(), source({ id: 'b' }), source({ id: 'c', secrets: [] })] }),
    ).toEqual(['sources[2].secrets: must not be empty'])
    expect(issues({ sources: [source({ secrets: ['   '] })] })).toEqual([
      'sources[0].secrets[0]: must not be empty',
    ])
    expect(issues({ sources: [source({ secrets: ['${env:EMPTY}'] })] }, { EMPTY: '' })).toEqual([
      'sources[0].secrets[0]: must not be empty',
    ])
  })

  it('issue 9: a short provider-issued secret does not stop the gateway: it is a warning naming the source', () => {
    const short = 'x'.repeat(MIN_SECRET_LENGTH - 1)
    const config = parseConfig({ sources: [source({ secrets: [SECRET, short] })] }, { env: {} })
    expect(config.sources[0]?.preset.keys).toHaveLength(2)
    expect(config.warnings).toEqual([
      {
        path: 'sources[0].secrets[1]',
        message: expect.stringMatching(
          /^source "gh": its secret is only 15 characters; .*signing secret/,
        ),
      },
    ])
    expect(JSON.stringify(config.warnings)).not.toContain(short)
    expect(parseConfig({ sources: [source()] }, { env: {} }).warnings).toEqual([])
  })

  it('a too-short admin token', () => {
    expect(issues({ admin: { token: 'short' }, sources: [source()] })).toEqual([
      `admin.token: is too short (5 characters; at least ${MIN_SECRET_LENGTH} required)`,
    ])
  })

  it('a duplicate source id', () => {
    expect(issues({ sources: [source(), source({ provider: 'stripe' })] })).toEqual([
      'sources[1].id: duplicate source id "gh" (also sources[0].id)',
    ])
  })

  it('an unknown provider', () => {
    expect(issues({ sources: [source({ provider: 'paypal' })] })[0]).toMatch(
      /^sources\[0\]\.provider: unknown provider "paypal" \(known: .*github/,
    )
  })

  it('a bad CIDR in allowIps or trustProxy', () => {
    expect(
      issues({
        server: { trustProxy: ['10.0.0.0/8', '10.0.0.0/33'] },
        sources: [source({ allowIps: ['::1', 'not-an-ip'] })],
      }),
    ).toEqual([
      'server.trustProxy[1]: "10.0.0.0/33" is not an IP address or CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)',
      'sources[0].allowIps[1]: "not-an-ip" is not an IP address, a CIDR (e.g. 10.0.0.0/8, 2001:db8::/32) or a provider that publishes its addresses (trello, stripe, github)',
    ])
  })

  it('issue 9: a provider id in allowIps stands for the sender addresses it publishes', () => {
    const config = parseConfig(
      {
        sources: [
          source({ allowIps: ['github', '10.0.0.0/8'] }),
          source({
            id: 't',
            provider: 'trello',
            allowIps: ['trello'],
            options: { callbackUrl: 'https://h.example/t' },
          }),
        ],
      },
      { env: {} },
    )
    expect(config.sources[0]?.allowIps).toEqual([
      '192.30.252.0/22',
      '185.199.108.0/22',
      '140.82.112.0/20',
      '143.55.64.0/20',
      '2a0a:a440::/29',
      '2606:50c0::/32',
      '10.0.0.0/8',
    ])
    expect(config.sources[1]?.allowIps).toContain('18.234.32.224/28')
    expect(issues({ sources: [source({ allowIps: ['slack'] })] })).toEqual([
      'sources[0].allowIps[0]: slack publishes no sender addresses (providers that do: trello, stripe, github)',
    ])
  })

  it('preset option errors, reported by the preset itself under sources[i].options', () => {
    expect(issues({ sources: [{ id: 't', provider: 'trivialsec', secrets: [SECRET] }] })).toEqual([
      'sources[0].options: trivialsec: option `account` is required',
    ])
    expect(
      issues({
        sources: [{ id: 'j', provider: 'jwt', secrets: [SECRET], options: { algorithm: 'none' } }],
      })[0],
    ).toMatch(/^sources\[0\]\.options: jwt: option `algorithm` must be one of HS256, HS512/)
    expect(
      issues({
        sources: [
          { id: 's', provider: 'twilio', secrets: [SECRET], options: { publicUrl: 'ftp://x' } },
        ],
      })[0],
    ).toMatch(/^sources\[0\]\.options: twilio: option `publicUrl` must be an http\(s\) origin/)
  })

  it('an option the preset does not take, and Trello without a callback URL', () => {
    expect(issues({ sources: [source({ options: { header: 'x' } })] })).toEqual([
      'sources[0].options.header: unknown option (github takes no options)',
    ])
    expect(issues({ sources: [{ id: 'b', provider: 'trello', secrets: [SECRET] }] })).toEqual([
      'sources[0].options.callbackUrl: required for trello (the URL exactly as registered with the provider) unless server.publicUrl is set',
    ])
  })

  it('a secret the preset cannot decode, under sources[i].secrets[j]', () => {
    expect(
      issues({
        sources: [
          { id: 'sw', provider: 'standard-webhooks', secrets: ['whsec_!!!not-base64!!!-0123'] },
        ],
      }),
    ).toEqual([
      'sources[0].secrets[0]: standard-webhooks: the secret (whsec_…) must be non-empty base64 after its prefix',
    ])
  })

  it('toleranceSeconds on a scheme without a timestamp', () => {
    expect(issues({ sources: [source({ toleranceSeconds: 60 })] })).toEqual([
      'sources[0].toleranceSeconds: github signatures carry no replay window to override; remove this key',
    ])
  })

  it('wrong types, ranges, unknown keys and missing keys', () => {
    const list = issues({
      server: { port: 70_000, maxBodyBytes: 'big', extra: 1 },
      sources: [{ provider: 'github', secrets: [SECRET] }],
    })
    expect([...list].sort()).toEqual([
      'server.extra: unknown key',
      'server.maxBodyBytes: must be a whole number',
      'server.port: must be at most 65535',
      'sources[0].id: is required',
    ])
    expect(issues({})).toEqual(['sources: is required'])
    expect(issues({ sources: [] })).toEqual(['sources: must list at least one source'])
    expect(issues({ sources: [source({ id: 'has/slash' })] })[0]).toMatch(
      /^sources\[0\]\.id: must be 1-64 letters/,
    )
  })

  it('a bad publicUrl and a bad postgres URL (not echoed: it may hold a password)', () => {
    expect(issues({ server: { publicUrl: 'hooks.example.com' }, sources: [source()] })).toEqual([
      'server.publicUrl: must be an absolute http(s) URL such as https://hooks.example.com',
    ])
    expect(
      issues({ server: { publicUrl: 'https://h.example/?q=1' }, sources: [source()] })[0],
    ).toMatch(/^server\.publicUrl: must not have a query/)
    expect(
      issues({ storage: { postgres: 'postgres//user:hunter2@x' }, sources: [source()] }),
    ).toEqual([
      'storage.postgres: must be a URL such as postgres://user:password@db.example:5432/hookgate',
    ])
  })

  it('YAML syntax errors with a position but without quoting the line (which may hold a secret)', () => {
    let error: unknown
    try {
      parseConfigText(
        'sources:\n  - id: gh\n    secrets: ["literal-secret-value-0123"\n  foo: 1\n',
        { env: {} },
      )
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues[0]).toMatch(/^\(syntax\): .* at line \d+, column \d+$/)
    expect((error as ConfigError).message).not.toContain('literal-secret-value-0123')
  })

  it('a missing file, with a hint', async () => {
    await expect(loadConfig(join(tmpdir(), 'no-such-hookgate.yaml'))).rejects.toThrow(
      /cannot read .*no-such-hookgate\.yaml \(ENOENT\); run `hookgate init`/,
    )
  })

  it('collects every problem at once, and never prints a secret', () => {
    const secret = 'short-but-secret'
    const all = issues({
      admin: { token: 'tok' },
      sources: [
        source({ secrets: ['abc'] }),
        source({ provider: 'nope', secrets: [`${secret}x`] }),
        source({ id: 'x', secrets: [] }),
      ],
    })
    expect(all.length).toBeGreaterThanOrEqual(4)
    expect(all.join('\n')).not.toContain(secret)
    expect(all.join('\n')).not.toContain('abc')
  })
})
