// Express: the webhook route is registered before any body parser (or give it express.raw({ type: '*/*' })).
import express from 'express'
import { providers } from '@hookgate/verify'
import { verifyWebhooks } from '@hookgate/verify/express'

const port = Number(process.env.PORT ?? 3000)

const preset = providers.github({ secrets: [process.env.GITHUB_WEBHOOK_SECRET ?? 'dev-secret'] })
const app = express()

app.post('/webhooks/github', verifyWebhooks({ preset }), (req, res) => {
  console.log(req.webhook.eventType, req.webhook.id, req.webhook.json())
  res.sendStatus(204)
})
app.use(express.json()) // the rest of the app parses JSON as usual

app.listen(port, () => console.log(`POST http://localhost:${port}/webhooks/github`))
