/**
 * @module http/body
 * Reads a request body as raw bytes with a size cap enforced while streaming: the read stops at the first
 * chunk past the limit, so an oversized (or endless chunked) body never sits in memory. A declared
 * `Content-Length` above the limit is refused before a single body byte is read. A `node:http` body must also
 * arrive within `server.bodyTimeout` of the read's start (a provider sends its body at once; a slow drip is
 * a client holding a connection).
 */
import { Buffer } from 'node:buffer'
import type { IncomingMessage } from 'node:http'

export type BodyResult =
  | { readonly kind: 'ok'; readonly body: Buffer }
  /** More than `limit` bytes arrived (or were declared); `bytesRead` counts what was read before stopping. */
  | { readonly kind: 'too_large'; readonly bytesRead: number }
  /** The client went away, or the stream failed, before the end of the body. */
  | { readonly kind: 'aborted' }
  /** The body did not arrive within the time allowed (the request is left paused; answer with `Connection: close`). */
  | { readonly kind: 'timeout'; readonly bytesRead: number }

/** The declared `Content-Length`, when it is a plain decimal number. */
export function declaredLength(value: string | readonly string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value)) return undefined
  return Number(value)
}

/**
 * Reads a `node:http` request body, stopping past `limit` bytes or after `timeoutMs`.
 * On `too_large` and `timeout` the request is left paused: the caller answers with `Connection: close`, so
 * the rest is never read.
 */
export function readNodeBody(
  req: IncomingMessage,
  limit: number,
  timeoutMs: number,
): Promise<BodyResult> {
  const declared = declaredLength(req.headers['content-length'])
  if (declared !== undefined && declared > limit)
    return Promise.resolve({ kind: 'too_large', bytesRead: 0 })
  if (req.readableEnded) return Promise.resolve({ kind: 'ok', body: Buffer.alloc(0) })
  return new Promise<BodyResult>((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const timer = setTimeout(() => {
      req.pause()
      finish({ kind: 'timeout', bytesRead: size })
    }, timeoutMs)
    const finish = (result: BodyResult): void => {
      clearTimeout(timer)
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onAbort)
      req.off('close', onClose)
      resolve(result)
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        req.pause()
        finish({ kind: 'too_large', bytesRead: size })
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void =>
      finish({
        kind: 'ok',
        body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size),
      })
    const onAbort = (): void => finish({ kind: 'aborted' })
    // 'close' before 'end' means the connection dropped mid-body.
    const onClose = (): void => {
      if (!req.complete) finish({ kind: 'aborted' })
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onAbort)
    req.on('close', onClose)
  })
}

/** Reads a Fetch API body stream, stopping past `limit` bytes (the rest of the stream is cancelled). */
export async function readStreamBody(
  stream: ReadableStream<Uint8Array> | null,
  declared: number | undefined,
  limit: number,
): Promise<BodyResult> {
  if (declared !== undefined && declared > limit) {
    await stream?.cancel().catch(() => undefined)
    return { kind: 'too_large', bytesRead: 0 }
  }
  if (stream === null) return { kind: 'ok', body: Buffer.alloc(0) }
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > limit) {
        await reader.cancel().catch(() => undefined)
        return { kind: 'too_large', bytesRead: size }
      }
      chunks.push(value)
    }
  } catch {
    return { kind: 'aborted' }
  }
  return { kind: 'ok', body: Buffer.concat(chunks, size) }
}
