import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, vi } from 'vitest'
import { providers } from '@hookgate/verify'
import { verifyWebhooks, type VerifyWebhooksOptions } from '@hookgate/verify/node'
import {
  SECRETS,
  defineAdapterSuite,
  echo,
  githubBody,
  githubHeaders,
  send,
  type RunningServer,
} from './_suite.ts'

async function listen(server: Server): Promise<RunningServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
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
  return listen(
    createServer(
      verifyWebhooks(options, (_req, res, webhook) => {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(echo(webhook)))
      }),
    ),
  )
}

defineAdapterSuite({ name: 'node:http', start })

describe('node:http: specifics', () => {
  it('answers 500 internal_error when the handler throws, and reports the error', async () => {
    const report = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const preset = providers.github({ secrets: [SECRETS.github] })
    const server = await listen(
      createServer(
        verifyWebhooks({ preset }, () => {
          throw new Error('handler bug')
        }),
      ),
    )
    try {
      const reply = await send(server.port, '/hooks/github', {
        headers: await githubHeaders(githubBody),
        body: githubBody,
      })
      expect([reply.status, reply.json.error.code]).toEqual([500, 'internal_error'])
      expect(reply.text).not.toContain('handler bug')
      expect(report).toHaveBeenCalledWith(expect.objectContaining({ message: 'handler bug' }))
    } finally {
      report.mockRestore()
      await server.close()
    }
  })
})
