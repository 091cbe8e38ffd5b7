/**
 * `hookgate serve` and `hookgate init` as users run them: the built binary in a child process
 * (`node packages/hookgate/dist/cli/main.js serve`), a config file with port 0, a real SQLite file, SIGTERM.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type Socket } from 'node:net'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providers, signWebhook } from '@hookgate/verify'
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts'
import { STARTER_CONFIG } from '../../src/cli/commands/init.ts'
import { CLI, ensureBuilt, plainEnv } from '../built.ts'

const SECRET = 'serve-cli-github-secret-0123456789'
const ADMIN = 'serve-cli-admin-token-0123456789'
let dir = ''

beforeAll(async () => {
  await ensureBuilt()
  expect(
    existsSync(join(CLI, '..', 'commands', 'serve.js')),
    'dist is stale: run npm run build',
  ).toBe(true)
  dir = mkdtempSync(join(tmpdir(), 'hookgate-serve-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface LogLine {
  readonly msg: string
  readonly [key: string]: unknown
}

/** Starts `hookgate serve`, resolves once it logged its address and `sources` source URLs; collects every stdout line. */
async function serve(config: string, env: Record<string, string>, sources: number) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [CLI, 'serve', '--config', config],
    {
      env: { ...plainEnv(), ...env },
      cwd: dir,
    },
  )
  const lines: LogLine[] = []
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout += `${line}\n`
      const parsed = JSON.parse(line) as LogLine
      lines.push(parsed)
      const listening = lines.find((l) => l.msg === 'hookgate listening')
      if (
        listening !== undefined &&
        lines.filter((l) => l.msg === 'source ready').length === sources
      )
        resolve(listening.url as string)
    })
    void exited.then((code) =>
      reject(new Error(`serve exited with ${code} before listening: ${stderr}`)),
    )
  })
  return { child, url, lines, exited, output: () => stdout + stderr }
}

interface RawResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** HTTP/1.1 over one raw socket: `next()` resolves with the next whole response (Content-Length framed). */
function keepAliveClient(socket: Socket) {
  let buffer = Buffer.alloc(0)
  let waiting: (() => void) | undefined
  const state = { reset: false }
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk])
    waiting?.()
  })
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE') state.reset = true
  })
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      waiting?.()
      resolve()
    }),
  )
  function parse(): RawResponse | undefined {
    const end = buffer.indexOf('\r\n\r\n')
    if (end === -1) return undefined
    const [statusLine = '', ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n')
    const headers: Record<string, string> = {}
    for (const line of lines)
      headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line
        .slice(line.indexOf(':') + 1)
        .trim()
    const length = Number(headers['content-length'] ?? 0)
    if (buffer.length < end + 4 + length) return undefined
    const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8')
    buffer = buffer.subarray(end + 4 + length)
    return { status: Number(statusLine.split(' ')[1]), headers, body }
  }
  return {
    socket,
    closed,
    get reset() {
      return state.reset
    },
    async next(): Promise<RawResponse> {
      for (;;) {
        const response = parse()
        if (response !== undefined) return response
        if (socket.destroyed)
          throw new Error(
            `the connection closed without a complete response (reset: ${state.reset})`,
          )
        await new Promise<void>((resolve) => {
          waiting = resolve
        })
      }
    },
  }
}

describe('hookgate serve', () => {
  it('prints its address and source URLs, stores a webhook, and exits 0 on SIGTERM after flushing', async () => {
    const config = join(dir, 'hookgate.yaml')
    writeFileSync(
      config,
      [
        'server:',
        '  port: 0',
        'storage:',
        '  sqlite: ./data/serve.db',
        'admin:',
        '  token: ${env:ADMIN_TOKEN}',
        'sources:',
        '  - id: gh',
        '    provider: github',
        "    secrets: ['${env:GH_SECRET}']",
        '',
      ].join('\n'),
    )
    const server = await serve(config, { GH_SECRET: SECRET, ADMIN_TOKEN: ADMIN }, 1)
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.lines.find((l) => l.msg === 'source ready')).toMatchObject({
      source: 'gh',
      provider: 'github',
      url: `${server.url}/webhooks/gh`,
    })

    const body = '{"zen":"Design for failure. ✓"}'
    const response = await fetch(`${server.url}/webhooks/gh`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-delivery': 'cli-1',
        ...signWebhook(providers.github({ secrets: [SECRET] }), { body }),
      },
      body,
    })
    expect(response.status).toBe(200)
    const { id } = (await response.json()) as { id: string }

    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(server.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['hookgate listening', 'shutting down', 'stopped']),
    )
    // At the default level (info) accepted webhooks are not logged one by one: the store and /metrics have them.
    expect(server.lines.map((l) => l.msg)).not.toContain('webhook stored')
    expect(server.output()).not.toContain(SECRET)
    expect(server.output()).not.toContain(ADMIN)

    const storage = createSqliteStorage({ path: join(dir, 'data', 'serve.db') })
    try {
      await storage.migrate()
      const event = await storage.getEvent(id)
      expect(Buffer.from(event?.body ?? []).toString('utf8')).toBe(body)
    } finally {
      await storage.close()
    }
  })

  it('SIGTERM: a late request on a kept-alive connection gets 503 shutting_down with Connection: close, not a reset (issue 12)', async () => {
    const config = join(dir, 'late.yaml')
    writeFileSync(
      config,
      "server:\n  port: 0\nstorage:\n  sqlite: ./data/late.db\nsources:\n  - id: gh\n    provider: github\n    secrets: ['${env:GH_SECRET}']\n",
    )
    const server = await serve(config, { GH_SECRET: SECRET }, 1)
    const { hostname, port } = new URL(server.url)
    const client = keepAliveClient(connect({ host: hostname, port: Number(port) }))
    client.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`)
    expect((await client.next()).status).toBe(200)

    const shuttingDown = new Promise<void>((resolve) => {
      createInterface({ input: server.child.stdout }).on('line', (line) => {
        if ((JSON.parse(line) as LogLine).msg === 'shutting down') resolve()
      })
    })
    server.child.kill('SIGTERM')
    await shuttingDown
    // The connection was idle when the signal came; the request arrives on it afterwards.
    const body = '{"late":true}'
    const headers = Object.entries(signWebhook(providers.github({ secrets: [SECRET] }), { body }))
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')
    client.socket.write(
      `POST /webhooks/gh HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n${headers}Content-Length: ${body.length}\r\n\r\n${body}`,
    )
    const late = await client.next()
    expect(late.status).toBe(503)
    expect(late.headers.connection).toBe('close')
    expect(late.headers['retry-after']).toBe('5')
    expect(JSON.parse(late.body)).toEqual({
      error: { code: 'shutting_down', message: expect.any(String) },
    })
    await client.closed
    expect(client.reset).toBe(false)
    expect(await server.exited).toBe(0)
  })

  it('prints the address lines even at log.level error (scripts wait for them)', async () => {
    const config = join(dir, 'quiet.yaml')
    writeFileSync(
      config,
      "server:\n  port: 0\nstorage:\n  sqlite: ./data/quiet.db\nlog:\n  level: error\nsources:\n  - id: a\n    provider: github\n    secrets: ['${env:GH_SECRET}']\n  - id: b\n    provider: stripe\n    secrets: ['whsec_quietStripeSecret0000']\n",
    )
    const server = await serve(config, { GH_SECRET: SECRET }, 2)
    expect(server.lines.map((l) => l.msg)).toEqual([
      'hookgate listening',
      'source ready',
      'source ready',
    ])
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    // Nothing else at this level: shutdown lines are info.
    expect(server.lines).toHaveLength(3)
  })

  it('issue 9: starts with a short provider secret, warning at start-up with the source named (never the secret)', async () => {
    const config = join(dir, 'short.yaml')
    writeFileSync(
      config,
      "server:\n  port: 0\nstorage:\n  sqlite: ./data/short.db\nsources:\n  - id: legacy-hook\n    provider: github\n    secrets: ['sh0rt-s3cret']\n",
    )
    const server = await serve(config, {}, 1)
    const warning = server.lines.find((l) => l.level === 40 && l.path === 'sources[0].secrets[0]')
    expect(warning?.msg).toMatch(/^source "legacy-hook": its secret is only 12 characters/)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(server.output()).not.toContain('sh0rt-s3cret')
  })

  it('refuses an invalid config with exit 2 and the exact path, printing no secret', () => {
    const config = join(dir, 'bad.yaml')
    writeFileSync(
      config,
      "sources:\n  - id: gh\n    provider: github\n    secrets: ['${env:UNSET_SECRET_VAR}', 'too-short-x']\n",
    )
    const run = spawnSync(process.execPath, [CLI, 'serve', '--config', config], {
      env: plainEnv(),
      encoding: 'utf8',
    })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain(
      'sources[0].secrets[0]: environment variable UNSET_SECRET_VAR is not set',
    )
    expect(run.stdout).toBe('')
    expect(run.stderr).not.toContain('too-short-x')
  })

  it('refuses a missing config file with a hint', () => {
    const empty = mkdtempSync(join(dir, 'empty-'))
    const run = spawnSync(process.execPath, [CLI, 'serve'], {
      env: plainEnv(),
      cwd: empty,
      encoding: 'utf8',
    })
    expect(run.status).toBe(2)
    expect(run.stderr).toMatch(/cannot read hookgate\.yaml \(ENOENT\); run `hookgate init`/)
  })
})

describe('hookgate init', () => {
  it('writes the starter, refuses to overwrite without --force, overwrites with it', () => {
    const file = join(dir, 'init', 'hookgate.yaml')
    mkdirSync(join(dir, 'init'))
    const first = spawnSync(process.execPath, [CLI, 'init'], {
      env: plainEnv(),
      cwd: join(dir, 'init'),
      encoding: 'utf8',
    })
    expect(first.status).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(STARTER_CONFIG)

    writeFileSync(file, '# mine\n')
    const again = spawnSync(process.execPath, [CLI, 'init', file], {
      env: plainEnv(),
      encoding: 'utf8',
    })
    expect(again.status).toBe(2)
    expect(again.stderr).toContain('already exists; use --force')
    expect(readFileSync(file, 'utf8')).toBe('# mine\n')

    const forced = spawnSync(process.execPath, [CLI, 'init', '--force', '--config', file], {
      env: plainEnv(),
      encoding: 'utf8',
    })
    expect(forced.status).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(STARTER_CONFIG)
  })
})
