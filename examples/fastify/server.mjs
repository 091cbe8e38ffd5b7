// Fastify: the plugin lives in its own context (prefix /webhooks); other routes keep the JSON parser.
import Fastify from 'fastify'
import { providers } from '@hookgate/verify'
import { verifyWebhooks } from '@hookgate/verify/fastify'

const port = Number(process.env.PORT ?? 3000)

const preset = providers.github({ secrets: [process.env.GITHUB_WEBHOOK_SECRET ?? 'dev-secret'] })
const app = Fastify()

await app.register(async (webhooks) => {
  await webhooks.register(verifyWebhooks({ preset }))
  webhooks.post('/github', async (request, reply) => {
    console.log(request.webhook.eventType, request.webhook.id, request.webhook.json())
    return reply.code(204).send()
  })
}, { prefix: '/webhooks' })

await app.listen({ port })
console.log(`POST http://localhost:${port}/webhooks/github`)
