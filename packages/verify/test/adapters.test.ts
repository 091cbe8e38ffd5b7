/** What every adapter shares outside a running server: eager option validation and zero dependencies. */
import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { providers } from '@hookgate/verify'
import * as express from '@hookgate/verify/express'
import * as fastify from '@hookgate/verify/fastify'
import * as fetchAdapter from '@hookgate/verify/fetch'
import * as hono from '@hookgate/verify/hono'
import * as node from '@hookgate/verify/node'

const handler = () => new Response()
/** Each adapter's `verifyWebhooks`, called the way users call it. */
const adapters: Record<string, (options: unknown) => unknown> = {
  node: (options) => node.verifyWebhooks(options as node.VerifyWebhooksOptions, () => undefined),
  express: (options) => express.verifyWebhooks(options as express.VerifyWebhooksOptions),
  fastify: (options) => fastify.verifyWebhooks(options as fastify.VerifyWebhooksOptions),
  hono: (options) => hono.verifyWebhooks(options as hono.VerifyWebhooksOptions),
  fetch: (options) =>
    fetchAdapter.verifyWebhooks(options as fetchAdapter.VerifyWebhooksOptions, handler),
}

const preset = providers.github({ secrets: ['s3cret'] })

const invalid: [string, unknown, RegExp][] = [
  ['no options', undefined, /options are required/],
  ['no preset', {}, /`preset` must be a configured preset/],
  ['an unconfigured factory', { preset: providers.github }, /call it with your secrets/],
  [
    'secrets beside the preset',
    { preset, secrets: ['x'] },
    /unknown option `secrets` \(secrets go in the preset/,
  ],
  ['a typo', { preset, maxBodySize: 10 }, /unknown option `maxBodySize`/],
  [
    'publicUrl with a query',
    { preset, publicUrl: 'https://hooks.example.com/?a=1' },
    /`publicUrl` must be an http\(s\) origin/,
  ],
  [
    'publicUrl without a scheme',
    { preset, publicUrl: 'hooks.example.com' },
    /`publicUrl` must be an http\(s\) origin/,
  ],
  [
    'publicUrl and trustProxy',
    { preset, publicUrl: 'https://hooks.example.com', trustProxy: true },
    /either `publicUrl`.*or `trustProxy`/,
  ],
  ['trustProxy as a string', { preset, trustProxy: 'yes' }, /`trustProxy` must be a boolean/],
  ['maxBodyBytes zero', { preset, maxBodyBytes: 0 }, /`maxBodyBytes` must be a positive integer/],
  [
    'maxBodyBytes fractional',
    { preset, maxBodyBytes: 1.5 },
    /`maxBodyBytes` must be a positive integer/,
  ],
  ['now as a Date', { preset, now: new Date() }, /`now` must be a function/],
]

describe('adapter options are validated eagerly, identically in every adapter', () => {
  for (const [name, create] of Object.entries(adapters)) {
    it(`${name}: TypeError at construction for bad options`, () => {
      for (const [label, options, message] of invalid) {
        expect(() => create(options), label).toThrow(TypeError)
        expect(() => create(options), label).toThrow(message)
        expect(() => create(options), label).toThrow(`[@hookgate/verify] ${name} adapter:`)
      }
    })

    it(`${name}: accepts every documented option`, () => {
      expect(
        create({
          preset,
          publicUrl: 'https://hooks.example.com/base/',
          maxBodyBytes: 10,
          now: () => new Date(),
        }),
      ).toBeTypeOf('function')
      expect(create({ preset, trustProxy: true })).toBeTypeOf('function')
    })
  }

  it('node and fetch need a handler', () => {
    expect(() => node.verifyWebhooks({ preset }, undefined as never)).toThrow(TypeError)
    expect(() => fetchAdapter.verifyWebhooks({ preset }, undefined as never)).toThrow(TypeError)
  })

  it('every adapter subpath exports the same name', () => {
    for (const module of [node, express, fastify, hono, fetchAdapter])
      expect(module.verifyWebhooks).toBeTypeOf('function')
  })
})

describe('adapters stay zero-dependency', () => {
  it('import nothing but node: builtins and the library itself', () => {
    const dir = new URL('../src/adapters/', import.meta.url)
    const files = readdirSync(dir).filter((file) => file.endsWith('.ts'))
    expect(files.sort()).toEqual([
      '_core.ts',
      'express.ts',
      'fastify.ts',
      'fetch.ts',
      'hono.ts',
      'node.ts',
    ])
    for (const file of files) {
      // Comments hold @example imports of the frameworks: only code counts.
      const source = readFileSync(new URL(file, dir), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '')
      const specifiers = [
        ...source.matchAll(/^\s*(?:import|export)\b[^'"=]*?from\s+'([^']+)'/gm),
      ].map((match) => match[1] as string)
      expect(specifiers.length, file).toBeGreaterThan(0)
      for (const specifier of specifiers)
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^(?:node:|\.\.?\/)/)
    }
  })

  it('the package declares no dependencies', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>
    expect(manifest['dependencies']).toBeUndefined()
    expect(manifest['peerDependencies']).toBeUndefined()
  })
})
