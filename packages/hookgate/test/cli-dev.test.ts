/**
 * `hookgate dev --forward` as users run it: the built binary (port 0, sources from flags) forwarding into a real
 * local HTTP app (node:http on port 0). A webhook signed as GitHub signs it arrives at the app byte for byte,
 * re-signed with Standard Webhooks under the whsec_ secret dev printed (checked with the `standardwebhooks`
 * package); a refusal and the delivery show in the plain-line table; SIGINT exits 0 and deletes the temporary store.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import { providers, signWebhook } from '@hookgate/verify'
import { createLiveTable } from '../src/cli/commands/dev.ts'
import { createGatewayEvents } from '../src/events.ts'
import { ensureBuilt } from './built.ts'
import { runCli, startCli } from './cli-process.ts'

const SECRET = 'dev-cli-github-secret-0123456789'

interface Received {
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

let app: Server
let appUrl = ''
const received: Received[] = []
let arrived: (() => void) | undefined

beforeAll(async () => {
  await ensureBuilt()
  app = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(204).end()
      arrived?.()
    })
  })
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/webhooks`
})
afterAll(async () => {
  app.closeAllConnections()
  await new Promise<void>((resolve) => app.close(() => resolve()))
})

describe('hookgate dev --forward', () => {
  it('forwards a verified webhook to the local app, re-signed with the secret it printed, and shows it in the table', async () => {
    // TMPDIR of its own, to see the temporary store appear and go.
    const tmp = mkdtempSync(join(tmpdir(), 'hookgate-dev-test-'))
    try {
      const dev = startCli(
        ['dev', '--forward', appUrl, '--source', `gh:github:${SECRET}`, '--port', '0'],
        { TMPDIR: tmp },
      )
      const listening = await dev.waitFor((line) => line.startsWith('hookgate dev: listening on '))
      const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(listening)?.[1] ?? ''
      const sourceLine = await dev.waitFor((line) => line.includes('/webhooks/gh'))
      expect(sourceLine.trim()).toBe(`gh (github)  ${base}/webhooks/gh`)
      expect(await dev.waitFor((line) => line.startsWith('forwarding'))).toBe(
        `forwarding verified events to ${appUrl}`,
      )
      const secretLine = await dev.waitFor((line) => line.startsWith('signing secret: '))
      const whsec = secretLine.slice('signing secret: '.length)
      expect(whsec).toMatch(/^whsec_[A-Za-z0-9+/=]+$/)
      await dev.waitFor((line) =>
        /^TIME\s+SOURCE\s+EVENT TYPE\s+VERDICT\s+DELIVERY\s+LATENCY$/.test(line),
      )
      expect(readdirSync(tmp).filter((name) => name.startsWith('hookgate-dev-'))).toHaveLength(1)

      const body = '{"action":"opened","number":7}'
      const delivered = new Promise<void>((resolve) => {
        arrived = resolve
      })
      const response = await fetch(`${base}/webhooks/gh`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-delivery': 'dev-1',
          'x-github-event': 'pull_request',
          ...signWebhook(providers.github({ secrets: [SECRET] }), { body }),
        },
        body,
      })
      expect(response.status).toBe(200)
      const { id } = (await response.json()) as { id: string }
      await delivered
      const [hit] = received
      expect(hit?.body).toBe(body)
      expect(hit?.headers['webhook-id']).toBe(id)
      expect(hit?.headers['x-hookgate-event-type']).toBe('pull_request')
      // The Standard Webhooks reference implementation accepts it with the printed secret (it throws otherwise).
      const verified = new Webhook(whsec).verify(body, {
        'webhook-id': String(hit?.headers['webhook-id']),
        'webhook-timestamp': String(hit?.headers['webhook-timestamp']),
        'webhook-signature': String(hit?.headers['webhook-signature']),
      })
      expect(verified).toEqual({ action: 'opened', number: 7 })
      expect(() =>
        new Webhook(
          `whsec_${Buffer.from('another-secret-entirely-32bytes!').toString('base64')}`,
        ).verify(body, {
          'webhook-id': String(hit?.headers['webhook-id']),
          'webhook-timestamp': String(hit?.headers['webhook-timestamp']),
          'webhook-signature': String(hit?.headers['webhook-signature']),
        }),
      ).toThrow()

      // Not a terminal: plain lines, one when stored and one when delivered.
      expect(
        await dev.waitFor((line) => /\sgh\s+pull_request\s+stored\s+pending/.test(line)),
      ).toBeTruthy()
      expect(
        await dev.waitFor((line) =>
          /\sgh\s+pull_request\s+stored\s+delivered 204\s+\d+ ms$/.test(line),
        ),
      ).toBeTruthy()
      expect((await fetch(`${base}/webhooks/gh`, { method: 'POST', body })).status).toBe(400)
      expect(
        await dev.waitFor((line) => /\sgh\s+-\s+rejected 400 missing_signature\s+-$/.test(line)),
      ).toBeTruthy()
      expect(received).toHaveLength(1)

      dev.child.kill('SIGINT')
      expect(await dev.exited).toBe(0)
      expect(dev.stdout.at(-1)).toBe('stopped')
      expect(dev.output()).not.toContain(SECRET)
      expect(readdirSync(tmp).filter((name) => name.startsWith('hookgate-dev-'))).toEqual([])
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })

  it('exits 2 without --forward, without sources, or with a bad --source', async () => {
    const noForward = await runCli(['dev', '--source', `gh:github:${SECRET}`])
    expect(noForward.code).toBe(2)
    expect(noForward.stderr).toContain('--forward is required')
    const noSources = await runCli(['dev', '--forward', appUrl])
    expect(noSources.code).toBe(2)
    expect(noSources.stderr).toContain('--source ID:PROVIDER:SECRET')
    const unknown = await runCli([
      'dev',
      '--forward',
      appUrl,
      '--source',
      `gh:nope:${SECRET}`,
      '--port',
      '0',
    ])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('nope')
    expect(unknown.stderr).not.toContain(SECRET)
  })
})

describe('hookgate dev --config', () => {
  it('takes the sources from a configuration file (its storage and destinations replaced)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookgate-dev-config-'))
    try {
      const config = join(dir, 'hookgate.yaml')
      writeFileSync(
        config,
        `storage:\n  postgres: postgres://nobody@127.0.0.1:1/none\nsources:\n  - id: pay\n    provider: stripe\n    secrets: ['whsec_devConfigStripeSecret0000']\ndestinations:\n  - id: elsewhere\n    url: http://127.0.0.1:1/\n    sources: [pay]\n    signingSecret: whsec_${Buffer.from('elsewhere-signing-key-32-bytes!!').toString('base64')}\n`,
      )
      const dev = startCli(['dev', '--forward', appUrl, '--config', config, '--port', '0'])
      const line = await dev.waitFor((l) => l.includes('/webhooks/pay'))
      expect(line).toMatch(/^ {2}pay \(stripe\) {2}http:\/\/127\.0\.0\.1:\d+\/webhooks\/pay$/)
      await dev.waitFor((l) => l.startsWith('TIME'))
      dev.child.kill('SIGINT')
      expect(await dev.exited).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the live table', () => {
  it('on a terminal, rewrites the row of an event in place when its delivery settles', () => {
    const events = createGatewayEvents()
    const writes: string[] = []
    createLiveTable(events, { write: (text) => void writes.push(text), isTTY: true, rows: 40 })
    const receivedAt = new Date()
    events.emit('event:stored', {
      id: 'evt_1',
      sourceId: 'gh',
      provider: 'github',
      eventType: 'push',
      receivedAt,
      duplicate: false,
    })
    events.emit('rejection:recorded', {
      sourceId: 'gh',
      status: 401,
      reason: 'signature_mismatch',
      receivedAt,
    })
    events.emit('delivery:attempted', {
      deliveryId: 'dlv_1',
      eventId: 'evt_1',
      destinationId: 'local',
      attempt: 1,
      statusCode: 200,
      error: undefined,
      durationMs: 12.4,
      outcome: 'delivered',
      startedAt: receivedAt,
    })
    expect(writes).toHaveLength(4)
    expect(writes[1]).toMatch(/gh\s+push\s+stored\s+pending\n$/)
    expect(writes[2]).toMatch(/rejected 401 signature_mismatch/)
    // Two lines up (past the rejection), rewrite, two lines down.
    expect(writes[3]).toMatch(
      /^\u001b\[2A\r\u001b\[2K.*gh\s+push\s+stored\s+delivered 200\s+12 ms\u001b\[2B\r$/,
    )
  })

  it('strips terminal control characters a sender put in an event type', () => {
    const events = createGatewayEvents()
    const writes: string[] = []
    createLiveTable(events, { write: (text) => void writes.push(text), isTTY: false, rows: 24 })
    events.emit('event:stored', {
      id: 'evt_2',
      sourceId: 'gh',
      provider: 'github',
      eventType: 'evil\u001b[2Jtype',
      receivedAt: new Date(),
      duplicate: true,
    })
    expect(writes[1]).not.toContain('\u001b')
    expect(writes[1]).toMatch(/evil\?\[2Jtype\s+duplicate\s+-/)
  })
})
