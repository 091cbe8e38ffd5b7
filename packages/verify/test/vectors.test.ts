/**
 * Table-driven over every file in test/vectors, one per preset: the providers' own published examples (origin
 * "published"), vectors made with the provider's official SDK ("sdk"), vectors computed outside this library
 * from the docs where a provider publishes none ("generated"), and variations of those ("derived"). Verification must give the listed verdict; where a vector has a
 * `sign` block, signing the same message must reproduce the published headers byte for byte. A vector with `keys`
 * (URL → key text) goes through `safeVerifyWebhookAsync` with those keys served by an injected fetcher (presets whose
 * keys are fetched at run time, e.g. AWS SNS certificates): nothing touches the network.
 */
import { Buffer } from 'node:buffer'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  isBuiltinProviderId,
  providers,
  safeVerifyWebhook,
  safeVerifyWebhookAsync,
  signWebhook,
  VERIFICATION_FAILURE_REASONS,
  type ConfiguredPreset,
} from '@hookgate/verify'

interface Vector {
  readonly name: string
  readonly origin: 'published' | 'sdk' | 'generated' | 'derived'
  readonly secrets: readonly string[]
  readonly options?: Readonly<Record<string, unknown>>
  readonly request: {
    readonly method?: string
    readonly url?: string
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
  }
  /** Unix seconds; absent means "now" (schemes without a timestamp). */
  readonly now?: number
  /** The body as base64, for bodies that are not UTF-8 text (then `request.body` is ignored). */
  readonly bodyBase64?: string
  /** Keys the preset fetches, by URL: served by an injected `fetchKey` through the async path. */
  readonly keys?: Readonly<Record<string, string>>
  /** Sign the same message and compare with the request's headers. */
  readonly sign?: { readonly timestamp?: number; readonly id?: string; readonly url?: string }
  readonly expect:
    | { readonly ok: true; readonly id?: string; readonly timestamp?: number }
    | { readonly ok: false; readonly reason: string }
}

interface VectorFile {
  readonly provider: string
  readonly source: string
  readonly note?: string
  readonly vectors: readonly Vector[]
}

const directory = new URL('./vectors/', import.meta.url)
const files = readdirSync(directory)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({
    name,
    data: JSON.parse(readFileSync(new URL(name, directory), 'utf8')) as VectorFile,
  }))

function configure(file: VectorFile, vector: Vector): ConfiguredPreset {
  if (!isBuiltinProviderId(file.provider)) throw new Error(`unknown provider ${file.provider}`)
  const factory = providers[file.provider] as (options: object) => ConfiguredPreset
  return factory({ ...vector.options, secrets: vector.secrets })
}

describe('vector files', () => {
  it('exist for every preset: a preset without a vector file fails here', () => {
    const missing = Object.keys(providers).filter(
      (id) => !files.some((f) => f.data.provider === id),
    )
    expect(missing).toEqual([])
    for (const { name, data } of files) {
      expect(name).toBe(`${data.provider}.json`)
      expect(isBuiltinProviderId(data.provider)).toBe(true)
      expect(data.source).toMatch(/^https:\/\//)
      expect(data.vectors.length).toBeGreaterThan(0)
      for (const vector of data.vectors)
        expect(['published', 'sdk', 'generated', 'derived']).toContain(vector.origin)
      // Every file anchors its derived vectors on at least one published or independently generated one.
      expect(data.vectors.some((v) => v.origin !== 'derived' && v.expect.ok)).toBe(true)
    }
  })
})

for (const { data: file } of files) {
  describe(`${file.provider} vectors`, () => {
    for (const vector of file.vectors) {
      it(`${vector.origin}: ${vector.name}`, async () => {
        const preset = configure(file, vector)
        const request = {
          method: vector.request.method ?? 'POST',
          headers: vector.request.headers,
          rawBody:
            vector.bodyBase64 === undefined
              ? vector.request.body
              : Buffer.from(vector.bodyBase64, 'base64'),
          ...(vector.request.url === undefined ? {} : { url: vector.request.url }),
        }
        const options = vector.now === undefined ? undefined : { now: new Date(vector.now * 1000) }
        const keys = vector.keys
        const result =
          keys === undefined
            ? safeVerifyWebhook(preset, request, options)
            : await safeVerifyWebhookAsync(preset, request, {
                ...options,
                fetchKey: async (url) =>
                  Object.hasOwn(keys, url)
                    ? keys[url]!
                    : Promise.reject(new Error('HTTP 404 (not in the vector)')),
              })
        if (vector.expect.ok) {
          expect(result.ok ? 'ok' : `${result.reason}: ${result.message}`).toBe('ok')
          if (!result.ok) return
          if (vector.expect.id !== undefined) expect(result.id).toBe(vector.expect.id)
          if (vector.expect.timestamp !== undefined)
            expect(result.timestamp?.getTime()).toBe(vector.expect.timestamp * 1000)
        } else {
          expect(VERIFICATION_FAILURE_REASONS).toContain(vector.expect.reason)
          expect(result.ok ? 'ok' : result.reason).toBe(vector.expect.reason)
        }

        if (vector.sign !== undefined) {
          const signed = signWebhook(preset, {
            body:
              vector.bodyBase64 === undefined
                ? vector.request.body
                : Buffer.from(vector.bodyBase64, 'base64'),
            ...(vector.sign.timestamp === undefined
              ? {}
              : { timestamp: new Date(vector.sign.timestamp * 1000) }),
            ...(vector.sign.id === undefined ? {} : { id: vector.sign.id }),
            ...(vector.sign.url === undefined ? {} : { url: vector.sign.url }),
          })
          const lower = (record: Readonly<Record<string, string>>) =>
            Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]))
          expect(lower(vector.request.headers)).toMatchObject(lower(signed))
        }
      })
    }
  })
}
