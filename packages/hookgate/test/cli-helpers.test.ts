/**
 * In-process checks of the helpers the CLI commands share (`cli/args.ts`, `cli/config-file.ts`) and of the
 * commands that use them, without the built CLI: the messages and exit codes must stay those of the commands.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EXIT, printedUsage, providerAndSecrets, scrub, UsageError } from '../src/cli/args.ts'
import { run as migrate } from '../src/cli/commands/migrate.ts'
import { run as serve } from '../src/cli/commands/serve.ts'
import { run as sign } from '../src/cli/commands/sign.ts'
import { run as verify } from '../src/cli/commands/verify.ts'
import { loadConfigOrReport } from '../src/cli/config-file.ts'

let stdout: string[]
let stderr: string[]
let dir: string

beforeEach(async () => {
  stdout = []
  stderr = []
  vi.spyOn(process.stdout, 'write').mockImplementation(
    (chunk) => (stdout.push(String(chunk)), true),
  )
  vi.spyOn(process.stderr, 'write').mockImplementation(
    (chunk) => (stderr.push(String(chunk)), true),
  )
  dir = await mkdtemp(join(tmpdir(), 'hookgate-cli-helpers-'))
})

afterEach(async () => {
  vi.restoreAllMocks()
  await rm(dir, { recursive: true, force: true })
})

describe('providerAndSecrets', () => {
  it('returns the preset factory and the secrets', () => {
    const { factory, secrets } = providerAndSecrets('sign', ['github'], ['s3cret-a', 's3cret-b'])
    expect(factory.definition.id).toBe('github')
    expect(secrets).toEqual(['s3cret-a', 's3cret-b'])
    expect(providerAndSecrets('verify', ['stripe'], undefined).secrets).toEqual([])
  })

  it('registers every secret before refusing bad usage', () => {
    expect(() => providerAndSecrets('verify', ['github', 'extra'], ['never-echo-me'])).toThrow(
      new UsageError('verify takes one provider, got 2 arguments'),
    )
    expect(scrub('x never-echo-me x')).toBe('x *** x')
    expect(() => providerAndSecrets('sign', [], undefined)).toThrow(
      /^sign needs a provider: one of /,
    )
    expect(() => providerAndSecrets('sign', ['nope'], undefined)).toThrow(
      /^unknown provider "nope"; known providers: /,
    )
  })
})

describe('printedUsage', () => {
  it('prints the usage and exits 0 on --help, before any other check', async () => {
    expect(await sign(['--help', 'a', 'b'])).toBe(EXIT.ok)
    expect(stdout.join('')).toMatch(/^Usage: hookgate sign /)
    stdout = []
    expect(await migrate(['-h', '--config', join(dir, 'missing.yaml')])).toBe(EXIT.ok)
    expect(stdout.join('')).toMatch(/^Usage: hookgate migrate /)
    stdout = []
    expect(printedUsage(undefined, 'nothing')).toBe(false)
    expect(printedUsage(false, 'nothing')).toBe(false)
    expect(stdout).toEqual([])
  })
})

describe('sign and verify', () => {
  it('verify accepts the headers sign printed and refuses another secret', async () => {
    const body = join(dir, 'body.json')
    await writeFile(body, '{"zen":"hi"}')
    expect(await sign(['github', '--secret', 'gh-secret', '--body', body, '--json'])).toBe(EXIT.ok)
    const headers = JSON.parse(stdout.join('')) as Record<string, string>
    const flags = Object.entries(headers).flatMap(([name, value]) => [
      '--header',
      `${name}: ${value}`,
    ])
    stdout = []
    expect(await verify(['github', '--secret', 'gh-secret', '--body', body, ...flags])).toBe(
      EXIT.ok,
    )
    expect(stdout.join('')).toMatch(/^ok\n/)
    expect(await verify(['github', '--secret', 'other-secret', '--body', body, ...flags])).toBe(
      EXIT.failed,
    )
  })

  it('keeps each command its own usage messages', async () => {
    await expect(sign(['github'])).rejects.toThrow(new UsageError('sign needs --secret'))
    await expect(sign(['github', 'x', '--secret', 'abcd'])).rejects.toThrow(
      new UsageError('sign takes one provider, got 2 arguments'),
    )
    await expect(verify(['github', '--body', '-'])).rejects.toThrow(
      new UsageError('verify needs --secret (repeat it to try several)'),
    )
  })
})

describe('loadConfigOrReport', () => {
  it('reports an invalid config on stderr with the command name, and serve/migrate exit 2', async () => {
    const file = join(dir, 'bad.yaml')
    await writeFile(file, 'server: [not, an, object]\n')
    expect(await loadConfigOrReport(file, 'migrate')).toBeUndefined()
    expect(stderr.join('')).toMatch(/^hookgate migrate: /)
    stderr = []
    expect(await migrate(['--config', file])).toBe(EXIT.usage)
    expect(stderr.join('')).toMatch(/^hookgate migrate: /)
    stderr = []
    expect(await serve(['--config', file])).toBe(EXIT.usage)
    expect(stderr.join('')).toMatch(/^hookgate serve: /)
  })

  it('returns a valid config', async () => {
    const file = join(dir, 'ok.json')
    const source = { id: 'gh', provider: 'github', secrets: ['a-good-long-secret-0123456789'] }
    await writeFile(
      file,
      JSON.stringify({ storage: { sqlite: join(dir, 'db.sqlite') }, sources: [source] }),
    )
    const config = await loadConfigOrReport(file, 'serve')
    expect(stderr.join('')).toBe('')
    expect(config?.sources.map((s) => s.id)).toEqual(['gh'])
  })
})
