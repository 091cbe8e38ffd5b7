/**
 * @module dashboard/session
 * Dashboard sign-in: the admin token, presented once to `POST /api/session`, is exchanged for a session cookie, so
 * the token never sits in the page (where a script or an extension could read it) and the browser sends the cookie
 * by itself (HttpOnly: no script reads it).
 *
 * The cookie is stateless, `<id>.<expires>.<mac>`: the MAC (HMAC-SHA256 under a key derived from the admin token)
 * makes it unforgeable, every instance sharing the token accepts it (several gateways on one PostgreSQL), and
 * changing the token signs every session out. Sign-out revokes the id in this process (kept until it expires) and
 * clears the cookie.
 *
 * CSRF: SameSite=Strict already keeps the cookie off cross-site requests; on top, every state-changing request made
 * with the cookie must carry `X-CSRF-Token`, a second MAC of the session id that only a page of this origin can
 * obtain (`GET /api/session`), and a foreign `Origin` is refused. Bearer-token clients (CLI, scripts) need neither.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export const SESSION_COOKIE = 'hookgate_session'
/** Default lifetime of a session: a working day. */
export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000

export interface Session {
  readonly id: string
  readonly expiresAt: Date
  readonly csrfToken: string
}

export interface SessionIssued extends Session {
  /** The value of the cookie (not the `Set-Cookie` line: see {@link sessionCookie}). */
  readonly cookie: string
}

export interface Sessions {
  issue(): SessionIssued
  /** The session a `Cookie` header carries, when it is genuine, unexpired and not signed out. */
  fromCookieHeader(header: string | readonly string[] | undefined): Session | undefined
  /** True when `token` is the session's CSRF token (constant time). */
  checkCsrf(session: Session, token: string | readonly string[] | undefined): boolean
  revoke(session: Session): void
}

const mac = (key: Buffer, label: string, text: string): string =>
  createHmac('sha256', key).update(`${label}\0${text}`).digest('base64url')

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/**
 * Creates the session authority for one admin token.
 * @example
 * const sessions = createSessions({ token: config.admin.token, now: () => new Date() })
 * const issued = sessions.issue() // → Set-Cookie: sessionCookie(issued, { secure })
 */
export function createSessions(options: {
  readonly token: string
  readonly now: () => Date
  readonly ttlMs?: number
}): Sessions {
  // A key of its own: a session MAC reveals nothing about the token, and is useless as one.
  const key = createHmac('sha256', options.token).update('hookgate dashboard sessions v1').digest()
  const ttlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS
  /** Signed-out ids → their expiry (ms), dropped once expired. */
  const revoked = new Map<string, number>()

  const session = (id: string, expiresMs: number): Session => ({
    id,
    expiresAt: new Date(expiresMs),
    csrfToken: mac(key, 'csrf', id),
  })

  return {
    issue() {
      const id = randomBytes(18).toString('base64url')
      const expiresMs = Math.floor((options.now().getTime() + ttlMs) / 1000) * 1000
      const payload = `${id}.${expiresMs / 1000}`
      return { ...session(id, expiresMs), cookie: `${payload}.${mac(key, 'session', payload)}` }
    },
    fromCookieHeader(header) {
      const value = cookieValue(header, SESSION_COOKIE)
      if (value === undefined || value.length > 200) return undefined
      const match = /^([A-Za-z0-9_-]{24})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value)
      if (match === null) return undefined
      const [, id, expires, signature] = match as unknown as [string, string, string, string]
      if (!sameText(signature, mac(key, 'session', `${id}.${expires}`))) return undefined
      const expiresMs = Number(expires) * 1000
      const nowMs = options.now().getTime()
      if (expiresMs <= nowMs) return undefined
      for (const [gone, until] of revoked) if (until <= nowMs) revoked.delete(gone)
      if (revoked.has(id)) return undefined
      return session(id, expiresMs)
    },
    checkCsrf(current, token) {
      return typeof token === 'string' && sameText(token, current.csrfToken)
    },
    revoke(current) {
      revoked.set(current.id, current.expiresAt.getTime())
    },
  }
}

/** The value of cookie `name` in a `Cookie` header (the first one, as browsers send the most specific first). */
export function cookieValue(
  header: string | readonly string[] | undefined,
  name: string,
): string | undefined {
  const text = typeof header === 'string' ? header : header?.join('; ')
  if (text === undefined) return undefined
  for (const part of text.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/**
 * The `Set-Cookie` line of a session: HttpOnly (no script reads it), SameSite=Strict (never sent by another site's
 * page), Path=/ (the page under `/ui/` calls `/api/`), Secure when the dashboard is reached over https.
 */
export function sessionCookie(
  issued: { readonly cookie: string; readonly expiresAt: Date },
  options: { readonly secure: boolean; readonly now: Date },
): string {
  const maxAge = Math.max(
    0,
    Math.round((issued.expiresAt.getTime() - options.now.getTime()) / 1000),
  )
  return [
    `${SESSION_COOKIE}=${issued.cookie}`,
    'Path=/',
    `Max-Age=${maxAge}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(options.secure ? ['Secure'] : []),
  ].join('; ')
}

/** The `Set-Cookie` line that removes the session cookie. */
export function clearedSessionCookie(options: { readonly secure: boolean }): string {
  return [
    `${SESSION_COOKIE}=`,
    'Path=/',
    'Max-Age=0',
    'HttpOnly',
    'SameSite=Strict',
    ...(options.secure ? ['Secure'] : []),
  ].join('; ')
}
