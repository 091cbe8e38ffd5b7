/**
 * @module test/sdk/_standard-webhooks
 * The differential harness shared by standard-webhooks.test.ts (`standardwebhooks` 1.1.1) and
 * svix.test.ts (`svix` 1.99.1, which wraps the former and adds `svix-*` headers with a per-header fallback).
 */
import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { expect, vi } from 'vitest'
import { providers, safeVerifyWebhook, signWebhook, type VerifyResult } from '@hookgate/verify'
import {
  base64Of,
  byteBody,
  clockOffset,
  fcParams,
  flipChar,
  isUtf8,
  mutations,
  nowMs,
  outcome,
  rarely,
  Tally,
} from './_support.ts'

export type Secret = string | Uint8Array
export type Headers = Record<string, string>

/** What differs between the two SDKs and the two presets. */
export interface Flavour {
  readonly id: 'standard-webhooks' | 'svix'
  /** Header prefix the sender uses (the SDK's own `sign` gives only the signature). */
  readonly prefix: 'webhook' | 'svix'
  /** The SDK, constructed for a secret (raw bytes use `{ format: 'raw' }`). */
  sdk(secret: Secret): {
    sign(id: string, at: Date, payload: Buffer): string
    verify(payload: Buffer, headers: Headers): unknown
  }
  /** The (id, timestamp, signature) the SDK reads from a header set. */
  sdkSelection(headers: Headers): Selection
  /** True for the errors the SDK throws on a rejected request. */
  rejects(error: unknown): boolean
}

export interface Selection {
  readonly id: string | undefined
  readonly timestamp: string | undefined
  readonly signature: string | undefined
}

/** Lower-cased lookup, as both SDKs do (they lower-case header names before reading). */
export function lookup(headers: Headers, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value
  return undefined
}

/** The triple Hookgate reads: the first prefix whose `-signature` header exists, then that prefix's id and timestamp. */
export function ourSelection(headers: Headers, prefixes: readonly string[]): Selection {
  const prefix =
    prefixes.find((p) => lookup(headers, `${p}-signature`) !== undefined) ?? prefixes[0]!
  return {
    id: lookup(headers, `${prefix}-id`),
    timestamp: lookup(headers, `${prefix}-timestamp`),
    signature: lookup(headers, `${prefix}-signature`),
  }
}

export function verifyOurs(
  flavour: Flavour,
  secret: Secret,
  headers: Headers,
  body: Uint8Array | string,
  now: number,
): VerifyResult {
  const preset = providers[flavour.id]({ secrets: secret })
  return safeVerifyWebhook(
    preset,
    { method: 'POST', url: 'https://hooks.example.com/sw', headers, rawBody: body },
    { now: new Date(now) },
  )
}

/**
 * Runs the SDK's verify at a given clock. Its verify reads Date.now(), so callers install fake timers for
 * Date (`vi.useFakeTimers({ toFake: ['Date'] })`) and this sets the time for the call.
 */
export function sdkVerifies(
  flavour: Flavour,
  secret: Secret,
  headers: Headers,
  payload: Buffer,
  now: number,
): boolean {
  vi.setSystemTime(now)
  try {
    flavour.sdk(secret).verify(payload, headers)
    return true
  } catch (error) {
    if (flavour.rejects(error)) return false
    throw error
  }
}

export function ourHeaders(
  flavour: Flavour,
  secret: Secret,
  body: Uint8Array | string,
  id: string,
  timestampSeconds: number,
): Headers {
  return signWebhook(providers[flavour.id]({ secrets: secret }), {
    body,
    id,
    timestamp: new Date(timestampSeconds * 1000),
  })
}

export function sdkHeaders(
  flavour: Flavour,
  secret: Secret,
  body: Uint8Array | string,
  id: string,
  timestampSeconds: number,
): Headers {
  const signature = flavour
    .sdk(secret)
    .sign(id, new Date(timestampSeconds * 1000), Buffer.from(body))
  const p = flavour.prefix
  return {
    [`${p}-id`]: id,
    [`${p}-timestamp`]: String(timestampSeconds),
    [`${p}-signature`]: signature,
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations: structural, so the same mutation can be applied to two header sets (non-UTF-8 pairing)
// ---------------------------------------------------------------------------------------------

type Field = 'id' | 'timestamp' | 'signature'

export type Mutation =
  | { kind: 'drop'; field: Field }
  | { kind: 'empty'; field: Field }
  | { kind: 'change-id' }
  | {
      kind: 'timestamp-format'
      form: 'leading-zero' | 'plus' | 'suffix' | 'fraction' | 'space' | 'huge' | 'negative'
    }
  | { kind: 'truncate-sig'; n: number }
  | { kind: 'flip-sig'; index: number }
  | { kind: 'upper-sig' }
  | { kind: 'space'; where: 'leading' | 'trailing' | 'double' | 'after-comma' }
  | { kind: 'extra-entry'; entry: string; first: boolean }
  | { kind: 'rename-version'; to: string }
  | { kind: 'extra-field'; text: string }
  | { kind: 'comma-separated'; entry: string }
  | { kind: 'many-entries'; entries: string[] }
  | { kind: 'long-header' }
  | { kind: 'title-case-names' }
  /** Moves one header to the other prefix (svix-* ↔ webhook-*): a mixed header set. */
  | { kind: 'move'; field: Field }
  /** Adds the other prefix's full set with stale values (another id, an older timestamp, a wrong signature). */
  | { kind: 'stale-other-set'; signature: string }

const field = fc.constantFrom<Field>('id', 'timestamp', 'signature')
const v1Entry = base64Of(32).map((b) => `v1,${b}`)

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), field }),
  fc.record({ kind: fc.constant('empty' as const), field }),
  fc.constantFrom<Mutation>(
    { kind: 'change-id' },
    { kind: 'upper-sig' },
    { kind: 'long-header' },
    { kind: 'title-case-names' },
  ),
  fc.record({
    kind: fc.constant('timestamp-format' as const),
    form: fc.constantFrom<
      'leading-zero' | 'plus' | 'suffix' | 'fraction' | 'space' | 'huge' | 'negative'
    >('leading-zero', 'plus', 'suffix', 'fraction', 'space', 'huge', 'negative'),
  }),
  fc.record({ kind: fc.constant('truncate-sig' as const), n: fc.integer({ min: 1, max: 44 }) }),
  fc.record({ kind: fc.constant('flip-sig' as const), index: fc.nat() }),
  fc.record({
    kind: fc.constant('space' as const),
    where: fc.constantFrom<'leading' | 'trailing' | 'double' | 'after-comma'>(
      'leading',
      'trailing',
      'double',
      'after-comma',
    ),
  }),
  fc.record({
    kind: fc.constant('extra-entry' as const),
    entry: fc.oneof(
      v1Entry,
      base64Of(64).map((b) => `v1a,${b}`),
      fc.constantFrom('v2,abcd', 'v1,!!!', 'v1a,', 'v1,'),
      fc.constantFrom('junk', ',x', 'v1'),
    ),
    first: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('rename-version' as const),
    to: fc.constantFrom('v1a', 'v2', 'V1', '', 'v0'),
  }),
  fc.record({ kind: fc.constant('extra-field' as const), text: fc.constantFrom(',x', ',', ',v1') }),
  fc.record({ kind: fc.constant('comma-separated' as const), entry: v1Entry }),
  fc.record({
    kind: fc.constant('many-entries' as const),
    entries: fc.array(v1Entry, { minLength: 14, maxLength: 18 }),
  }),
  fc.record({ kind: fc.constant('move' as const), field }),
  fc.record({ kind: fc.constant('stale-other-set' as const), signature: v1Entry }),
)

function formatTimestamp(
  value: string,
  form: Extract<Mutation, { kind: 'timestamp-format' }>['form'],
): string {
  switch (form) {
    case 'leading-zero':
      return `0${value}`
    case 'plus':
      return `+${value}`
    case 'suffix':
      return `${value}abc`
    case 'fraction':
      return `${value}.0`
    case 'space':
      return ` ${value}`
    case 'huge':
      return `${value}0000`
    case 'negative':
      return `-${value}`
  }
}

const titleCase = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())

/** Applies a mutation to the sender's header set (prefix `prefix`; `other` is the alternative prefix). */
export function mutate(headers: Headers, m: Mutation, prefix: string, other: string): Headers {
  const out: Headers = { ...headers }
  const name = (f: Field) => Object.keys(out).find((k) => k.toLowerCase() === `${prefix}-${f}`)
  const get = (f: Field) => {
    const k = name(f)
    return k === undefined ? undefined : out[k]
  }
  const set = (f: Field, value: string) => {
    out[name(f) ?? `${prefix}-${f}`] = value
  }
  const sig = get('signature')
  // The first entry's signature part, for the mutations that damage the signature itself.
  const setFirstSig = (change: (s: string) => string) => {
    if (sig === undefined) return
    const [first = '', ...rest] = sig.split(' ')
    const comma = first.indexOf(',')
    set(
      'signature',
      [
        comma === -1 ? change(first) : first.slice(0, comma + 1) + change(first.slice(comma + 1)),
        ...rest,
      ].join(' '),
    )
  }
  switch (m.kind) {
    case 'drop': {
      const k = name(m.field)
      if (k !== undefined) delete out[k]
      break
    }
    case 'empty':
      if (get(m.field) !== undefined) set(m.field, '')
      break
    case 'change-id': {
      const id = get('id')
      if (id !== undefined) set('id', `${id}x`)
      break
    }
    case 'timestamp-format': {
      const t = get('timestamp')
      if (t !== undefined) set('timestamp', formatTimestamp(t, m.form))
      break
    }
    case 'truncate-sig':
      setFirstSig((s) => s.slice(0, Math.max(0, s.length - m.n)))
      break
    case 'flip-sig':
      setFirstSig((s) => flipChar(s, m.index))
      break
    case 'upper-sig':
      setFirstSig((s) => s.toUpperCase())
      break
    case 'space':
      if (sig === undefined) break
      if (m.where === 'leading') set('signature', ` ${sig}`)
      if (m.where === 'trailing') set('signature', `${sig} `)
      if (m.where === 'double') set('signature', `${sig}  v1,${'A'.repeat(43)}=`)
      if (m.where === 'after-comma') set('signature', sig.replace(',', ', '))
      break
    case 'extra-entry':
      if (sig !== undefined) set('signature', m.first ? `${m.entry} ${sig}` : `${sig} ${m.entry}`)
      break
    case 'rename-version':
      if (sig !== undefined) set('signature', m.to + sig.slice(sig.indexOf(',')))
      break
    case 'extra-field':
      setFirstSig((s) => s + m.text)
      break
    case 'comma-separated':
      if (sig !== undefined) set('signature', `${sig},${m.entry}`)
      break
    case 'many-entries':
      if (sig !== undefined) set('signature', [sig, ...m.entries].join(' '))
      break
    case 'long-header':
      if (sig !== undefined) set('signature', sig + ' '.repeat(8200))
      break
    case 'title-case-names':
      for (const key of Object.keys(out)) {
        const value = out[key]!
        delete out[key]
        out[titleCase(key)] = value
      }
      break
    case 'move': {
      const k = name(m.field)
      if (k === undefined) break
      const value = out[k]!
      delete out[k]
      out[`${other}-${m.field}`] = value
      break
    }
    case 'stale-other-set': {
      const id = get('id') ?? 'msg_stale'
      const t = Number(get('timestamp') ?? '0')
      out[`${other}-id`] = `${id}_stale`
      out[`${other}-timestamp`] = String(Number.isFinite(t) ? t - 1 : 0)
      out[`${other}-signature`] = m.signature
      break
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Deviation classes: computed from the header triple Hookgate reads
// ---------------------------------------------------------------------------------------------

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Classes where Hookgate rejects a header set the SDK may accept (docs/deviations.md). */
export function deviations(selection: Selection): string[] {
  const found = new Set<string>()
  const signature = selection.signature
  if (signature !== undefined && signature.trim() !== '') {
    if (signature.length > 8192) found.add('header_too_long')
    let count = 0
    for (const entry of signature.split(' ')) {
      if (entry === '') continue
      const comma = entry.indexOf(',')
      if (comma <= 0) {
        found.add('entry_without_version')
        continue
      }
      const version = entry.slice(0, comma)
      if (version !== 'v1' && version !== 'v1a') continue
      count += 1
      const value = entry.slice(comma + 1)
      if (value === '' || !BASE64.test(value)) found.add('malformed_signature_entry')
    }
    if (count > 16) found.add('too_many_signatures')
  }
  const t = selection.timestamp
  if (t !== undefined && t !== '' && !/^\d{1,12}$/.test(t)) found.add('lenient_timestamp')
  return [...found]
}

/** The header set reduced to the triple Hookgate reads, under the first prefix. */
function narrow(headers: Headers, prefixes: readonly string[]): Headers {
  const selection = ourSelection(headers, prefixes)
  const out: Headers = {}
  if (selection.id !== undefined) out[`${prefixes[0]}-id`] = selection.id
  if (selection.timestamp !== undefined) out[`${prefixes[0]}-timestamp`] = selection.timestamp
  if (selection.signature !== undefined) out[`${prefixes[0]}-signature`] = selection.signature
  return out
}

const sameSelection = (a: Selection, b: Selection) =>
  a.id === b.id && a.timestamp === b.timestamp && a.signature === b.signature

/** Secrets in every accepted form: `whsec_<base64>`, bare base64, raw key bytes. */
const secret: fc.Arbitrary<Secret> = fc
  .uint8Array({ minLength: 1, maxLength: 64 })
  .chain((key) =>
    fc.constantFrom<Secret>(
      `whsec_${Buffer.from(key).toString('base64')}`,
      Buffer.from(key).toString('base64'),
      new Uint8Array(key),
    ),
  )

const msgId = fc.oneof(
  fc.stringMatching(/^msg_[A-Za-z0-9]{8,27}$/),
  fc
    .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 })
    .filter((s) => s.trim() === s && s.length > 0),
)

/**
 * The differential property. For UTF-8 bodies Hookgate must decide exactly as the SDK, except the classes
 * from {@link deviations} (Hookgate rejects) and, for svix, header sets where the SDK reads a different
 * triple than Hookgate (`mixed_header_sets`: Hookgate must then equal the SDK given Hookgate's triple).
 * Non-UTF-8 bodies are paired as in the GitHub test (`non_utf8_body`).
 */
export function runDifferential(
  flavour: Flavour,
  prefixes: readonly string[],
  numRuns: number,
): Tally {
  const tally = new Tally()
  const other = flavour.prefix === 'svix' ? 'webhook' : 'svix'
  fc.assert(
    fc.property(
      fc.record({
        secret,
        wrongSecret: rarely(secret),
        id: msgId,
        body: byteBody(),
        now: nowMs,
        offset: fc.oneof(
          { weight: 3, arbitrary: clockOffset(300) },
          { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
        ),
        mutations: mutations(mutation),
        tamper: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      }),
      (c) => {
        const timestamp = Math.floor(c.now / 1000) + c.offset
        const signingSecret = c.wrongSecret ?? c.secret
        const body = c.tamper ? new Uint8Array([...c.body, 0x20]) : c.body
        const apply = (headers: Headers) =>
          c.mutations.reduce((h, m) => mutate(h, m, flavour.prefix, other), headers)
        const sdkSigned = apply(sdkHeaders(flavour, signingSecret, c.body, c.id, timestamp))
        const ourSigned = apply(ourHeaders(flavour, signingSecret, c.body, c.id, timestamp))
        const utf8Body = isUtf8(c.body)
        // Signing is deterministic: "what we sign, the SDK verifies" holds on every UTF-8 case.
        if (utf8Body) expect(ourSigned).toEqual(sdkSigned)
        const ours = verifyOurs(flavour, c.secret, ourSigned, body, c.now)
        const sdk = sdkVerifies(flavour, c.secret, sdkSigned, Buffer.from(body), c.now)
        const selection = ourSelection(ourSigned, prefixes)
        const classes = deviations(selection)
        const label = utf8Body ? '' : 'non_utf8_body+'
        if (classes.length > 0) {
          for (const name of classes) tally.add(`${label}${name}${sdk ? ':sdk_accepts' : ''}`)
          expect({ classes, ourSigned, reason: outcome(ours) }).not.toMatchObject({ reason: 'ok' })
          return
        }
        let expected = sdk
        if (!sameSelection(selection, flavour.sdkSelection(ourSigned))) {
          // mixed_header_sets: Hookgate reads one coherent header set; the svix SDK picks each header
          // separately. Hookgate must then decide as the SDK does when given only the triple Hookgate reads.
          expected = sdkVerifies(
            flavour,
            c.secret,
            narrow(sdkSigned, prefixes),
            Buffer.from(body),
            c.now,
          )
          tally.add(`${label}mixed_header_sets${sdk && !expected ? ':sdk_accepts' : ''}`)
        }
        if (!utf8Body) {
          // non_utf8_body: the SDK hashes `payload.toString()` (U+FFFD for invalid sequences). Paired: Hookgate on
          // the bytes with a mutated signature over the bytes decides as the SDK on its own signature over that text.
          tally.add(expected ? 'non_utf8_body:paired_accepts' : 'non_utf8_body:paired_rejects')
          expect(verifyOurs(flavour, c.secret, sdkSigned, body, c.now).ok).toBe(false)
          expect(sdkVerifies(flavour, c.secret, ourSigned, Buffer.from(body), c.now)).toBe(false)
        } else {
          tally.add(expected ? 'sdk_accepts' : 'sdk_rejects')
        }
        expect({ ourSigned, reason: outcome(ours), ours: ours.ok }).toMatchObject({
          ours: expected,
        })
      },
    ),
    fcParams(numRuns),
  )
  return tally
}
