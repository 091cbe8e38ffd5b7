/**
 * @module http/node-server
 * The `node:http` server the gateway listens with, hardened for the open internet:
 * - timeouts: the request headers must arrive within `server.headersTimeout` of a connection's opening (or of
 *   the first byte of the next request on a kept-alive one), the body within `server.bodyTimeout` after them
 *   (enforced by the body reader, with Node's `requestTimeout` = both as the backstop); Node checks its
 *   deadlines every `connectionsCheckingInterval`, sized here to a quarter of the shorter timeout (≤ 1 s);
 * - connection caps: `server.maxConnections` in all, `server.maxConnectionsPerClient` per remote address
 *   (trusted proxies exempt: every client behind them shares their address). Connections past a cap are
 *   closed on accept, so idle sockets opened by one client cannot starve the others;
 * - every answer Node would give on its own (a request its parser refuses, a timeout, `Expect`, a missing
 *   `Host`) is the gateway's JSON `{"error":{"code","message"}}` with `Connection: close`, where a response is
 *   still possible.
 */
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { Duplex } from 'node:stream'
import type { Socket } from 'node:net'
import type { ServerConfig } from '../config.ts'
import type { GatewayErrorCode } from '../errors.ts'
import { normalizeAddress, type AddressMatcher } from './client-address.ts'
import type { GatewayLogger } from '../logger.ts'
import type { GatewayMetrics } from '../metrics.ts'
import { writeNode } from './node.ts'
import { errorResponse } from './response.ts'

export interface NodeServerOptions {
  readonly server: ServerConfig
  /** Peers exempt from the per-client cap. */
  readonly trustProxy: AddressMatcher
  readonly logger: GatewayLogger
  readonly metrics: GatewayMetrics
}

interface ClientErrorAnswer {
  readonly status: number
  readonly code: GatewayErrorCode
  readonly message: string
}

/** What to answer for an error Node's HTTP layer reports on a connection (`clientError`). */
function clientErrorAnswer(error: NodeJS.ErrnoException, server: ServerConfig): ClientErrorAnswer {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: 'request_timeout',
        message: `The request did not arrive in time (server.headersTimeout ${server.headersTimeoutMs} ms, server.bodyTimeout ${server.bodyTimeoutMs} ms).`,
      }
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'headers_too_large',
        message: 'The request headers are larger than this gateway accepts (16 KiB).',
      }
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: 413,
        code: 'payload_too_large',
        message: 'The chunk extensions are larger than this gateway accepts.',
      }
    default:
      // The parser's code (HPE_INVALID_METHOD, HPE_UNEXPECTED_CONTENT_LENGTH, …) names the fault without echoing input.
      return {
        status: 400,
        code: 'malformed_request',
        message: `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'}).`,
      }
  }
}

/** A whole HTTP/1.1 error response, for a socket that has no `ServerResponse` to write it with. */
function rawErrorResponse(answer: ClientErrorAnswer): string {
  const body = JSON.stringify({ error: { code: answer.code, message: answer.message } })
  return (
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Error'}\r\n` +
    'content-type: application/json; charset=utf-8\r\ncache-control: no-store\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  )
}

/**
 * Creates the hardened server around `listener`.
 * @example const server = createNodeServer(gateway.listener, { server: config.server, trustProxy, logger, metrics })
 */
export function createNodeServer(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  options: NodeServerOptions,
): Server {
  const { server: config, trustProxy, logger, metrics } = options
  // The response of the request a socket is on, so a client error mid-request answers through it.
  const responses = new WeakMap<Duplex, ServerResponse>()

  const created = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.headersTimeoutMs + config.bodyTimeoutMs,
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(1_000, Math.floor(Math.min(config.headersTimeoutMs, config.bodyTimeoutMs) / 4)),
      ),
      // Answered below as JSON, instead of Node's bare 400.
      requireHostHeader: false,
    },
    (req, res) => {
      responses.set(req.socket, res)
      res.once('close', () => {
        if (responses.get(req.socket) === res) responses.delete(req.socket)
      })
      // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host.
      if (
        req.httpVersionMajor === 1 &&
        req.httpVersionMinor === 1 &&
        req.headers.host === undefined
      ) {
        metrics.countClientError('malformed_request')
        writeNode(
          res,
          errorResponse(400, 'malformed_request', 'HTTP/1.1 requests must carry a Host header.', {
            close: true,
          }),
        )
        return
      }
      listener(req, res)
    },
  )
  created.maxConnections = config.maxConnections

  created.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    metrics.countClientError('expectation_failed')
    writeNode(
      res,
      errorResponse(417, 'expectation_failed', 'Only "Expect: 100-continue" is supported.', {
        close: true,
      }),
    )
  })

  created.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || !socket.writable) {
      socket.destroy()
      return
    }
    const answer = clientErrorAnswer(error, config)
    metrics.countClientError(answer.code)
    logger.debug(
      {
        error: error.code ?? error.message,
        status: answer.status,
        remoteAddress: (socket as Socket).remoteAddress,
      },
      'client error answered',
    )
    const res = responses.get(socket)
    if (res !== undefined) {
      // A request is being handled on this socket: answer through its response unless it has begun.
      if (res.headersSent) socket.destroy()
      else
        writeNode(res, errorResponse(answer.status, answer.code, answer.message, { close: true }))
      return
    }
    socket.write(rawErrorResponse(answer))
    // Ends the socket, then destroys it once the answer is flushed (it must not linger half-open).
    ;(socket as Socket).destroySoon()
  })

  created.on('drop', () => metrics.countConnectionRefused('max_connections'))

  const perClient = new Map<string, number>()
  created.on('connection', (socket: Socket) => {
    const peer = socket.remoteAddress
    const address = normalizeAddress(peer)
    if (address === undefined || trustProxy.matches(peer)) return
    const open = perClient.get(address) ?? 0
    if (open >= config.maxConnectionsPerClient) {
      metrics.countConnectionRefused('per_client')
      logger.debug(
        { remoteAddress: address, open },
        'connection refused: server.maxConnectionsPerClient reached',
      )
      socket.destroy()
      return
    }
    perClient.set(address, open + 1)
    socket.once('close', () => {
      const left = (perClient.get(address) ?? 1) - 1
      if (left === 0) perClient.delete(address)
      else perClient.set(address, left)
    })
  })

  return created
}
