/**
 * @module ingest/sources
 * The source table: source id → the configured source, with its allowlist and redaction list compiled once.
 * (Which path serves which source is `http/urls.ts`.)
 */
import { signatureHeadersOf } from '@hookgate/verify'
import type { SourceConfig } from '../config.ts'
import { createAddressMatcher, type AddressMatcher } from '../http/client-address.ts'
import { webhookPath } from '../http/urls.ts'

/** A source ready to serve. */
export interface ServedSource extends SourceConfig {
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
export function createSourceTable(
  sources: readonly SourceConfig[],
): ReadonlyMap<string, ServedSource> {
  const table = new Map<string, ServedSource>()
  for (const source of sources) {
    table.set(source.id, {
      ...source,
      path: webhookPath(source.id),
      allow: createAddressMatcher(source.allowIps),
      sensitiveHeaders: new Set(
        signatureHeadersOf(source.preset).map((name) => name.toLowerCase()),
      ),
    })
  }
  return table
}
