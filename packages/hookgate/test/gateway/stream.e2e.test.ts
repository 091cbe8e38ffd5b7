/**
 * `GET /api/stream` (server-sent events) over HTTP: bearer auth, the `connected` comment, heartbeats (a short
 * interval injected), one `webhook` per stored event and one `rejection` per refusal (metadata only), the end
 * of every stream on gateway shutdown; and, on the hub itself, a client too slow to read is cut.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { createEventStream } from '../../src/admin/stream.ts'
import { createGatewayEvents } from '../../src/events.ts'
import type { StreamSink } from '../../src/http/response.ts'
import { ADMIN_TOKEN, startGateway, type Running } from './harness.ts'

const SECRET = 'github-webhook-secret-stream-0123456789'
const github = providers.github({ secrets: [SECRET] })

let gw: Running
beforeAll(async () => {
  gw = await startGateway(
    { sources: [{ id: 'gh', provider: 'github', secrets: [SECRET] }] },
    { gateway: { stream: { heartbeatMs: 50 } } },
  )
})
afterAll(() => gw.close())

interface Frame {
  readonly comments: string[]
  readonly event?: string
  readonly data?: string
}

/** Opens the stream and yields its frames (blocks separated by a blank line). */
async function open(url: string) {
  const response = await fetch(`${url}/api/stream`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  expect(response.status).toBe(200)
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  return {
    response,
    /** The next frame satisfying `match`, skipping others; `undefined` once the stream ended. */
    async next(match: (frame: Frame) => boolean = () => true): Promise<Frame | undefined> {
      for (;;) {
        const end = buffer.indexOf('\n\n')
        if (end !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const frame: { comments: string[]; event?: string; data?: string } = { comments: [] }
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) frame.comments.push(line.slice(1).trim())
            else if (line.startsWith('event: ')) frame.event = line.slice(7)
            else if (line.startsWith('data: ')) frame.data = line.slice(6)
          }
          if (match(frame)) return frame
          continue
        }
        const { value, done } = await reader.read()
        if (done) return undefined
        buffer += value
      }
    },
    cancel: () => reader.cancel(),
  }
}

describe('GET /api/stream', () => {
  it('answers 401 without the admin token, with a wrong one, and to ?token= (the header only)', async () => {
    for (const init of [{}, { headers: { authorization: 'Bearer not-the-token-0123456789' } }]) {
      const response = await fetch(`${gw.url}/api/stream`, init)
      expect(response.status).toBe(401)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    }
    expect((await fetch(`${gw.url}/api/stream?token=${ADMIN_TOKEN}`)).status).toBe(401)
  })

  it('streams text/event-stream: connected, heartbeats, a webhook and a rejection, metadata only', async () => {
    const stream = await open(gw.url)
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(stream.response.headers.get('cache-control')).toBe('no-store')
    expect((await stream.next())?.comments).toContain('connected')
    expect((await stream.next((f) => f.comments.includes('heartbeat')))?.comments).toEqual([
      'heartbeat',
    ])

    const body = '{"secret-looking":"body-content-xyz"}'
    const accepted = await fetch(`${gw.url}/webhooks/gh`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-delivery': 'stream-1',
        'x-github-event': 'push',
        ...signWebhook(github, { body }),
      },
      body,
    })
    const { id } = (await accepted.json()) as { id: string }
    const webhook = await stream.next((f) => f.event !== undefined)
    expect(webhook?.event).toBe('webhook')
    expect(JSON.parse(webhook?.data ?? '')).toEqual({
      id,
      source: 'gh',
      provider: 'github',
      eventType: 'push',
      receivedAt: expect.any(String),
      duplicate: false,
    })
    expect(webhook?.data).not.toContain('body-content-xyz')

    expect((await fetch(`${gw.url}/webhooks/gh`, { method: 'POST', body: '{}' })).status).toBe(400)
    const rejection = await stream.next((f) => f.event !== undefined)
    expect(rejection?.event).toBe('rejection')
    expect(JSON.parse(rejection?.data ?? '')).toEqual({
      source: 'gh',
      status: 400,
      reason: 'missing_signature',
      receivedAt: expect.any(String),
    })
    await stream.cancel()
  })

  it('outlives server.headersTimeout + bodyTimeout (those bound receiving a request, not a streamed answer)', async () => {
    const strict = await startGateway(
      {
        server: { headersTimeout: '100ms', bodyTimeout: '100ms' },
        sources: [{ id: 'gh', provider: 'github', secrets: [SECRET] }],
      },
      { gateway: { stream: { heartbeatMs: 50 } } },
    )
    try {
      const stream = await open(strict.url)
      const opened = Date.now()
      let heartbeats = 0
      // Four times the request deadline (200 ms), counted in heartbeats rather than slept.
      while (Date.now() - opened < 800) {
        const frame = await stream.next((f) => f.comments.includes('heartbeat'))
        expect(frame, 'the stream was cut').toBeDefined()
        heartbeats++
      }
      expect(heartbeats).toBeGreaterThan(5)
      await stream.cancel()
    } finally {
      await strict.close()
    }
  })

  it('ends every open stream cleanly when the gateway shuts down', async () => {
    const other = await startGateway({
      sources: [{ id: 'gh', provider: 'github', secrets: [SECRET] }],
    })
    const stream = await open(other.url)
    expect((await stream.next())?.comments).toContain('connected')
    const started = Date.now()
    await other.close()
    expect(await stream.next()).toBeUndefined()
    // Not held for server.shutdownTimeoutMs (10 s) by a stream that never ends on its own.
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

describe('the stream hub', () => {
  function fakeSink() {
    const state = {
      written: '',
      buffered: 0,
      destroyed: false,
      ended: false,
      onClose: [] as (() => void)[],
    }
    const sink: StreamSink = {
      write(chunk) {
        state.written += chunk
      },
      get bufferedBytes() {
        return state.buffered
      },
      end() {
        state.ended = true
      },
      destroy() {
        state.destroyed = true
      },
      onClose(listener) {
        state.onClose.push(listener)
      },
    }
    return { sink, state }
  }
  const rejection = {
    sourceId: 's',
    status: 401,
    reason: 'signature_mismatch',
    receivedAt: new Date(0),
  }

  it('cuts a client whose unsent bytes pass maxBufferedBytes and keeps the others', () => {
    const events = createGatewayEvents()
    const hub = createEventStream({ events, maxBufferedBytes: 1000 })
    const slow = fakeSink()
    const fast = fakeSink()
    for (const client of [slow, fast]) hub.respond().stream?.(client.sink)
    expect(hub.clients).toBe(2)
    events.emit('rejection:recorded', rejection)
    slow.state.buffered = 1001
    events.emit('rejection:recorded', rejection)
    expect(slow.state.destroyed).toBe(true)
    expect(fast.state.destroyed).toBe(false)
    expect(hub.clients).toBe(1)
    events.emit('rejection:recorded', rejection)
    expect(fast.state.written.match(/event: rejection/g)).toHaveLength(3)
    hub.close()
    expect(fast.state.ended).toBe(true)
    expect(hub.respond().status).toBe(503)
  })

  it('refuses streams past maxClients with 503 too_many_streams', () => {
    const hub = createEventStream({ events: createGatewayEvents(), maxClients: 1 })
    hub.respond().stream?.(fakeSink().sink)
    const refused = hub.respond()
    expect(refused.status).toBe(503)
    expect(JSON.parse(String(refused.body)).error.code).toBe('too_many_streams')
    hub.close()
  })
})
