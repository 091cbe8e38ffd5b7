/**
 * @module providers/slack
 * `X-Slack-Signature: v0=<hex>` = HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<body>`; 5-minute window.
 * @see https://api.slack.com/authentication/verifying-requests-from-slack
 */
import { fail } from '../errors.ts'
import { getHeader } from '../_internal/headers.ts'
import { defineProvider, field, utf8Secret, type VerifiedContext } from '../define.ts'
import { hmacKey } from '../schemes/hmac.ts'
import { signContent } from '../schemes/index.ts'
import { encodedSignature, requireHeader, unixSeconds } from './_shared.ts'

/** Slack's JSON bodies (Events API) or form bodies (slash commands, interactivity's `payload=`). */
function slackPayload(context: VerifiedContext): unknown {
  const json = context.payload()
  if (json !== undefined) return json
  const form = new URLSearchParams(context.text())
  const payload = form.get('payload')
  if (payload !== null) {
    try {
      return JSON.parse(payload) as unknown
    } catch {
      return undefined
    }
  }
  return Object.fromEntries(form)
}

/**
 * Slack (Events API, slash commands, interactivity). The key is the app's Signing Secret
 * (not the bot token, not the verification token). Id: `event_id`; type: the inner event's type.
 */
export const slack = defineProvider<object, undefined>({
  id: 'slack',
  name: 'Slack',
  scheme: 'X-Slack-Signature v0= — HMAC-SHA256 hex of `v0:ts:body`',
  docsUrl: 'https://api.slack.com/authentication/verifying-requests-from-slack',
  toleranceSeconds: 300,
  optionKeys: [],
  mismatchHint: 'Use the app\'s Signing Secret (Basic Information page), not the bot token or the legacy verification token.',
  configure: () => undefined,
  decodeKey: (secret) => hmacKey('hmac-sha256', utf8Secret(secret)),
  parse(request) {
    const value = requireHeader(request.headers, 'x-slack-signature')
    const timestamp = unixSeconds(getHeader(request.headers, 'x-slack-request-timestamp'), 'X-Slack-Request-Timestamp')
    const eq = value.indexOf('=')
    if (eq <= 0) fail('malformed_signature', 'The X-Slack-Signature header is not of the form v0=<hex>.')
    const version = value.slice(0, eq)
    if (version !== 'v0') fail('unsupported_algorithm', `The X-Slack-Signature header uses version "${version.slice(0, 16)}"; only v0 is known.`)
    return { timestamp, signatures: [encodedSignature('hmac-sha256', 'hex', value.slice(eq + 1), 'X-Slack-Signature')] }
  },
  signedContent: (_request, body, envelope) => [[`v0:${envelope.timestamp}:`, body]],
  sign(input, key) {
    return {
      'X-Slack-Signature': `v0=${signContent(key, [`v0:${input.timestamp}:`, input.body], 'hex')}`,
      'X-Slack-Request-Timestamp': String(input.timestamp),
    }
  },
  eventId: (context) => field(context.payload(), 'event_id'),
  eventType(context) {
    const payload = slackPayload(context)
    return field(payload, 'event', 'type') ?? field(payload, 'type') ?? field(payload, 'command')
  },
})
