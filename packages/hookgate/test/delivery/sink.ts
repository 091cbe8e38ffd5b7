/**
 * @module test/delivery/sink
 * A destination for delivery tests: a real `node:http` server on an ephemeral loopback port that records
 * every request (raw body bytes, headers) and answers according to its current mode:
 * `ok` (2xx), `status` (any status with headers: 500, 429 + Retry-After, 410, 301 + Location), `hang`
 * (never answers), `reset` (destroys the socket), `slow` (answers after a delay), `refuse` (stops listening,
 * so connections are refused, then listens again on the SAME port when the mode changes back).
 */
import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'

export type SinkMode =
  | { readonly kind: 'ok'; readonly status?: number; readonly body?: string }
  | {
      readonly kind: 'status'
      readonly status: number
      readonly headers?: Readonly<Record<string, string>>
      readonly body?: string
    }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'slow'; readonly delayMs: number; readonly status?: number }
  | { readonly kind: 'refuse' }

/** A fixed mode, or a function choosing one per request (`index` = requests received before it). */
export type SinkBehaviour = SinkMode | ((req: IncomingMessage, index: number) => SinkMode)

export interface Received {
  readonly path: string
  readonly method: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
  readonly sha256: string
  /** The mode that answered it. */
  readonly mode: SinkMode['kind']
}

export interface Sink {
  /** `http://127.0.0.1:<port>` (stable across `refuse`). */
  readonly origin: string
  readonly port: number
  readonly received: Received[]
  /** Requests currently held open by `hang` (or still waiting in `slow`). */
  readonly open: number
  /** Changes the mode; `refuse` closes the listener (and open connections), leaving it restarts it. */
  setMode(mode: SinkBehaviour): Promise<void>
  /** Resolves once `predicate` holds, checked on every request received (an event wait); throws after `timeoutMs`. */
  waitFor(predicate: (received: readonly Received[]) => boolean, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Starts a sink. */
export async function startSink(initial: SinkBehaviour = { kind: 'ok' }): Promise<Sink> {
  let mode: SinkBehaviour = initial
  const received: Received[] = []
  /** Emits `received` after each request is recorded. */
  const events = new EventEmitter()
  const sockets = new Set<Socket>()
  let open = 0
  let port = 0
  let server: Server | undefined
  let listening = false

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const current = typeof mode === 'function' ? mode(req, received.length) : mode
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string') headers[name] = value
    received.push({
      path: req.url ?? '',
      method: req.method ?? '',
      headers,
      body,
      sha256: sha256(body),
      mode: current.kind,
    })
    events.emit('received')
    switch (current.kind) {
      case 'ok':
        res
          .writeHead(current.status ?? 200, { 'content-type': 'text/plain' })
          .end(current.body ?? 'ok')
        return
      case 'status':
        res
          .writeHead(current.status, { 'content-type': 'text/plain', ...current.headers })
          .end(current.body ?? `status ${current.status}`)
        return
      case 'hang':
        open++
        res.once('close', () => open--)
        return
      case 'reset':
        req.socket.destroy()
        return
      case 'slow':
        open++
        await delay(current.delayMs)
        open--
        if (!res.destroyed) res.writeHead(current.status ?? 200).end('slow ok')
        return
      case 'refuse':
        // A request that slipped in before the listener closed.
        req.socket.destroy()
        return
    }
  }

  async function listen(): Promise<void> {
    const created = createServer((req, res) => {
      handle(req, res).catch(() => res.destroy())
    })
    created.keepAliveTimeout = 60_000
    created.on('connection', (socket) => {
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject)
      created.listen(port, '127.0.0.1', () => {
        created.off('error', reject)
        resolve()
      })
    })
    port = (created.address() as AddressInfo).port
    server = created
    listening = true
  }

  async function stop(): Promise<void> {
    if (!listening || server === undefined) return
    listening = false
    const current = server
    await new Promise<void>((resolve) => {
      current.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })
  }

  await listen()
  // Refusing from the start: the port is reserved by the first listen, then closed.
  if (typeof initial !== 'function' && initial.kind === 'refuse') await stop()
  return {
    get origin() {
      return `http://127.0.0.1:${port}`
    },
    get port() {
      return port
    },
    received,
    get open() {
      return open
    },
    async setMode(next) {
      const refuse = typeof next !== 'function' && next.kind === 'refuse'
      mode = next
      if (refuse) await stop()
      else if (!listening) await listen()
    },
    async waitFor(predicate, timeoutMs = 15_000) {
      if (predicate(received)) return
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!predicate(received)) return
          clearTimeout(timer)
          events.off('received', check)
          resolve()
        }
        const timer = setTimeout(() => {
          events.off('received', check)
          reject(
            new Error(
              `sink: condition not met within ${timeoutMs} ms (${received.length} received)`,
            ),
          )
        }, timeoutMs)
        events.on('received', check)
      })
    },
    close: stop,
  }
}
