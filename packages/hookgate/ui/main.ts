/**
 * The Hookgate dashboard: sign-in, the page frame and the hash router (`#/events?source=…`, `#/events/<id>`), so
 * every view has a URL an operator can share or reload. Views render into `<main>` and return their cleanup
 * (live subscriptions, timers).
 */
import { api, ApiError, setCsrfToken, whenSignedOut, type SessionInfo } from './api.ts'
import { errorBox, h, replace } from './dom.ts'
import { onLiveState, stopLive } from './live.ts'
import { destinationsView } from './views/destinations.ts'
import { eventView } from './views/event.ts'
import { eventsView } from './views/events.ts'
import { overviewView } from './views/overview.ts'
import { rejectionsView, rejectionView } from './views/rejections.ts'
import { sourcesView } from './views/sources.ts'

export type Cleanup = () => void
export type View = (
  main: HTMLElement,
  params: URLSearchParams,
  id: string | undefined,
) => Cleanup | void | Promise<Cleanup | void>

const SECTIONS = [
  ['overview', 'Overview'],
  ['events', 'Events'],
  ['rejections', 'Rejections'],
  ['destinations', 'Destinations'],
  ['sources', 'Sources'],
] as const

const app = document.getElementById('app') as HTMLElement
let cleanup: Cleanup | undefined

async function boot(): Promise<void> {
  whenSignedOut(() => signIn('Your session ended: sign in again.'))
  try {
    const session = await api<SessionInfo>('/api/session')
    setCsrfToken(session.csrfToken)
    start()
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signIn()
    else replace(app, errorBox(error instanceof Error ? error.message : String(error)))
  }
}

function signIn(notice?: string): void {
  cleanup?.()
  cleanup = undefined
  stopLive()
  window.removeEventListener('hashchange', route)
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'aria-describedby': 'token-help',
  })
  const status = h('p', { class: 'form-error', role: 'alert' }, notice ?? '')
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in to Hookgate'),
    h('label', { for: 'token' }, 'Admin token'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'hint' },
      'The admin.token of the gateway’s configuration. It is exchanged for a session cookie and not kept by this page.',
    ),
    status,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    status.textContent = ''
    void api<SessionInfo>('/api/session', { method: 'POST', body: { token: input.value } }).then(
      (session) => {
        input.value = ''
        setCsrfToken(session.csrfToken)
        start()
      },
      (error: unknown) => {
        status.textContent =
          error instanceof ApiError && error.status === 401
            ? 'That is not the admin token.'
            : error instanceof Error
              ? error.message
              : String(error)
      },
    )
  })
  replace(app, h('main', { id: 'main', class: 'signin-page' }, form))
  input.focus()
}

async function signOut(): Promise<void> {
  try {
    await api('/api/session', { method: 'DELETE' })
  } finally {
    setCsrfToken('')
    signIn('You are signed out.')
  }
}

function start(): void {
  const liveDot = h('span', { class: 'live-dot', role: 'status', 'aria-live': 'polite' }, 'offline')
  const nav = h(
    'nav',
    { 'aria-label': 'Sections' },
    h(
      'ul',
      null,
      SECTIONS.map(([id, label]) =>
        h('li', null, h('a', { href: `#/${id}`, 'data-section': id }, label)),
      ),
    ),
  )
  const signOutButton = h('button', { type: 'button', class: 'link-button' }, 'Sign out')
  signOutButton.addEventListener('click', () => void signOut())
  const header = h(
    'header',
    { class: 'top' },
    h('a', { class: 'brand', href: '#/overview' }, 'Hookgate'),
    nav,
    h('div', { class: 'top-right' }, liveDot, signOutButton),
  )
  const main = h('main', { id: 'main', tabindex: '-1' })
  replace(app, header, main)
  onLiveState((connected) => {
    liveDot.textContent = connected ? 'live' : 'offline'
    liveDot.classList.toggle('on', connected)
  })
  window.addEventListener('hashchange', route)
  void route()
}

async function route(navigation?: HashChangeEvent): Promise<void> {
  const main = document.getElementById('main')
  if (main === null) return
  cleanup?.()
  cleanup = undefined
  const hash = location.hash.replace(/^#\/?/, '')
  const [path = '', query = ''] = hash.split('?', 2)
  const [section = 'overview', rawId] = path.split('/', 2)
  const id = rawId === undefined || rawId === '' ? undefined : decodeURIComponent(rawId)
  const params = new URLSearchParams(query)
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[data-section]')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
  const views: Record<string, View> = {
    overview: overviewView,
    events: id === undefined ? eventsView : eventView,
    rejections: id === undefined ? rejectionsView : rejectionView,
    destinations: destinationsView,
    sources: sourcesView,
  }
  const view = views[section] ?? overviewView
  replace(main, h('p', { class: 'loading', role: 'status' }, 'Loading…'))
  try {
    const done = await view(main, params, id)
    cleanup = done ?? undefined
    // After a navigation, keyboard and screen-reader users land on the new view (on the first load they start
    // at the top, with the skip link).
    if (navigation !== undefined) main.focus({ preventScroll: true })
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return
    replace(main, errorBox(error instanceof Error ? error.message : String(error)))
  }
}

void boot()
