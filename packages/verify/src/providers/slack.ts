/**
 * @module providers/slack
 * `X-Slack-Signature: v0=<hex>` = HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<body>`; 5-minute window.
 * @see https://api.slack.com/authentication/verifying-requests-from-slack
 */
import { defineProvider, field, type VerifiedContext } from '../define.ts'
import { signedDefinition } from '../families/signed.ts'

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
export const slack = defineProvider({
  ...signedDefinition({
    id: 'slack',
    name: 'Slack',
    docsUrl: 'https://api.slack.com/authentication/verifying-requests-from-slack',
    mismatchHint:
      "Use the app's Signing Secret (Basic Information page), not the bot token or the legacy verification token.",
    algorithm: 'hmac-sha256',
    signed: 'v0:{timestamp}:{body}',
    signature: { header: 'X-Slack-Signature', encoding: 'hex', prefix: 'v0=' },
    timestamp: { header: 'X-Slack-Request-Timestamp', toleranceSeconds: 300 },
    eventId: { body: 'event_id' },
  }),
  handshake: {
    description: 'url_verification (signed): answered with its challenge, not stored',
    example: {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"token":"legacy","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}',
      answer: {
        status: 200,
        body: '{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}',
      },
    },
    reply(context) {
      const { type, challenge } = (context.payload() ?? {}) as {
        type?: unknown
        challenge?: unknown
      }
      return type === 'url_verification' && typeof challenge === 'string'
        ? { status: 200, contentType: 'application/json', body: JSON.stringify({ challenge }) }
        : undefined
    },
  },
  eventType(context) {
    const payload = slackPayload(context)
    return field(payload, 'event', 'type') ?? field(payload, 'type') ?? field(payload, 'command')
  },
})
