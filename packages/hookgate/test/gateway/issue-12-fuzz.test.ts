/**
 * Issue 12, the battery kept in `npm test`: a seeded HTTP fuzz against a real gateway with one source per built-in
 * preset (`Object.keys(providers)`, each with a valid secret and the options its test profile declares). A few
 * thousand requests start from a validly signed one and mutate its method, path, headers (signature dropped,
 * garbled, duplicated, oversized), body (flipped, cut, grown, random bytes, oversize) and content type. Whatever
 * arrives: no 5xx, and every 4xx is `{"error":{"code","message"}}` as JSON. The long version is `npm run soak`.
 * Seeded: HOOKGATE_TEST_SEED replays or varies a run; a failure prints the request that caused it.
 * HOOKGATE_FUZZ_TALLY=1 prints how many answers each status got.
 */
import { request, Agent } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  providers,
  signAwsSnsMessage,
  signWebhook,
  type FetchKey,
  type ProviderFactory,
} from '@hookgate/verify'
import {
  JWT_OPTIONS,
  PRESET_CASES,
  TRELLO_CALLBACK,
  TRIVIALSEC_ACCOUNT,
} from '../../../verify/test/support/presets.ts'
import { SIGNER_CERT, SIGNER_KEY } from '../../../verify/test/support/sns-certs.ts'
import { seededRandom, testSeed } from '../seed.ts'
import { startGateway, type Running } from './harness.ts'

const SEED = testSeed(0x1212_f022)
const REQUESTS = 3_000
const CONCURRENCY = 8
const PUBLIC_URL = 'https://hooks.example.test'
const BODY_LIMIT = 64 * 1024

const ids = Object.keys(providers)
const cases = PRESET_CASES as Record<
  string,
  (typeof PRESET_CASES)[keyof typeof PRESET_CASES] | undefined
>

/** SNS keys are fetched at run time: every certificate URL answers the test certificate (no network). */
const fetchKey: FetchKey = () => Promise.resolve(SIGNER_CERT)

/** Options the hand-written test cases configure (the others come from the preset's test profile). */
const OPTIONS: Record<string, Record<string, unknown>> = {
  trello: { callbackUrl: TRELLO_CALLBACK },
  jwt: { ...JWT_OPTIONS },
  livekit: { apiKey: 'APIk3yL1vek1t' },
  'upstash-qstash': { url: 'https://hooks.example.com/qstash' },
  trivialsec: { account: TRIVIALSEC_ACCOUNT },
}

function optionsOf(id: string): Record<string, unknown> {
  return {
    ...(providers as Record<string, ProviderFactory<object>>)[id]?.definition.profile?.options,
    ...OPTIONS[id],
  }
}

interface Base {
  readonly id: string
  readonly method: string
  readonly headers: Record<string, string>
  readonly body: Buffer
}

/** A validly signed request for each preset, as its sender would send it. */
function baseRequest(id: string): Base {
  const url = `${PUBLIC_URL}/webhooks/${id}`
  if (id === 'aws-sns') {
    const body = signAwsSnsMessage(
      {
        Type: 'Notification',
        MessageId: 'm-fuzz-1',
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:fuzz',
        Message: '{"order":"o_1"}',
        Timestamp: new Date().toISOString(),
        SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem',
      } as never,
      SIGNER_KEY,
    )
    return {
      id,
      method: 'POST',
      headers: {
        'content-type': 'text/plain; charset=UTF-8',
        'x-amz-sns-message-type': 'Notification',
      },
      body: Buffer.from(body),
    }
  }
  const c = cases[id]
  if (c === undefined) throw new Error(`no test case for preset ${id}`)
  const preset = providers[id as keyof typeof providers]({
    secrets: [c.fixedSecret],
    ...optionsOf(id),
  } as never)
  const body = Buffer.from(c.fixedMessage.body)
  const signed = signWebhook(preset as never, { body, url })
  // A message without a content type is a form (Twilio's params); every other preset's test message declares its own or is JSON.
  const contentType =
    c.fixedMessage.contentType ??
    (c.fixedMessage.params === undefined ? 'application/json' : 'application/x-www-form-urlencoded')
  return { id, method: 'POST', headers: { 'content-type': contentType, ...signed }, body }
}

const JUNK_HEADERS = [
  '',
  ' ',
  'v1=',
  't=1,v1=zz',
  'sha256=',
  'Bearer ',
  'Bearer a.b.c',
  '=',
  ',,,,',
  'ÿÿÿ',
  'A'.repeat(9_000),
  '0'.repeat(64),
  'a=b=c=d',
]
const CONTENT_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  '*/*',
  '',
  'application/octet-stream',
  'x'.repeat(300),
]
const METHODS = ['POST', 'POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']

/** One mutated request; `random` decides everything. */
function mutate(
  base: Base,
  random: () => number,
): { path: string; method: string; headers: Record<string, string>; body: Buffer; what: string[] } {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const headers = { ...base.headers }
  let body = base.body
  let method = base.method
  let path = `/webhooks/${base.id}`
  const what: string[] = []
  const rounds = 1 + Math.floor(random() * 3)
  for (let round = 0; round < rounds; round++) {
    const names = Object.keys(headers)
    switch (Math.floor(random() * 14)) {
      case 0: {
        const name = pick(names)
        if (name !== undefined) delete headers[name]
        what.push(`drop ${name}`)
        break
      }
      case 1:
      case 2: {
        const name = pick(names)
        if (name !== undefined) headers[name] = pick(JUNK_HEADERS)
        what.push(`junk ${name}`)
        break
      }
      case 3: {
        const name = pick(names)
        const value = name === undefined ? '' : (headers[name] ?? '')
        if (name !== undefined && value.length > 0) {
          const at = Math.floor(random() * value.length)
          headers[name] =
            value.slice(0, at) +
            String.fromCharCode(0x21 + Math.floor(random() * 94)) +
            value.slice(at + 1)
        }
        what.push(`flip char of ${name}`)
        break
      }
      case 4: {
        const name = pick(names)
        if (name !== undefined)
          headers[name.toUpperCase() === name ? name.toLowerCase() : name.toUpperCase()] =
            headers[name] ?? ''
        what.push(`duplicate ${name}`)
        break
      }
      case 5:
        if (body.length > 0) {
          body = Buffer.from(body)
          const at = Math.floor(random() * body.length)
          body[at] = (body[at] ?? 0) ^ (1 + Math.floor(random() * 255))
        }
        what.push('flip body byte')
        break
      case 6:
        body = body.subarray(0, Math.floor(random() * body.length))
        what.push('cut body')
        break
      case 7:
        body = Buffer.concat([
          body,
          Buffer.from(pick(['\u0000', '}', '&a=b', ' ', '\ufeff', 'é', '{"x":1}'])),
        ])
        what.push('grow body')
        break
      case 8:
        body = Buffer.from(
          Array.from({ length: Math.floor(random() * 2_000) }, () => Math.floor(random() * 256)),
        )
        what.push('random body')
        break
      case 9:
        body =
          random() < 0.3
            ? Buffer.alloc(BODY_LIMIT + 1 + Math.floor(random() * 1000), 0x61)
            : Buffer.alloc(0)
        what.push(body.length === 0 ? 'empty body' : 'oversize body')
        break
      case 10:
        headers['content-type'] = pick(CONTENT_TYPES)
        what.push(`content-type ${headers['content-type'].slice(0, 40)}`)
        break
      case 11:
        method = pick(METHODS)
        what.push(`method ${method}`)
        break
      case 12:
        path = pick([
          `/webhooks/${base.id}/`,
          `/webhooks/${base.id}?x=%zz`,
          '/webhooks/nope',
          `/webhooks/${encodeURIComponent(base.id)}%00`,
          '/webhooks/',
          `/webhooks/${base.id}?${'q'.repeat(2000)}`,
          '/api/events',
          '/',
        ])
        what.push(`path ${path.slice(0, 60)}`)
        break
      default:
        // Valid as is (once in a while a fully valid webhook goes through).
        break
    }
  }
  return { path, method, headers, body, what }
}

interface Answer {
  readonly status: number
  readonly contentType: string | undefined
  readonly text: string
}

function send(port: number, agent: Agent, r: ReturnType<typeof mutate>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: r.method,
        path: r.path,
        headers: { ...r.headers, 'content-length': String(r.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        )
        res.on('error', reject)
      },
    )
    // A 413 may close the connection before the oversize body is written: the answer is what counts.
    req.on('error', (error) => reject(error))
    req.end(r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body)
  })
}

let gw: Running
beforeAll(async () => {
  gw = await startGateway(
    {
      server: { publicUrl: PUBLIC_URL, maxBodyBytes: BODY_LIMIT, rejectionLimit: { burst: 0 } },
      log: { level: 'warn' },
      sources: ids.map((id) =>
        id === 'aws-sns'
          ? { id, provider: id }
          : { id, provider: id, secrets: [cases[id]!.fixedSecret], options: optionsOf(id) },
      ),
    } as never,
    { gateway: { fetchKey } },
  )
})
afterAll(async () => gw.close())

describe('issue 12: seeded HTTP fuzz over every preset', () => {
  it('the fuzz starts from valid requests: each preset accepts its unmutated base request', async () => {
    const port = Number(new URL(gw.url).port)
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    const refused: string[] = []
    await Promise.all(
      ids.map(async (id) => {
        const base = baseRequest(id)
        const answer = await send(port, agent, { ...base, path: `/webhooks/${id}`, what: [] })
        if (answer.status < 200 || answer.status > 299)
          refused.push(`${id}: ${answer.status} ${answer.text.slice(0, 120)}`)
      }),
    )
    agent.destroy()
    expect(refused).toEqual([])
  })

  it(`${REQUESTS} mutated requests: no 5xx, every 4xx a JSON {error:{code,message}} (seed ${SEED})`, async () => {
    const random = seededRandom(SEED)
    const bases = ids.map(baseRequest)
    const port = Number(new URL(gw.url).port)
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    const statuses = new Map<number, number>()
    const failures: string[] = []
    const planned = Array.from({ length: REQUESTS }, (_, i) =>
      mutate(bases[i % bases.length]!, random),
    )
    let next = 0
    async function lane(): Promise<void> {
      while (next < planned.length) {
        const r = planned[next++]!
        let answer: Answer
        try {
          answer = await send(port, agent, r)
        } catch (error) {
          // Only an oversize body may see its connection closed under it (413 sent before the body was read).
          if (r.body.length > BODY_LIMIT) continue
          failures.push(`${r.method} ${r.path} [${r.what.join('; ')}]: ${String(error)}`)
          continue
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
        const problem = judge(answer, r.method)
        if (problem !== undefined)
          failures.push(
            `${r.method} ${r.path} [${r.what.join('; ')}] → ${answer.status} ${answer.text.slice(0, 200)}: ${problem}`,
          )
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, lane))
    agent.destroy()
    if (process.env.HOOKGATE_FUZZ_TALLY === '1')
      console.log(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))
    expect(failures.slice(0, 10)).toEqual([])
    const total = [...statuses.values()].reduce((a, b) => a + b, 0)
    expect(total).toBeGreaterThan(REQUESTS * 0.9)
    // The mix reaches the verifier and beyond: stored events and each kind of refusal.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(50)
    for (const status of [400, 401, 404, 405, 413])
      expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0)
    const metrics = await (await fetch(`${gw.url}/metrics`)).text()
    expect(metrics).not.toMatch(/hookgate_requests_total\{[^}]*status="5\d\d"/)
  })
})

/** undefined when the answer is acceptable. */
function judge(answer: Answer, method: string): string | undefined {
  if (answer.status >= 500) return '5xx'
  if (answer.status < 400 || method === 'HEAD') return undefined
  if (!answer.contentType?.startsWith('application/json'))
    return `content-type ${answer.contentType}`
  let json: unknown
  try {
    json = JSON.parse(answer.text)
  } catch {
    return 'not JSON'
  }
  const error = (json as { error?: { code?: unknown; message?: unknown } }).error
  if (
    typeof error?.code !== 'string' ||
    typeof error.message !== 'string' ||
    Object.keys(json as object).length !== 1 ||
    Object.keys(error).length !== 2
  ) {
    return 'not {error:{code,message}}'
  }
  return undefined
}
