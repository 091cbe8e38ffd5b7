/** Events: filters in the URL, keyset pages ("Show more"), and new events appearing live at the top. */
import {
  api,
  type Delivery,
  type DeliveryCounts,
  type EventSummary,
  type Page,
  type Source,
} from '../api.ts'
import { badge, bytes, code, empty, go, h, replace, time, DELIVERY_TONE } from '../dom.ts'
import { onLive, type WebhookMessage } from '../live.ts'

const FILTERS = ['source', 'type', 'status', 'from', 'to', 'q'] as const
const STATUSES = ['pending', 'in_flight', 'delivered', 'dead'] as const

export async function eventsView(main: HTMLElement, params: URLSearchParams) {
  const [sources, first] = await Promise.all([
    api<{ items: Source[] }>('/api/sources').catch(() => ({ items: [] as Source[] })),
    api<Page<EventSummary>>(`/api/events?${query(params)}`),
  ])

  const form = filterForm(params, sources.items)
  const body = h('tbody')
  const more = h('button', { type: 'button' }, 'Show more')
  const tableEl = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      h('caption', { class: 'visually-hidden' }, 'Events, newest first'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Received', 'Source', 'Event type', 'Provider id', 'Deliveries', 'Size'].map((name) =>
            h('th', { scope: 'col' }, name),
          ),
        ),
      ),
      body,
    ),
  )
  let cursor = first.nextCursor
  const addRows = (items: readonly EventSummary[], where: 'end' | 'start', fresh = false) => {
    const rows = items.map((event) => row(event, fresh))
    if (where === 'end') body.append(...rows)
    else body.prepend(...rows)
  }
  addRows(first.items, 'end')
  more.hidden = cursor === null
  more.addEventListener('click', () => {
    if (cursor === null) return
    more.disabled = true
    void api<Page<EventSummary>>(`/api/events?${query(params, cursor)}`).then(
      (page) => {
        addRows(page.items, 'end')
        cursor = page.nextCursor
        more.hidden = cursor === null
        more.disabled = false
      },
      () => (more.disabled = false),
    )
  })

  const filtered = FILTERS.some((name) => (params.get(name) ?? '') !== '')
  const emptyState = empty(
    filtered ? 'No event matches these filters.' : 'No events yet.',
    filtered
      ? h('p', null, h('a', { href: '#/events' }, 'Clear the filters'))
      : h(
          'p',
          null,
          'Send one with ',
          code('hookgate send --config hookgate.yaml --source <id>'),
          ', or point a provider at a source URL (see ',
          h('a', { href: '#/sources' }, 'Sources'),
          ').',
        ),
  )
  emptyState.hidden = first.items.length > 0
  tableEl.hidden = first.items.length === 0
  const liveNote = h('p', { class: 'hint', 'aria-live': 'polite' })

  replace(
    main,
    h('h1', null, 'Events'),
    form,
    liveNote,
    emptyState,
    tableEl,
    h('div', { class: 'pager' }, more),
  )

  // Live: a stored (not duplicate) event that matches the source filter appears at the top. Other filters need
  // the stored row (type is in the message, status is not), so with them the note offers a reload instead.
  const otherFilters = FILTERS.some((name) => name !== 'source' && (params.get(name) ?? '') !== '')
  let unseen = 0
  // A delivery attempt on a shown event: its counts are recounted (at most once per event in flight).
  const recounting = new Set<string>()
  const stopDeliveries = onLive('delivery', (message) => {
    const cell = body.querySelector<HTMLElement>(
      `tr[data-event-id="${CSS.escape(message.eventId)}"] td.deliveries`,
    )
    if (cell === null || recounting.has(message.eventId)) return
    recounting.add(message.eventId)
    void refreshDeliveries(cell, message.eventId)
      .catch(() => undefined)
      .finally(() => recounting.delete(message.eventId))
  })
  const stopWebhooks = onLive('webhook', (message: WebhookMessage) => {
    if (message.duplicate) return
    const source = params.get('source') ?? ''
    if (source !== '' && message.source !== source) return
    if (otherFilters) {
      unseen += 1
      replace(
        liveNote,
        `${unseen} new event${unseen === 1 ? '' : 's'} since this page was loaded. `,
        h('a', { href: `#/events?${params.toString()}`, onclick: reload(params) }, 'Reload'),
      )
      return
    }
    emptyState.hidden = true
    tableEl.hidden = false
    addRows(
      [
        {
          id: message.id,
          sourceId: message.source,
          provider: message.provider,
          providerEventId: null,
          eventType: message.eventType,
          dedupeKey: '',
          receivedAt: message.receivedAt,
          bodySize: -1,
        },
      ],
      'start',
      true,
    )
  })
  return () => {
    stopDeliveries()
    stopWebhooks()
  }
}

const reload = (params: URLSearchParams) => (event: Event) => {
  event.preventDefault()
  go(`#/events?${params.toString()}`)
}

function query(params: URLSearchParams, cursor?: string): string {
  const out = new URLSearchParams({ limit: '50' })
  for (const name of FILTERS) {
    const value = params.get(name)
    if (value === null || value === '') continue
    // The form holds local date-times; the API takes ISO 8601 instants.
    out.set(name, name === 'from' || name === 'to' ? new Date(value).toISOString() : value)
  }
  if (cursor !== undefined) out.set('cursor', cursor)
  return out.toString()
}

function deliveryBadges(counts: DeliveryCounts | undefined, fresh: boolean) {
  if (counts === undefined) return fresh ? badge('new', 'muted') : '—'
  const badges = STATUSES.filter((status) => counts[status] > 0).map((status) =>
    badge(`${counts[status]} ${status.replace('_', ' ')}`, DELIVERY_TONE[status]),
  )
  return badges.length === 0 ? 'none' : badges
}

/** Recounts a shown event's deliveries (after a live delivery message about it). */
async function refreshDeliveries(cell: HTMLElement, eventId: string): Promise<void> {
  const { items } = await api<{ items: Delivery[] }>(
    `/api/events/${encodeURIComponent(eventId)}/deliveries`,
  )
  const counts: DeliveryCounts = { pending: 0, in_flight: 0, delivered: 0, dead: 0 }
  for (const delivery of items)
    if (delivery.status in counts) counts[delivery.status as keyof DeliveryCounts] += 1
  replace(cell, deliveryBadges(counts, false))
}

function row(event: EventSummary, fresh: boolean): HTMLTableRowElement {
  const deliveries = deliveryBadges(event.deliveries, fresh)
  return h(
    'tr',
    { class: fresh ? 'fresh' : null, 'data-event-id': event.id },
    h(
      'td',
      null,
      h('a', { href: `#/events/${encodeURIComponent(event.id)}` }, time(event.receivedAt)),
    ),
    h('td', null, event.sourceId),
    h('td', null, event.eventType ?? '—'),
    h('td', { class: 'mono' }, event.providerEventId ?? '—'),
    h('td', { class: 'deliveries' }, deliveries),
    h('td', { class: 'num' }, event.bodySize < 0 ? '' : bytes(event.bodySize)),
  )
}

function filterForm(params: URLSearchParams, sources: readonly Source[]): HTMLFormElement {
  const field = (id: string, label: string, control: HTMLElement) =>
    h('div', { class: 'field' }, h('label', { for: `f-${id}` }, label), control)
  const value = (name: string) => params.get(name) ?? ''
  const select = (name: string, options: readonly (readonly [string, string])[]) => {
    const element = h(
      'select',
      { id: `f-${name}`, name },
      options.map(([v, label]) => h('option', { value: v, selected: v === value(name) }, label)),
    )
    return element
  }
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter events' },
    field(
      'q',
      'Search id',
      h('input', {
        id: 'f-q',
        name: 'q',
        type: 'search',
        value: value('q'),
        placeholder: 'evt_… or the provider’s id',
      }),
    ),
    field(
      'source',
      'Source',
      select('source', [['', 'All sources'], ...sources.map((s) => [s.id, s.id] as const)]),
    ),
    field('type', 'Event type', h('input', { id: 'f-type', name: 'type', value: value('type') })),
    field(
      'status',
      'Delivery',
      select('status', [['', 'Any'], ...STATUSES.map((s) => [s, s.replace('_', ' ')] as const)]),
    ),
    field(
      'from',
      'From',
      h('input', { id: 'f-from', name: 'from', type: 'datetime-local', value: value('from') }),
    ),
    field(
      'to',
      'To',
      h('input', { id: 'f-to', name: 'to', type: 'datetime-local', value: value('to') }),
    ),
    h(
      'div',
      { class: 'field actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('a', { href: '#/events', class: 'button-like' }, 'Clear'),
    ),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const next = new URLSearchParams()
    for (const [name, v] of new FormData(form))
      if (typeof v === 'string' && v.trim() !== '') next.set(name, v.trim())
    go(`#/events?${next.toString()}`)
  })
  return form
}
