import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type ErrorRequestHandler } from 'express'
import { describe, expect, it } from 'vitest'
import { isWebhookError, providers } from '@hookgate/verify'
import {
  RawBodyUnavailableError,
  verifyWebhooks,
  type VerifyWebhooksOptions,
} from '@hookgate/verify/express'
import {
  SECRETS,
  TWILIO_PATH,
  TWILIO_PUBLIC_ORIGIN,
  defineAdapterSuite,
  echo,
  githubBody,
  githubHeaders,
  send,
  twilioBody,
  twilioHeaders,
  type RunningServer,
} from './_suite.ts'

async function listen(app: express.Express): Promise<RunningServer> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function start(options: VerifyWebhooksOptions): Promise<RunningServer> {
  const app = express()
  app.post('/hooks/*splat', verifyWebhooks(options), (req, res) => {
    res.json(echo(req.webhook!))
  })
  return listen(app)
}

defineAdapterSuite({ name: 'express', start })

const github = () => providers.github({ secrets: [SECRETS.github] })

/** Answers what reached the error handler: the error's code, status and message. */
const reportErrors: ErrorRequestHandler = (error, _req, res, _next) => {
  res.status(500).json({
    code: error.code,
    status: error.status,
    message: error.message,
    branded: isWebhookError(error),
    raw: error instanceof RawBodyUnavailableError,
  })
}

describe('express: specifics', () => {
  it('forwards an actionable ERR_RAW_BODY_UNAVAILABLE error when express.json() parsed the body first', async () => {
    const app = express()
    app.use(express.json())
    app.post('/hooks/github', verifyWebhooks({ preset: github() }), (_req, res) => {
      res.status(200).send('handler must not run')
    })
    app.use(reportErrors)
    const server = await listen(app)
    try {
      const reply = await send(server.port, '/hooks/github', {
        headers: await githubHeaders(githubBody),
        body: githubBody,
      })
      expect(reply.status).toBe(500)
      expect(reply.json).toMatchObject({
        code: 'ERR_RAW_BODY_UNAVAILABLE',
        status: 500,
        branded: true,
        raw: true,
      })
      expect(reply.json.message).toContain(
        'a body parser consumed the request body before @hookgate/verify',
      )
      expect(reply.json.message).toContain("express.raw({ type: '*/*' })")
      expect(reply.json.message).toContain('req.body is already a parsed object')
      // A content type express.json() skips leaves the stream unread: the adapter reads it and verifies.
      const form = await send(server.port, '/hooks/github', {
        headers: {
          ...(await githubHeaders(githubBody)),
          'content-type': 'application/octet-stream',
        },
        body: githubBody,
      })
      expect(form.status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('uses the Buffer left by express.raw({ type: "*/*" }), and still enforces maxBodyBytes on it', async () => {
    const app = express()
    app.post(
      '/hooks/github',
      express.raw({ type: '*/*' }),
      verifyWebhooks({ preset: github(), maxBodyBytes: 64 }),
      (req, res) => {
        res.json(echo(req.webhook!))
      },
    )
    app.post(
      '/hooks/big',
      express.raw({ type: '*/*' }),
      verifyWebhooks({ preset: github() }),
      (req, res) => {
        res.json(echo(req.webhook!))
      },
    )
    const server = await listen(app)
    try {
      const small = '{"zen":"raw"}'
      const ok = await send(server.port, '/hooks/big', {
        headers: await githubHeaders(small),
        body: small,
      })
      expect([ok.status, ok.json.payload]).toEqual([200, { zen: 'raw' }])
      const tampered = await send(server.port, '/hooks/big', {
        headers: await githubHeaders(small),
        body: small.replace('raw', 'RAW'),
      })
      expect([tampered.status, tampered.json.error.code]).toEqual([401, 'signature_mismatch'])
      // Over our 64-byte limit but under express.raw's 100 kB: the Content-Length precheck refuses it.
      const big = await send(server.port, '/hooks/github', {
        headers: await githubHeaders(githubBody),
        body: githubBody,
      })
      expect([big.status, big.json.error.code]).toEqual([413, 'payload_too_large'])
      // Chunked, so only the Buffer check sees the size.
      const chunked = await send(server.port, '/hooks/github', {
        headers: await githubHeaders(githubBody),
        chunks: [githubBody],
      })
      expect([chunked.status, chunked.json.error.code]).toEqual([413, 'payload_too_large'])
    } finally {
      await server.close()
    }
  })

  it('uses req.rawBody from the express.json({ verify }) recipe, and reads the stream when req.body is only a default {}', async () => {
    const app = express()
    app.use(
      '/hooks/recipe',
      express.json({
        verify: (req, _res, buf) => {
          ;(req as { rawBody?: Buffer }).rawBody = buf
        },
      }),
    )
    // Express 4's body-parser sets req.body = {} even for requests it skips, without reading the stream.
    app.use('/hooks/default', (req, _res, next) => {
      req.body = {}
      next()
    })
    app.post('/hooks/*splat', verifyWebhooks({ preset: github() }), (req, res) => {
      res.json(echo(req.webhook!))
    })
    const server = await listen(app)
    try {
      const headers = await githubHeaders(githubBody)
      for (const path of ['/hooks/recipe', '/hooks/default']) {
        const reply = await send(server.port, path, { headers, body: githubBody })
        expect([path, reply.status, reply.json.bytes]).toEqual([
          path,
          200,
          Buffer.byteLength(githubBody),
        ])
        const tampered = await send(server.port, path, {
          headers,
          body: githubBody.replace('failure', 'success'),
        })
        expect([path, tampered.status]).toEqual([path, 401])
      }
    } finally {
      await server.close()
    }
  })

  it('rebuilds the Twilio URL from originalUrl under a mounted router', async () => {
    const app = express()
    const router = express.Router()
    router.post(
      '/twilio/sms',
      verifyWebhooks({
        preset: providers.twilio({ secrets: [SECRETS.twilio] }),
        publicUrl: TWILIO_PUBLIC_ORIGIN,
      }),
      (req, res) => {
        res.json(echo(req.webhook!))
      },
    )
    app.use('/hooks', router)
    const server = await listen(app)
    try {
      const reply = await send(server.port, TWILIO_PATH, {
        headers: twilioHeaders(),
        body: twilioBody,
      })
      expect([reply.status, reply.json.provider]).toEqual([200, 'twilio'])
    } finally {
      await server.close()
    }
  })
})
