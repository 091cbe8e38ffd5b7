/**
 * `hookgate events list|show|tail` as users run them: the built binary against a real `hookgate serve` (port 0,
 * temporary SQLite, admin token) in another process. `tail` sees a webhook and a refusal sent after it started,
 * and exits 0 on SIGINT; `list` and `show` print what was stored.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { ensureBuilt } from './built.ts'
import { runCli, startCli, type CliProcess } from './cli-process.ts'

const SECRET = 'events-cli-github-secret-0123456789'
const ADMIN = 'events-cli-admin-token-0123456789abcdef'
const github = providers.github({ secrets: [SECRET] })
let dir = ''
let server: CliProcess
let url = ''
const storedIds: string[] = []

async function postSigned(body: string, delivery: string): Promise<string> {
  const response = await fetch(`${url}/webhooks/gh`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-delivery': delivery,
      'x-github-event': 'push',
      ...signWebhook(github, { body }),
    },
    body,
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { id: string }).id
}

beforeAll(async () => {
  await ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookgate-events-'))
  const config = join(dir, 'hookgate.yaml')
  writeFileSync(
    config,
    "server:\n  port: 0\nstorage:\n  sqlite: ./events.db\nadmin:\n  token: ${env:ADMIN}\nsources:\n  - id: gh\n    provider: github\n    secrets: ['${env:GH_SECRET}']\n",
  )
  server = startCli(
    ['serve', '--config', config, '--log-format', 'json'],
    { ADMIN, GH_SECRET: SECRET },
    dir,
  )
  const listening = await server.waitFor((line) => line.includes('"hookgate listening"'))
  url = (JSON.parse(listening) as { url: string }).url
})
afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.exited
  rmSync(dir, { recursive: true, force: true })
})

describe('hookgate events tail', () => {
  it('prints a webhook and a refusal sent after it started, one line each, and exits 0 on SIGINT', async () => {
    const tail = startCli(['events', 'tail', '--url', url], { HOOKGATE_ADMIN_TOKEN: ADMIN })
    await tail.waitFor((line) => line.startsWith('tailing '))
    const id = await postSigned('{"after":"tail"}', 'tail-1')
    storedIds.push(id)
    const webhook = await tail.waitFor((line) => line.includes(id))
    expect(webhook).toMatch(/^\d{4}-\d\d-\d\dT\S+Z {2}webhook {4}gh {2}push {2}stored {2}evt_/)
    expect(
      (await fetch(`${url}/webhooks/gh`, { method: 'POST', body: '{"unsigned":true}' })).status,
    ).toBe(400)
    expect(await tail.waitFor((line) => line.includes('rejected'))).toMatch(
      /rejected {3}gh {2}400 missing_signature$/,
    )
    tail.child.kill('SIGINT')
    expect(await tail.exited).toBe(0)
    expect(tail.output()).not.toContain(ADMIN)
    expect(tail.output()).not.toContain('after')
  })

  it('--json prints one JSON object per line', async () => {
    const tail = startCli(['events', 'tail', '--json', '--url', url, '--token', ADMIN])
    await tail.waitFor((line) => line.startsWith('tailing '))
    const id = await postSigned('{"json":1}', 'tail-json')
    storedIds.push(id)
    const line = await tail.waitFor((l) => l.includes(id))
    expect(JSON.parse(line)).toEqual({
      type: 'webhook',
      id,
      source: 'gh',
      provider: 'github',
      eventType: 'push',
      receivedAt: expect.any(String),
      duplicate: false,
    })
    tail.child.kill('SIGINT')
    expect(await tail.exited).toBe(0)
  })

  it('exits 2 without a token and 1 when the gateway refuses the token', async () => {
    const missing = await runCli(['events', 'tail', '--url', url])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('HOOKGATE_ADMIN_TOKEN')
    const wrong = await runCli([
      'events',
      'tail',
      '--url',
      url,
      '--token',
      'wrong-token-0123456789',
    ])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain('401 unauthorized')
    expect(wrong.stderr).not.toContain('wrong-token-0123456789')
  })
})

describe('hookgate events list and show', () => {
  it('list prints the stored events as a table and as JSON', async () => {
    const id = await postSigned('{"listed":true}', 'list-1')
    const table = await runCli(['events', 'list', '--url', url, '--source', 'gh'], {
      HOOKGATE_ADMIN_TOKEN: ADMIN,
    })
    expect(table.code).toBe(0)
    const [header, ...rows] = table.stdout.split('\n')
    expect(header).toMatch(/^ID\s+RECEIVED\s+SOURCE\s+PROVIDER\s+EVENT TYPE\s+SIZE$/)
    expect(rows.find((row) => row.startsWith(id))).toMatch(/\s+gh\s+github\s+push\s+15 B$/)

    const json = await runCli(['events', 'list', '--url', url, '--json', '--limit', '1'], {
      HOOKGATE_ADMIN_TOKEN: ADMIN,
    })
    expect(json.code).toBe(0)
    const page = JSON.parse(json.stdout) as { items: { id: string }[]; nextCursor: string | null }
    expect(page.items.map((e) => e.id)).toEqual([id])
    expect(page.nextCursor).toEqual(expect.any(String))
    // In a table the next page's command goes to stderr (stdout stays the table).
    const first = await runCli(['events', 'list', '--url', url, '--limit', '1'], {
      HOOKGATE_ADMIN_TOKEN: ADMIN,
    })
    expect(first.stderr).toBe(`more: hookgate events list --cursor ${page.nextCursor ?? ''}`)
  })

  it('show prints metadata, headers, the JSON body pretty-printed and the deliveries', async () => {
    const id = await postSigned('{"order":{"id":42,"items":["a"]}}', 'show-1')
    const shown = await runCli(['events', 'show', id, '--url', url], {
      HOOKGATE_ADMIN_TOKEN: ADMIN,
    })
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain(`id           ${id}`)
    expect(shown.stdout).toContain('source       gh (github)')
    expect(shown.stdout).toContain('event type   push')
    expect(shown.stdout).toContain('provider id  show-1')
    expect(shown.stdout).toContain('  x-github-event: push')
    expect(shown.stdout).toContain('body:\n{\n  "order": {\n    "id": 42,')
    expect(shown.stdout).toContain('deliveries: none')

    const missing = await runCli(['events', 'show', 'evt_nope', '--url', url], {
      HOOKGATE_ADMIN_TOKEN: ADMIN,
    })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('404 not_found')
  })
})
