/**
 * @module ingest/handler
 * The ingest pipeline for `/webhooks/<source id>`, one step after the other:
 * route (404) → rejection limit per client (429) → method (405; a probe the source's preset declares, e.g. Trello's `HEAD`, is answered) → IP allowlist
 * (403) → body, capped while streaming (413) → signature (400/401 + reason) → a signed handshake the preset declares
 * (Slack url_verification) is answered, not stored → dedupe → durable commit → 200 `{ id, duplicate }`.
 *
 * The allowlist runs before the body is read: a refused sender costs no body bytes. Nothing is acknowledged
 * before `storage.ingest` has resolved, i.e. before the commit is on disk; when the store cannot commit the
 * answer is 503 with `Retry-After`, never 2xx. Refusals are recorded (redacted headers, body size and SHA-256)
 * and the store caps how many it keeps. A signature failure is also diagnosed (`diagnose()`, at most
 * `diagnosePerMinute` per source; the rest are recorded as not diagnosed) and, where the source opts in
 * (`captureRejected`), recorded with its request (`ingest/capture.ts`: body capped, signature headers sealed).
 */
import { performance } from 'node:perf_hooks'
import type { ServerConfig } from '../config.ts'
import type { FanOut } from '../delivery/fan-out.ts'
import type { GatewayErrorCode } from '../errors.ts'
import {
  errorResponse,
  jsonResponse,
  type CoreRequest,
  type CoreResponse,
} from '../http/response.ts'
import { errorSummary, type GatewayLogger } from '../logger.ts'
import { UNKNOWN_SOURCE_LABEL, type GatewayMetrics, type Outcome } from '../metrics.ts'
import { displayUrl, redactHeaders } from '../redact.ts'
import { StorageUnavailableError, type Storage } from '../storage/types.ts'
import { declaredLength } from '../http/body.ts'
import { resolveClient, type AddressMatcher, type ClientInfo } from '../http/client-address.ts'
import { requestUrl } from '../http/urls.ts'
import { dedupeKey, sha256Hex } from './dedupe.ts'
import type { ServedSource } from './sources.ts'
import { Buffer } from 'node:buffer'
import { probeHandshake, type HandshakeAnswer, type KeyResolver } from '@hookgate/verify'
import type { GatewayEvents } from '../events.ts'
import type { CapturedRequest, RejectionHint } from '../storage/types.ts'
import { captureRequest } from './capture.ts'
import { createDiagnosisBudget } from './diagnosis-budget.ts'
import { createRejectionLimiter } from './rejection-limiter.ts'
import { diagnoseRequest, verifyRequest } from './verify.ts'

const NO_METHODS: readonly string[] = []

/** Seconds a provider is asked to wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5

export interface IngestContext {
  readonly sources: ReadonlyMap<string, ServedSource>
  readonly server: ServerConfig
  readonly trustProxy: AddressMatcher
  readonly storage: Storage
  readonly logger: GatewayLogger
  readonly metrics: GatewayMetrics
  readonly now: () => Date
  /** `host:port` the server listens on, for URLs when neither `publicUrl` nor a `Host` header says. */
  readonly listenHost: () => string
  /** True once shutdown has begun: new webhooks get 503 so the provider retries elsewhere or later. */
  readonly draining: () => boolean
  /** The destinations an event goes to (one pending delivery each, committed with the event). */
  readonly fanOut?: FanOut
  /** Called after a new event with deliveries was committed (wakes the in-process delivery worker). */
  readonly onQueued?: (destinationIds: readonly string[]) => void
  /** Keys fetched at run time (AWS SNS certificates): one cache per gateway. */
  readonly keys: KeyResolver
  /**
   * Performs a handshake's follow-up request (AWS SNS: GET SubscribeURL to confirm), after the answer. Default: a
   * GET with a timeout that follows no redirect. Its outcome is logged and never changes the answer.
   */
  readonly followUp?: (url: string) => Promise<number>
  /** Hears every stored event and recorded refusal (live views: `GET /api/stream`). Metadata only. */
  readonly events?: GatewayEvents
}

/** What a refusal records besides status and reason. */
interface BodyFacts {
  readonly size: number
  /** Empty when the body was not read (403 before reading, 413). */
  readonly sha256: string
}

/** The request being refused: who sent what to which source, and when. */
interface Refused {
  readonly source: ServedSource
  readonly req: CoreRequest
  readonly client: ClientInfo
  readonly receivedAt: Date
}

/** The answer and what is recorded of the body. */
interface Refusal {
  readonly status: number
  readonly code: GatewayErrorCode
  readonly message: string
  readonly body: BodyFacts
  readonly headers?: Record<string, string>
  /** Close the connection (the body was not read to its end, or the method is wrong). */
  readonly close?: boolean
  /** Signature failures: the diagnosis (or `diagnosed: false`) and the captured request. */
  readonly diagnosed?: boolean
  readonly diagnosis?: readonly RejectionHint[]
  readonly captured?: CapturedRequest
}

/** @internal Creates the `/webhooks/<id>` handler. */
export function createIngestHandler(
  context: IngestContext,
): (req: CoreRequest, sourceId: string) => Promise<CoreResponse> {
  const { sources, server, storage, logger, metrics, now } = context
  const limiter = createRejectionLimiter(server.rejectionLimit)
  const diagnosisBudget = createDiagnosisBudget()

  /** Counts, logs and records a refusal, then answers it. */
  async function refuse(
    { source, req, client, receivedAt }: Refused,
    refusal: Refusal,
  ): Promise<CoreResponse> {
    const { status, code, message, body, headers, close } = refusal
    metrics.countRequest(source.id, 'rejected', code)
    limiter.refused(client.address, receivedAt.getTime())
    logger.info(
      { source: source.id, status, reason: code, remoteAddress: client.address },
      'webhook refused',
    )
    try {
      await storage.recordRejection({
        sourceId: source.id,
        receivedAt,
        status,
        reason: code,
        message,
        remoteAddress: client.address,
        headers: redactHeaders(req.headers, source.sensitiveHeaders),
        bodySize: body.size,
        bodySha256: body.sha256,
        ...(refusal.diagnosed === undefined ? {} : { diagnosed: refusal.diagnosed }),
        ...(refusal.diagnosis === undefined ? {} : { diagnosis: refusal.diagnosis }),
        ...(refusal.captured === undefined ? {} : { captured: refusal.captured }),
      })
    } catch (error) {
      // The refusal stands whatever happens to its record.
      logger.warn({ source: source.id, error: errorSummary(error) }, 'could not record a rejection')
    }
    context.events?.emit('rejection:recorded', {
      sourceId: source.id,
      status,
      reason: code,
      receivedAt,
    })
    return errorResponse(status, code, message, {
      ...(headers === undefined ? {} : { headers }),
      ...(close === undefined ? {} : { close }),
    })
  }

  /**
   * The hints for a signature failure, or undefined when it is not diagnosed: the source's per-minute budget is
   * spent, or its preset fetches keys at run time (diagnosis is offline and synchronous). Never throws.
   */
  function diagnoseFailure(
    source: ServedSource,
    url: string,
    headers: CoreRequest['distinctHeaders'],
    body: Uint8Array,
    receivedAt: Date,
  ): RejectionHint[] | undefined {
    if (source.preset.definition.keySource !== undefined) return undefined
    if (!diagnosisBudget.take(source.id, source.diagnosePerMinute, receivedAt.getTime()))
      return undefined
    try {
      // Codes and sentences only (skewSeconds is in the sentence); diagnose() never puts a secret in either.
      return diagnoseRequest(source, url, headers, body, receivedAt)
    } catch (error) {
      logger.warn(
        { source: source.id, error: errorSummary(error) },
        'could not diagnose a rejection',
      )
      return undefined
    }
  }

  const followUp = context.followUp ?? defaultFollowUp

  /** A handshake's follow-up (SNS subscription confirmation), after the answer; logged, never awaited by it. */
  function confirm(sourceId: string, url: string): void {
    const shown = displayUrl(url)
    followUp(url).then(
      (status) =>
        logger.info(
          { source: sourceId, url: shown, status },
          status >= 200 && status < 300 ? 'handshake confirmed' : 'handshake confirmation refused',
        ),
      (error: unknown) =>
        logger.warn(
          { source: sourceId, url: shown, error: errorSummary(error) },
          'handshake confirmation failed',
        ),
    )
  }

  async function handle(
    req: CoreRequest,
    sourceId: string,
    started: number,
  ): Promise<CoreResponse> {
    const source = sources.get(sourceId)
    if (source === undefined) {
      metrics.countRequest(UNKNOWN_SOURCE_LABEL, 'rejected', 'unknown_source')
      return errorResponse(
        404,
        'unknown_source',
        `No source "${sourceId.slice(0, 64)}" is configured on this gateway.`,
        { close: true },
      )
    }
    const done = (response: CoreResponse): CoreResponse => {
      metrics.observeIngest(source.id, (performance.now() - started) / 1000)
      return response
    }
    const receivedAt = now()
    const client = resolveClient(req.peerAddress, req.headers, context.trustProxy)
    const unread: BodyFacts = {
      size: declaredLength(req.headers['content-length']) ?? 0,
      sha256: '',
    }
    const refused: Refused = { source, req, client, receivedAt }

    if (context.draining()) {
      metrics.countRequest(source.id, 'unavailable', 'shutting_down')
      return done(
        errorResponse(503, 'shutting_down', 'The gateway is shutting down; retry shortly.', {
          headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
          close: true,
        }),
      )
    }

    // An address whose requests keep being refused waits, at no verification cost (server.rejectionLimit).
    const wait = limiter.retryAfter(client.address, receivedAt.getTime())
    if (wait > 0) {
      metrics.countRequest(source.id, 'rejected', 'too_many_rejections')
      return done(
        errorResponse(
          429,
          'too_many_rejections',
          `Too many refused requests from this address; retry in ${wait} s.`,
          {
            headers: { 'retry-after': String(wait) },
            close: true,
          },
        ),
      )
    }

    const probeMethods = source.preset.definition.handshake?.probeMethods ?? NO_METHODS
    const probing = req.method !== 'POST' && probeMethods.includes(req.method)
    if (req.method !== 'POST' && !probing) {
      const allow = ['POST', ...probeMethods].join(', ')
      return done(
        await refuse(refused, {
          status: 405,
          code: 'method_not_allowed',
          message: `Webhooks are delivered with POST (allowed: ${allow}).`,
          body: unread,
          headers: { allow },
          close: true,
        }),
      )
    }

    if (source.allow.size > 0 && !source.allow.matches(client.address)) {
      return done(
        await refuse(refused, {
          status: 403,
          code: 'ip_not_allowed',
          message: 'This source does not accept requests from this address.',
          body: unread,
          close: true,
        }),
      )
    }

    if (probing) {
      // An unsigned endpoint check (Trello's HEAD, Meta's GET hub.challenge): answered as the preset says, never stored.
      const url = requestUrl(
        req.target,
        req.headers,
        client,
        server.publicUrl,
        context.listenHost(),
      )
      const answer = probeHandshake(source.preset, {
        method: req.method,
        url,
        headers: req.distinctHeaders,
      })
      if (answer === undefined) {
        const message = `This ${req.method} request is not the endpoint check ${source.provider} makes.`
        return done(
          await refuse(refused, {
            status: 400,
            code: 'invalid_handshake',
            message,
            body: unread,
            close: true,
          }),
        )
      }
      metrics.countRequest(source.id, 'handshake', 'ok')
      return done(handshakeResponse(answer, req.method === 'HEAD'))
    }

    const read = await req.readBody(server.maxBodyBytes)
    if (read.kind === 'aborted') {
      metrics.countRequest(source.id, 'error', 'client_aborted')
      return done(
        errorResponse(
          400,
          'invalid_payload',
          'The request body ended before its declared length.',
          { close: true },
        ),
      )
    }
    if (read.kind === 'timeout') {
      metrics.countRequest(source.id, 'error', 'request_timeout')
      return done(
        errorResponse(
          408,
          'request_timeout',
          `The body did not arrive within server.bodyTimeout (${server.bodyTimeoutMs} ms).`,
          { close: true },
        ),
      )
    }
    if (read.kind === 'too_large') {
      const size = Math.max(unread.size, read.bytesRead)
      return done(
        await refuse(refused, {
          status: 413,
          code: 'payload_too_large',
          message: `The body is larger than this gateway accepts (server.maxBodyBytes = ${server.maxBodyBytes}).`,
          body: { size, sha256: '' },
          close: true,
        }),
      )
    }
    const body = read.body

    const url = requestUrl(req.target, req.headers, client, server.publicUrl, context.listenHost())
    let result
    try {
      const verified = verifyRequest(
        source,
        url,
        req.distinctHeaders,
        body,
        receivedAt,
        context.keys,
      )
      // Only presets that fetch keys answer a promise; awaiting the others would cost a turn per webhook.
      result = verified instanceof Promise ? await verified : verified
    } catch (error) {
      metrics.countRequest(source.id, 'error', 'internal_error')
      logger.error({ source: source.id, error: errorSummary(error) }, 'verification threw')
      return done(
        errorResponse(500, 'internal_error', 'The gateway failed to verify this request.'),
      )
    }
    if (!result.ok && result.reason === 'key_unavailable') {
      // Not the sender's fault: the provider's key could not be fetched. 503 so that it retries; not a rejection.
      metrics.countRequest(source.id, 'unavailable', 'key_unavailable')
      logger.warn(
        { source: source.id, reason: result.reason, message: result.message },
        'verification key unavailable; answered 503',
      )
      return done(
        errorResponse(503, 'key_unavailable', result.message, {
          headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
        }),
      )
    }
    if (!result.ok) {
      const facts: BodyFacts = { size: body.byteLength, sha256: sha256Hex(body) }
      const hints = diagnoseFailure(source, url, req.distinctHeaders, body, receivedAt)
      const captured = source.captureRejected
        ? captureRequest({
            method: req.method,
            url,
            headers: req.distinctHeaders,
            body,
            maxBytes: source.captureMaxBytes,
            sensitiveHeaders: source.sensitiveHeaders,
            keys: source.captureKeys,
            sourceId: source.id,
            bodySha256: facts.sha256,
          })
        : undefined
      return done(
        await refuse(refused, {
          status: result.error.status,
          code: result.reason,
          message: result.message,
          body: facts,
          diagnosed: hints !== undefined,
          ...(hints === undefined ? {} : { diagnosis: hints }),
          ...(captured === undefined ? {} : { captured }),
        }),
      )
    }

    const answer = result.handshake()
    if (answer !== undefined) {
      // The provider's signed endpoint check (Slack url_verification…): answered, never stored.
      metrics.countRequest(source.id, 'handshake', 'ok')
      logger.info({ source: source.id, provider: source.provider }, 'handshake answered')
      if (answer.followUp !== undefined) confirm(source.id, answer.followUp.url)
      return done(handshakeResponse(answer, false))
    }

    const providerEventId = result.id
    const destinationIds =
      context.fanOut === undefined ? [] : context.fanOut(source.id, result.eventType)
    try {
      const stored = await storage.ingest(
        {
          sourceId: source.id,
          provider: source.provider,
          dedupeKey: dedupeKey(providerEventId, body),
          providerEventId,
          eventType: result.eventType,
          receivedAt,
          headers: redactHeaders(req.headers, source.sensitiveHeaders),
          body,
        },
        destinationIds,
      )
      if (!stored.duplicate && destinationIds.length > 0) context.onQueued?.(destinationIds)
      context.events?.emit('event:stored', {
        id: stored.event.id,
        sourceId: source.id,
        provider: source.provider,
        eventType: stored.event.eventType,
        receivedAt: stored.event.receivedAt,
        duplicate: stored.duplicate,
      })
      const outcome: Outcome = stored.duplicate ? 'duplicate' : 'stored'
      metrics.countRequest(source.id, outcome, 'ok')
      // Debug, not info: the store and /metrics already record every accepted event, and one redacted JSON line
      // per webhook cost ~7% of ingest throughput (bench/ingest.mjs). Refusals and failures stay at info/error.
      if (logger.isLevelEnabled?.('debug') !== false)
        logger.debug(
          {
            source: source.id,
            eventId: stored.event.id,
            providerEventId,
            eventType: stored.event.eventType,
            duplicate: stored.duplicate,
          },
          stored.duplicate ? 'duplicate webhook' : 'webhook stored',
        )
      return done(jsonResponse(200, { id: stored.event.id, duplicate: stored.duplicate }))
    } catch (error) {
      if (error instanceof StorageUnavailableError) {
        metrics.countRequest(source.id, 'unavailable', 'storage_unavailable')
        // A full disk needs more than freeing a few bytes: SQLite's checkpoint copies the WAL back into the database
        // file, so it recovers only once free space about the size of the -wal file is available (issue 12 §8).
        const hint = isDiskFull(error)
          ? {
              hint: 'the disk is full: free at least as much space as the SQLite -wal file takes (next to the database), then the gateway recovers by itself',
            }
          : {}
        logger.error(
          { source: source.id, error: errorSummary(error), ...hint },
          'store cannot commit; answered 503',
        )
        return done(
          errorResponse(
            503,
            'storage_unavailable',
            'The event could not be stored durably; retry later.',
            {
              headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
            },
          ),
        )
      }
      metrics.countRequest(source.id, 'error', 'internal_error')
      logger.error({ source: source.id, error: errorSummary(error) }, 'ingest failed')
      return done(errorResponse(500, 'internal_error', 'The event could not be stored.'))
    }
  }

  return (req, sourceId) => handle(req, sourceId, performance.now())
}

function handshakeResponse(answer: HandshakeAnswer, head: boolean): CoreResponse {
  const headers: Record<string, string> = {
    ...answer.headers,
    ...(answer.contentType === undefined ? {} : { 'content-type': answer.contentType }),
  }
  return {
    status: answer.status,
    headers,
    body: head ? undefined : Buffer.from(answer.body, 'utf8'),
    close: head,
  }
}

/** GET with a 10 s timeout and no redirect (the preset already restricted the host). */
async function defaultFollowUp(url: string): Promise<number> {
  const response = await fetch(url, {
    method: 'GET',
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  })
  await response.body?.cancel()
  return response.status
}

/** True when `error` or one of its causes is SQLite's SQLITE_FULL or the file system's ENOSPC. */
function isDiskFull(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code
    if (code === 'SQLITE_FULL' || code === 'ENOSPC') return true
    if (/\b(SQLITE_FULL|ENOSPC)\b|database or disk is full/.test(current.message)) return true
    current = current.cause
  }
  return false
}
