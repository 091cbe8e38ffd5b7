/**
 * Issue 11: AWS SNS through the gateway — keys fetched at run time through an injected fetcher (never the network),
 * cached; an unavailable certificate is 503 so SNS retries; a SubscriptionConfirmation is confirmed (an injected
 * GET of SubscribeURL) only where the source opts in. Messages are signed with the library's SNS signer over a
 * test certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signAwsSnsMessage, type FetchKey } from '@hookgate/verify'
import { SIGNER_CERT, SIGNER_KEY } from '../../../verify/test/support/sns-certs.ts'
import { startGateway, type Running } from './harness.ts'

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders'
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem'
const MISSING_CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-missing.pem'

const fetched: string[] = []
const confirmed: string[] = []
let confirmationSeen: () => void = () => undefined
const firstConfirmation = new Promise<void>((resolve) => (confirmationSeen = resolve))
const fetchKey: FetchKey = async (url) => {
  fetched.push(url)
  if (url === CERT_URL) return SIGNER_CERT
  throw new Error('404')
}

function message(extra: Record<string, string>): string {
  return signAwsSnsMessage(
    {
      Type: 'Notification',
      MessageId: `m-${fetched.length}-${Math.round(performance.now() * 1000)}`,
      TopicArn: TOPIC,
      Message: '{"order":"o_1"}',
      Timestamp: new Date().toISOString(),
      SigningCertURL: CERT_URL,
      ...extra,
    } as never,
    SIGNER_KEY,
  )
}

let gw: Running
beforeAll(async () => {
  gw = await startGateway(
    {
      sources: [
        {
          id: 'sns',
          provider: 'aws-sns',
          options: { topicArns: [TOPIC], confirmSubscription: true },
        },
        { id: 'sns-manual', provider: 'aws-sns' },
      ],
    } as never,
    {
      gateway: {
        fetchKey,
        followUp: async (url) => {
          confirmed.push(url)
          confirmationSeen()
          return 200
        },
      },
    },
  )
})
afterAll(async () => gw.close())

const post = (source: string, body: string) =>
  fetch(`${gw.url}/webhooks/${source}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8' },
    body,
  })

describe('AWS SNS through the gateway', () => {
  it('a Notification verifies with the fetched certificate, which is fetched once and cached', async () => {
    const first = await post('sns', message({}))
    expect(first.status).toBe(200)
    const second = await post('sns', message({ Message: '{"order":"o_2"}' }))
    expect(second.status).toBe(200)
    expect(fetched.filter((url) => url === CERT_URL)).toHaveLength(1)
    const { id } = (await second.json()) as { id: string }
    expect((await gw.admin(`/api/events/${id}`)).body).toMatchObject({ eventType: 'Notification' })
  })

  it('a certificate that cannot be fetched is 503 with Retry-After (SNS retries), not a rejection', async () => {
    const response = await post('sns', message({ SigningCertURL: MISSING_CERT_URL }))
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).not.toBeNull()
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'key_unavailable',
    )
  })

  it('a certificate URL off the SNS hosts is refused (400) and never fetched; a tampered message is 401', async () => {
    const before = fetched.length
    const evil = await post('sns', message({ SigningCertURL: 'https://attacker.example/cert.pem' }))
    expect(evil.status).toBe(400)
    expect(fetched).toHaveLength(before)
    const body = message({})
    expect((await post('sns', body.replace('o_1', 'o_9'))).status).toBe(401)
  })

  it('a SubscriptionConfirmation is answered and confirmed (GET SubscribeURL) only where the source opts in', async () => {
    const subscribeUrl = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=abc`
    const confirmation = message({
      Type: 'SubscriptionConfirmation',
      Token: 'abc',
      SubscribeURL: subscribeUrl,
      Message: 'You have chosen to subscribe.',
    })
    const answered = await post('sns', confirmation)
    expect(answered.status).toBe(200)
    await firstConfirmation // the confirmation runs after the answer
    expect(confirmed).toEqual([subscribeUrl])
    expect(
      (await gw.admin('/api/events?source=sns&limit=50')).body.items.some(
        (e: { eventType: string }) => e.eventType === 'SubscriptionConfirmation',
      ),
    ).toBe(false)
    // Without the opt-in, the confirmation is stored like any event (someone confirms it by hand) and no GET is made.
    const stored = await post('sns-manual', confirmation)
    expect(stored.status).toBe(200)
    expect(confirmed).toHaveLength(1)
  })
})
