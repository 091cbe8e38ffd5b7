/**
 * diagnose(): for every mistake of issue 9 §2, a request signed by the provider's own signer (the official SDK where
 * one is installed: stripe, @octokit/webhooks-methods, svix, standardwebhooks, twilio, with @slack/bolt checking
 * the Slack signer; else the provider's documented algorithm on node:crypto) is verified with the mistake made, and
 * the hint is asserted. Then the laws: diagnose never reports success for a request that does not verify, reports
 * nothing for one that does, stays within its budget and never prints a secret or a signature.
 */
import { Buffer } from 'node:buffer'
import { createHmac } from 'node:crypto'
import { sign as octokitSign } from '@octokit/webhooks-methods'
import { isValidSlackRequest } from '@slack/bolt'
import fc from 'fast-check'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { Webhook as SvixWebhook } from 'svix'
import twilio from 'twilio'
import { describe, expect, it } from 'vitest'
import {
  diagnose,
  DIAGNOSIS_CODES,
  MAX_DIAGNOSIS_ATTEMPTS,
  providers,
  safeVerifyWebhook,
  signWebhook,
  type ConfiguredPreset,
  type Diagnosis,
  type DiagnosisCode,
  type WebhookRequest,
} from '@hookgate/verify'
import { fcParams } from './sdk/_support.ts'

const T = 1_764_000_000
const NOW = new Date(T * 1000)
const EVENT = {
  id: 'evt_1Q',
  object: 'event',
  type: 'invoice.paid',
  data: { object: { note: 'café ☕ 😀', url: 'https://ex.com/a' } },
}
const COMPACT = JSON.stringify(EVENT)

const STRIPE_SECRET = 'whsec_diagnoseStripeSecret4242'
const GITHUB_SECRET = 'gh-diagnose-secret-9f3a'
const SW_KEY = Buffer.from('standard-webhooks diagnose key!')
const SW_SECRET = `whsec_${SW_KEY.toString('base64')}`
const TWILIO_TOKEN = 'twilio-auth-token-0123456789abcdef'
const TRELLO_SECRET = 'trello-app-secret-77aa00ff'
const TRELLO_API_TOKEN = 'ATTA-trello-api-token-1234'
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5'

/** Every secret and signature used below: no diagnosis message may contain one. */
const SENSITIVE = new Set<string>([
  STRIPE_SECRET,
  GITHUB_SECRET,
  SW_SECRET,
  SW_KEY.toString('base64'),
  TWILIO_TOKEN,
  TRELLO_SECRET,
  TRELLO_API_TOKEN,
  SLACK_SECRET,
])

function stripeHeader(payload: string, secret: string, timestamp: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp })
}

/** Diagnoses and checks the invariants every diagnosis keeps; returns the codes found. */
function diagnosed(
  preset: ConfiguredPreset,
  request: WebhookRequest,
  options: Parameters<typeof diagnose>[2] = { now: NOW },
): Diagnosis {
  expect(
    safeVerifyWebhook(
      preset,
      request,
      options?.now === undefined ? undefined : { now: options.now },
    ).ok,
  ).toBe(false)
  const result = diagnose(preset, request, options)
  expect(result).not.toHaveProperty('ok')
  expect(result.reason).toBeDefined()
  expect(result.attempts).toBeLessThanOrEqual(MAX_DIAGNOSIS_ATTEMPTS)
  for (const finding of result.findings) {
    expect(DIAGNOSIS_CODES).toContain(finding.code)
    for (const secret of SENSITIVE) expect(finding.message).not.toContain(secret)
    for (const value of Object.values(headerRecord(request.headers))) {
      // Signature values (and any long header value) never appear.
      for (const part of String(value).split(/[,= ]/))
        if (part.length >= 16) expect(finding.message).not.toContain(part)
    }
  }
  return result
}

function headerRecord(headers: WebhookRequest['headers']): Record<string, unknown> {
  if (!(headers instanceof Headers)) return headers
  const out: Record<string, unknown> = {}
  headers.forEach((value, name) => {
    out[name] = value
  })
  return out
}

function codes(result: Diagnosis): DiagnosisCode[] {
  return result.findings.map((finding) => finding.code)
}

function message(result: Diagnosis, code: DiagnosisCode): string {
  const found = result.findings.find((finding) => finding.code === code)
  expect(found, `no ${code} in ${JSON.stringify(result.findings)}`).toBeDefined()
  return found?.message ?? ''
}

const stripeRequest = (body: string, header: string): WebhookRequest => ({
  method: 'POST',
  url: 'https://hooks.example.com/stripe',
  headers: { 'stripe-signature': header },
  rawBody: body,
})

describe('diagnose: the secret', () => {
  it('secret_base64_decoded: the standardwebhooks SDK base64-decodes a secret Polar uses as text', () => {
    const secret = `polar_whs_${Buffer.from('polar text secret').toString('base64')}`
    // The sender (a Standard Webhooks library) decodes the base64 after the prefix; Polar's preset keys with the text.
    const sdk = new StandardWebhook(Buffer.from('polar text secret').toString('base64'))
    const signature = sdk.sign('msg_1', new Date(T * 1000), COMPACT)
    const preset = providers.polar({ secrets: Buffer.from('polar text secret').toString('base64') })
    const result = diagnosed(preset, {
      method: 'POST',
      headers: {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(T),
        'webhook-signature': signature,
      },
      rawBody: COMPACT,
    })
    expect(codes(result)).toEqual(['secret_base64_decoded'])
    expect(message(result, 'secret_base64_decoded')).toMatch(/Polar uses the secret text itself/)
    expect(result.findings[0]?.message).not.toContain(secret)
  })

  it('secret_not_decoded: the svix SDK keyed with the whsec_ text (format raw), where Standard Webhooks decodes base64', () => {
    const sdk = new SvixWebhook(SW_SECRET, { format: 'raw' })
    const signature = sdk.sign('msg_2', new Date(T * 1000), COMPACT)
    const result = diagnosed(providers.svix({ secrets: SW_SECRET }), {
      headers: { 'svix-id': 'msg_2', 'svix-timestamp': String(T), 'svix-signature': signature },
      rawBody: COMPACT,
    })
    expect(codes(result)).toEqual(['secret_not_decoded'])
    expect(message(result, 'secret_not_decoded')).toMatch(/not decoded.*base64-decodes/)
  })

  it('secret_whsec_prefix: the Stripe SDK signs with whsec_…, the preset was given the secret without its prefix', () => {
    const header = stripeHeader(COMPACT, STRIPE_SECRET, T)
    const result = diagnosed(
      providers.stripe({ secrets: STRIPE_SECRET.slice('whsec_'.length) }),
      stripeRequest(COMPACT, header),
    )
    expect(codes(result)).toEqual(['secret_whsec_prefix'])
    expect(message(result, 'secret_whsec_prefix')).toMatch(/whsec_ included/)
  })

  it('secret_whsec_prefix: the sender stripped whsec_ from a Stripe secret', () => {
    const header = stripeHeader(COMPACT, STRIPE_SECRET.slice('whsec_'.length), T)
    const result = diagnosed(
      providers.stripe({ secrets: STRIPE_SECRET }),
      stripeRequest(COMPACT, header),
    )
    expect(codes(result)).toEqual(['secret_whsec_prefix'])
    expect(message(result, 'secret_whsec_prefix')).toMatch(/without its whsec_ prefix/)
  })

  it('secret_hex_decoded: a hex secret used as bytes by the sender (node:crypto), GitHub keys with the text', () => {
    const secret = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
    const signature = `sha256=${createHmac('sha256', Buffer.from(secret, 'hex')).update(COMPACT).digest('hex')}`
    const result = diagnosed(providers.github({ secrets: secret }), {
      headers: { 'x-hub-signature-256': signature },
      rawBody: COMPACT,
    })
    expect(codes(result)).toEqual(['secret_hex_decoded'])
  })

  it('candidate_secret: Trello verified with the API token; the app secret given as a candidate matches, named by label and index', () => {
    const callbackUrl = 'https://hooks.example.com/trello'
    // Trello's documented scheme: base64 HMAC-SHA1 of body + callbackURL, keyed with the application's secret.
    const signature = createHmac('sha1', TRELLO_SECRET)
      .update(COMPACT + callbackUrl)
      .digest('base64')
    const preset = providers.trello({ secrets: TRELLO_API_TOKEN, callbackUrl })
    const request = {
      headers: { 'x-trello-webhook': signature },
      rawBody: COMPACT,
      url: callbackUrl,
    }
    const labelled = diagnosed(preset, request, {
      now: NOW,
      candidateSecrets: ['not-it-either', { label: 'app secret', secret: TRELLO_SECRET }],
    })
    expect(codes(labelled)).toEqual(['candidate_secret'])
    expect(message(labelled, 'candidate_secret')).toMatch(/candidate secret "app secret"/)
    const indexed = diagnosed(preset, request, {
      now: NOW,
      candidateSecrets: ['not-it-either', TRELLO_SECRET],
    })
    expect(message(indexed, 'candidate_secret')).toMatch(/candidate secret #2/)
    // The reverse: the sender signs with the API token, the app secret is configured.
    const tokenSigned = createHmac('sha1', TRELLO_API_TOKEN)
      .update(COMPACT + callbackUrl)
      .digest('base64')
    const reverse = diagnosed(
      providers.trello({ secrets: TRELLO_SECRET, callbackUrl }),
      { ...request, headers: { 'x-trello-webhook': tokenSigned } },
      { candidateSecrets: [{ label: 'API token', secret: TRELLO_API_TOKEN }] },
    )
    expect(message(reverse, 'candidate_secret')).toMatch(
      /"API token".*API token or key, the sender/,
    )
  })
})

describe('diagnose: the body', () => {
  const octokitRequest = async (
    signedBody: string,
    receivedBody: string,
  ): Promise<WebhookRequest> => ({
    headers: { 'x-hub-signature-256': await octokitSign(GITHUB_SECRET, signedBody) },
    rawBody: receivedBody,
  })

  it.each([
    ['pretty-printed (what a framework logs)', JSON.stringify(EVENT, null, 2), /compact JSON/],
    [
      "Python's json.dumps (the Flask user's request.json)",
      JSON.stringify(EVENT)
        .replaceAll('":', '": ')
        .replaceAll(',"', ', "')
        .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
      /compact JSON/,
    ],
    [
      'non-ASCII escaped',
      COMPACT.replace(
        /[\u0080-\uffff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      ),
      /escapes decoded to raw characters|compact JSON/,
    ],
    ['slashes escaped (PHP)', COMPACT.replaceAll('/', '\\/'), /unescaped|compact JSON/],
  ])(
    'body_reserialized: octokit signs compact JSON, the verifier sees it %s',
    async (_what, received, form) => {
      const result = diagnosed(
        providers.github({ secrets: GITHUB_SECRET }),
        await octokitRequest(COMPACT, received),
      )
      expect(codes(result)).toContain('body_reserialized')
      expect(result.findings.map((f) => f.message).join('\n')).toMatch(form)
      expect(message(result, 'body_reserialized')).toMatch(/raw request body exactly as received/)
    },
  )

  it('body_reserialized: octokit signs keys sorted (a sort_keys sender), a parser re-orders them on the way', async () => {
    const sorted = JSON.stringify({
      data: EVENT.data,
      id: EVENT.id,
      object: EVENT.object,
      type: EVENT.type,
    })
    const result = diagnosed(
      providers.github({ secrets: GITHUB_SECRET }),
      await octokitRequest(sorted, COMPACT),
    )
    expect(codes(result)).toEqual(['body_reserialized'])
    expect(message(result, 'body_reserialized')).toMatch(/keys in a different order/)
  })

  it('body_reserialized: the Stripe SDK signs pretty JSON (as Stripe sends it), the verifier re-encodes it compact', () => {
    const pretty = JSON.stringify(EVENT, null, 2)
    const result = diagnosed(
      providers.stripe({ secrets: STRIPE_SECRET }),
      stripeRequest(COMPACT, stripeHeader(pretty, STRIPE_SECRET, T)),
    )
    expect(codes(result)).toEqual(['body_reserialized'])
    expect(message(result, 'body_reserialized')).toMatch(/pretty-printed JSON/)
  })

  it('body_reserialized: escaped unicode signed (Slack-style), raw unicode verified, layout kept', () => {
    const escaped = COMPACT.replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
    const timestamp = String(T)
    const signature = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${timestamp}:${escaped}`).digest('hex')}`
    expect(
      isValidSlackRequest({
        signingSecret: SLACK_SECRET,
        body: escaped,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': T },
        nowMilliseconds: T * 1000,
      }),
    ).toBe(true)
    const result = diagnosed(providers.slack({ secrets: SLACK_SECRET }), {
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
      rawBody: COMPACT,
    })
    expect(message(result, 'body_reserialized')).toMatch(/non-ASCII characters escaped/)
  })

  it('body_trailing_newline: added after signing, and removed after signing', async () => {
    const added = diagnosed(
      providers.github({ secrets: GITHUB_SECRET }),
      await octokitRequest(COMPACT, `${COMPACT}\n`),
    )
    expect(codes(added)).toEqual(['body_trailing_newline'])
    expect(message(added, 'body_trailing_newline')).toMatch(/without its trailing newline/)
    const removed = diagnosed(
      providers.github({ secrets: GITHUB_SECRET }),
      await octokitRequest(`${COMPACT}\n`, COMPACT),
    )
    expect(message(removed, 'body_trailing_newline')).toMatch(/with a trailing newline/)
  })

  it('body_line_endings: the svix SDK signs LF, the body arrives with CRLF', () => {
    const lf = JSON.stringify(EVENT, null, 2)
    const signature = new SvixWebhook(SW_SECRET).sign('msg_3', new Date(T * 1000), lf)
    const result = diagnosed(providers.svix({ secrets: SW_SECRET }), {
      headers: { 'svix-id': 'msg_3', 'svix-timestamp': String(T), 'svix-signature': signature },
      rawBody: lf.replaceAll('\n', '\r\n'),
    })
    expect(codes(result)).toContain('body_line_endings')
    expect(message(result, 'body_line_endings')).toMatch(/LF line endings/)
  })

  it('bodies over 256 KiB are not re-serialised', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(300 * 1024) })
    const result = diagnosed(
      providers.github({ secrets: GITHUB_SECRET }),
      await octokitRequest(big, JSON.stringify(JSON.parse(big), null, 2)),
    )
    expect(codes(result)).not.toContain('body_reserialized')
  })
})

describe('diagnose: the URL', () => {
  const params = { From: '+15550001111', Body: 'héllo' }
  const form = new URLSearchParams(params).toString()
  const twilioRequest = (signedUrl: string, url: string): WebhookRequest => ({
    method: 'POST',
    url,
    headers: {
      'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, signedUrl, params),
      'content-type': 'application/x-www-form-urlencoded',
    },
    rawBody: form,
  })
  const preset = providers.twilio({ secrets: TWILIO_TOKEN })

  it('url_scheme: Twilio signed https, a TLS-terminating proxy hands the app http', () => {
    const result = diagnosed(
      preset,
      twilioRequest('https://hooks.example.com/sms', 'http://hooks.example.com/sms'),
    )
    expect(codes(result)).toEqual(['url_scheme'])
    expect(message(result, 'url_scheme')).toMatch(/https where the URL verified is http.*publicUrl/)
  })

  it('url_scheme: a tunnel on http://…:3000 in front of what Twilio called as https', () => {
    const result = diagnosed(
      preset,
      twilioRequest('https://hooks.example.com/sms', 'http://hooks.example.com:3000/sms'),
    )
    expect(codes(result)).toContain('url_scheme')
  })

  it('twilio-node itself tries the URL with and without its port: no failure, nothing to diagnose', () => {
    const request = twilioRequest(
      'https://hooks.example.com/sms',
      'https://hooks.example.com:8443/sms',
    )
    expect(safeVerifyWebhook(preset, request).ok).toBe(true)
    expect(diagnose(preset, request).findings).toEqual([])
  })

  it('url_port: Square signs notificationUrl as registered; it was configured with the port the app listens on', () => {
    const registered = 'https://hooks.example.com/square'
    // Square's documented scheme: base64 HMAC-SHA256 of the notification URL + body, keyed with the signature key.
    const signature = createHmac('sha256', GITHUB_SECRET)
      .update(registered + COMPACT)
      .digest('base64')
    const square = providers.square({
      secrets: GITHUB_SECRET,
      notificationUrl: 'https://hooks.example.com:8443/square',
    } as never)
    const result = diagnosed(square, {
      url: registered,
      headers: { 'x-square-hmacsha256-signature': signature },
      rawBody: COMPACT,
    })
    expect(codes(result)).toContain('url_port')
    expect(message(result, 'url_port')).toMatch(/no port where `notificationUrl` has :8443/)
  })

  it('url_trailing_slash: Twilio signed /sms/, the app verifies /sms', () => {
    const result = diagnosed(
      preset,
      twilioRequest('https://hooks.example.com/sms/', 'https://hooks.example.com/sms'),
    )
    expect(codes(result)).toEqual(['url_trailing_slash'])
  })

  it('url_query: an extra query string in the URL verified', () => {
    const result = diagnosed(
      preset,
      twilioRequest('https://hooks.example.com/sms', 'https://hooks.example.com/sms?debug=1'),
    )
    expect(codes(result)).toEqual(['url_query'])
  })

  it('url_query: Trello signs the callback URL with its query; callbackUrl was configured without it', () => {
    const registered = 'https://hooks.example.com/trello?board=b1'
    const signature = createHmac('sha1', TRELLO_SECRET)
      .update(COMPACT + registered)
      .digest('base64')
    const result = diagnosed(
      providers.trello({ secrets: TRELLO_SECRET, callbackUrl: 'https://hooks.example.com/trello' }),
      { url: registered, headers: { 'x-trello-webhook': signature }, rawBody: COMPACT },
    )
    expect(codes(result)).toContain('url_query')
    expect(message(result, 'url_query')).toMatch(/`callbackUrl`/)
  })

  it('url_configured: callbackUrl names another host than the URL registered (and requested)', () => {
    const registered = 'https://hooks.example.com/trello'
    const signature = createHmac('sha1', TRELLO_SECRET)
      .update(COMPACT + registered)
      .digest('base64')
    const result = diagnosed(
      providers.trello({ secrets: TRELLO_SECRET, callbackUrl: 'https://old.example.net/cb' }),
      { url: registered, headers: { 'x-trello-webhook': signature }, rawBody: COMPACT },
    )
    expect(codes(result)).toEqual(['url_configured'])
  })
})

describe('diagnose: time', () => {
  it('timestamp_unit: the Stripe SDK given Date.now() (milliseconds) as the timestamp', () => {
    const header = stripeHeader(COMPACT, STRIPE_SECRET, T * 1000 + 123)
    const result = diagnosed(
      providers.stripe({ secrets: STRIPE_SECRET }),
      stripeRequest(COMPACT, header),
    )
    expect(result.reason).toBe('malformed_signature')
    expect(codes(result)).toEqual(['timestamp_unit'])
    expect(message(result, 'timestamp_unit')).toMatch(/milliseconds.*Unix seconds/)
  })

  it("timestamp_unit: the verifier's clock built from seconds (new Date(seconds))", () => {
    const header = stripeHeader(COMPACT, STRIPE_SECRET, T)
    const result = diagnosed(
      providers.stripe({ secrets: STRIPE_SECRET }),
      stripeRequest(COMPACT, header),
      { now: new Date(T) },
    )
    expect(codes(result)).toEqual(['timestamp_unit'])
    expect(message(result, 'timestamp_unit')).toMatch(/new Date\(seconds \* 1000\)/)
  })

  it('clock_skew: a Slack request (Bolt agrees it is signed) checked three hours later, and by how much', () => {
    const timestamp = String(T)
    const signature = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${timestamp}:${COMPACT}`).digest('hex')}`
    expect(
      isValidSlackRequest({
        signingSecret: SLACK_SECRET,
        body: COMPACT,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': T },
        nowMilliseconds: T * 1000,
      }),
    ).toBe(true)
    const request = {
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
      rawBody: COMPACT,
    }
    const late = diagnosed(providers.slack({ secrets: SLACK_SECRET }), request, {
      now: new Date((T + 3 * 3600 + 5) * 1000),
    })
    expect(late.reason).toBe('timestamp_too_old')
    expect(late.findings).toEqual([
      {
        code: 'clock_skew',
        skewSeconds: 10_805,
        message: expect.stringMatching(/10805 s, about 3 h 0 min before.*300 s window/),
      },
    ])
    const early = diagnosed(providers.slack({ secrets: SLACK_SECRET }), request, {
      now: new Date((T - 900) * 1000),
    })
    expect(early.findings).toEqual([
      {
        code: 'clock_skew',
        skewSeconds: -900,
        message: expect.stringMatching(/900 s, about 15 min after.*clock/),
      },
    ])
  })

  it('a stale request whose signature is also wrong gets the signature diagnosis, not clock_skew', async () => {
    const header = stripeHeader(JSON.stringify(EVENT, null, 2), STRIPE_SECRET, T)
    const result = diagnosed(
      providers.stripe({ secrets: STRIPE_SECRET }),
      stripeRequest(COMPACT, header),
      { now: new Date((T + 86_400) * 1000) },
    )
    expect(result.reason).toBe('timestamp_too_old')
    expect(codes(result)).toEqual(['body_reserialized'])
  })
})

describe('diagnose: what was signed and how it is encoded', () => {
  it('signed_content: a home-made Stripe signer that MACs the body alone', () => {
    const mac = createHmac('sha256', STRIPE_SECRET).update(COMPACT).digest('hex')
    const result = diagnosed(
      providers.stripe({ secrets: STRIPE_SECRET }),
      stripeRequest(COMPACT, `t=${T},v1=${mac}`),
    )
    expect(codes(result)).toEqual(['signed_content'])
    expect(message(result, 'signed_content')).toMatch(/over the body alone, but Stripe signs/)
  })

  it('signed_content: a Standard Webhooks sender that signs `timestamp.body` without the id', () => {
    const mac = createHmac('sha256', SW_KEY).update(`${T}.${COMPACT}`).digest('base64')
    const result = diagnosed(providers['standard-webhooks']({ secrets: SW_SECRET }), {
      headers: {
        'webhook-id': 'msg_4',
        'webhook-timestamp': String(T),
        'webhook-signature': `v1,${mac}`,
      },
      rawBody: COMPACT,
    })
    expect(codes(result)).toEqual(['signed_content'])
    expect(message(result, 'signed_content')).toMatch(/`timestamp\.body`/)
  })

  it("signature_encoding: octokit's hex signature sent as base64", async () => {
    const hex = (await octokitSign(GITHUB_SECRET, COMPACT)).slice('sha256='.length)
    const result = diagnosed(providers.github({ secrets: GITHUB_SECRET }), {
      headers: { 'x-hub-signature-256': `sha256=${Buffer.from(hex, 'hex').toString('base64')}` },
      rawBody: COMPACT,
    })
    expect(result.reason).toBe('malformed_signature')
    expect(codes(result)).toEqual(['signature_encoding'])
    expect(message(result, 'signature_encoding')).toMatch(/base64 where hex is expected/)
  })

  it("signature_encoding: the standardwebhooks SDK's base64 signature sent as hex", () => {
    const signature = new StandardWebhook(SW_SECRET).sign('msg_5', new Date(T * 1000), COMPACT)
    const hex = Buffer.from(signature.slice('v1,'.length), 'base64').toString('hex')
    const result = diagnosed(providers['standard-webhooks']({ secrets: SW_SECRET }), {
      headers: {
        'webhook-id': 'msg_5',
        'webhook-timestamp': String(T),
        'webhook-signature': `v1,${hex}`,
      },
      rawBody: COMPACT,
    })
    expect(codes(result)).toEqual(['signature_encoding'])
    expect(message(result, 'signature_encoding')).toMatch(/hex where base64 is expected/)
  })

  it("signature_encoding: Twilio's base64 signature sent as hex (a preset without a profile)", () => {
    const params = { Body: 'hi' }
    const b64 = twilio.getExpectedTwilioSignature(
      TWILIO_TOKEN,
      'https://hooks.example.com/sms',
      params,
    )
    const result = diagnosed(providers.twilio({ secrets: TWILIO_TOKEN }), {
      url: 'https://hooks.example.com/sms',
      headers: {
        'x-twilio-signature': Buffer.from(b64, 'base64').toString('hex'),
        'content-type': 'application/x-www-form-urlencoded',
      },
      rawBody: 'Body=hi',
    })
    expect(codes(result)).toEqual(['signature_encoding'])
  })

  it("signature_prefix: octokit's signature without sha256=", async () => {
    const signature = (await octokitSign(GITHUB_SECRET, COMPACT)).slice('sha256='.length)
    const result = diagnosed(providers.github({ secrets: GITHUB_SECRET }), {
      headers: { 'x-hub-signature-256': signature },
      rawBody: COMPACT,
    })
    expect(codes(result)).toEqual(['signature_prefix'])
  })
})

describe('diagnose: laws', () => {
  it('a request that verifies gets no findings and no reason', () => {
    const header = stripeHeader(COMPACT, STRIPE_SECRET, T)
    expect(
      diagnose(providers.stripe({ secrets: STRIPE_SECRET }), stripeRequest(COMPACT, header), {
        now: NOW,
      }),
    ).toEqual({ reason: undefined, findings: [], attempts: 1, exhausted: false })
  })

  it('nothing to say about a signature made with an unrelated secret', async () => {
    const result = diagnosed(providers.github({ secrets: GITHUB_SECRET }), {
      headers: { 'x-hub-signature-256': await octokitSign('unrelated', COMPACT) },
      rawBody: COMPACT,
    })
    expect(result).toMatchObject({ reason: 'signature_mismatch', findings: [] })
  })

  it('the budget holds with many candidates and configured secrets', () => {
    const candidates = Array.from({ length: 40 }, (_, i) => `candidate-secret-${i}`)
    const secrets = Array.from({ length: 10 }, (_, i) => `configured-secret-${i}`)
    const result = diagnose(
      providers.twilio({ secrets }),
      {
        url: 'https://h.example.com/x/?a=1',
        headers: { 'x-twilio-signature': 'AAAA', 'content-type': 'application/json' },
        rawBody: `${COMPACT}\r\n`,
      },
      { candidateSecrets: candidates },
    )
    expect(result.attempts).toBeLessThanOrEqual(MAX_DIAGNOSIS_ATTEMPTS)
    expect(result.findings).toEqual([])
  })

  type Case = { preset: ConfiguredPreset; request: WebhookRequest; secrets: string[] }
  const cases: Record<string, (body: string, secret: string) => Case> = {
    stripe: (body, secret) => ({
      preset: providers.stripe({ secrets: secret }),
      request: stripeRequest(body, stripeHeader(body, secret, T)),
      secrets: [secret],
    }),
    github: (body, secret) => {
      const preset = providers.github({ secrets: secret })
      return {
        preset,
        request: { headers: signWebhook(preset, { body }), rawBody: body },
        secrets: [secret],
      }
    },
    svix: (body, secret) => {
      const key = `whsec_${Buffer.from(secret).toString('base64')}`
      const signature = new SvixWebhook(key).sign('msg_p', new Date(T * 1000), body)
      return {
        preset: providers.svix({ secrets: key }),
        request: {
          headers: { 'svix-id': 'msg_p', 'svix-timestamp': String(T), 'svix-signature': signature },
          rawBody: body,
        },
        secrets: [key, secret],
      }
    },
    twilio: (body, secret) => {
      const params = { Body: body }
      return {
        preset: providers.twilio({ secrets: secret }),
        request: {
          url: 'https://hooks.example.com/sms',
          headers: {
            'x-twilio-signature': twilio.getExpectedTwilioSignature(
              secret,
              'https://hooks.example.com/sms',
              params,
            ),
            'content-type': 'application/x-www-form-urlencoded',
          },
          rawBody: new URLSearchParams(params).toString(),
        },
        secrets: [secret],
      }
    },
  }

  /** A mutation of a valid request: most make it fail; whatever diagnose then says, it never says "verified". */
  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant('body' as const),
      at: fc.nat(),
      byte: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({
      kind: fc.constant('header' as const),
      at: fc.nat(),
      byte: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({
      kind: fc.constant('clock' as const),
      at: fc.integer({ min: -100_000, max: 100_000 }),
      byte: fc.constant(0),
    }),
    fc.record({ kind: fc.constant('none' as const), at: fc.constant(0), byte: fc.constant(0) }),
  )
  const secret = fc
    .string({ unit: 'grapheme-ascii', minLength: 8, maxLength: 24 })
    .filter((s) => s.trim() === s && s.length >= 8)
  const body = fc.oneof(fc.json({ maxDepth: 2 }), fc.string({ maxLength: 80 }))

  it('property: diagnose never reports success for a request that does not verify, and nothing for one that does', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(cases)),
        body,
        secret,
        mutation,
        (provider, text, key, change) => {
          const built = cases[provider]!(text, key)
          let request = built.request
          let now = NOW
          const bytes = Buffer.from(
            typeof request.rawBody === 'string' ? request.rawBody : request.rawBody,
          )
          if (change.kind === 'body' && bytes.length > 0) {
            const at = change.at % bytes.length
            bytes[at] = (bytes[at]! + change.byte) % 256
            request = { ...request, rawBody: bytes }
          } else if (change.kind === 'header') {
            const headers = { ...(request.headers as Record<string, string>) }
            const name = Object.keys(headers).find((h) => h.toLowerCase().includes('signature'))!
            const value = headers[name]!
            const at = change.at % value.length
            headers[name] =
              value.slice(0, at) +
              String.fromCharCode(33 + ((value.charCodeAt(at) - 33 + change.byte) % 94)) +
              value.slice(at + 1)
            request = { ...request, headers }
          } else if (change.kind === 'clock') {
            now = new Date((T + change.at) * 1000)
          }
          const verdict = safeVerifyWebhook(built.preset, request, { now })
          const result = diagnose(built.preset, request, { now })
          expect(result).not.toHaveProperty('ok')
          expect(result).not.toHaveProperty('webhook')
          expect(result.attempts).toBeLessThanOrEqual(MAX_DIAGNOSIS_ATTEMPTS)
          // Diagnosis changes nothing: the same request still gets the same verdict.
          expect(safeVerifyWebhook(built.preset, request, { now }).ok).toBe(verdict.ok)
          if (verdict.ok) {
            expect(result).toEqual({
              reason: undefined,
              findings: [],
              attempts: 1,
              exhausted: false,
            })
            return
          }
          expect(result.reason).toBe(verdict.reason)
          for (const finding of result.findings) {
            expect(DIAGNOSIS_CODES).toContain(finding.code)
            for (const s of built.secrets) expect(finding.message).not.toContain(s)
            for (const value of Object.values(request.headers as Record<string, string>)) {
              for (const part of value.split(/[,= ]/))
                if (part.length >= 16) expect(finding.message).not.toContain(part)
            }
          }
        },
      ),
      fcParams(150),
    )
  })
})
