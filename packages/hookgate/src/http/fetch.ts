/**
 * @module http/fetch
 * Fetch API adapter: `Request` → {@link CoreRequest}, {@link CoreResponse} → `Response`, for runtimes and
 * frameworks that speak `fetch(Request): Promise<Response>` (Hono, Bun, Deno, tests).
 */
import { declaredLength, readStreamBody } from './body.ts'
import type { CoreRequest, CoreResponse } from './response.ts'

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
    readBody: (limit) => readStreamBody(request.body, declaredLength(headers['content-length']), limit),
  }
}

/** @internal */
export function toFetch(response: CoreResponse, head = false): Response {
  const body = head || response.body === undefined ? null : response.body
  return new Response(body as BodyInit | null, { status: response.status, headers: response.headers })
}
