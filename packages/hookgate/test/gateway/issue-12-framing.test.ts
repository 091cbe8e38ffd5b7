/**
 * Issue 12, the battery: raw-TCP framings beyond those in issue-12-http-server.test.ts (CL+TE, negative and huge
 * Content-Length, NUL, bad chunk sizes): pipelined requests, bare-LF line endings, obs-fold headers, duplicate and
 * odd Content-Length spellings, absurd chunk extensions, chunked bodies split at every awkward place. Each framing
 * is either served exactly as a well-framed request would be, or refused with the gateway's JSON error and the
 * connection closed; never a bare Node answer, a 5xx or a stored event that was not acknowledged.
 * Every wait is on socket events with a bound, never a fixed sleep.
 */
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { startGateway, type Running } from './harness.ts'

const SECRET = 'github-webhook-secret-framing-0123'
const github = providers.github({ secrets: [SECRET] })

let gw: Running
let port = 0
const sockets: Socket[] = []
beforeAll(async () => {
  gw = await startGateway({
    server: { shutdownGrace: 0, rejectionLimit: { burst: 0 } },
    sources: [{ id: 'gh', provider: 'github', secrets: [SECRET] }],
  })
  port = Number(new URL(gw.url).port)
})
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await gw.close()
})

interface Parsed {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** Writes `data` in `parts` and reads answers until the server closes or `expected` answers have arrived. */
function exchange(
  data: string | readonly string[],
  expected = 1,
  boundMs = 5_000,
): Promise<Parsed[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' })
    sockets.push(socket)
    let buffer = Buffer.alloc(0)
    const answers: Parsed[] = []
    const bound = setTimeout(() => {
      socket.destroy()
      reject(
        new Error(
          `bound reached with ${answers.length} answers: ${JSON.stringify(buffer.toString('latin1').slice(0, 300))}`,
        ),
      )
    }, boundMs)
    const finish = () => {
      clearTimeout(bound)
      socket.destroy()
      resolve(answers)
    }
    socket.on('connect', () => {
      for (const part of typeof data === 'string' ? [data] : data) socket.write(part)
    })
    socket.on('error', () => undefined)
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        const text = buffer.toString('latin1')
        const end = text.indexOf('\r\n\r\n')
        if (end === -1) break
        const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
        const headers: Record<string, string> = {}
        for (const line of lines)
          headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line
            .slice(line.indexOf(':') + 1)
            .trim()
        const length = Number(headers['content-length'] ?? 0)
        if (buffer.length < end + 4 + length) break
        answers.push({
          status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1] ?? 0),
          headers,
          body: buffer.subarray(end + 4, end + 4 + length).toString('utf8'),
        })
        buffer = buffer.subarray(end + 4 + length)
      }
      if (answers.length >= expected) finish()
    })
    socket.on('close', finish)
  })
}

let counter = 0
/** A signed GitHub webhook: its head (without the final blank line's CRLF pair) and body. */
function webhook(): { body: string; signed: Record<string, string>; delivery: string } {
  counter += 1
  const body = JSON.stringify({ framing: counter })
  const delivery = `framing-${counter}`
  return {
    body,
    delivery,
    signed: {
      'content-type': 'application/json',
      'x-github-delivery': delivery,
      ...signWebhook(github, { body }),
    },
  }
}

function head(signed: Record<string, string>, extra: string[], eol = '\r\n'): string {
  return (
    [
      'POST /webhooks/gh HTTP/1.1',
      'Host: gw.test',
      ...Object.entries(signed).map(([k, v]) => `${k}: ${v}`),
      ...extra,
    ].join(eol) +
    eol +
    eol
  )
}

async function stored(delivery: string): Promise<boolean> {
  const { body } = await gw.admin<{ items: { providerEventId?: string }[] }>(
    '/api/events?source=gh&limit=200',
  )
  return body.items.some((item) => item.providerEventId === delivery)
}

function expectJsonRefusal(answers: Parsed[], status: number): void {
  expect(answers).toHaveLength(1)
  const [answer] = answers
  expect(answer?.status).toBe(status)
  expect(answer?.headers['content-type']).toMatch(/^application\/json/)
  expect(answer?.headers.connection).toBe('close')
  expect(JSON.parse(answer?.body ?? '')).toEqual({
    error: { code: expect.any(String), message: expect.any(String) },
  })
}

describe('issue 12: raw-TCP framings', () => {
  it('three pipelined webhooks in one write are answered in order, each stored once', async () => {
    const hooks = [webhook(), webhook(), webhook()]
    const data = hooks
      .map((h) => head(h.signed, [`Content-Length: ${Buffer.byteLength(h.body)}`]) + h.body)
      .join('')
    const answers = await exchange(data, 3)
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200])
    expect(answers.map((a) => JSON.parse(a.body).duplicate)).toEqual([false, false, false])
    for (const h of hooks) expect(await stored(h.delivery)).toBe(true)
  })

  it('a pipelined refusal does not disturb the valid webhook behind it', async () => {
    const good = webhook()
    const bad =
      head(
        { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
        ['Content-Length: 2'],
      ) + '{}'
    const answers = await exchange(
      bad + head(good.signed, [`Content-Length: ${Buffer.byteLength(good.body)}`]) + good.body,
      2,
    )
    expect(answers.map((a) => a.status)).toEqual([401, 200])
    expect(await stored(good.delivery)).toBe(true)
  })

  it('a chunked body split at every awkward place is the same webhook', async () => {
    const h = webhook()
    const chunks = [h.body.slice(0, 3), h.body.slice(3, 4), h.body.slice(4)]
    const encoded =
      chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n'
    const whole = head(h.signed, ['Transfer-Encoding: chunked']) + encoded
    const parts = Array.from({ length: Math.ceil(whole.length / 7) }, (_, i) =>
      whole.slice(i * 7, i * 7 + 7),
    )
    const answers = await exchange(parts)
    expect(answers[0]?.status).toBe(200)
    expect(await stored(h.delivery)).toBe(true)
  })

  const refused: [string, () => string][] = [
    [
      'bare LF line endings',
      () => {
        const h = webhook()
        return head(h.signed, [`Content-Length: ${Buffer.byteLength(h.body)}`], '\n') + h.body
      },
    ],
    [
      'an obs-fold (continuation line) header',
      () => {
        const h = webhook()
        return (
          head(h.signed, [
            'X-Folded: first',
            ' second',
            `Content-Length: ${Buffer.byteLength(h.body)}`,
          ]) + h.body
        )
      },
    ],
    [
      'two different Content-Length headers',
      () => {
        const h = webhook()
        return (
          head(h.signed, [`Content-Length: ${Buffer.byteLength(h.body)}`, 'Content-Length: 1']) +
          h.body
        )
      },
    ],
    [
      'Content-Length with a plus sign',
      () => {
        const h = webhook()
        return head(h.signed, [`Content-Length: +${Buffer.byteLength(h.body)}`]) + h.body
      },
    ],
    ['Content-Length in exponent notation', () => head({}, ['Content-Length: 1e1']) + '0123456789'],
    [
      'a space before the colon',
      () => {
        const h = webhook()
        return head(h.signed, [`Content-Length : ${Buffer.byteLength(h.body)}`]) + h.body
      },
    ],
    [
      'Transfer-Encoding other than chunked last',
      () => head({}, ['Transfer-Encoding: chunked, identity']) + '2\r\n{}\r\n0\r\n\r\n',
    ],
    [
      'a 20 KiB chunk extension',
      () =>
        head({}, ['Transfer-Encoding: chunked']) + `2;${'e'.repeat(20_000)}=1\r\n{}\r\n0\r\n\r\n`,
    ],
    [
      'a chunk size with 20 hex digits',
      () => head({}, ['Transfer-Encoding: chunked']) + `${'f'.repeat(20)}\r\n{}\r\n`,
    ],
    [
      'a chunk without its CRLF',
      () => head({}, ['Transfer-Encoding: chunked']) + '2\r\n{}XX0\r\n\r\n',
    ],
  ]
  it.each(refused)(
    '%s: the JSON refusal, connection closed, nothing stored',
    async (_name, make) => {
      const before = (await gw.admin<{ items: unknown[] }>('/api/events?source=gh&limit=200')).body
        .items.length
      const answers = await exchange(make())
      expect(answers).toHaveLength(1)
      const status = answers[0]?.status ?? 0
      expect(status).toBeGreaterThanOrEqual(400)
      expect(status).toBeLessThan(500)
      expectJsonRefusal(answers, status)
      expect(
        (await gw.admin<{ items: unknown[] }>('/api/events?source=gh&limit=200')).body.items.length,
      ).toBe(before)
    },
  )

  it('a duplicated identical Content-Length is refused too (Node is stricter than RFC 9110 §8.6 allows; either is safe)', async () => {
    const h = webhook()
    const length = Buffer.byteLength(h.body)
    const answers = await exchange(
      head(h.signed, [`Content-Length: ${length}`, `Content-Length: ${length}`]) + h.body,
    )
    expectJsonRefusal(answers, 400)
    expect(JSON.parse(answers[0]?.body ?? '').error.code).toBe('malformed_request')
    expect(await stored(h.delivery)).toBe(false)
  })
})
