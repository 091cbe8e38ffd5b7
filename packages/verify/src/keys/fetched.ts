/**
 * @module keys/fetched
 * Keys a preset fetches at run time (AWS SNS signing certificates): a pluggable fetcher, a timeout, a size cap and
 * a bounded in-memory cache with a TTL. Still zero dependencies: the default fetcher is the global `fetch`.
 *
 * Which URLs may be fetched is decided by the preset, from the provider's documented hosts, before anything here
 * runs (a URL outside them is refused as `malformed_signature` and never fetched). The default fetcher checks
 * again that the URL is `https:` and refuses redirects, so a documented host cannot bounce it elsewhere.
 */
import { Buffer } from 'node:buffer'
import { Failure } from '../errors.ts'
import type { KeySource } from '../define.ts'
import type { Key } from '../schemes/index.ts'

/**
 * Returns the key or certificate text at `url`. Reject (or throw) when it cannot: the verification then fails with
 * `key_unavailable` (HTTP 503, so the provider retries). `signal` aborts at the resolver's timeout.
 * @example
 * // Tests and air-gapped setups: serve certificates from memory, never from the network.
 * const fetchKey: FetchKey = async (url) => certificates.get(url) ?? Promise.reject(new Error('unknown'))
 */
export type FetchKey = (url: string, init: { readonly signal: AbortSignal }) => Promise<string>

export interface KeyResolverOptions {
  /** Fetches key text. Default: global `fetch` (https only, no redirects, `maxBytes` read at most). */
  readonly fetchKey?: FetchKey
  /** Per fetch, including an injected `fetchKey` (which may ignore the signal: the wait is cut anyway). Default 5000. */
  readonly timeoutMs?: number
  /** Largest key text accepted, in bytes. Default 64 KiB (an SNS certificate is under 2 KiB). */
  readonly maxBytes?: number
  /** How long a fetched key is reused. Default 1 hour. Failures are never cached: the provider's retry fetches again. */
  readonly ttlMs?: number
  /** Most URLs kept; the least recently used is dropped first. Default 100. */
  readonly maxEntries?: number
  /** The clock for the cache, in ms (injectable for tests). Default `Date.now`. */
  readonly now?: () => number
}

/** Resolves the keys a preset's {@link KeySource} names, with a cache. One per gateway (or per process) is enough. */
export interface KeyResolver {
  /**
   * The keys at `url`, decoded by `source`, from the cache or fetched.
   * @throws a `key_unavailable` failure (caught by the verify functions) when they cannot be obtained.
   */
  resolve(
    presetId: string,
    source: KeySource<never>,
    url: string,
    config: unknown,
  ): Promise<readonly Key[]>
  /** Forgets every cached key. */
  clear(): void
  /** Number of cached URLs. */
  readonly size: number
}

const DEFAULTS = {
  timeoutMs: 5000,
  maxBytes: 64 * 1024,
  ttlMs: 3_600_000,
  maxEntries: 100,
} as const

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!(Number.isFinite(value) && value > 0))
    throw new TypeError(`[@hookgate/verify] key resolver: \`${name}\` must be a positive number`)
  return value
}

/** The URL without its query (never needed to say which certificate failed, and kept out of logs). */
function shown(url: string): string {
  const at = url.search(/[?#]/)
  return (at === -1 ? url : url.slice(0, at)).slice(0, 200)
}

function unavailable(presetId: string, url: string, why: string): Failure {
  return new Failure(
    'key_unavailable',
    `Could not obtain the ${presetId} signing key from ${shown(url)}: ${why}. Nothing was verified; answer 503 so the provider retries.`,
  )
}

/** The default fetcher: global `fetch`, https only, no redirects, body read up to `maxBytes`. */
function defaultFetchKey(maxBytes: number): FetchKey {
  return async (url, { signal }) => {
    if (!url.startsWith('https://')) throw new Error('only https URLs are fetched')
    if (typeof fetch !== 'function')
      throw new Error('this runtime has no global fetch; pass `fetchKey`')
    const response = await fetch(url, {
      signal,
      redirect: 'error',
      headers: { accept: 'application/x-pem-file, text/plain, */*' },
    })
    if (!response.ok) {
      await response.body?.cancel()
      throw new Error(`HTTP ${response.status}`)
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN)
    if (declared > maxBytes) {
      await response.body?.cancel()
      throw new Error(`more than ${maxBytes} bytes`)
    }
    const reader = response.body?.getReader()
    if (reader === undefined) return ''
    const chunks: Uint8Array[] = []
    let total = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > maxBytes) {
        await reader.cancel()
        throw new Error(`more than ${maxBytes} bytes`)
      }
      chunks.push(value)
    }
    return new TextDecoder().decode(Buffer.concat(chunks))
  }
}

interface Entry {
  readonly keys: readonly Key[]
  readonly expires: number
}

/**
 * Creates a key resolver. The verify functions use a shared default one (global `fetch`); a gateway creates its own
 * to set limits, and tests inject `fetchKey` so that nothing touches the network.
 * @example
 * const keys = createKeyResolver({ timeoutMs: 3000 })
 * const result = await safeVerifyWebhookAsync(providers['aws-sns']({ topicArns: [arn] }), request, { keys })
 */
export function createKeyResolver(options: KeyResolverOptions = {}): KeyResolver {
  const timeoutMs = positive('timeoutMs', options.timeoutMs, DEFAULTS.timeoutMs)
  const maxBytes = positive('maxBytes', options.maxBytes, DEFAULTS.maxBytes)
  const ttlMs = positive('ttlMs', options.ttlMs, DEFAULTS.ttlMs)
  const maxEntries = Math.floor(positive('maxEntries', options.maxEntries, DEFAULTS.maxEntries))
  const now = options.now ?? Date.now
  const fetchKey = options.fetchKey ?? defaultFetchKey(maxBytes)
  // Map keeps insertion order: re-inserting on use makes the first key the least recently used.
  const cache = new Map<string, Entry>()
  // One fetch per URL at a time: a burst of messages signed with a new certificate fetches it once.
  const pending = new Map<string, Promise<readonly Key[]>>()

  async function fetchText(presetId: string, url: string): Promise<string> {
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort()
        reject(unavailable(presetId, url, `no answer within ${timeoutMs} ms`))
      }, timeoutMs)
    })
    try {
      const text = await Promise.race([fetchKey(url, { signal: controller.signal }), timeout])
      if (typeof text !== 'string') throw unavailable(presetId, url, 'the fetcher returned no text')
      if (Buffer.byteLength(text, 'utf8') > maxBytes)
        throw unavailable(presetId, url, `more than ${maxBytes} bytes`)
      return text
    } catch (error) {
      if (error instanceof Failure) throw error
      const why = error instanceof Error ? error.message : String(error)
      throw unavailable(presetId, url, why.slice(0, 200) || 'the fetch failed')
    } finally {
      clearTimeout(timer)
    }
  }

  async function load(
    presetId: string,
    source: KeySource<never>,
    url: string,
    config: unknown,
    cacheKey: string,
  ): Promise<readonly Key[]> {
    const text = await fetchText(presetId, url)
    const keys = source.decode(text, config as never)
    if (keys === undefined || keys.length === 0)
      throw unavailable(presetId, url, `the answer is not a usable key (${source.description})`)
    cache.set(cacheKey, { keys, expires: now() + ttlMs })
    while (cache.size > maxEntries) cache.delete(cache.keys().next().value as string)
    return keys
  }

  return {
    async resolve(presetId, source, url, config) {
      const cacheKey = `${presetId}\n${url}`
      const hit = cache.get(cacheKey)
      if (hit !== undefined) {
        cache.delete(cacheKey)
        if (hit.expires > now()) {
          cache.set(cacheKey, hit)
          return hit.keys
        }
      }
      let inFlight = pending.get(cacheKey)
      if (inFlight === undefined) {
        inFlight = load(presetId, source, url, config, cacheKey).finally(() =>
          pending.delete(cacheKey),
        )
        pending.set(cacheKey, inFlight)
      }
      return inFlight
    },
    clear() {
      cache.clear()
    },
    get size() {
      return cache.size
    },
  }
}
