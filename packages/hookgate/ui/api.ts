/**
 * The dashboard's only way to the gateway: the public admin API (`/api/…`), authenticated by the session cookie the
 * browser sends by itself; every state-changing call carries the session's CSRF token.
 */

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

let csrfToken = ''
let onSignedOut: () => void = () => undefined

export function setCsrfToken(token: string): void {
  csrfToken = token
}

/** Called when a call answers 401 (the session expired or was signed out elsewhere). */
export function whenSignedOut(listener: () => void): void {
  onSignedOut = listener
}

export async function api<T>(
  path: string,
  options: { method?: 'GET' | 'POST' | 'DELETE'; body?: unknown } = {},
): Promise<T> {
  const method = options.method ?? 'GET'
  const headers: Record<string, string> = { accept: 'application/json' }
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
  } catch {
    throw new ApiError(0, 'network_error', 'The gateway did not answer (is it running?).')
  }
  if (response.status === 204) return undefined as T
  const body = (await response.json().catch(() => undefined)) as
    { error?: { code?: string; message?: string } } | undefined
  if (!response.ok) {
    const error = new ApiError(
      response.status,
      body?.error?.code ?? 'http_error',
      body?.error?.message ?? `HTTP ${response.status}`,
    )
    if (response.status === 401 && path !== '/api/session') onSignedOut()
    throw error
  }
  return body as T
}

export interface SessionInfo {
  readonly csrfToken: string
  readonly expiresAt: string
}

export type DeliveryCounts = Record<'pending' | 'in_flight' | 'delivered' | 'dead', number>

export interface EventSummary {
  readonly id: string
  readonly sourceId: string
  readonly provider: string
  readonly providerEventId: string | null
  readonly eventType: string | null
  readonly dedupeKey: string
  readonly receivedAt: string
  readonly bodySize: number
  readonly deliveries?: DeliveryCounts
}

export interface EventDetail extends EventSummary {
  readonly headers: Record<string, string>
  readonly encoding: 'utf8' | 'base64'
  readonly body: string
}

export interface Page<T> {
  readonly items: T[]
  readonly nextCursor: string | null
}

export interface Attempt {
  readonly id: string
  readonly attemptNumber: number
  readonly startedAt: string
  readonly durationMs: number
  readonly statusCode: number | null
  readonly error: string | null
  readonly response: { encoding: 'utf8' | 'base64'; body: string } | null
  readonly next: { kind: 'done' } | { kind: 'retry'; at: string } | { kind: 'dead'; reason: string }
}

export interface Delivery {
  readonly id: string
  readonly destinationId: string
  readonly status: string
  readonly attempts: number
  readonly createdAt: string
  readonly nextAttemptAt: string | null
  readonly completedAt: string | null
  readonly deadReason: string | null
  readonly replayOf: string | null
  readonly attemptLog: Attempt[]
}

export interface Rejection {
  readonly id: string
  readonly sourceId: string
  readonly provider: string | null
  readonly receivedAt: string
  readonly status: number
  readonly reason: string
  readonly message: string
  readonly remoteAddress: string | null
  readonly headers: Record<string, string>
  readonly bodySize: number
  readonly bodySha256: string
  readonly diagnosed: boolean | null
  readonly diagnosis: { code: string; message: string }[] | null
  readonly capturedBytes: number | null
}

export interface RejectionDetail extends Rejection {
  readonly captured: {
    method: string
    url: string
    encoding: 'utf8' | 'base64'
    body: string
    truncated: boolean
    sealed: string | null
  } | null
}

export interface Reverify {
  readonly verified: boolean
  readonly reason: string | null
  readonly message: string | null
  readonly diagnosis: { code: string; message: string }[]
}

export interface Destination {
  readonly id: string
  readonly url: string
  readonly sources: string[]
  readonly eventTypes: string[] | null
  readonly state: 'enabled' | 'disabled'
  readonly disabledAt: string | null
  readonly disabledReason: string | null
  readonly circuit: {
    state: string
    consecutiveFailures: number
    openUntil: string | null
    inFlight: number
  } | null
  readonly lastFailure: { at: string; statusCode: number | null; error: string | null } | null
  readonly backlog: {
    pending: number
    inFlight: number
    delivered: number
    /** More delivered than `delivered` (the API counts up to a cap). */
    deliveredCapped: boolean
    dead: number
    oldestDueAt: string | null
  }
}

export interface Source {
  readonly id: string
  readonly provider: string
  readonly path: string
  readonly url: string | null
  readonly lastEventAt: string | null
  readonly handshake: { description: string } | null
  readonly captureRejected: boolean
}

export interface Overview {
  readonly window: string
  readonly from: string
  readonly to: string
  readonly bucketSeconds: number
  readonly buckets: string[]
  readonly sources: {
    sourceId: string
    provider: string
    totals: { accepted: number; duplicate: number; rejected: number }
    series: { accepted: number[]; duplicate: number[]; rejected: number[] }
  }[]
  readonly rejectionReasons: { reason: string; count: number }[]
  readonly ingestLatencyMs: { p50: number; p99: number; count: number } | null
  readonly destinations: {
    id: string
    attempts: number
    delivered: number
    failed: number
    successRate: number | null
    backlog: { pending: number; inFlight: number; dead: number }
    oldestDueAt: string | null
  }[]
}
