/**
 * @module dashboard/assets
 * `GET /ui/…`: the dashboard's static files, built by `npm run build` into `dist/ui/` (the page, its script
 * modules and stylesheet; no CDN, so it works offline). The page holds no data: it signs in and reads everything
 * through the admin API (`/api/…`), with the session cookie of `session.ts`.
 *
 * Every answer carries a strict Content-Security-Policy (scripts and styles from this origin only, no inline
 * script, no framing, requests to this origin only) and the usual hardening headers. Files are read once, on the
 * first request, and answered from memory with an ETag.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { extname, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { errorResponse, type CoreRequest, type CoreResponse } from '../http/response.ts'

/** Where the dashboard is served. */
export const UI_PREFIX = '/ui/'

/** `dist/ui/` of this package, from `src/dashboard/` (tests, workspace) and `dist/dashboard/` (installed) alike. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url))

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** Headers on every dashboard answer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

interface Asset {
  readonly body: Buffer
  readonly type: string
  readonly etag: string
}

/**
 * Creates the `/ui/…` handler over the built files in `dir`.
 * @example
 * const ui = createDashboardAssets()
 * if (pathname.startsWith('/ui')) return ui(req, pathname)
 */
export function createDashboardAssets(
  dir: string = DEFAULT_UI_DIR,
): (req: CoreRequest, pathname: string) => Promise<CoreResponse> {
  let loading: Promise<Map<string, Asset> | undefined> | undefined

  async function load(): Promise<Map<string, Asset> | undefined> {
    let names: string[]
    try {
      names = await readdir(dir, { recursive: true })
    } catch {
      return undefined
    }
    const assets = new Map<string, Asset>()
    for (const name of names) {
      const type = TYPES[extname(name)]
      if (type === undefined) continue
      const body = await readFile(join(dir, name))
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
      assets.set(name.split(sep).join('/'), { body, type, etag })
    }
    return assets.has('index.html') ? assets : undefined
  }

  return async (req, pathname) => {
    if (pathname === '/ui')
      return { status: 308, headers: { location: UI_PREFIX, ...SECURITY_HEADERS }, body: undefined }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return errorResponse(405, 'method_not_allowed', 'The dashboard is read with GET.', {
        headers: { allow: 'GET, HEAD' },
        close: true,
      })
    loading ??= load()
    const assets = await loading
    if (assets === undefined) {
      loading = undefined // built later (npm run build): look again next time
      return errorResponse(
        503,
        'dashboard_unavailable',
        'The dashboard is not built: run `npm run build` (it writes dist/ui/).',
      )
    }
    const name = pathname === UI_PREFIX ? 'index.html' : pathname.slice(UI_PREFIX.length)
    const asset = assets.get(name)
    if (asset === undefined) return errorResponse(404, 'not_found', 'No such dashboard file.')
    const headers = {
      'content-type': asset.type,
      etag: asset.etag,
      // Revalidated every time: an upgraded gateway never runs an old script against its new API.
      'cache-control': 'no-cache',
      ...SECURITY_HEADERS,
    }
    if (req.headers['if-none-match'] === asset.etag)
      return { status: 304, headers, body: undefined }
    return { status: 200, headers, body: asset.body }
  }
}
