/** Rejections: why requests were refused, the diagnosis hint, and re-verification of a captured request. */
import {
  api,
  ApiError,
  type Page,
  type Rejection,
  type RejectionDetail,
  type Reverify,
  type Source,
} from '../api.ts'
import { badge, bytes, code, empty, facts, go, h, pairsTable, replace, time } from '../dom.ts'
import { onLive } from '../live.ts'
import { bodyBlock } from './body.ts'

export async function rejectionsView(main: HTMLElement, params: URLSearchParams) {
  const query = new URLSearchParams({ limit: '50' })
  for (const name of ['source', 'reason'] as const) {
    const value = params.get(name)
    if (value !== null && value !== '') query.set(name, value)
  }
  const [sources, first] = await Promise.all([
    api<{ items: Source[] }>('/api/sources').catch(() => ({ items: [] as Source[] })),
    api<Page<Rejection>>(`/api/rejections?${query.toString()}`),
  ])
  const body = h('tbody')
  const add = (items: readonly Rejection[]) =>
    body.append(
      ...items.map((r) =>
        h(
          'tr',
          null,
          cells(r).map((cell) => h('td', null, cell)),
        ),
      ),
    )
  add(first.items)
  let cursor = first.nextCursor
  const more = h('button', { type: 'button', hidden: cursor === null }, 'Show more')
  more.addEventListener('click', () => {
    if (cursor === null) return
    query.set('cursor', cursor)
    void api<Page<Rejection>>(`/api/rejections?${query.toString()}`).then((page) => {
      add(page.items)
      cursor = page.nextCursor
      more.hidden = cursor === null
    })
  })

  const sourceSelect = h(
    'select',
    { id: 'r-source', name: 'source' },
    h('option', { value: '' }, 'All sources'),
    sources.items.map((s) =>
      h('option', { value: s.id, selected: s.id === params.get('source') }, s.id),
    ),
  )
  const reasonInput = h('input', {
    id: 'r-reason',
    name: 'reason',
    value: params.get('reason') ?? '',
    placeholder: 'signature_mismatch',
  })
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter rejections' },
    h('div', { class: 'field' }, h('label', { for: 'r-source' }, 'Source'), sourceSelect),
    h('div', { class: 'field' }, h('label', { for: 'r-reason' }, 'Reason'), reasonInput),
    h(
      'div',
      { class: 'field actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('a', { href: '#/rejections', class: 'button-like' }, 'Clear'),
    ),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const next = new URLSearchParams()
    if (sourceSelect.value !== '') next.set('source', sourceSelect.value)
    if (reasonInput.value.trim() !== '') next.set('reason', reasonInput.value.trim())
    go(`#/rejections?${next.toString()}`)
  })
  const liveNote = h('p', { class: 'hint', 'aria-live': 'polite' })
  replace(
    main,
    h('h1', null, 'Rejections'),
    h(
      'p',
      { class: 'hint' },
      'Requests the gateway refused: nothing here was stored as an event or delivered.',
    ),
    form,
    liveNote,
    first.items.length === 0
      ? empty(
          'No rejections.',
          h(
            'p',
            null,
            'Every request so far was accepted. A request with a bad signature shows up here with its reason.',
          ),
        )
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            null,
            h('caption', { class: 'visually-hidden' }, 'Rejections, newest first'),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['Received', 'Source', 'Status', 'Reason', 'Hint', 'From'].map((n) =>
                  h('th', { scope: 'col' }, n),
                ),
              ),
            ),
            body,
          ),
        ),
    h('div', { class: 'pager' }, more),
  )
  let unseen = 0
  return onLive('rejection', () => {
    unseen += 1
    replace(
      liveNote,
      `${unseen} new rejection${unseen === 1 ? '' : 's'}. `,
      h(
        'a',
        {
          href: location.hash,
          onclick: (e: Event) => {
            e.preventDefault()
            go(location.hash)
          },
        },
        'Reload',
      ),
    )
  })
}

function cells(r: Rejection) {
  return [
    h('a', { href: `#/rejections/${encodeURIComponent(r.id)}` }, time(r.receivedAt)),
    r.sourceId,
    String(r.status),
    h('span', { class: 'mono' }, r.reason),
    r.diagnosis !== null && r.diagnosis.length > 0
      ? r.diagnosis[0]!.message
      : r.diagnosed === false
        ? 'not diagnosed'
        : '—',
    r.remoteAddress ?? '—',
  ]
}

export async function rejectionView(main: HTMLElement, _params: URLSearchParams, id?: string) {
  if (id === undefined) return
  let rejection: RejectionDetail
  try {
    rejection = await api<RejectionDetail>(`/api/rejections/${encodeURIComponent(id)}`)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      replace(
        main,
        h('h1', null, 'Rejection not found'),
        h(
          'p',
          null,
          'It was dropped by retention, or never existed. ',
          h('a', { href: '#/rejections' }, 'All rejections'),
        ),
      )
      return
    }
    throw error
  }
  const verdict = h('div', { role: 'status', 'aria-live': 'polite' })
  const captured = rejection.captured
  const reverify = h(
    'button',
    { type: 'button', class: 'primary' },
    'Re-verify with the current secrets',
  )
  reverify.addEventListener('click', () => {
    reverify.disabled = true
    void api<Reverify>(`/api/rejections/${encodeURIComponent(id)}/verify`, { method: 'POST' }).then(
      (result) => {
        reverify.disabled = false
        replace(
          verdict,
          result.verified
            ? h(
                'p',
                null,
                badge('verifies now', 'ok'),
                ' The captured request verifies with the configuration as it is now: the mistake was fixed.',
              )
            : h(
                'p',
                null,
                badge('still fails', 'bad'),
                ` ${result.reason ?? ''}: ${result.message ?? ''}`,
              ),
          hints(result.diagnosis),
        )
      },
      (error: unknown) => {
        reverify.disabled = false
        replace(
          verdict,
          h('p', { class: 'form-error' }, error instanceof Error ? error.message : String(error)),
        )
      },
    )
  })
  replace(
    main,
    h(
      'p',
      { class: 'crumbs' },
      h('a', { href: '#/rejections' }, 'Rejections'),
      ' / ',
      rejection.id,
    ),
    h('h1', null, 'Rejected: ', h('span', { class: 'mono' }, rejection.reason)),
    facts([
      ['Message', rejection.message],
      ['Status', String(rejection.status)],
      [
        'Source',
        `${rejection.sourceId}${rejection.provider === null ? '' : ` (${rejection.provider})`}`,
      ],
      ['Received', time(rejection.receivedAt)],
      ['From', rejection.remoteAddress ?? '—'],
      ['Body', `${bytes(rejection.bodySize)}, sha256 ${rejection.bodySha256.slice(0, 16)}…`],
    ]),
    h(
      'section',
      { 'aria-labelledby': 'diagnosis-title' },
      h('h2', { id: 'diagnosis-title' }, 'Diagnosis'),
      rejection.diagnosed === null
        ? h('p', null, 'Not a signature failure: the message above says what was wrong.')
        : rejection.diagnosed === false
          ? h(
              'p',
              null,
              'Not diagnosed (the source’s diagnosis budget was spent, or its scheme cannot be checked offline).',
            )
          : rejection.diagnosis === null || rejection.diagnosis.length === 0
            ? h(
                'p',
                null,
                'None of the known mistakes explains it: check that the secret is this source’s signing secret.',
              )
            : hints(rejection.diagnosis),
    ),
    h(
      'section',
      { 'aria-labelledby': 'captured-title' },
      h('h2', { id: 'captured-title' }, 'Captured request'),
      captured === null
        ? h(
            'p',
            null,
            'Not captured. Set ',
            code('captureRejected: true'),
            ' on the source to keep the body of signature failures and re-verify them here.',
          )
        : [
            h(
              'p',
              { class: 'hint' },
              `${captured.method} ${captured.url}${captured.truncated ? ' · body truncated' : ''} · signature headers sealed, never shown`,
            ),
            h('div', { class: 'tools' }, reverify),
            verdict,
            bodyBlock(captured.body, captured.encoding, rejection.headers['content-type']),
          ],
    ),
    h(
      'section',
      { 'aria-labelledby': 'rheaders-title' },
      h('h2', { id: 'rheaders-title' }, 'Headers'),
      pairsTable('Request headers', ['Name', 'Value'], Object.entries(rejection.headers)),
    ),
  )
}

function hints(list: readonly { code: string; message: string }[]): HTMLElement {
  return h(
    'ul',
    { class: 'hints' },
    list.map((hint) => h('li', null, h('span', { class: 'mono' }, hint.code), ': ', hint.message)),
  )
}
