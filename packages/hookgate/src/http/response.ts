/**
 * @module http/response
 * The server-neutral request and response the gateway's core works on. Adapters (`node.ts`, `fetch.ts`) only
 * move bytes and headers in and out, so `node:http` and `fetch(Request)` share one pipeline.
 */
import type { BodyResult } from './body.ts'
import type { GatewayErrorCode } from '../errors.ts'

/** Header values as `node:http` gives them: lower-case names, repeats either joined or kept apart. */
export type HeaderRecord = Readonly<Record<string, string | readonly string[] | undefined>>

/** @internal A request as the core sees it. */
export interface CoreRequest {
  readonly method: string
  /** Path and query exactly as received (`/webhooks/x?a=1`), undecoded: Twilio signs it byte for byte. */
  readonly target: string
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: HeaderRecord
  /** Lower-case names; repeated headers kept apart, so verification can refuse a repeated signature header. */
  readonly distinctHeaders: HeaderRecord
  /** The TCP peer (`undefined` when the server does not say, e.g. a bare `fetch` call). */
  readonly peerAddress: string | undefined
  /** Reads the body once, capped at `limit` bytes. */
  readBody(limit: number): Promise<BodyResult>
}

/** @internal A response as the core produces it. */
export interface CoreResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | Uint8Array | undefined
  /**
   * Close the connection after answering: set when the request body was not read to its end (413, 403, …),
   * so the server never reads (nor keeps buffering) the rest of an unwanted body.
   */
  readonly close?: boolean
  /**
   * A streamed answer (server-sent events): when set, `body` is ignored, the headers go out at once without a
   * length, and `stream` is handed the sink to write to until it (or the client) ends it. Not for HEAD.
   */
  readonly stream?: (sink: StreamSink) => void
}

/** @internal Where a streamed answer writes. */
export interface StreamSink {
  /** Queues a chunk; never blocks. Check `bufferedBytes` to bound what a slow client costs. */
  write(chunk: string): void
  /** Bytes written but not yet handed to the network (the client is slower than the stream). */
  readonly bufferedBytes: number
  /** Ends the answer cleanly. */
  end(): void
  /** Cuts the connection (a client too slow to keep up). */
  destroy(): void
  /** Called once when the answer is over, whoever ended it (the client going away included). */
  onClose(listener: () => void): void
}

const JSON_TYPE = 'application/json; charset=utf-8'

/** A JSON answer. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): CoreResponse {
  return {
    status,
    headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  }
}

/** Every error answer: `{"error": {"code": "<reason>", "message": "…"}}`. */
export function errorResponse(
  status: number,
  code: GatewayErrorCode,
  message: string,
  options: { headers?: Readonly<Record<string, string>>; close?: boolean } = {},
): CoreResponse {
  const response = jsonResponse(status, { error: { code, message } }, options.headers)
  return options.close === true ? { ...response, close: true } : response
}
