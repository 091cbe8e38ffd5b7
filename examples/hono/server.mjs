// Hono on Node (@hono/node-server); the same app runs on Bun, Deno and Workers with their own `serve`.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { providers } from '@hookgate/verify'
import { verifyWebhooks } from '@hookgate/verify/hono'

const port = Number(process.env.PORT ?? 3000)

const preset = providers.github({ secrets: [process.env.GITHUB_WEBHOOK_SECRET ?? 'dev-secret'] })
const app = new Hono()

app.post('/webhooks/github', verifyWebhooks({ preset }), (c) => {
  const webhook = c.get('webhook')
  console.log(webhook.eventType, webhook.id, webhook.json())
  return c.body(null, 204)
})

serve({ fetch: app.fetch, port }, () => console.log(`POST http://localhost:${port}/webhooks/github`))
