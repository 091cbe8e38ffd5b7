/**
 * @module cli/twilio-json
 * What `sign` and `send` share about bodies: whether one is JSON, and the URL Twilio calls for a JSON body (it signs
 * the body's SHA-256 in a `bodySHA256` query parameter instead of form params).
 */
import { Buffer } from 'node:buffer'
import { twilioBodySha256 } from '@hookgate/verify'

/** True when the body parses as a JSON object or array (what a provider's JSON delivery looks like). */
export function looksLikeJson(body: Uint8Array): boolean {
  try {
    const value: unknown = JSON.parse(Buffer.from(body).toString('utf8'))
    return typeof value === 'object' && value !== null
  } catch {
    return false
  }
}

/** The URL with Twilio's `bodySHA256` parameter for `body` (unchanged when it already has one). */
export function withBodySha256(url: string, body: Uint8Array): string {
  if (/[?&]bodySHA256=/.test(url)) return url
  return `${url}${url.includes('?') ? '&' : '?'}bodySHA256=${twilioBodySha256(body)}`
}
