/**
 * Dashboard sessions: unforgeable, expiring, revocable cookies; CSRF tokens bound to the session; hostile `Cookie`
 * headers never throw. Through the gateway: the admin API with a session, `admin.port` splitting the listeners,
 * the dashboard off, the `Secure` flag behind an https proxy.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  SESSION_COOKIE,
  cookieValue,
  createSessions,
  sessionCookie,
} from '../../src/dashboard/session.ts'
import { ADMIN_TOKEN, startGateway } from '../gateway/harness.ts'

const TOKEN = 'session-test-admin-token-0123456789'

function clock(start = Date.parse('2026-12-05T00:00:00Z')) {
  let now = start
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) }
}

describe('createSessions', () => {
  it('accepts its own cookie until it expires, and only then', () => {
    const time = clock()
    const sessions = createSessions({ token: TOKEN, now: time.now, ttlMs: 60_000 })
    const issued = sessions.issue()
    const header = `other=1; ${SESSION_COOKIE}=${issued.cookie}`
    expect(sessions.fromCookieHeader(header)?.id).toBe(issued.id)
    time.advance(59_000)
    expect(sessions.fromCookieHeader(header)?.csrfToken).toBe(issued.csrfToken)
    time.advance(1_000)
    expect(sessions.fromCookieHeader(header)).toBeUndefined()
  })

  it('refuses a cookie with any character changed, a longer expiry, or made under another token', () => {
    const time = clock()
    const sessions = createSessions({ token: TOKEN, now: time.now })
    const { cookie } = sessions.issue()
    fc.assert(
      fc.property(fc.nat(cookie.length - 1), fc.constantFrom(...'AZaz09-_.'), (at, char) => {
        fc.pre(cookie[at] !== char)
        const changed = cookie.slice(0, at) + char + cookie.slice(at + 1)
        expect(sessions.fromCookieHeader(`${SESSION_COOKIE}=${changed}`)).toBeUndefined()
      }),
    )
    const [id, expires, mac] = cookie.split('.') as [string, string, string]
    expect(
      sessions.fromCookieHeader(`${SESSION_COOKIE}=${id}.${Number(expires) + 3600}.${mac}`),
    ).toBeUndefined()
    const other = createSessions({ token: `${TOKEN}-rotated`, now: time.now })
    expect(other.fromCookieHeader(`${SESSION_COOKIE}=${cookie}`)).toBeUndefined()
  })

  it('binds the CSRF token to the session and revokes on sign-out', () => {
    const sessions = createSessions({ token: TOKEN, now: clock().now })
    const a = sessions.issue()
    const b = sessions.issue()
    expect(a.csrfToken).not.toBe(b.csrfToken)
    const session = sessions.fromCookieHeader(`${SESSION_COOKIE}=${a.cookie}`)!
    expect(sessions.checkCsrf(session, a.csrfToken)).toBe(true)
    expect(sessions.checkCsrf(session, b.csrfToken)).toBe(false)
    expect(sessions.checkCsrf(session, undefined)).toBe(false)
    expect(sessions.checkCsrf(session, [a.csrfToken])).toBe(false)
    sessions.revoke(session)
    expect(sessions.fromCookieHeader(`${SESSION_COOKIE}=${a.cookie}`)).toBeUndefined()
    expect(sessions.fromCookieHeader(`${SESSION_COOKIE}=${b.cookie}`)?.id).toBe(b.id)
  })

  it('never throws on a hostile Cookie header, and never accepts one', () => {
    const sessions = createSessions({ token: TOKEN, now: clock().now })
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ maxLength: 300 }).map((s) => `${SESSION_COOKIE}=${s}`),
          fc.array(fc.string(), { maxLength: 4 }),
        ),
        (header) => {
          expect(sessions.fromCookieHeader(header)).toBeUndefined()
        },
      ),
    )
  })

  it('writes the cookie HttpOnly, SameSite=Strict, Path=/, with Max-Age, and Secure only when asked', () => {
    const time = clock()
    const issued = createSessions({ token: TOKEN, now: time.now, ttlMs: 3_600_000 }).issue()
    const plain = sessionCookie(issued, { secure: false, now: time.now() })
    expect(plain).toBe(
      `${SESSION_COOKIE}=${issued.cookie}; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict`,
    )
    expect(sessionCookie(issued, { secure: true, now: time.now() })).toMatch(/; Secure$/)
    expect(cookieValue('a=1; b = 2 ;c=3', 'b')).toBe('2')
    expect(cookieValue(undefined, 'b')).toBeUndefined()
  })
})

describe('dashboard through the gateway', () => {
  const source = { id: 'gh', provider: 'github', secrets: ['session-github-secret-0123456789'] }

  async function signIn(url: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ token: ADMIN_TOKEN }),
    })
    const setCookie = response.headers.get('set-cookie') ?? ''
    const body = (await response.json()) as { csrfToken: string; expiresAt: string }
    return { status: response.status, setCookie, cookie: setCookie.split(';')[0]!, ...body }
  }

  it('serves the API to a session, refuses bad sign-ins with coded errors', async () => {
    const gw = await startGateway({ sources: [source] })
    try {
      const session = await signIn(gw.url)
      expect(session.status).toBe(201)
      expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now())
      const events = await fetch(`${gw.url}/api/events`, { headers: { cookie: session.cookie } })
      expect(events.status).toBe(200)
      for (const body of [
        '',
        'null',
        '{"token":1}',
        '[',
        JSON.stringify({ token: 'x'.repeat(5000) }),
      ]) {
        const response = await fetch(`${gw.url}/api/session`, { method: 'POST', body })
        expect([400, 401]).toContain(response.status)
        const answer = (await response.json()) as { error: { code: string } }
        expect(['invalid_request', 'unauthorized']).toContain(answer.error.code)
      }
      const cross = await signIn(gw.url, { 'sec-fetch-site': 'cross-site' })
      expect(cross.status).toBe(403)
      const foreignOrigin = await signIn(gw.url, { origin: 'https://evil.example' })
      expect(foreignOrigin.status).toBe(403)
      expect(gw.logs.join('\n')).not.toContain(ADMIN_TOKEN)
    } finally {
      await gw.close()
    }
  })

  it('holds back a client guessing tokens: 429 with Retry-After after 10 wrong ones, other clients unaffected', async () => {
    const gw = await startGateway({ sources: [source], server: { trustProxy: ['127.0.0.1'] } })
    try {
      const guess = (client: string, token: string) =>
        fetch(`${gw.url}/api/session`, {
          method: 'POST',
          headers: { 'x-forwarded-for': client },
          body: JSON.stringify({ token }),
        })
      for (let i = 0; i < 10; i++)
        expect((await guess('203.0.113.7', `wrong-token-number-${i}-0123456789`)).status).toBe(401)
      const held = await guess('203.0.113.7', ADMIN_TOKEN)
      expect(held.status).toBe(429)
      expect(Number(held.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(((await held.json()) as { error: { code: string } }).error.code).toBe(
        'too_many_rejections',
      )
      expect((await guess('198.51.100.9', ADMIN_TOKEN)).status).toBe(201)
    } finally {
      await gw.close()
    }
  })

  it('marks the cookie Secure when a trusted proxy says the browser used https', async () => {
    const gw = await startGateway({ sources: [source], server: { trustProxy: ['127.0.0.1'] } })
    try {
      expect((await signIn(gw.url, { 'x-forwarded-proto': 'https' })).setCookie).toMatch(/; Secure/)
      expect((await signIn(gw.url)).setCookie).not.toMatch(/Secure/)
    } finally {
      await gw.close()
    }
  })

  it('with admin.port, serves the API and dashboard there and only webhooks on the public port', async () => {
    const gw = await startGateway({
      sources: [source],
      admin: { token: ADMIN_TOKEN, port: 0, host: '127.0.0.1' },
    })
    try {
      const admin = gw.gateway.adminAddress
      expect(admin).toBeDefined()
      expect(admin!.port).not.toBe(new URL(gw.url).port)
      const onPublic = await fetch(`${gw.url}/api/events`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      expect(onPublic.status).toBe(404)
      expect((await fetch(`${gw.url}/ui/`)).status).toBe(404)
      const onAdmin = await fetch(`${admin!.url}/api/events`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      expect(onAdmin.status).toBe(200)
      expect((await fetch(`${admin!.url}/ui/`)).headers.get('content-security-policy')).toContain(
        "frame-ancestors 'none'",
      )
      const webhookOnAdmin = await fetch(`${admin!.url}/webhooks/gh`, {
        method: 'POST',
        body: '{}',
      })
      expect(webhookOnAdmin.status).toBe(404)
      const webhookOnPublic = await fetch(`${gw.url}/webhooks/gh`, { method: 'POST', body: '{}' })
      expect(webhookOnPublic.status).toBe(400) // reached the ingest path: missing signature
    } finally {
      await gw.close()
    }
  })

  it('with admin.dashboard: false, /ui/ and sessions are off while the bearer API stays', async () => {
    const gw = await startGateway({
      sources: [source],
      admin: { token: ADMIN_TOKEN, dashboard: false },
    })
    try {
      expect((await fetch(`${gw.url}/ui/`)).status).toBe(404)
      expect((await signIn(gw.url).catch(() => ({ status: 0 }))).status).toBe(404)
      expect((await gw.admin('/api/events')).status).toBe(200)
    } finally {
      await gw.close()
    }
  })
})
