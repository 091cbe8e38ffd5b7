/**
 * @module delivery/forwarder
 * One HTTP attempt: POST the event's raw body, byte for byte, with its original `Content-Type`, re-signed for
 * the destination with Standard Webhooks, so every destination verifies ONE scheme whatever the provider was:
 * - `webhook-id`: the Hookgate event id, the same on every attempt and replay (the destination's dedupe key)
 * - `webhook-timestamp`, `webhook-signature`: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * - `x-hookgate-source`, `x-hookgate-provider`, `x-hookgate-event-type`, `x-hookgate-delivery`, `x-hookgate-attempt`,
 *   percent-encoded where needed (`header-value.ts`): an event type from a payload can hold any character
 *
 * `node:http`/`node:https` rather than `fetch`: redirects are never followed (a 3xx is just a status), the
 * timeout covers the whole exchange (connect, headers and body), at most 4 KiB of the answer is read, and
 * connection errors keep their errno (refused vs reset vs DNS). One keep-alive agent per destination, sized
 * to its `maxInFlight`, so a slow destination's sockets never starve another's.
 *
 * A failure of ours while building the request (a header Node refuses, a signing error) is the outcome
 * `internal_error`: the destination was never contacted, so the worker does not count it against its circuit.
 *
 * Destinations come from the operator's configuration, so loopback and private addresses are legitimate
 * targets; link-local and cloud-metadata addresses are refused at connect time unless the destination sets
 * `allowLinkLocal` (`address-policy.ts`).
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
} from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { signWebhook } from '@hookgate/verify'
import type { DestinationConfig } from '../config.ts'
import { MAX_RESPONSE_BODY_BYTES, type ClaimedDelivery } from '../storage/types.ts'
import {
  ADDRESS_REFUSED,
  addressRefusedError,
  guardedLookup,
  isRefusedAddress,
} from './address-policy.ts'
import { encodeHeaderValue } from './header-value.ts'
import type { AttemptErrorCode, AttemptOutcome } from './retry-policy.ts'

/** What one attempt observed. */
export interface ForwardResult {
  readonly outcome: AttemptOutcome
  /** Up to 4 KiB of the answer (undefined without an answer). */
  readonly responseBody: Uint8Array | undefined
}

/** Sends one attempt. Never rejects: every failure is an outcome. */
export type Forward = (
  destination: DestinationConfig,
  delivery: ClaimedDelivery,
  now: Date,
) => Promise<ForwardResult>

export interface Forwarder {
  readonly forward: Forward
  /** Destroys the keep-alive sockets. */
  close(): void
}

const USER_AGENT = 'Hookgate-Delivery/1'

/**
 * The headers of one attempt (everything but `content-length`). Exported for tests and for `hookgate sign`-like
 * tooling; the signature covers `webhook-id.webhook-timestamp.body` exactly as sent.
 */
export function deliveryHeaders(
  destination: DestinationConfig,
  delivery: ClaimedDelivery,
  now: Date,
): Record<string, string> {
  const event = delivery.event
  const signed = signWebhook(destination.signer, { body: event.body, id: event.id, timestamp: now })
  const headers: Record<string, string> = {
    'content-type': event.headers['content-type'] ?? 'application/octet-stream',
    'user-agent': USER_AGENT,
    'webhook-id': event.id,
    'webhook-timestamp': signed['webhook-timestamp']!,
    'webhook-signature': signed['webhook-signature']!,
    'x-hookgate-source': encodeHeaderValue(event.sourceId),
    'x-hookgate-provider': encodeHeaderValue(event.provider),
    'x-hookgate-delivery': delivery.id,
    'x-hookgate-attempt': String(delivery.attempts + 1),
  }
  if (event.eventType !== undefined)
    headers['x-hookgate-event-type'] = encodeHeaderValue(event.eventType)
  // The bytes are forwarded as received: if they were compressed, the destination must be told how.
  const encoding = event.headers['content-encoding']
  if (encoding !== undefined) headers['content-encoding'] = encoding
  return headers
}

function errorCode(error: unknown): AttemptErrorCode {
  const code = (error as NodeJS.ErrnoException | null)?.code
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection_refused'
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return 'connection_reset'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns_error'
    case ADDRESS_REFUSED:
      return 'address_refused'
    default:
      return 'network_error'
  }
}

function errorMessage(code: AttemptErrorCode, error: unknown): string {
  // Our own message: it names the refused address, which is what the operator needs to see.
  if (code === 'address_refused' && error instanceof Error) return error.message
  const errno = (error as NodeJS.ErrnoException | null)?.code
  // Our own words plus the errno: Node's messages name the address, never credentials, but keep it short anyway.
  const text = {
    timeout: 'no complete answer in time',
    connection_refused: 'connection refused',
    connection_reset: 'connection reset before a complete answer',
    dns_error: 'the host name did not resolve',
    network_error: 'network error',
    internal_error: 'the gateway could not build the request',
    address_refused: 'link-local or cloud-metadata address refused',
  }[code]
  return errno === undefined ? text : `${text} (${errno})`
}

export interface ForwarderOptions {
  /** The resolver under the address policy. Default `dns.lookup` (tests inject one). */
  readonly lookup?: LookupFunction
}

/**
 * Creates a forwarder with one keep-alive agent per destination.
 * @example const { forward } = createForwarder(); const result = await forward(destination, claimed, new Date())
 */
export function createForwarder(options: ForwarderOptions = {}): Forwarder {
  const agents = new Map<string, HttpAgent>()
  const resolve = options.lookup
  const guarded = guardedLookup(resolve)

  function agentFor(destination: DestinationConfig, https: boolean): HttpAgent {
    const key = `${destination.id}\u0000${https ? 's' : ''}`
    let agent = agents.get(key)
    if (agent === undefined) {
      // The policy runs in the agent's lookup: on the address of every new connection, after DNS.
      const lookup = destination.allowLinkLocal ? resolve : guarded
      const options = {
        keepAlive: true,
        maxSockets: destination.maxInFlight,
        maxFreeSockets: destination.maxInFlight,
        timeout: 60_000,
        ...(lookup === undefined ? {} : { lookup }),
      }
      agent = https ? new HttpsAgent(options) : new HttpAgent(options)
      agents.set(key, agent)
    }
    return agent
  }

  const forward: Forward = (destination, delivery, now) =>
    new Promise<ForwardResult>((resolve) => {
      let settled = false
      let status: number | undefined
      let retryAfter: string | undefined
      const chunks: Buffer[] = []
      let received = 0
      let timer: NodeJS.Timeout | undefined

      const body = (): Uint8Array => {
        const all = Buffer.concat(chunks)
        return new Uint8Array(
          all.buffer,
          all.byteOffset,
          Math.min(all.byteLength, MAX_RESPONSE_BODY_BYTES),
        )
      }
      const finish = (result: ForwardResult): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(result)
      }
      const fail = (code: AttemptErrorCode, error: unknown): void => {
        // Headers already in: the status is the outcome, with whatever body arrived before the failure.
        if (status !== undefined)
          finish({
            outcome: { kind: 'response', statusCode: status, retryAfter },
            responseBody: body(),
          })
        else
          finish({
            outcome: { kind: 'error', code, message: errorMessage(code, error) },
            responseBody: undefined,
          })
      }

      let url: URL
      try {
        url = new URL(destination.url)
      } catch {
        finish({
          outcome: { kind: 'error', code: 'network_error', message: 'invalid destination URL' },
          responseBody: undefined,
        })
        return
      }
      const https = url.protocol === 'https:'
      // An IP literal is connected to without a lookup, so the policy is applied to it here, before any socket.
      const literal = url.hostname.replace(/^\[(.*)\]$/, '$1')
      if (!destination.allowLinkLocal && isIP(literal) !== 0 && isRefusedAddress(literal)) {
        fail('address_refused', addressRefusedError(literal, literal))
        return
      }
      let req: ClientRequest
      try {
        const headers = deliveryHeaders(destination, delivery, now)
        headers['content-length'] = String(delivery.event.body.byteLength)
        // Throws before any socket is opened when a header value is not sendable (ERR_INVALID_CHAR).
        req = (https ? httpsRequest : httpRequest)(url, {
          method: 'POST',
          headers,
          agent: agentFor(destination, https),
        })
      } catch (error) {
        const detail =
          error instanceof Error
            ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}`
            : String(error)
        finish({
          outcome: {
            kind: 'error',
            code: 'internal_error',
            message: `the gateway could not build the request (${detail}); the destination was not contacted`,
          },
          responseBody: undefined,
        })
        return
      }
      timer = setTimeout(() => {
        fail('timeout', undefined)
        req.destroy()
      }, destination.timeoutMs)

      req.on('response', (res: IncomingMessage) => {
        status = res.statusCode ?? 0
        const header = res.headers['retry-after']
        retryAfter = typeof header === 'string' ? header : undefined
        res.on('data', (chunk: Buffer) => {
          if (received >= MAX_RESPONSE_BODY_BYTES) return
          chunks.push(chunk)
          received += chunk.byteLength
          if (received >= MAX_RESPONSE_BODY_BYTES) {
            // Enough for the record: stop reading (the socket is dropped rather than drained of a huge body).
            finish({
              outcome: { kind: 'response', statusCode: status!, retryAfter },
              responseBody: body(),
            })
            res.destroy()
          }
        })
        res.on('end', () =>
          finish({
            outcome: { kind: 'response', statusCode: status!, retryAfter },
            responseBody: body(),
          }),
        )
        res.on('error', (error) => fail(errorCode(error), error))
        res.on('aborted', () => fail('connection_reset', undefined))
      })
      req.on('error', (error) => fail(errorCode(error), error))
      req.end(delivery.event.body)
    })

  return {
    forward,
    close() {
      for (const agent of agents.values()) agent.destroy()
      agents.clear()
    },
  }
}
