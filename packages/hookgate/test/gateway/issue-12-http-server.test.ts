/**
 * Issue 12, items 4, 6 and 7: the listening server on 127.0.0.1, driven with raw sockets (`node:net`).
 * - 7: `server.headersTimeout` / `server.bodyTimeout` are configurable and enforced (small values here);
 * - 6: requests Node refuses on its own get the gateway's JSON error with `Connection: close`;
 * - 4: `server.maxConnections` and `server.maxConnectionsPerClient` close excess connections on accept, and
 *   a valid sender (another loopback address, 127.0.0.2) is served while one client holds its idle sockets.
 * Every wait is on an event (data, close, connect) with a bound, never a fixed sleep.
 */
import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { parseConfig, type HookgateConfig } from '../../src/config.ts'
import { startGateway, type Running } from './harness.ts'
import { seededRandom, testSeed } from '../seed.ts'

/** Makes each webhook body distinct; seeded (HOOKGATE_TEST_SEED). */
const random = seededRandom(testSeed(0x1212_0001))

const GITHUB_SECRET = 'github-webhook-secret-0123456789'
const github = providers.github({ secrets: [GITHUB_SECRET] })
type ServerOptions = NonNullable<HookgateConfig['server']>

const running: Running[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  for (const gw of running.splice(0)) await gw.close()
})

async function gateway(server: ServerOptions): Promise<{ gw: Running; port: number }> {
  const gw = await startGateway({
    server: { shutdownGrace: 0, ...server },
    sources: [{ id: 'gh', provider: 'github', secrets: [GITHUB_SECRET] }],
  })
  running.push(gw)
  return { gw, port: Number(new URL(gw.url).port) }
}

interface RawAnswer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly json: unknown
  /** From the first byte written (or the connection, when nothing is written) to the server closing. */
  readonly elapsedMs: number
}

/** Writes `data` (nothing: an idle connection) and collects what the server answers until it closes the connection. */
function rawExchange(port: number, data: string | undefined, boundMs = 5_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' })
    sockets.push(socket)
    const chunks: Buffer[] = []
    let started = 0
    const bound = setTimeout(() => {
      socket.destroy()
      reject(
        new Error(
          `no complete answer within ${boundMs} ms: ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`,
        ),
      )
    }, boundMs)
    socket.on('connect', () => {
      started = performance.now()
      if (data !== undefined) socket.write(data)
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', () => undefined) // a reset after the answer is read is fine; the assertions look at the answer
    socket.on('close', () => {
      clearTimeout(bound)
      const text = Buffer.concat(chunks).toString('latin1')
      const split = text.indexOf('\r\n\r\n')
      const [statusLine = '', ...lines] = text
        .slice(0, split === -1 ? text.length : split)
        .split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      }
      let json: unknown
      try {
        json = JSON.parse(text.slice(split + 4))
      } catch {
        json = undefined
      }
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1] ?? 0),
        headers,
        json,
        elapsedMs: performance.now() - started,
      })
    })
  })
}

/** The gateway's error shape, closed after it. */
function expectJsonError(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status).toBe(status)
  expect(answer.headers['content-type']).toBe('application/json; charset=utf-8')
  expect(answer.headers.connection).toBe('close')
  expect(answer.json).toEqual({ error: { code, message: expect.any(String) } })
}

/** Opens a connection from `localAddress` and resolves once it is connected or refused (closed by the server). */
function openIdle(
  port: number,
  localAddress: string,
): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    sockets.push(socket)
    const closed = new Promise<void>((done) => socket.once('close', () => done()))
    socket.on('error', () => undefined)
    socket.once('connect', () => resolve({ socket, closed }))
    void closed.then(() => reject(new Error('closed before connecting')))
  })
}

/** A signed webhook sent from `localAddress`; resolves with the status (0 when the connection failed). */
function sendWebhook(port: number, localAddress: string): Promise<number> {
  const body = JSON.stringify({ zen: 'served during a flood', n: random() })
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        localAddress,
        path: '/webhooks/gh',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', ...signWebhook(github, { body }) },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', () => resolve(0))
    req.end(body)
  })
}

/** GET /metrics from `localAddress`. */
function metricsFrom(port: number, localAddress: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, localAddress, path: '/metrics', agent: false },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => resolve(text))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

describe('timeouts (server.headersTimeout, server.bodyTimeout)', () => {
  it('a connection that sends nothing, or only part of its headers, gets 408 JSON after server.headersTimeout', async () => {
    const { port } = await gateway({ headersTimeout: 200, bodyTimeout: 10_000 })
    const idle = await rawExchange(port, undefined)
    expectJsonError(idle, 408, 'request_timeout')
    expect(idle.elapsedMs).toBeGreaterThanOrEqual(150)
    expect(idle.elapsedMs).toBeLessThan(2_000)
    const partial = await rawExchange(
      port,
      'POST /webhooks/gh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: app',
    )
    expectJsonError(partial, 408, 'request_timeout')
    expect(partial.elapsedMs).toBeLessThan(2_000)
  })

  it('a body that does not arrive within server.bodyTimeout gets 408 JSON naming the setting', async () => {
    const { port } = await gateway({ headersTimeout: '5s', bodyTimeout: '250ms' })
    const answer = await rawExchange(
      port,
      'POST /webhooks/gh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"partial":',
    )
    expectJsonError(answer, 408, 'request_timeout')
    expect((answer.json as { error: { message: string } }).error.message).toMatch(
      /server\.bodyTimeout \(250 ms\)/,
    )
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(200)
    expect(answer.elapsedMs).toBeLessThan(2_000)
  })

  it('timeouts take durations or milliseconds; defaults suit webhooks (headers 10 s, body 30 s)', () => {
    const parse = (server: ServerOptions) =>
      parseConfig(
        { server, sources: [{ id: 'gh', provider: 'github', secrets: [GITHUB_SECRET] }] },
        { env: {} },
      ).server
    expect(parse({})).toMatchObject({ headersTimeoutMs: 10_000, bodyTimeoutMs: 30_000 })
    expect(parse({ headersTimeout: '2s', bodyTimeout: 1500 })).toMatchObject({
      headersTimeoutMs: 2_000,
      bodyTimeoutMs: 1_500,
    })
    expect(() => parse({ headersTimeout: 0 })).toThrow(/server\.headersTimeout: must be from 1 ms/)
    expect(() => parse({ bodyTimeout: 'soon' })).toThrow(/server\.bodyTimeout: must be a duration/)
  })
})

describe('answers Node would give bare are the gateway JSON error (clientError)', () => {
  const cases: [string, string, number, string][] = [
    [
      'Content-Length with Transfer-Encoding',
      'POST /webhooks/gh HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      'malformed_request',
    ],
    [
      'a negative Content-Length',
      'POST /webhooks/gh HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      400,
      'malformed_request',
    ],
    [
      'a huge Content-Length',
      'POST /webhooks/gh HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n',
      400,
      'malformed_request',
    ],
    [
      'a NUL in a header value',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Odd: a\u0000b\r\n\r\n',
      400,
      'malformed_request',
    ],
    ['an invalid method', 'G@T /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'malformed_request'],
    [
      'a bad chunk size mid-request',
      'POST /webhooks/gh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      400,
      'malformed_request',
    ],
    [
      'headers over 16 KiB',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    ['an HTTP/1.1 request without Host', 'GET /healthz HTTP/1.1\r\n\r\n', 400, 'malformed_request'],
    [
      'an Expect other than 100-continue',
      'POST /webhooks/gh HTTP/1.1\r\nHost: x\r\nExpect: the-unexpected\r\nContent-Length: 2\r\n\r\n{}',
      417,
      'expectation_failed',
    ],
  ]
  it.each(cases)('%s', async (_name, data, status, code) => {
    const { gw, port } = await gateway({})
    expectJsonError(await rawExchange(port, data), status, code)
    // The gateway still serves afterwards, and counts what it answered.
    const metrics = await (await fetch(`${gw.url}/metrics`)).text()
    expect(metricValue(metrics, `hookgate_client_errors_total{code="${code}"}`)).toBe(1)
  })
})

describe('connection caps (server.maxConnections, server.maxConnectionsPerClient)', () => {
  /** Opens `count` idle connections from `localAddress`; resolves once `closedByServer` of them were closed. */
  async function flood(
    port: number,
    localAddress: string,
    count: number,
    closedByServer: number,
  ): Promise<Socket[]> {
    const entries = await Promise.all(
      Array.from({ length: count }, () => openIdle(port, localAddress)),
    )
    let closed = 0
    await new Promise<void>((resolve) => {
      if (closedByServer === 0) resolve()
      for (const entry of entries) {
        void entry.closed.then(() => {
          closed += 1
          if (closed === closedByServer) resolve()
        })
      }
    })
    return entries.map((entry) => entry.socket).filter((socket) => !socket.destroyed)
  }

  it('one client holding idle sockets gets no more than its cap, and another sender is served meanwhile', async () => {
    const { port } = await gateway({
      maxConnections: 100,
      maxConnectionsPerClient: 20,
      headersTimeout: '20s',
    })
    // 300 idle connections from 127.0.0.1 (the kernel accepts them all); the gateway closes all but 20 at once.
    const held = await flood(port, '127.0.0.1', 300, 280)
    expect(held).toHaveLength(20)

    // While those 20 are held, a webhook from another address is answered at once.
    const started = performance.now()
    expect(await sendWebhook(port, '127.0.0.2')).toBe(200)
    expect(performance.now() - started).toBeLessThan(2_000)
    // fetch connects from 127.0.0.1, which is at its cap: ask from 127.0.0.2.
    const metrics = await metricsFrom(port, '127.0.0.2')
    expect(metricValue(metrics, 'hookgate_connections_refused_total{reason="per_client"}')).toBe(
      280,
    )
    expect(held.every((socket) => !socket.destroyed)).toBe(true)
  })

  it('past server.maxConnections new connections are closed on accept; freed slots serve again', async () => {
    const { gw, port } = await gateway({
      maxConnections: 30,
      maxConnectionsPerClient: 1_000,
      headersTimeout: '20s',
    })
    const held = await flood(port, '127.0.0.3', 50, 20)
    expect(held).toHaveLength(30)
    // Full: the next connection is closed too, whoever opens it...
    expect(await sendWebhook(port, '127.0.0.2')).toBe(0)
    // ...until slots are free again.
    for (const socket of held) socket.destroy()
    let status = 0
    for (let tries = 0; tries < 50 && status !== 200; tries++)
      status = await sendWebhook(port, '127.0.0.2')
    expect(status).toBe(200)
    const metrics = await (
      await fetch(`${gw.url}/metrics`, { headers: { connection: 'close' } })
    ).text()
    expect(
      metricValue(metrics, 'hookgate_connections_refused_total{reason="max_connections"}'),
    ).toBeGreaterThanOrEqual(21)
  })
})
