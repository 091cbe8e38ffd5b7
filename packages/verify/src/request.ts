/**
 * @module request
 * The framework-neutral inbound request every preset verifies.
 */

/** Header values as `node:http` gives them (names lower-case), or a Fetch `Headers` object. */
export type HeadersLike =
  Headers | Readonly<Record<string, string | readonly string[] | number | undefined>>

/** A webhook request exactly as received. */
export interface WebhookRequest {
  /** HTTP method, e.g. `POST`. Defaults to `POST` where it matters (Twilio). */
  readonly method?: string
  /**
   * The full URL the provider called, as a string so its exact encoding survives
   * (Twilio signs it byte for byte). Behind a proxy, pass the public URL (see the `publicUrl` options).
   */
  readonly url?: string
  readonly headers: HeadersLike
  /** The body bytes exactly as received. A string is taken as its UTF-8 bytes. Never a parsed object. */
  readonly rawBody: Uint8Array | string
}

/**
 * Reads a Fetch API `Request` (Next.js route handlers, Hono, Bun, Deno, Workers) into a {@link WebhookRequest}.
 * @example const verified = verifyWebhook(preset, await fromFetchRequest(request))
 */
export async function fromFetchRequest(request: Request): Promise<WebhookRequest> {
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    rawBody: new Uint8Array(await request.arrayBuffer()),
  }
}
