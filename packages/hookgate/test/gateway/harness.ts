/**
 * @module test/gateway/harness
 * Starts a real gateway for a test: parsed config, a SQLite file in a fresh temp directory, an ephemeral port,
 * an injected clock, and pino output captured line by line (for the redaction checks).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGateway, type CreateGatewayOptions, type Gateway } from '../../src/app.ts'
import { parseConfig, type HookgateConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts'
import type { Storage } from '../../src/storage/types.ts'

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef'

export interface Running {
  readonly gateway: Gateway
  readonly url: string
  readonly dir: string
  readonly dbPath: string
  /** Every log line written so far, raw. */
  readonly logs: string[]
  /** GET an admin route with the token; returns the parsed JSON and status. */
  admin<T = any>(path: string): Promise<{ status: number; body: T }>
  close(): Promise<void>
}

export interface StartOptions {
  /** Storage factory override (default: SQLite in the temp dir). */
  readonly storage?: (
    dbPath: string,
    hooks: { onCommit(size: number, ms: number): void },
  ) => Storage
  readonly now?: () => Date
  readonly host?: string
  /** More gateway options (injected key fetcher, handshake follow-ups…). */
  readonly gateway?: Pick<
    CreateGatewayOptions,
    'fetchKey' | 'followUp' | 'stream' | 'trafficFlushMs'
  >
}

/** Parses `config` (admin token and storage filled in unless given), starts the gateway on port 0. */
export async function startGateway(
  config: Omit<HookgateConfig, 'storage'> & Partial<Pick<HookgateConfig, 'storage'>>,
  options: StartOptions = {},
): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-gw-'))
  const dbPath = join(dir, 'hookgate.db')
  const parsed = parseConfig(
    {
      admin: { token: ADMIN_TOKEN },
      log: { level: 'debug' },
      ...config,
      storage: config.storage ?? { sqlite: dbPath },
    },
    { env: {}, baseDir: dir },
  )
  const logs: string[] = []
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void logs.push(line) },
  })
  const gatewayOptions: CreateGatewayOptions = {
    logger,
    storage: (hooks) =>
      (options.storage ?? ((path, h) => createSqliteStorage({ path, onCommit: h.onCommit })))(
        dbPath,
        hooks,
      ),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...options.gateway,
  }
  const gateway = createGateway(parsed, gatewayOptions)
  const address = await gateway.listen({ port: 0, host: options.host ?? '127.0.0.1' })
  return {
    gateway,
    url: address.url,
    dir,
    dbPath,
    logs,
    async admin(path) {
      const response = await fetch(address.url + path, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      return { status: response.status, body: (await response.json()) as any }
    },
    async close() {
      await gateway.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A storage delegating to `real` (methods bound to it, so private fields work), with some methods replaced:
 * failure injection. A Proxy, so it keeps up with the contract as it grows.
 */
export function wrapStorage(real: Storage, overrides: Partial<Storage>): Storage {
  return new Proxy(real, {
    get(target, key) {
      if (Object.hasOwn(overrides, key)) return (overrides as Record<PropertyKey, unknown>)[key]
      const value: unknown = Reflect.get(target, key, target)
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value
    },
  })
}
