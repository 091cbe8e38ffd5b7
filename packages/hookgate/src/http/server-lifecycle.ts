/**
 * @module http/server-lifecycle
 * The `node:http` side of a gateway's life: the request listener (in-flight counting; every answer given while
 * draining carries `Connection: close`), `listen()` on the hardened server of `node-server.ts`, and the graceful
 * shutdown.
 *
 * Shutdown (`shutdown()`): stop accepting connections but keep the open ones, answer every request on them with
 * `Connection: close` (a request already on its way on a keep-alive connection is answered, not reset), let
 * in-flight ones finish (up to `server.shutdownTimeoutMs`; open connections get at least `server.shutdownGraceMs`
 * within it), then close what is left. What comes after (worker, store) is the caller's.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net'
import type { ServerConfig } from '../config.ts'
import { errorSummary, type GatewayLogger } from '../logger.ts'
import type { GatewayMetrics } from '../metrics.ts'
import type { AddressMatcher } from './client-address.ts'
import { fromNode, writeNode } from './node.ts'
import { createNodeServer } from './node-server.ts'
import { errorResponse, type CoreRequest, type CoreResponse } from './response.ts'
import { serverOrigin } from './urls.ts'

/** Where the gateway listens. */
export interface ListeningAddress {
  /** `http://127.0.0.1:8080` */
  readonly url: string
  readonly host: string
  readonly port: number
}

export interface ServerLifecycleOptions {
  readonly server: ServerConfig
  /** Peers exempt from the per-client connection cap. */
  readonly trustProxy: AddressMatcher
  readonly logger: GatewayLogger
  readonly metrics: GatewayMetrics
  /** The server-neutral core every request goes to. */
  readonly dispatch: (req: CoreRequest) => Promise<CoreResponse>
}

/** @internal */
export interface ServerLifecycle {
  /** `node:http` request listener; counts the requests in flight, which a shutdown waits for. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void
  /** True once `shutdown()` has begun. */
  readonly draining: boolean
  /** True from the moment `listen()` is called. */
  readonly listening: boolean
  /** The listening address, once `listen()` has resolved. */
  readonly address: ListeningAddress | undefined
  /** Starts the hardened server on `host:port` (port 0 picks a free one). Once only. */
  listen(host: string, port: number): Promise<ListeningAddress>
  /** Stops accepting, drains and closes (see the module comment). Idempotent. */
  shutdown(): Promise<void>
}

/** @internal Creates the listener and server lifecycle around `dispatch`. */
export function createServerLifecycle(options: ServerLifecycleOptions): ServerLifecycle {
  const { server: config, logger, dispatch } = options
  let server: Server | undefined
  let address: ListeningAddress | undefined
  let draining = false
  let shuttingDown: Promise<void> | undefined
  let inFlight = 0
  /** Open connections of the listening server (kept through a shutdown's grace). */
  const connections = new Set<Socket>()
  /** Called when a request settles or a connection closes during a shutdown. */
  let progress: (() => void) | undefined

  function settled(): void {
    inFlight -= 1
    progress?.()
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight += 1
    let counted = true
    const release = (): void => {
      if (counted) {
        counted = false
        settled()
      }
    }
    res.once('close', release)
    dispatch(fromNode(req, config.bodyTimeoutMs)).then(
      (response) =>
        writeNode(res, draining ? { ...response, close: true } : response, req.method === 'HEAD'),
      (error: unknown) => {
        logger.error({ error: errorSummary(error) }, 'request failed')
        writeNode(
          res,
          errorResponse(500, 'internal_error', 'The gateway failed to handle this request.', {
            close: true,
          }),
        )
      },
    )
  }

  /**
   * Waits until no request is in flight and either no connection is open or the grace is over; at
   * `shutdownTimeoutMs` it cuts whatever is still open.
   */
  async function drain(): Promise<void> {
    const graceMs = Math.min(config.shutdownGraceMs, config.shutdownTimeoutMs)
    await new Promise<void>((resolve) => {
      let graceOver = graceMs === 0
      const finish = (): void => {
        clearTimeout(grace)
        clearTimeout(timer)
        progress = undefined
        resolve()
      }
      const check = (): void => {
        if (inFlight === 0 && (graceOver || connections.size === 0)) finish()
      }
      const grace = setTimeout(() => {
        graceOver = true
        check()
      }, graceMs)
      const timer = setTimeout(() => {
        logger.warn(
          { inFlight },
          'shutdown timeout: closing connections with requests still in flight',
        )
        server?.closeAllConnections()
        finish()
      }, config.shutdownTimeoutMs)
      progress = check
      check()
    })
  }

  return {
    listener,
    get draining() {
      return draining
    },
    get listening() {
      return server !== undefined
    },
    get address() {
      return address
    },
    async listen(host, port) {
      if (server !== undefined) throw new Error('the gateway is already listening')
      const created = createNodeServer(listener, {
        server: config,
        trustProxy: options.trustProxy,
        logger,
        metrics: options.metrics,
      })
      created.on('connection', (socket: Socket) => {
        connections.add(socket)
        socket.once('close', () => {
          connections.delete(socket)
          progress?.()
        })
      })
      server = created
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject)
        created.listen(port, host, () => {
          created.off('error', reject)
          resolve()
        })
      })
      const info = created.address() as AddressInfo
      address = { host: info.address, port: info.port, url: serverOrigin(info.address, info.port) }
      return address
    },
    shutdown() {
      shuttingDown ??= (async () => {
        draining = true
        const current = server
        // Stop accepting, keeping open connections: http.Server#close would also destroy the idle keep-alive
        // ones at once, and a request already on its way on one would meet a reset instead of a 503.
        const closed =
          current === undefined
            ? Promise.resolve()
            : new Promise<void>((resolve) =>
                NetServer.prototype.close.call(current, () => resolve()),
              )
        await drain()
        // Now http.Server#close: it ends the idle connections and Node's timeout checks; then cut anything left.
        current?.close()
        current?.closeAllConnections()
        await closed
      })()
      return shuttingDown
    },
  }
}
