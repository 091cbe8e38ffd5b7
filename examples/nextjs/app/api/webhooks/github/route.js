// Next.js App Router route handler: app/api/webhooks/github/route.js (route.ts works the same way).
import { providers } from '@hookgate/verify'
import { verifyWebhooks } from '@hookgate/verify/fetch'

const preset = providers.github({ secrets: [process.env.GITHUB_WEBHOOK_SECRET ?? 'dev-secret'] })

export const POST = verifyWebhooks({ preset }, async (request, webhook) => {
  console.log(webhook.eventType, webhook.id, webhook.json())
  return new Response(null, { status: 204 })
})
