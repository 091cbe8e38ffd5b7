/**
 * AWS SNS (issue 11: asymmetric keys fetched at run time). Messages are signed here by an independent reference
 * written from the AWS docs (the string to sign per message type), with a test CA's certificate served by an injected
 * `fetchKey`: nothing touches the network. Covers both signature versions, confirmations, tampering, certificate URLs
 * on disallowed hosts or over http (never fetched), fetch timeouts and errors (`key_unavailable`, 503), the cache,
 * a wrong certificate, the topic allowlist, the replay window and the opt-in subscription confirmation.
 */
import { Buffer } from 'node:buffer'
import { sign, X509Certificate } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createKeyResolver,
  providers,
  REASON_STATUS,
  safeVerifyWebhook,
  safeVerifyWebhookAsync,
  signAwsSnsMessage,
  verifyWebhook,
  verifyWebhookAsync,
  WebhookVerificationError,
  type FetchKey,
  type VerifyResult,
} from '@hookgate/verify'
import { CA_CERT, OTHER_CERT, OTHER_KEY, SIGNER_CERT, SIGNER_KEY } from './support/sns-certs.ts'

const CERT_URL =
  'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000000000000a.pem'
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders'
const T = '2026-11-23T12:00:00.000Z'
const NOW = new Date(T)

/** The string to sign, per https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message-verify-message-signature.html */
function referenceStringToSign(message: Record<string, string>): string {
  const names =
    message.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type']
  return names
    .filter((name) => message[name] !== undefined)
    .map((name) => `${name}\n${message[name]}\n`)
    .join('')
}

function snsBody(
  fields: Record<string, string>,
  options: { version?: '1' | '2'; key?: string } = {},
): string {
  const version = options.version ?? '2'
  const message: Record<string, string> = {
    Type: 'Notification',
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: TOPIC,
    Message: '{"order":"o_1","total":"12.50 €"}',
    Timestamp: T,
    SignatureVersion: version,
    SigningCertURL: CERT_URL,
    UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC}:c9135db0`,
    ...fields,
  }
  const signature = sign(
    version === '1' ? 'sha1' : 'sha256',
    Buffer.from(referenceStringToSign(message), 'utf8'),
    options.key ?? SIGNER_KEY,
  )
  // SNS pretty-prints its JSON; the signature covers field values, not the bytes of the body.
  return JSON.stringify({ ...message, Signature: signature.toString('base64') }, null, 2)
}

const confirmation = (
  type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation',
  extra: Record<string, string> = {},
) => ({
  Type: type,
  Message: `You have chosen to subscribe to the topic ${TOPIC}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
  Token:
    '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736',
  SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=2336412f37fb687f`,
  ...extra,
})

const request = (body: string) => ({
  method: 'POST',
  headers: {
    'content-type': 'text/plain; charset=UTF-8',
    'x-amz-sns-message-type': 'Notification',
  },
  rawBody: body,
})

/** A fetcher serving the given certificates by URL; anything else fails as a 404 would. */
function serve(certificates: Record<string, string> = { [CERT_URL]: SIGNER_CERT }) {
  return vi.fn<FetchKey>(async (url) => {
    const pem = certificates[url]
    if (pem === undefined) throw new Error('HTTP 404')
    return pem
  })
}

const verdict = (result: VerifyResult) => (result.ok ? 'ok' : `${result.reason}: ${result.message}`)
const reason = (result: VerifyResult) => (result.ok ? 'ok' : result.reason)

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('aws-sns: signatures', () => {
  const sns = providers['aws-sns']()

  it('the test certificate is issued by the test CA (a small PKI, as SNS has)', () => {
    expect(new X509Certificate(SIGNER_CERT).checkIssued(new X509Certificate(CA_CERT))).toBe(true)
  })

  it.each(['1', '2'] as const)(
    'a Notification with SignatureVersion %s verifies, with its id, type and time',
    async (version) => {
      const fetchKey = serve()
      const result = await safeVerifyWebhookAsync(
        sns,
        request(snsBody({ Subject: 'Order placed' }, { version })),
        { now: NOW, keys: createKeyResolver({ fetchKey }) },
      )
      expect(verdict(result)).toBe('ok')
      if (!result.ok) return
      expect(result.id).toBe('22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324')
      expect(result.eventType).toBe('Notification')
      expect(result.timestamp?.toISOString()).toBe(T)
      expect(result.handshake()).toBeUndefined()
      expect(fetchKey).toHaveBeenCalledWith(
        CERT_URL,
        expect.objectContaining({ signal: expect.any(AbortSignal) }),
      )
    },
  )

  it('a Notification without Subject signs no Subject line', async () => {
    expect(
      verdict(
        await safeVerifyWebhookAsync(sns, request(snsBody({})), { now: NOW, fetchKey: serve() }),
      ),
    ).toBe('ok')
  })

  it.each(['SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const)(
    'a %s verifies (SubscribeURL and Token signed)',
    async (type) => {
      const keys = createKeyResolver({ fetchKey: serve() })
      const body = snsBody(confirmation(type))
      expect(verdict(await safeVerifyWebhookAsync(sns, request(body), { now: NOW, keys }))).toBe(
        'ok',
      )
      const changedToken = body.replace('"Token": "2336', '"Token": "3336')
      expect(
        reason(await safeVerifyWebhookAsync(sns, request(changedToken), { now: NOW, keys })),
      ).toBe('signature_mismatch')
    },
  )

  it('a tampered Message, Subject, Timestamp or Type is signature_mismatch', async () => {
    const keys = createKeyResolver({ fetchKey: serve() })
    const body = snsBody({ Subject: 'Order placed' })
    for (const tampered of [
      body.replace('12.50', '99.50'),
      body.replace('Order placed', 'Order paid'),
      body.replace(T, '2026-11-23T12:00:01.000Z'),
    ]) {
      expect(tampered).not.toBe(body)
      expect(reason(await safeVerifyWebhookAsync(sns, request(tampered), { now: NOW, keys }))).toBe(
        'signature_mismatch',
      )
    }
  })

  it('unsigned fields may change (UnsubscribeURL, MessageAttributes, whitespace): SNS does not sign them', async () => {
    const message = JSON.parse(snsBody({})) as Record<string, unknown>
    const body = JSON.stringify({
      ...message,
      MessageAttributes: { a: { Type: 'String', Value: 'b' } },
    })
    expect(
      verdict(await safeVerifyWebhookAsync(sns, request(body), { now: NOW, fetchKey: serve() })),
    ).toBe('ok')
  })

  it('a certificate with another key is signature_mismatch; signed with that key it verifies', async () => {
    const fetchKey = serve({ [CERT_URL]: OTHER_CERT })
    expect(
      reason(
        await safeVerifyWebhookAsync(sns, request(snsBody({})), {
          now: NOW,
          keys: createKeyResolver({ fetchKey }),
        }),
      ),
    ).toBe('signature_mismatch')
    expect(
      verdict(
        await safeVerifyWebhookAsync(sns, request(snsBody({}, { key: OTHER_KEY })), {
          now: NOW,
          keys: createKeyResolver({ fetchKey }),
        }),
      ),
    ).toBe('ok')
  })

  it('a version 1 signature is not accepted as version 2 (the algorithm comes from SignatureVersion)', async () => {
    const v1 = JSON.parse(snsBody({}, { version: '1' })) as Record<string, string>
    const relabelled = JSON.stringify({ ...v1, SignatureVersion: '2' })
    expect(
      reason(
        await safeVerifyWebhookAsync(sns, request(relabelled), { now: NOW, fetchKey: serve() }),
      ),
    ).toBe('signature_mismatch')
    const v3 = JSON.stringify({ ...v1, SignatureVersion: '3' })
    expect(
      reason(await safeVerifyWebhookAsync(sns, request(v3), { now: NOW, fetchKey: serve() })),
    ).toBe('unsupported_algorithm')
  })

  it('malformed messages are refused before anything is fetched', async () => {
    const fetchKey = serve()
    const message = JSON.parse(snsBody({})) as Record<string, unknown>
    const without = (name: string) =>
      JSON.stringify(Object.fromEntries(Object.entries(message).filter(([k]) => k !== name)))
    const cases: [string, string][] = [
      ['not json', 'malformed_signature'],
      ['[1,2]', 'malformed_signature'],
      [without('Signature'), 'missing_signature'],
      [without('SigningCertURL'), 'malformed_signature'],
      [without('MessageId'), 'malformed_signature'],
      [JSON.stringify({ ...message, Type: 'Other' }), 'malformed_signature'],
      [JSON.stringify({ ...message, Message: 42 }), 'malformed_signature'],
      [JSON.stringify({ ...message, Signature: 'not base64!' }), 'malformed_signature'],
      [JSON.stringify({ ...message, Timestamp: 'yesterday' }), 'malformed_signature'],
    ]
    for (const [body, expected] of cases)
      expect(reason(await safeVerifyWebhookAsync(sns, request(body), { now: NOW, fetchKey }))).toBe(
        expected,
      )
    expect(fetchKey).not.toHaveBeenCalled()
  })
})

describe('aws-sns: certificate URLs are host-allowlisted and never fetched otherwise', () => {
  const sns = providers['aws-sns']()
  const refused = [
    'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem',
    'https://evil.example/sns.us-east-1.amazonaws.com/cert.pem',
    'https://sns.us-east-1.amazonaws.com@evil.example/cert.pem',
    'https://user@sns.us-east-1.amazonaws.com/cert.pem',
    'https://sns.us-east-1.amazonaws.com:8443/cert.pem',
    'https://s3.us-east-1.amazonaws.com/cert.pem',
    'https://sns.us-east-1.amazonaws.com/cert.pem?x=.pem',
    'https://sns.us-east-1.amazonaws.com/cert.txt',
    'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-a.pem',
    'file:///etc/passwd.pem',
    'not a url',
  ]

  it.each(refused)('%s → malformed_signature, and the fetcher is not called', async (url) => {
    const fetchKey = serve({ [url]: SIGNER_CERT })
    const result = await safeVerifyWebhookAsync(sns, request(snsBody({ SigningCertURL: url })), {
      now: NOW,
      keys: createKeyResolver({ fetchKey }),
    })
    expect(reason(result)).toBe('malformed_signature')
    expect(result.ok ? 0 : REASON_STATUS[result.reason]).toBe(400)
    expect(fetchKey).not.toHaveBeenCalled()
  })

  it('China regions (.amazonaws.com.cn) and GovCloud are SNS hosts', async () => {
    for (const url of [
      'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-a.pem',
      'https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-a.pem',
    ]) {
      const result = await safeVerifyWebhookAsync(sns, request(snsBody({ SigningCertURL: url })), {
        now: NOW,
        fetchKey: serve({ [url]: SIGNER_CERT }),
      })
      expect(verdict(result)).toBe('ok')
    }
  })

  it('a confirmation whose SubscribeURL is not on an SNS host is refused', async () => {
    const body = snsBody(
      confirmation('SubscriptionConfirmation', {
        SubscribeURL: 'https://evil.example/?Action=ConfirmSubscription',
      }),
    )
    expect(
      reason(await safeVerifyWebhookAsync(sns, request(body), { now: NOW, fetchKey: serve() })),
    ).toBe('malformed_signature')
  })
})

describe('aws-sns: key_unavailable (503, so SNS retries)', () => {
  const sns = providers['aws-sns']()

  it('a fetch that never answers times out', async () => {
    vi.useFakeTimers()
    const fetchKey = vi.fn<FetchKey>(() => new Promise<string>(() => {}))
    const pending = safeVerifyWebhookAsync(sns, request(snsBody({})), {
      now: NOW,
      keys: createKeyResolver({ fetchKey, timeoutMs: 2000 }),
    })
    await vi.advanceTimersByTimeAsync(2000)
    const result = await pending
    expect(reason(result)).toBe('key_unavailable')
    if (result.ok) return
    expect(result.error.status).toBe(503)
    expect(result.message).toMatch(/no answer within 2000 ms/)
    expect(fetchKey.mock.calls[0]![1].signal.aborted).toBe(true)
  })

  it('a fetch error, an answer that is not a certificate, or one too large', async () => {
    const failing = vi.fn<FetchKey>(async () => {
      throw new Error('getaddrinfo ENOTFOUND')
    })
    const failed = await safeVerifyWebhookAsync(sns, request(snsBody({})), {
      now: NOW,
      keys: createKeyResolver({ fetchKey: failing }),
    })
    expect(verdict(failed)).toMatch(/^key_unavailable: .*ENOTFOUND/)
    expect(failed.ok ? undefined : failed.error.toJSON()).toEqual({
      code: 'key_unavailable',
      message: expect.stringContaining(CERT_URL),
    })
    const garbage = await safeVerifyWebhookAsync(sns, request(snsBody({})), {
      now: NOW,
      keys: createKeyResolver({ fetchKey: async () => '<html>maintenance</html>' }),
    })
    expect(verdict(garbage)).toMatch(/^key_unavailable: .*not a usable key/)
    const huge = await safeVerifyWebhookAsync(sns, request(snsBody({})), {
      now: NOW,
      keys: createKeyResolver({ fetchKey: async () => 'x'.repeat(70_000) }),
    })
    expect(verdict(huge)).toMatch(/^key_unavailable: .*more than 65536 bytes/)
  })

  it('verifyWebhookAsync rejects with the coded error', async () => {
    const error = await verifyWebhookAsync(sns, request(snsBody({})), {
      now: NOW,
      keys: createKeyResolver({ fetchKey: async () => Promise.reject(new Error('down')) }),
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WebhookVerificationError)
    expect(error).toMatchObject({ reason: 'key_unavailable', status: 503, provider: 'aws-sns' })
  })

  it('the synchronous functions cannot fetch: key_unavailable naming the async twin', () => {
    const result = safeVerifyWebhook(sns, request(snsBody({})), { now: NOW })
    expect(verdict(result)).toMatch(/^key_unavailable: .*verifyWebhookAsync/)
  })
})

describe('aws-sns: the cache', () => {
  const sns = providers['aws-sns']()

  it('two messages signed with one certificate fetch it once; a passed fetchKey keeps its cache across calls', async () => {
    const fetchKey = serve()
    expect(
      verdict(await safeVerifyWebhookAsync(sns, request(snsBody({})), { now: NOW, fetchKey })),
    ).toBe('ok')
    expect(
      verdict(
        await safeVerifyWebhookAsync(sns, request(snsBody({ MessageId: 'm2' }, { version: '1' })), {
          now: NOW,
          fetchKey,
        }),
      ),
    ).toBe('ok')
    expect(fetchKey).toHaveBeenCalledTimes(1)
  })

  it('concurrent messages share one fetch; a failure is not cached (the retry fetches again)', async () => {
    let calls = 0
    const fetchKey: FetchKey = async () => {
      calls += 1
      if (calls === 1) throw new Error('flaky')
      return SIGNER_CERT
    }
    const keys = createKeyResolver({ fetchKey })
    const failed = await Promise.all(
      [1, 2].map((n) =>
        safeVerifyWebhookAsync(sns, request(snsBody({ MessageId: `m${n}` })), { now: NOW, keys }),
      ),
    )
    expect(failed.map(reason)).toEqual(['key_unavailable', 'key_unavailable'])
    expect(calls).toBe(1)
    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        safeVerifyWebhookAsync(sns, request(snsBody({ MessageId: `m${n}` })), { now: NOW, keys }),
      ),
    )
    expect(results.map(verdict)).toEqual(['ok', 'ok', 'ok'])
    expect(calls).toBe(2)
  })

  it('entries expire after ttlMs and the least recently used is dropped past maxEntries', async () => {
    let clock = 0
    const other = CERT_URL.replace('0a.pem', '0b.pem')
    const fetchKey = serve({ [CERT_URL]: SIGNER_CERT, [other]: SIGNER_CERT })
    const keys = createKeyResolver({ fetchKey, ttlMs: 1000, maxEntries: 1, now: () => clock })
    const check = async (url: string) =>
      verdict(
        await safeVerifyWebhookAsync(sns, request(snsBody({ SigningCertURL: url })), {
          now: NOW,
          keys,
        }),
      )
    expect(await check(CERT_URL)).toBe('ok')
    clock = 999
    expect(await check(CERT_URL)).toBe('ok')
    expect(fetchKey).toHaveBeenCalledTimes(1)
    clock = 2000
    expect(await check(CERT_URL)).toBe('ok')
    expect(fetchKey).toHaveBeenCalledTimes(2)
    expect(await check(other)).toBe('ok')
    expect(keys.size).toBe(1)
    expect(await check(CERT_URL)).toBe('ok')
    expect(fetchKey).toHaveBeenCalledTimes(4)
    keys.clear()
    expect(keys.size).toBe(0)
  })

  it('limits are validated at construction', () => {
    expect(() => createKeyResolver({ timeoutMs: 0 })).toThrow(TypeError)
    expect(() => createKeyResolver({ maxEntries: Number.NaN })).toThrow(TypeError)
  })
})

describe('aws-sns: the default fetcher (global fetch, stubbed)', () => {
  const sns = providers['aws-sns']()

  it('GETs the certificate with redirects refused, and caps the body it reads', async () => {
    const fetchStub = vi.fn(
      async (_url: string, _init: RequestInit) => new Response(SIGNER_CERT, { status: 200 }),
    )
    vi.stubGlobal('fetch', fetchStub)
    expect(
      verdict(
        await safeVerifyWebhookAsync(sns, request(snsBody({})), {
          now: NOW,
          keys: createKeyResolver(),
        }),
      ),
    ).toBe('ok')
    expect(fetchStub).toHaveBeenCalledWith(
      CERT_URL,
      expect.objectContaining({ redirect: 'error', signal: expect.any(AbortSignal) }),
    )

    vi.stubGlobal('fetch', async () => new Response('x'.repeat(5000), { status: 200 }))
    const capped = await safeVerifyWebhookAsync(sns, request(snsBody({})), {
      now: NOW,
      keys: createKeyResolver({ maxBytes: 4096 }),
    })
    expect(verdict(capped)).toMatch(/^key_unavailable: .*more than 4096 bytes/)

    vi.stubGlobal('fetch', async () => new Response('gone', { status: 404 }))
    expect(
      verdict(
        await safeVerifyWebhookAsync(sns, request(snsBody({})), {
          now: NOW,
          keys: createKeyResolver(),
        }),
      ),
    ).toMatch(/^key_unavailable: .*HTTP 404/)
  })

  it('refuses anything but https even when asked directly (defence in depth)', async () => {
    const fetchStub = vi.fn()
    vi.stubGlobal('fetch', fetchStub)
    const source = providers['aws-sns'].definition.keySource!
    await expect(
      createKeyResolver().resolve(
        'aws-sns',
        source as never,
        'http://sns.us-east-1.amazonaws.com/a.pem',
        undefined,
      ),
    ).rejects.toMatchObject({ reason: 'key_unavailable' })
    expect(fetchStub).not.toHaveBeenCalled()
  })
})

describe('aws-sns: options, pinning, window, handshake', () => {
  it('topicArns: a message from another topic is claim_mismatch; options are checked at configuration', async () => {
    const only = providers['aws-sns']({
      topicArns: ['arn:aws:sns:us-east-1:123456789012:invoices'],
    })
    const result = await safeVerifyWebhookAsync(only, request(snsBody({})), {
      now: NOW,
      fetchKey: serve(),
    })
    expect(reason(result)).toBe('claim_mismatch')
    const both = providers['aws-sns']({
      topicArns: ['arn:aws:sns:us-east-1:123456789012:invoices', TOPIC],
    })
    expect(
      verdict(
        await safeVerifyWebhookAsync(both, request(snsBody({})), { now: NOW, fetchKey: serve() }),
      ),
    ).toBe('ok')
    expect(() => providers['aws-sns']({ topicArns: [] })).toThrow(TypeError)
    expect(() => providers['aws-sns']({ topicArns: ['orders'] })).toThrow(TypeError)
    expect(() => providers['aws-sns']({ confirmSubscription: 'yes' as never })).toThrow(TypeError)
  })

  it('secrets pin the certificate: nothing is fetched, and the synchronous verify works', async () => {
    const pinned = providers['aws-sns']({ secrets: [SIGNER_CERT] })
    const fetchKey = serve()
    expect(
      verdict(await safeVerifyWebhookAsync(pinned, request(snsBody({})), { now: NOW, fetchKey })),
    ).toBe('ok')
    expect(fetchKey).not.toHaveBeenCalled()
    expect(verifyWebhook(pinned, request(snsBody({})), { now: NOW }).id).toBe(
      '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    )
    expect(
      reason(
        safeVerifyWebhook(providers['aws-sns']({ secrets: OTHER_CERT }), request(snsBody({})), {
          now: NOW,
        }),
      ),
    ).toBe('signature_mismatch')
    // Pinning does not lift the host allowlist.
    const foreign = snsBody({ SigningCertURL: 'https://evil.example/c.pem' })
    expect(reason(safeVerifyWebhook(pinned, request(foreign), { now: NOW }))).toBe(
      'malformed_signature',
    )
    expect(() => providers['aws-sns']({ secrets: 'not a key' })).toThrow(TypeError)
  })

  it('replay window: 3900 s either way (SNS retries for at most 3600 s, plus clock skew)', async () => {
    const sns = providers['aws-sns']()
    expect(sns.toleranceSeconds).toBe(3900)
    const keys = createKeyResolver({ fetchKey: serve() })
    const at = (seconds: number) => ({ now: new Date(NOW.getTime() + seconds * 1000), keys })
    expect(reason(await safeVerifyWebhookAsync(sns, request(snsBody({})), at(3900)))).toBe('ok')
    expect(reason(await safeVerifyWebhookAsync(sns, request(snsBody({})), at(3901)))).toBe(
      'timestamp_too_old',
    )
    expect(reason(await safeVerifyWebhookAsync(sns, request(snsBody({})), at(-3901)))).toBe(
      'timestamp_in_future',
    )
  })

  it('SubscriptionConfirmation: answered with a GET of SubscribeURL only when the source opts in', async () => {
    const body = snsBody(confirmation('SubscriptionConfirmation'))
    const optIn = await safeVerifyWebhookAsync(
      providers['aws-sns']({ confirmSubscription: true }),
      request(body),
      { now: NOW, fetchKey: serve() },
    )
    expect(verdict(optIn)).toBe('ok')
    if (!optIn.ok) return
    expect(optIn.eventType).toBe('SubscriptionConfirmation')
    expect(optIn.handshake()).toEqual({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: '',
      followUp: {
        method: 'GET',
        url: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=2336412f37fb687f`,
      },
    })
    const optOut = await safeVerifyWebhookAsync(providers['aws-sns'](), request(body), {
      now: NOW,
      fetchKey: serve(),
    })
    expect(optOut.ok && optOut.handshake()).toBeUndefined()
    const notification = await safeVerifyWebhookAsync(
      providers['aws-sns']({ confirmSubscription: true }),
      request(snsBody({})),
      { now: NOW, fetchKey: serve() },
    )
    expect(notification.ok && notification.handshake()).toBeUndefined()
    const unsubscribe = await safeVerifyWebhookAsync(
      providers['aws-sns']({ confirmSubscription: true }),
      request(snsBody(confirmation('UnsubscribeConfirmation'))),
      { now: NOW, fetchKey: serve() },
    )
    expect(unsubscribe.ok && unsubscribe.handshake()).toBeUndefined()
  })

  it('the definition declares no header signature and no e2e example (the signature is in the body)', () => {
    const definition = providers['aws-sns'].definition
    expect(definition.signatureHeaders).toEqual([])
    expect(definition.handshake?.example).toBeUndefined()
    expect(definition.profile).toBeUndefined()
  })
})

describe('aws-sns: signAwsSnsMessage', () => {
  it('signs what the reference signs (PKCS#1 v1.5 is deterministic), for both versions and confirmations', async () => {
    for (const version of ['1', '2'] as const) {
      for (const fields of [{ Subject: 'Hi' }, {}, confirmation('SubscriptionConfirmation')]) {
        const reference = JSON.parse(snsBody(fields, { version })) as Record<string, string>
        const { Signature, SignatureVersion: _v, ...message } = reference
        const ours = JSON.parse(signAwsSnsMessage(message as never, SIGNER_KEY, version)) as Record<
          string,
          string
        >
        expect(ours.Signature).toBe(Signature)
      }
    }
  })

  it('signWebhook cannot sign SNS (the signature is not a header): a TypeError naming signAwsSnsMessage', () => {
    expect(() =>
      providers['aws-sns'].definition.sign(
        { body: new Uint8Array(), url: undefined, method: 'POST', timestamp: 0, id: 'x' },
        undefined as never,
        undefined,
      ),
    ).toThrow(/signAwsSnsMessage/)
  })
})

describe('every other preset through the async functions', () => {
  it('verifies exactly as the synchronous ones (no keys fetched)', async () => {
    const fetchKey = vi.fn<FetchKey>()
    const github = providers.github({ secrets: "It's a Secret to Everybody" })
    const headers = {
      'x-hub-signature-256':
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    }
    expect(
      verdict(
        await safeVerifyWebhookAsync(
          github,
          { method: 'POST', headers, rawBody: 'Hello, World!' },
          { fetchKey },
        ),
      ),
    ).toBe('ok')
    expect(
      reason(
        await safeVerifyWebhookAsync(
          github,
          { method: 'POST', headers, rawBody: 'Hello, World?' },
          { fetchKey },
        ),
      ),
    ).toBe('signature_mismatch')
    expect(
      reason(await safeVerifyWebhookAsync(github, { method: 'POST', headers: {}, rawBody: 'x' })),
    ).toBe('missing_signature')
    expect(fetchKey).not.toHaveBeenCalled()
  })
})
