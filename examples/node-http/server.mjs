// A node:http server that only lets GitHub-signed requests through.
import { createServer } from 'node:http'
import { providers } from '@hookgate/verify'
import { verifyWebhooks } from '@hookgate/verify/node'

const port = Number(process.env.PORT ?? 3000)

const preset = providers.github({ secrets: [process.env.GITHUB_WEBHOOK_SECRET ?? 'dev-secret'] })

const listener = verifyWebhooks({ preset }, (req, res, webhook) => {
  console.log(webhook.eventType, webhook.id, webhook.json())
  res.writeHead(204).end()
})

createServer(listener).listen(port, () => console.log(`POST http://localhost:${port}/webhooks/github`))
