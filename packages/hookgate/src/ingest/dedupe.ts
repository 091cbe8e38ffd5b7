/**
 * @module ingest/dedupe
 * What duplicates are recognised by: the provider's delivery/event id when it sends one (stable across its
 * retries), else the SHA-256 of the body (a byte-identical retry is the same event).
 */
import { createHash } from 'node:crypto'

/** Lower-case hex SHA-256. */
export function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex')
}

/**
 * The dedupe key stored with the event, unique per source.
 * @example dedupeKey('evt_123', body) // 'evt_123';  dedupeKey(undefined, body) // 'sha256:9f86d0…'
 */
export function dedupeKey(providerEventId: string | undefined, body: Uint8Array): string {
  return providerEventId !== undefined && providerEventId !== ''
    ? providerEventId
    : `sha256:${sha256Hex(body)}`
}
