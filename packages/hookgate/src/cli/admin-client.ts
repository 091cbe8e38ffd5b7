/**
 * @module cli/admin-client
 * How the `hookgate events` commands talk to a running gateway's admin API: `--url` (default `HOOKGATE_URL`, else
 * http://127.0.0.1:8080) and `--token` (default `HOOKGATE_ADMIN_TOKEN`, registered as a secret so no message
 * echoes it), JSON GETs whose failures become one readable line, and a server-sent-events reader for
 * `GET /api/stream`.
 */
import { markSecret, UsageError } from './args.ts'

/** A refusal or failure of the gateway (exit 1), as one line. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError'
}

export interface AdminTarget {
  /** Without a trailing slash. */
  readonly base: string
  readonly token: string
}

/**
 * The gateway to talk to, from the flags and the environment.
 * @throws UsageError without a token or with a URL that is not http(s)
 */
export function adminTarget(
  values: { url?: string | undefined; token?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): AdminTarget {
  const token = values.token ?? env.HOOKGATE_ADMIN_TOKEN
  if (token === undefined || token === '')
    throw new UsageError('the admin token is missing: pass --token or set HOOKGATE_ADMIN_TOKEN')
  markSecret(token)
  const base = (values.url ?? env.HOOKGATE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')
  let parsed: URL | undefined
  try {
    parsed = new URL(base)
  } catch {
    parsed = undefined
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new UsageError(
      `--url expects an http(s) URL such as http://127.0.0.1:8080, got "${base.slice(0, 60)}"`,
    )
  }
  return { base, token }
}

function unreachable(target: AdminTarget, error: unknown): AdminApiError {
  const cause = (error as { cause?: { code?: string } }).cause?.code
  return new AdminApiError(`cannot reach ${target.base}${cause === undefined ? '' : ` (${cause})`}`)
}

/** The gateway's `{"error":{"code","message"}}` as one line. */
async function refusal(path: string, response: Response): Promise<AdminApiError> {
  let json: { error?: { code?: string; message?: string } } | undefined
  try {
    json = (await response.json()) as typeof json
  } catch {
    json = undefined
  }
  const message = json?.error?.message ?? `HTTP ${response.status}`
  return new AdminApiError(
    `${path}: ${response.status} ${json?.error?.code ?? ''} ${message}`.replace(/\s+/g, ' '),
  )
}

/** GETs `path` and returns its JSON. @throws AdminApiError on a non-2xx answer or no answer at all */
export async function getJson<T>(
  target: AdminTarget,
  path: string,
  fetcher: typeof fetch = fetch,
): Promise<T> {
  let response: Response
  try {
    response = await fetcher(`${target.base}${path}`, {
      headers: { authorization: `Bearer ${target.token}` },
    })
  } catch (error) {
    throw unreachable(target, error)
  }
  if (!response.ok) throw await refusal(path, response)
  return (await response.json()) as T
}

/** One server-sent event (comments and `retry:` are skipped). */
export interface StreamMessage {
  readonly event: string
  readonly data: string
}

/**
 * Reads `GET /api/stream` until it ends or `signal` aborts, calling `onOpen` once connected and `onMessage` per
 * event. Resolves `'ended'` when the gateway closed the stream, `'aborted'` after `signal`.
 * @throws AdminApiError when the gateway cannot be reached or refuses, or the connection breaks
 */
export async function readStream(
  target: AdminTarget,
  handlers: { onOpen?: () => void; onMessage: (message: StreamMessage) => void },
  signal: AbortSignal,
  fetcher: typeof fetch = fetch,
): Promise<'ended' | 'aborted'> {
  let response: Response
  try {
    response = await fetcher(`${target.base}/api/stream`, {
      headers: { authorization: `Bearer ${target.token}`, accept: 'text/event-stream' },
      signal,
    })
  } catch (error) {
    if (signal.aborted) return 'aborted'
    throw unreachable(target, error)
  }
  if (!response.ok) throw await refusal('/api/stream', response)
  if (response.body === null) return 'ended'
  handlers.onOpen?.()
  const decoder = new TextDecoder()
  const reader = response.body.getReader()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n')
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        let event = 'message'
        const data: string[] = []
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue
          const colon = line.indexOf(':')
          const field = colon === -1 ? line : line.slice(0, colon)
          const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
          if (field === 'event') event = value
          else if (field === 'data') data.push(value)
        }
        if (data.length > 0) handlers.onMessage({ event, data: data.join('\n') })
      }
    }
  } catch (error) {
    if (signal.aborted) return 'aborted'
    throw new AdminApiError(
      `the stream from ${target.base} broke: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  return signal.aborted ? 'aborted' : 'ended'
}
