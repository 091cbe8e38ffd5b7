/**
 * @module http/node
 * `node:http` adapter: `IncomingMessage` → {@link CoreRequest}, {@link CoreResponse} → `ServerResponse`.
 * This is the gateway's hot path, so it skips building a WHATWG `Request` per webhook (undici's constructor
 * costs more than verifying the HMAC); the core is the same one `fetch.ts` feeds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { readNodeBody } from './body.ts'
import type { CoreRequest, CoreResponse, HeaderRecord, StreamSink } from './response.ts'

/** @internal `bodyTimeoutMs`: how long the body may take once the handler starts reading it. */
export function fromNode(req: IncomingMessage, bodyTimeoutMs: number): CoreRequest {
  return {
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    headers: req.headers,
    get distinctHeaders() {
      return distinctHeaders(req)
    },
    peerAddress: req.socket.remoteAddress,
    readBody: (limit) => readNodeBody(req, limit, bodyTimeoutMs),
  }
}

/**
 * The headers with repeats kept apart. When no name came twice (every raw header made its own key: the usual
 * case), `req.headers` already is that view and Node's `headersDistinct` (an array per header) is skipped.
 */
function distinctHeaders(req: IncomingMessage): HeaderRecord {
  const headers = req.headers
  let names = 0
  for (const _ in headers) names++
  return names * 2 === req.rawHeaders.length ? headers : req.headersDistinct
}

/** @internal Writes the core response; `close` ends the connection without reading the rest of the request. */
export function writeNode(res: ServerResponse, response: CoreResponse, head = false): void {
  if (res.headersSent || res.destroyed) return
  if (response.stream !== undefined && !head) {
    res.writeHead(
      response.status,
      response.close === true ? { ...response.headers, connection: 'close' } : response.headers,
    )
    res.flushHeaders()
    response.stream(nodeSink(res))
    return
  }
  const headers: Record<string, string> = { ...response.headers }
  let body = response.body
  if (body !== undefined)
    headers['content-length'] = String(
      typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
    )
  if (response.close === true) headers.connection = 'close'
  if (head) body = undefined
  res.writeHead(response.status, headers)
  res.end(body)
}

/** A {@link StreamSink} over a `ServerResponse` (`writableLength` counts what the socket has not taken yet). */
function nodeSink(res: ServerResponse): StreamSink {
  return {
    write(chunk) {
      if (!res.writableEnded && !res.destroyed) res.write(chunk)
    },
    get bufferedBytes() {
      return res.writableLength
    },
    end() {
      if (!res.writableEnded) res.end()
    },
    destroy() {
      res.destroy()
    },
    onClose(listener) {
      if (res.closed) queueMicrotask(listener)
      else res.once('close', listener)
    },
  }
}
