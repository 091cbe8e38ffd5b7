/**
 * Slack preset vs the official `@slack/bolt` 5: verifySlackRequest / isValidSlackRequest verify (clock:
 * `nowMilliseconds`). Bolt has no signer, so "the SDK signs" uses node:crypto exactly as Slack's docs
 * describe (`v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`), checked against the docs' worked example.
 * Bolt's HTTPReceiver hands verifySlackRequest `Number(<X-Slack-Request-Timestamp>)`; the harness does the same.
 * Intentional deviations are listed in docs/deviations.md and each has a named test below.
 */
import { Buffer } from 'node:buffer'
import { createHmac } from 'node:crypto'
import { isValidSlackRequest, verifySlackRequest } from '@slack/bolt'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { providers, safeVerifyWebhook, signWebhook, type VerifyResult } from '@hookgate/verify'
import {
  clockOffset,
  fcParams,
  flipChar,
  lowerHex,
  mutations,
  nowMs,
  outcome,
  rarely,
  Tally,
  textBody,
  textSecret,
  utf8,
} from './_support.ts'

// https://api.slack.com/authentication/verifying-requests-from-slack (worked example)
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5'
const DOC_TIMESTAMP = '1531420618'
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c'
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503'
const DOC_NOW_MS = Number(DOC_TIMESTAMP) * 1000 + 42_000

/** Slack's signer, per its docs. */
function slackSign(secret: string, timestamp: string, body: string | Uint8Array): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`
}

function headersOf(
  signature: string | undefined,
  timestamp: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {}
  if (signature !== undefined) headers['x-slack-signature'] = signature
  if (timestamp !== undefined) headers['x-slack-request-timestamp'] = timestamp
  return headers
}

function verifyOurs(
  secret: string,
  signature: string | undefined,
  timestamp: string | undefined,
  body: string | Uint8Array,
  now: number,
): VerifyResult {
  return safeVerifyWebhook(
    providers.slack({ secrets: secret }),
    {
      method: 'POST',
      url: 'https://hooks.example.com/slack',
      headers: headersOf(signature, timestamp),
      rawBody: body,
    },
    { now: new Date(now) },
  )
}

/** Bolt's HTTPReceiver: a missing header throws before verification; the timestamp goes through Number(). */
function boltAccepts(
  secret: string,
  signature: string | undefined,
  timestamp: string | undefined,
  body: string,
  now: number,
): boolean {
  if (signature === undefined || timestamp === undefined) return false
  return isValidSlackRequest({
    signingSecret: secret,
    body,
    headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) },
    nowMilliseconds: now,
  })
}

describe('slack: Slack-signed requests (docs scheme), Hookgate and Bolt verify', () => {
  it("the worked example from Slack's docs", () => {
    expect(slackSign(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).toBe(DOC_SIGNATURE)
    expect(boltAccepts(DOC_SECRET, DOC_SIGNATURE, DOC_TIMESTAMP, DOC_BODY, DOC_NOW_MS)).toBe(true)
    const result = verifyOurs(DOC_SECRET, DOC_SIGNATURE, DOC_TIMESTAMP, DOC_BODY, DOC_NOW_MS)
    expect(outcome(result)).toBe('ok')
    if (result.ok) expect(result.eventType).toBe('/webhook-collect')
  })

  it('an Events API JSON body with unicode: id and inner event type', () => {
    const body = JSON.stringify({
      type: 'event_callback',
      event_id: 'Ev08ABCDEF',
      event: { type: 'message', text: 'héllo 👋 <@U1>' },
    })
    const ts = String(Math.floor(DOC_NOW_MS / 1000))
    const signature = slackSign(DOC_SECRET, ts, body)
    expect(boltAccepts(DOC_SECRET, signature, ts, body, DOC_NOW_MS)).toBe(true)
    const result = verifyOurs(DOC_SECRET, signature, ts, body, DOC_NOW_MS)
    expect(outcome(result)).toBe('ok')
    if (!result.ok) return
    expect(result.id).toBe('Ev08ABCDEF')
    expect(result.eventType).toBe('message')
  })

  it('agrees on the stale boundary (older than 300 s)', () => {
    for (const age of [299, 300, 301]) {
      const ts = String(Math.floor(DOC_NOW_MS / 1000) - age)
      const signature = slackSign(DOC_SECRET, ts, DOC_BODY)
      const bolt = boltAccepts(DOC_SECRET, signature, ts, DOC_BODY, DOC_NOW_MS)
      expect({
        age,
        bolt,
        ours: verifyOurs(DOC_SECRET, signature, ts, DOC_BODY, DOC_NOW_MS).ok,
      }).toEqual({ age, bolt: age <= 300, ours: age <= 300 })
    }
  })
})

describe('slack: Hookgate signs, Bolt verifies', () => {
  it('verifySlackRequest accepts signWebhook output', () => {
    const body = 'payload=%7B%22type%22%3A%22block_actions%22%7D&x=%E2%9C%93'
    const headers = signWebhook(providers.slack({ secrets: DOC_SECRET }), {
      body,
      timestamp: new Date(DOC_NOW_MS - 3000),
    })
    expect(() =>
      verifySlackRequest({
        signingSecret: DOC_SECRET,
        body,
        headers: {
          'x-slack-signature': headers['X-Slack-Signature']!,
          'x-slack-request-timestamp': Number(headers['X-Slack-Request-Timestamp']),
        },
        nowMilliseconds: DOC_NOW_MS,
      }),
    ).not.toThrow()
  })
})

// ---------------------------------------------------------------------------------------------
// Differential property
// ---------------------------------------------------------------------------------------------

type TForm =
  | 'leading-zero'
  | 'plus'
  | 'leading-space'
  | 'trailing-space'
  | 'fraction'
  | 'exponent'
  | 'hex'
  | 'suffix'
  | 'huge'
  | 'negative'
  | 'empty'
type Mutation =
  | {
      kind:
        | 'drop-signature'
        | 'drop-timestamp'
        | 'empty-signature'
        | 'upper-sig'
        | 'upper-version'
        | 'long-header'
    }
  | { kind: 'truncate-sig'; n: number }
  | { kind: 'flip-sig'; index: number }
  | { kind: 'version'; to: string }
  | { kind: 'space'; where: 'leading' | 'trailing' | 'after-eq' }
  | { kind: 'sig-suffix'; suffix: string }
  | { kind: 'second-signature'; hex: string; separator: string }
  | { kind: 'timestamp'; form: TForm }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom<Mutation>(
    { kind: 'drop-signature' },
    { kind: 'drop-timestamp' },
    { kind: 'empty-signature' },
    { kind: 'upper-sig' },
    { kind: 'upper-version' },
    { kind: 'long-header' },
  ),
  fc.record({ kind: fc.constant('truncate-sig' as const), n: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('flip-sig' as const), index: fc.nat() }),
  fc.record({
    kind: fc.constant('version' as const),
    to: fc.constantFrom('v1', 'v00', '', 'sha256'),
  }),
  fc.record({
    kind: fc.constant('space' as const),
    where: fc.constantFrom<'leading' | 'trailing' | 'after-eq'>('leading', 'trailing', 'after-eq'),
  }),
  fc.record({
    kind: fc.constant('sig-suffix' as const),
    suffix: fc.constantFrom('=junk', '=', '=v0'),
  }),
  fc.record({
    kind: fc.constant('second-signature' as const),
    hex: lowerHex(32),
    separator: fc.constantFrom(',', ' '),
  }),
  fc.record({
    kind: fc.constant('timestamp' as const),
    form: fc.constantFrom<TForm>(
      'leading-zero',
      'plus',
      'leading-space',
      'trailing-space',
      'fraction',
      'exponent',
      'hex',
      'suffix',
      'huge',
      'negative',
      'empty',
    ),
  }),
)

interface Sent {
  signature: string | undefined
  timestamp: string | undefined
}

function formatTimestamp(t: string, form: TForm): string {
  switch (form) {
    case 'leading-zero':
      return `0${t}`
    case 'plus':
      return `+${t}`
    case 'leading-space':
      return ` ${t}`
    case 'trailing-space':
      return `${t} `
    case 'fraction':
      return `${t}.0`
    case 'exponent':
      return `${Number(t) / 1e9}e9`
    case 'hex':
      return `0x${Number(t).toString(16)}`
    case 'suffix':
      return `${t}abc`
    case 'huge':
      return `${t}000`
    case 'negative':
      return `-${t}`
    case 'empty':
      return ''
  }
}

function mutate(sent: Sent, m: Mutation): Sent {
  const { signature, timestamp } = sent
  if (m.kind === 'drop-timestamp') return { signature, timestamp: undefined }
  if (m.kind === 'timestamp')
    return {
      signature,
      timestamp: timestamp === undefined ? undefined : formatTimestamp(timestamp, m.form),
    }
  if (signature === undefined) return sent
  const eq = signature.indexOf('=')
  const version = eq === -1 ? '' : signature.slice(0, eq)
  const hex = signature.slice(eq + 1)
  const withSig = (value: string) => ({ signature: value, timestamp })
  switch (m.kind) {
    case 'drop-signature':
      return { signature: undefined, timestamp }
    case 'empty-signature':
      return withSig('')
    case 'upper-sig':
      return withSig(`${version}=${hex.toUpperCase()}`)
    case 'upper-version':
      return withSig(`${version.toUpperCase()}=${hex}`)
    case 'long-header':
      return withSig(signature + ' '.repeat(8200))
    case 'truncate-sig':
      return withSig(`${version}=${hex.slice(0, Math.max(0, hex.length - m.n))}`)
    case 'flip-sig':
      return withSig(`${version}=${flipChar(hex, m.index)}`)
    case 'version':
      return withSig(`${m.to}=${hex}`)
    case 'space':
      if (m.where === 'leading') return withSig(` ${signature}`)
      if (m.where === 'trailing') return withSig(`${signature} `)
      return withSig(`${version}= ${hex}`)
    case 'sig-suffix':
      return withSig(signature + m.suffix)
    case 'second-signature':
      return withSig(`${signature}${m.separator}v0=${m.hex}`)
  }
}

/** Classes where Hookgate rejects a request Bolt may accept (docs/deviations.md). */
function deviations(sent: Sent, nowSeconds: number): string[] {
  const found: string[] = []
  const { signature, timestamp } = sent
  if (signature !== undefined && signature.length > 8192) found.push('header_too_long')
  if (
    signature !== undefined &&
    signature.startsWith('v0=') &&
    !/^(?:[0-9a-f]{2})+$/.test(signature.slice(3))
  )
    found.push('signature_value_not_hex')
  if (timestamp !== undefined && timestamp !== '') {
    if (!/^\d{1,12}$/.test(timestamp)) found.push('lenient_timestamp')
    else if (Number(timestamp) - nowSeconds > 300) found.push('future_timestamp')
  }
  return found
}

describe('slack: differential against @slack/bolt', () => {
  it('accepts and rejects exactly what isValidSlackRequest does, except the documented deviations', () => {
    const tally = new Tally()
    fc.assert(
      fc.property(
        fc.record({
          secret: textSecret,
          wrongSecret: rarely(textSecret),
          body: textBody(),
          now: nowMs,
          offset: fc.oneof(
            { weight: 3, arbitrary: clockOffset(300) },
            { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
          ),
          mutations: mutations(mutation),
          tamper: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
        }),
        (c) => {
          const nowSeconds = Math.floor(c.now / 1000)
          const timestamp = String(nowSeconds + c.offset)
          const signingSecret = c.wrongSecret ?? c.secret
          const slackSigned = slackSign(signingSecret, timestamp, c.body)
          const ours = signWebhook(providers.slack({ secrets: signingSecret }), {
            body: c.body,
            timestamp: new Date(Number(timestamp) * 1000),
          })
          // Signing is deterministic: "what we sign, Bolt verifies" holds on every case.
          expect(ours).toEqual({
            'X-Slack-Signature': slackSigned,
            'X-Slack-Request-Timestamp': timestamp,
          })
          const sent = c.mutations.reduce(mutate, { signature: slackSigned, timestamp })
          const body = c.tamper ? `${c.body}&` : c.body
          const bolt = boltAccepts(c.secret, sent.signature, sent.timestamp, body, c.now)
          const result = verifyOurs(c.secret, sent.signature, sent.timestamp, utf8(body), c.now)
          tally.add(bolt ? 'sdk_accepts' : 'sdk_rejects')
          const classes = deviations(sent, nowSeconds)
          if (classes.length > 0) {
            for (const name of classes) tally.add(bolt ? `${name}:sdk_accepts` : name)
            expect({ classes, sent, reason: outcome(result) }).not.toMatchObject({ reason: 'ok' })
            return
          }
          expect({ sent, reason: outcome(result), ours: result.ok }).toMatchObject({ ours: bolt })
        },
      ),
      fcParams(2000),
    )
    tally.expectSeen(
      'sdk_accepts',
      'sdk_rejects',
      'header_too_long',
      'signature_value_not_hex',
      'lenient_timestamp',
      'future_timestamp:sdk_accepts',
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Intentional deviations, one test each (docs/deviations.md)
// ---------------------------------------------------------------------------------------------

describe('slack: intentional deviations from @slack/bolt', () => {
  const nowSeconds = Math.floor(DOC_NOW_MS / 1000)
  const both = (
    signature: string | undefined,
    timestamp: string | undefined,
    body: string | Uint8Array = DOC_BODY,
  ) => ({
    bolt: boltAccepts(
      DOC_SECRET,
      signature,
      timestamp,
      typeof body === 'string' ? body : Buffer.from(body).toString(),
      DOC_NOW_MS,
    ),
    hookgate: outcome(verifyOurs(DOC_SECRET, signature, timestamp, body, DOC_NOW_MS)),
  })

  it('future_timestamp: more than 300 s ahead passes Bolt (it only rejects stale requests) and fails here', () => {
    const ahead = String(nowSeconds + 301)
    expect(both(slackSign(DOC_SECRET, ahead, DOC_BODY), ahead)).toEqual({
      bolt: true,
      hookgate: 'timestamp_in_future',
    })
    const edge = String(nowSeconds + 300)
    expect(both(slackSign(DOC_SECRET, edge, DOC_BODY), edge)).toEqual({
      bolt: true,
      hookgate: 'ok',
    })
  })

  it('lenient_timestamp: X-Slack-Request-Timestamp must be digits only; Bolt\'s Number() takes " 1531420618", "1531420618.0", "0x5b47…"', () => {
    const signature = slackSign(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)
    for (const ts of [
      ` ${DOC_TIMESTAMP}`,
      `${DOC_TIMESTAMP}.0`,
      `0x${Number(DOC_TIMESTAMP).toString(16)}`,
      `+${DOC_TIMESTAMP}`,
    ]) {
      expect({ ts, ...both(signature, ts) }).toEqual({
        ts,
        bolt: true,
        hookgate: 'malformed_signature',
      })
    }
  })

  it('signature_value_not_hex: "v0=<hex>=junk" is refused; Bolt\'s split(\'=\') reads only the part before the second "="', () => {
    expect(both(`${DOC_SIGNATURE}=junk`, DOC_TIMESTAMP)).toEqual({
      bolt: true,
      hookgate: 'malformed_signature',
    })
  })

  it('header_too_long: an X-Slack-Signature header over 8192 characters is refused before any HMAC', () => {
    expect(both(`${DOC_SIGNATURE}=${'x'.repeat(8200)}`, DOC_TIMESTAMP)).toEqual({
      bolt: true,
      hookgate: 'malformed_signature',
    })
  })

  it('non_utf8_body: the signature covers the bytes; Bolt verifies rawBody.toString() (U+FFFD)', () => {
    const raw = new Uint8Array([0x74, 0x65, 0x78, 0x74, 0x3d, 0xe9]) // "text=" + a latin-1 é
    expect(both(slackSign(DOC_SECRET, DOC_TIMESTAMP, raw), DOC_TIMESTAMP, raw)).toEqual({
      bolt: false,
      hookgate: 'ok',
    })
    const overText = slackSign(DOC_SECRET, DOC_TIMESTAMP, Buffer.from(raw).toString())
    expect(both(overText, DOC_TIMESTAMP, raw)).toEqual({
      bolt: true,
      hookgate: 'signature_mismatch',
    })
  })
})
