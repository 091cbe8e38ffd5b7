/**
 * The dashboard (issue 13) in real Chromium against a real `hookgate serve` (built CLI, SQLite file) delivering to a
 * real sink: sign-in, live events, detail and replay, rejections with re-verify, destinations, sign-out; the
 * session and CSRF refusals; security headers and cookie attributes; axe-core on every view; screenshots of every
 * view in both themes; and no configured secret anywhere in what the browser received.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { providers, signWebhook } from '@hookgate/verify'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, ensureBuilt, plainEnv } from '../built.ts'
import { startSink, type Sink } from '../delivery/sink.ts'
import { OUTPUT_DIR, launchChromium } from './browser.ts'

const ADMIN_TOKEN = 'dashboard-admin-token-0123456789-abcdefgh'
const GITHUB_SECRET = 'dashboard-github-secret-0123456789-xyz'
const SIGNING_SECRET = `whsec_${Buffer.from('dashboard-destination-signing-key-0123').toString('base64')}`
const SECRETS = [ADMIN_TOKEN, GITHUB_SECRET, SIGNING_SECRET]
const github = providers.github({ secrets: [GITHUB_SECRET] })

let sink: Sink
let serve: ChildProcessWithoutNullStreams
let url: string
let browser: Browser
let context: BrowserContext
let page: Page
/** Every body the browser received (HTML, scripts, JSON) plus the live stream read alongside. */
const received: string[] = []
/** The signature header values sent: they must never come back either. */
const signatures: string[] = []
let delivery = 0

async function sendWebhook(body: string, options: { badSignature?: boolean } = {}) {
  delivery += 1
  const headers = signWebhook(github, { body })
  const signature = options.badSignature
    ? `sha256=${'0'.repeat(64)}`
    : (new Headers(headers).get('x-hub-signature-256') as string)
  signatures.push(signature)
  const response = await fetch(`${url}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': `dash-${delivery}-${Date.now()}`,
      'x-hub-signature-256': signature,
    },
    body,
  })
  const answer = (await response.json()) as { id?: string; error?: { code: string } }
  return { status: response.status, id: answer.id, error: answer.error?.code }
}

/** Waits (bounded) until `locator` matches exactly `count` elements. */
async function waitForCount(locator: Locator, count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while ((await locator.count()) !== count) {
    if (Date.now() > deadline)
      throw new Error(`expected ${count} × ${String(locator)}, found ${await locator.count()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function sessionCookie(): Promise<string> {
  const cookies = await context.cookies(url)
  const session = cookies.find((c) => c.name === 'hookgate_session')
  if (session === undefined) throw new Error('no session cookie in the browser')
  return `hookgate_session=${session.value}`
}

async function screenshots(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await page.screenshot({ path: join(OUTPUT_DIR, `${name}-${scheme}.png`), fullPage: true })
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

beforeAll(async () => {
  await ensureBuilt()
  sink = await startSink()
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-dashboard-'))
  const config = join(dir, 'hookgate.yaml')
  writeFileSync(
    config,
    [
      'server: { host: 127.0.0.1, port: 0 }',
      'storage: { sqlite: ./hookgate.db }',
      `admin: { token: ${ADMIN_TOKEN} }`,
      'log: { level: info }',
      'sources:',
      '  - id: github',
      '    provider: github',
      `    secrets: [${GITHUB_SECRET}]`,
      '    captureRejected: true',
      'destinations:',
      '  - id: sink',
      `    url: ${sink.origin}/hooks`,
      '    sources: [github]',
      `    signingSecret: ${SIGNING_SECRET}`,
      '',
    ].join('\n'),
  )
  serve = spawn(process.execPath, [CLI, 'serve', '--config', config], {
    env: plainEnv(),
    cwd: dir,
  })
  let output = ''
  serve.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: serve.stdout }).on('line', (line) => {
      output += `${line}\n`
      const parsed = JSON.parse(line) as { msg?: string; url?: string }
      if (parsed.msg === 'hookgate listening') resolve(parsed.url as string)
    })
    serve.once('exit', (code) => reject(new Error(`serve exited (${code}): ${output}`)))
  })
  browser = await launchChromium()
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  context.setDefaultTimeout(10_000)
  page = await context.newPage()
  page.on('response', (response) => {
    if (response.url().includes('/api/stream')) return
    response.text().then(
      (text) => received.push(text),
      () => undefined,
    )
  })
})

afterAll(async () => {
  await browser?.close()
  serve?.kill('SIGTERM')
  await sink?.close()
})

describe('dashboard, served by hookgate serve', () => {
  it('serves the page with a strict CSP and hardening headers, and refuses the API without a session', async () => {
    const response = await fetch(`${url}/ui/`)
    expect(response.status).toBe(200)
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("default-src 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(response.headers.get('x-frame-options')).toBe('DENY')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const html = await response.text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/) // no inline script
    expect((await fetch(`${url}/api/events`)).status).toBe(401)
    const wrong = await fetch(`${url}/api/session`, {
      method: 'POST',
      body: JSON.stringify({ token: 'not-the-admin-token-at-all-0000' }),
    })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('set-cookie')).toBeNull()
  })

  it('signs in with the admin token: an HttpOnly, SameSite=Strict session cookie, never the token itself', async () => {
    await page.goto(`${url}/ui/`)
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN)
    const answer = page.waitForResponse(
      (r) => r.url().endsWith('/api/session') && r.request().method() === 'POST',
    )
    await page.getByRole('button', { name: 'Sign in' }).click()
    const setCookie = (await (await answer).headerValue('set-cookie')) ?? ''
    expect(setCookie).toMatch(/^hookgate_session=[A-Za-z0-9_.-]+; /)
    expect(setCookie).toContain('HttpOnly')
    expect(setCookie).toContain('SameSite=Strict')
    expect(setCookie).toContain('Path=/')
    expect(setCookie).toMatch(/Max-Age=\d+/)
    expect(setCookie).not.toContain('Secure') // plain http on loopback; Secure over https (unit-tested)
    expect(setCookie).not.toContain(ADMIN_TOKEN)
    await page.getByRole('heading', { name: 'Overview' }).waitFor({ state: 'visible' })
    const cookies = await context.cookies(url)
    expect(cookies.find((c) => c.name === 'hookgate_session')?.httpOnly).toBe(true)
  })

  it('shows a webhook sent while the page is open, live, then its body and delivery attempts', async () => {
    await page.goto(`${url}/ui/#/events`)
    await page.getByRole('heading', { name: 'Events' }).waitFor()
    await page.locator('.live-dot.on').waitFor()
    const body = JSON.stringify({
      action: 'opened',
      issue: { number: 42, title: 'Live <b>one</b>' },
    })
    const sent = await sendWebhook(body)
    expect(sent).toMatchObject({ status: 200 })
    const row = page.locator(`tr[data-event-id="${sent.id}"]`)
    await row.waitFor({ timeout: 10_000 })
    // Its delivery to the sink, also live: the row's counts are redrawn.
    await row.locator('td.deliveries').filter({ hasText: '1 delivered' }).waitFor()
    await row.getByRole('link').click()
    await page.getByRole('heading', { name: 'Body' }).waitFor()
    // Pretty JSON, as text (the markup in the title is shown, not rendered).
    await page
      .locator('pre.body')
      .first()
      .filter({ hasText: '"title": "Live <b>one</b>"' })
      .waitFor()
    expect(await page.locator('pre.body b').count()).toBe(0)
    await sink.waitFor((all) => all.length >= 1, 10_000)
    await page.locator('.timeline li').first().filter({ hasText: 'HTTP 200' }).waitFor()
    await page.locator('.delivery h3').first().filter({ hasText: 'delivered' }).waitFor()
    await screenshots('event')
  })

  it('replays an event and shows the new attempt reaching the sink', async () => {
    const before = sink.received.length
    await page.getByRole('button', { name: 'Replay to all destinations' }).click()
    await sink.waitFor((all) => all.length > before, 10_000)
    await waitForCount(page.locator('article.delivery'), 2)
    await waitForCount(page.locator('article.delivery .badge', { hasText: 'replay' }), 1)
  })

  it('shows a rejection with its reason and re-verifies the captured request', async () => {
    const sent = await sendWebhook('{"action":"tampered"}', { badSignature: true })
    expect(sent.status).toBe(401)
    await page.goto(`${url}/ui/#/rejections`)
    await page.getByRole('heading', { name: 'Rejections' }).waitFor()
    const link = page.locator('tbody tr').first().getByRole('link')
    await page.locator('tbody tr').first().filter({ hasText: 'signature_mismatch' }).waitFor()
    await link.click()
    await page.getByRole('heading', { name: /Rejected/ }).waitFor()
    await page.getByRole('button', { name: /Re-verify/ }).click()
    await page.getByRole('status').filter({ hasText: 'still fails' }).waitFor({ state: 'visible' })
    await screenshots('rejection')
  })

  it('disables and enables a destination', async () => {
    await page.goto(`${url}/ui/#/destinations`)
    const card = page.locator('article[data-destination-id="sink"]')
    await card.waitFor()
    await card.getByRole('button', { name: 'Disable sink' }).click()
    await card.locator('h2').filter({ hasText: 'disabled' }).waitFor()
    const states = await fetch(`${url}/api/destinations`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    }).then((r) => r.json() as Promise<{ items: { id: string; state: string }[] }>)
    expect(states.items.find((d) => d.id === 'sink')?.state).toBe('disabled')
    await card.getByRole('button', { name: 'Enable sink' }).click()
    await card.locator('h2').filter({ hasText: 'enabled' }).waitFor()
  })

  it('works from the keyboard: skip link first, sections reachable, Enter navigates', async () => {
    await page.goto('about:blank') // a fresh load, not a hash change
    await page.goto(`${url}/ui/#/overview`)
    await page.locator('main h1').waitFor()
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    let reached = ''
    for (let i = 0; i < 8 && reached !== 'Rejections'; i++) {
      await page.keyboard.press('Tab')
      reached = (await page.evaluate(() => document.activeElement?.textContent)) ?? ''
    }
    expect(reached).toBe('Rejections')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Rejections' }).waitFor()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main')
  })

  it('refuses a state change with the session but without the CSRF token, or from another site', async () => {
    const cookie = await sessionCookie()
    const event = (await fetch(`${url}/api/events?limit=1`, { headers: { cookie } }).then((r) =>
      r.json(),
    )) as { items: { id: string }[] }
    expect(event.items.length).toBe(1)
    const replay = `${url}/api/events/${event.items[0]!.id}/replay`
    const noToken = await fetch(replay, { method: 'POST', headers: { cookie } })
    expect(noToken.status).toBe(403)
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe('csrf_failed')
    const session = (await fetch(`${url}/api/session`, { headers: { cookie } }).then((r) =>
      r.json(),
    )) as { csrfToken: string }
    const wrongToken = await fetch(replay, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': `${session.csrfToken.slice(0, -2)}AA` },
    })
    expect(wrongToken.status).toBe(403)
    const crossSite = await fetch(replay, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': session.csrfToken, 'sec-fetch-site': 'cross-site' },
    })
    expect(crossSite.status).toBe(403)
    const ok = await fetch(replay, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': session.csrfToken },
    })
    expect(ok.status).toBe(202)
  })

  it('passes axe-core (no serious or critical violation) and is screenshotted on every view, both themes', async () => {
    const axeSource = readFileSync(
      createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
      'utf8',
    )
    // axe is injected as a script, which the dashboard's CSP rightly forbids: a second context bypasses CSP for it.
    const axeContext = await browser.newContext({
      bypassCSP: true,
      viewport: { width: 1280, height: 800 },
    })
    await axeContext.addCookies(await context.cookies(url))
    const axePage = await axeContext.newPage()
    const views = ['overview', 'events', 'rejections', 'destinations', 'sources']
    const violations: string[] = []
    for (const view of views) {
      await page.goto(`${url}/ui/#/${view}`)
      await page.locator('main h1').waitFor()
      await page.locator('main .loading').waitFor({ state: 'detached' })
      await screenshots(view)
      for (const scheme of ['light', 'dark'] as const) {
        await axePage.emulateMedia({ colorScheme: scheme })
        await axePage.goto(`${url}/ui/#/${view}`)
        await axePage.locator('main h1').waitFor()
        await axePage.locator('main .loading').waitFor({ state: 'detached' })
        await axePage.addScriptTag({ content: axeSource })
        const found = (await axePage.evaluate(async () => {
          const result = await (
            window as unknown as {
              axe: {
                run(): Promise<{
                  passes: unknown[]
                  violations: { id: string; impact: string; nodes: unknown[] }[]
                }>
              }
            }
          ).axe.run()
          return {
            passes: result.passes.length,
            violations: result.violations.map((v) => ({
              id: v.id,
              impact: v.impact,
              nodes: v.nodes.length,
            })),
          }
        })) as { passes: number; violations: { id: string; impact: string; nodes: number }[] }
        expect(found.passes).toBeGreaterThan(10) // axe really ran its rules on the view
        for (const v of found.violations)
          if (v.impact === 'serious' || v.impact === 'critical')
            violations.push(`${view} (${scheme}): ${v.id} ×${v.nodes}`)
      }
    }
    // The phone width: the events list stays readable.
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${url}/ui/#/events`)
    await page.locator('main h1').waitFor()
    await screenshots('events-phone')
    await page.setViewportSize({ width: 1280, height: 800 })
    await axeContext.close()
    expect(violations).toEqual([])
  })

  it('never sends a configured secret or a received signature to the browser (HTML, JSON, live stream)', async () => {
    const cookie = await sessionCookie()
    const controller = new AbortController()
    const stream = await fetch(`${url}/api/stream`, {
      headers: { cookie },
      signal: controller.signal,
    })
    expect(stream.status).toBe(200)
    let streamed = ''
    const reading = (async () => {
      const decoder = new TextDecoder()
      try {
        for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>)
          streamed += decoder.decode(chunk, { stream: true })
      } catch {
        // aborted below
      }
    })()
    const sent = await sendWebhook('{"action":"streamed"}')
    await sendWebhook('{"action":"bad"}', { badSignature: true })
    await page.goto(`${url}/ui/#/events/${sent.id}`)
    await page.getByRole('heading', { name: 'Body' }).waitFor()
    await sink.waitFor((all) => all.some((r) => r.body.toString().includes('streamed')), 10_000)
    await page.locator('.timeline li').first().filter({ hasText: 'HTTP 200' }).waitFor()
    received.push(await page.content())
    for (let i = 0; i < 50 && !streamed.includes('event: delivery'); i++)
      await new Promise((r) => setTimeout(r, 100))
    controller.abort()
    await reading
    expect(streamed).toContain('event: webhook')
    received.push(streamed)
    const everything = received.join('\n')
    expect(everything.length).toBeGreaterThan(10_000) // the capture really holds the traffic
    expect(everything).toContain('{\\"action\\":\\"streamed\\"}') // the body, in the event's JSON
    for (const secret of [...SECRETS, ...signatures.map((s) => s.slice('sha256='.length))])
      expect(everything.includes(secret), `leaked: ${secret.slice(0, 6)}…`).toBe(false)
  })

  it('signs out: the page returns to sign-in and the old cookie no longer opens the API', async () => {
    const cookie = await sessionCookie()
    await page.goto(`${url}/ui/#/overview`)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in to Hookgate' }).waitFor()
    await screenshots('signin')
    expect((await fetch(`${url}/api/events`, { headers: { cookie } })).status).toBe(401)
    expect((await context.cookies(url)).some((c) => c.name === 'hookgate_session')).toBe(false)
  })
})
