/**
 * @module http/fetch
 * Fetch API adapter: `Request` → {@link CoreRequest}, {@link CoreResponse} → `Response`, for runtimes and
 * frameworks that speak `fetch(Request): Promise<Response>` (Hono, Bun, Deno, tests).
 */
import { declaredLength, readStreamBody } from './body.ts'
import type { CoreRequest, CoreResponse, StreamSink } from './response.ts'

/** @internal */
export function fromFetch(request: Request, peerAddress: string | undefined): CoreRequest {
  const url = new URL(request.url)
  const headers: Record<string, string> = {}
  request.headers.forEach((value, name) => {
    headers[name] = value
  })
  return {
    method: request.method,
    target: url.pathname + url.search,
    headers,
    distinctHeaders: headers,
    peerAddress,
    readBody: (limit) =>
      readStreamBody(request.body, declaredLength(headers['content-length']), limit),
  }
}

/** @internal */
export function toFetch(response: CoreResponse, head = false): Response {
  if (response.stream !== undefined && !head)
    return new Response(fetchStream(response.stream), {
      status: response.status,
      headers: response.headers,
    })
  const body = head || response.body === undefined ? null : response.body
  return new Response(body as BodyInit | null, {
    status: response.status,
    headers: response.headers,
  })
}

/** A streamed answer as a `ReadableStream`; `bufferedBytes` is what the reader has not pulled yet. */
function fetchStream(start: (sink: StreamSink) => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let done = false
  const closeListeners: (() => void)[] = []
  const finish = (): void => {
    if (done) return
    done = true
    for (const listener of closeListeners.splice(0)) listener()
  }
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
      },
      cancel() {
        finish()
      },
    },
    // Sized in bytes, so `desiredSize` is minus the bytes queued and not yet read.
    { highWaterMark: 0, size: (chunk) => chunk.byteLength },
  )
  const sink: StreamSink = {
    write(chunk) {
      if (done) return
      controller.enqueue(encoder.encode(chunk))
    },
    get bufferedBytes() {
      return done ? 0 : Math.max(0, -(controller.desiredSize ?? 0))
    },
    end() {
      if (done) return
      controller.close()
      finish()
    },
    destroy() {
      if (done) return
      controller.error(new Error('stream cut: the client is too slow'))
      finish()
    },
    onClose(listener) {
      if (done) queueMicrotask(listener)
      else closeListeners.push(listener)
    },
  }
  start(sink)
  return stream
}
