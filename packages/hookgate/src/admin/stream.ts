/**
 * @module admin/stream
 * `GET /api/stream`: the gateway's live traffic as server-sent events (bearer `admin.token` or a dashboard session, checked by `api.ts`
 * before anything here runs). Fed by the in-process bus (`events.ts`), so it shows this instance's traffic only:
 * with PostgreSQL and several instances, each instance streams what it received and delivered.
 *
 * ```
 * event: webhook      data: {"id","source","provider","eventType","receivedAt","duplicate"}
 * event: rejection    data: {"source","status","reason","receivedAt"}
 * event: delivery     data: {"eventId","deliveryId","destination","attempt","status","error","durationMs","outcome","startedAt"}
 * : heartbeat         (a comment line every `heartbeatMs`, default 15 s, so proxies keep the connection open)
 * ```
 * Metadata only: never headers, bodies, secrets or destination URLs. No replay of the past (`Last-Event-ID` is
 * ignored): read `GET /api/events` for that.
 *
 * Memory is bounded per client: a client that does not read fast enough to keep its unsent bytes under
 * `maxBufferedBytes` is cut (and may reconnect), rather than the gateway buffering for it without end. At most
 * `maxClients` streams are open at once (503 beyond). `close()` ends every stream cleanly (gateway shutdown).
 */
import type { GatewayEvents } from '../events.ts'
import type { GatewayLogger } from '../logger.ts'
import { errorResponse, type CoreResponse, type StreamSink } from '../http/response.ts'

export interface EventStreamOptions {
  readonly events: GatewayEvents
  /** Interval of the heartbeat comment lines. Default 15 000 ms. */
  readonly heartbeatMs?: number
  /** Unsent bytes a client may have before it is cut. Default 1 MiB. */
  readonly maxBufferedBytes?: number
  /** Streams open at once. Default 100. */
  readonly maxClients?: number
  readonly logger?: GatewayLogger
}

/** @internal */
export interface EventStream {
  /** The answer to `GET /api/stream`. */
  respond(): CoreResponse
  /** Streams open now. */
  readonly clients: number
  /** Ends every stream and refuses new ones (gateway shutdown). Idempotent. */
  close(): void
}

export const DEFAULT_HEARTBEAT_MS = 15_000
export const DEFAULT_MAX_BUFFERED_BYTES = 1_048_576
export const DEFAULT_MAX_STREAM_CLIENTS = 100

/** One SSE message: `event:` and a single-line JSON `data:` (JSON.stringify never emits a raw newline). */
function message(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

/**
 * Creates the stream hub over the gateway's bus.
 * @example
 * const stream = createEventStream({ events })
 * // in the admin router: if (pathname === '/api/stream') return stream.respond()
 */
export function createEventStream(options: EventStreamOptions): EventStream {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS
  const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES
  const maxClients = options.maxClients ?? DEFAULT_MAX_STREAM_CLIENTS
  const logger = options.logger
  const sinks = new Set<StreamSink>()
  let closed = false
  let heartbeat: NodeJS.Timeout | undefined
  let unsubscribe: (() => void) | undefined

  /** Writes to one client, cutting it when it has fallen too far behind. */
  function send(sink: StreamSink, chunk: string): void {
    sink.write(chunk)
    if (sink.bufferedBytes > maxBuffered) {
      sinks.delete(sink)
      logger?.warn(
        { bufferedBytes: sink.bufferedBytes, maxBufferedBytes: maxBuffered },
        'event stream client too slow: disconnected',
      )
      sink.destroy()
    }
  }

  function broadcast(chunk: string): void {
    for (const sink of [...sinks]) send(sink, chunk)
  }

  function subscribe(): void {
    const { events } = options
    const offs = [
      events.on('event:stored', (e) =>
        broadcast(
          message('webhook', {
            id: e.id,
            source: e.sourceId,
            provider: e.provider,
            eventType: e.eventType ?? null,
            receivedAt: e.receivedAt.toISOString(),
            duplicate: e.duplicate,
          }),
        ),
      ),
      events.on('rejection:recorded', (r) =>
        broadcast(
          message('rejection', {
            source: r.sourceId,
            status: r.status,
            reason: r.reason,
            receivedAt: r.receivedAt.toISOString(),
          }),
        ),
      ),
      events.on('delivery:attempted', (d) =>
        broadcast(
          message('delivery', {
            eventId: d.eventId,
            deliveryId: d.deliveryId,
            destination: d.destinationId,
            attempt: d.attempt,
            status: d.statusCode ?? null,
            // Only the error's code (`timeout`, `connection_refused`…): its message may name hosts.
            error: d.error === undefined ? null : (d.error.split(':')[0] ?? null),
            durationMs: Math.round(d.durationMs * 10) / 10,
            outcome: d.outcome,
            startedAt: d.startedAt.toISOString(),
          }),
        ),
      ),
    ]
    unsubscribe = () => {
      for (const off of offs) off()
    }
    heartbeat = setInterval(() => broadcast(': heartbeat\n\n'), heartbeatMs)
    heartbeat.unref()
  }

  /** Nobody listens: stop paying for the subscriptions and the timer. */
  function idle(): void {
    if (sinks.size > 0) return
    unsubscribe?.()
    unsubscribe = undefined
    if (heartbeat !== undefined) clearInterval(heartbeat)
    heartbeat = undefined
  }

  function attach(sink: StreamSink): void {
    if (closed) {
      sink.end()
      return
    }
    if (sinks.size === 0) subscribe()
    sinks.add(sink)
    sink.onClose(() => {
      sinks.delete(sink)
      idle()
    })
    // `retry`: how long an EventSource waits before reconnecting; the comment shows the stream is live.
    send(sink, 'retry: 3000\n: connected\n\n')
  }

  return {
    respond() {
      if (closed)
        return errorResponse(503, 'shutting_down', 'The gateway is shutting down.', {
          headers: { 'retry-after': '5' },
          close: true,
        })
      if (sinks.size >= maxClients) {
        return errorResponse(
          503,
          'too_many_streams',
          `At most ${maxClients} event streams may be open at once.`,
          { headers: { 'retry-after': '5' } },
        )
      }
      return {
        status: 200,
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          // Proxies such as nginx would otherwise hold the events back in their buffers.
          'x-accel-buffering': 'no',
        },
        body: undefined,
        stream: attach,
      }
    },
    get clients() {
      return sinks.size
    },
    close() {
      if (closed) return
      closed = true
      for (const sink of [...sinks]) sink.end()
      sinks.clear()
      idle()
    },
  }
}
