/**
 * @module ingest/route
 * `/webhooks/<source id>` → the configured source, with its allowlist compiled once.
 */
import { signatureHeadersOf } from '@hookgate/verify'
import type { SourceConfig } from '../config.ts'
import { createAddressMatcher, type AddressMatcher } from './client-address.ts'

/** Where sources are served: `POST /webhooks/<id>`. */
export const WEBHOOKS_PREFIX = '/webhooks/'

/** A source ready to serve. */
export interface RoutedSource extends SourceConfig {
  /** The path it is served on, `/webhooks/<id>`. */
  readonly path: string
  /** Compiled `allowIps` (empty: every address). */
  readonly allow: AddressMatcher
  /**
   * Header names to redact besides the built-in list: the ones the source's preset declares, including a header
   * configured with the `header` option of the generic presets (`hmac-sha256`, `jwt`), whose name may say nothing.
   */
  readonly sensitiveHeaders: ReadonlySet<string>
}

/** Compiles the configured sources into a lookup by id. */
export function createSourceTable(sources: readonly SourceConfig[]): ReadonlyMap<string, RoutedSource> {
  const table = new Map<string, RoutedSource>()
  for (const source of sources) {
    table.set(source.id, {
      ...source,
      path: WEBHOOKS_PREFIX + source.id,
      allow: createAddressMatcher(source.allowIps),
      sensitiveHeaders: new Set(signatureHeadersOf(source.preset).map((name) => name.toLowerCase())),
    })
  }
  return table
}

/**
 * The source id in a request path (`/webhooks/stripe-main` → `stripe-main`), or `undefined` when the path is not
 * a webhook path. No decoding: configured ids are plain URL-safe characters, so an encoded id matches nothing.
 */
export function webhookSourceId(pathname: string): string | undefined {
  if (!pathname.startsWith(WEBHOOKS_PREFIX)) return undefined
  const id = pathname.slice(WEBHOOKS_PREFIX.length)
  return id === '' || id.includes('/') ? undefined : id
}
