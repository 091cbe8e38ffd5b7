/**
 * One event: metadata, redacted headers, the body (pretty JSON, form fields, or text, with the raw bytes a click
 * away), each destination's deliveries with their attempt timelines, and replay.
 */
import { api, ApiError, type Delivery, type EventDetail } from '../api.ts'
import {
  badge,
  bytes,
  copyButton,
  downloadButton,
  facts,
  h,
  replace,
  pairsTable,
  time,
  DELIVERY_TONE,
} from '../dom.ts'
import { onLive } from '../live.ts'
import { bodyBlock } from './body.ts'

export async function eventView(main: HTMLElement, _params: URLSearchParams, id?: string) {
  if (id === undefined) return
  let event: EventDetail
  try {
    event = await api<EventDetail>(`/api/events/${encodeURIComponent(id)}`)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      replace(
        main,
        h('h1', null, 'Event not found'),
        h(
          'p',
          null,
          'No event has this id (or retention removed it). ',
          h('a', { href: '#/events' }, 'All events'),
        ),
      )
      return
    }
    throw error
  }
  const deliveriesBox = h('section', { 'aria-labelledby': 'deliveries-title' })
  const notice = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite' })

  const loadDeliveries = async () => {
    const { items } = await api<{ items: Delivery[] }>(
      `/api/events/${encodeURIComponent(id)}/deliveries`,
    )
    renderDeliveries(deliveriesBox, items, id, notice, () => void loadDeliveries())
  }

  const name = `${event.id}.${event.encoding === 'utf8' ? guessExtension(event) : 'bin'}`
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/events' }, 'Events'), ' / ', event.id),
    h('h1', null, event.eventType ?? 'Event', ' ', h('small', null, `from ${event.sourceId}`)),
    facts([
      ['Hookgate id', h('span', { class: 'mono' }, event.id)],
      ['Source', `${event.sourceId} (${event.provider})`],
      ['Event type', event.eventType ?? '—'],
      ['Provider’s id', h('span', { class: 'mono' }, event.providerEventId ?? '—')],
      ['Dedupe key', h('span', { class: 'mono' }, event.dedupeKey)],
      ['Received', time(event.receivedAt)],
      ['Size', bytes(event.bodySize)],
      [
        'Verification',
        h(
          'span',
          null,
          badge('verified', 'ok'),
          ` Signature checked with the ${event.provider} preset before it was stored.`,
        ),
      ],
    ]),
    h(
      'section',
      { 'aria-labelledby': 'body-title' },
      h(
        'div',
        { class: 'section-head' },
        h('h2', { id: 'body-title' }, 'Body'),
        h(
          'div',
          { class: 'tools' },
          copyButton(
            () => event.body,
            event.encoding === 'utf8' ? 'Copy body' : 'Copy body (base64)',
          ),
          downloadButton(name, () => new Blob([rawBytes(event)]), 'Download'),
        ),
      ),
      bodyBlock(event.body, event.encoding, event.headers['content-type']),
    ),
    h(
      'section',
      { 'aria-labelledby': 'headers-title' },
      h('h2', { id: 'headers-title' }, 'Headers'),
      h(
        'p',
        { class: 'hint' },
        'Signatures and credentials were replaced by [redacted] before storage.',
      ),
      pairsTable('Request headers', ['Name', 'Value'], Object.entries(event.headers)),
    ),
    notice,
    deliveriesBox,
  )
  await loadDeliveries()
  return onLive('delivery', (message) => {
    if (message.eventId === id) void loadDeliveries()
  })
}

function renderDeliveries(
  box: HTMLElement,
  deliveries: readonly Delivery[],
  eventId: string,
  notice: HTMLElement,
  reload: () => void,
): void {
  const replay = (destinationIds?: string[]) => (clicked: Event) => {
    const button = clicked.currentTarget as HTMLButtonElement
    button.disabled = true
    void api<{ requeued: number; destinationIds: string[] }>(
      `/api/events/${encodeURIComponent(eventId)}/replay`,
      { method: 'POST', body: destinationIds === undefined ? {} : { destinationIds } },
    ).then(
      (result) => {
        notice.textContent = `Replay queued: ${result.requeued} new deliver${result.requeued === 1 ? 'y' : 'ies'} (${result.destinationIds.join(', ') || 'no destination'}).`
        button.disabled = false
        reload()
      },
      (error: unknown) => {
        notice.textContent = `Replay failed: ${error instanceof Error ? error.message : String(error)}`
        button.disabled = false
      },
    )
  }
  const head = h(
    'div',
    { class: 'section-head' },
    h('h2', { id: 'deliveries-title' }, 'Deliveries'),
    h(
      'button',
      { type: 'button', class: 'primary', onclick: replay() },
      'Replay to all destinations',
    ),
  )
  if (deliveries.length === 0) {
    replace(box, head, h('p', { class: 'empty' }, 'No destination receives this source’s events.'))
    return
  }
  replace(
    box,
    head,
    deliveries.map((delivery) =>
      h(
        'article',
        { class: 'delivery', 'data-delivery-id': delivery.id },
        h(
          'div',
          { class: 'section-head' },
          h(
            'h3',
            null,
            delivery.destinationId,
            ' ',
            badge(delivery.status.replace('_', ' '), DELIVERY_TONE[delivery.status] ?? 'muted'),
            delivery.replayOf === null ? null : badge('replay', 'muted'),
          ),
          h(
            'button',
            { type: 'button', class: 'small', onclick: replay([delivery.destinationId]) },
            `Replay to ${delivery.destinationId}`,
          ),
        ),
        h(
          'p',
          { class: 'hint' },
          'Created ',
          time(delivery.createdAt),
          delivery.nextAttemptAt === null || delivery.status !== 'pending'
            ? null
            : [' · next attempt ', time(delivery.nextAttemptAt)],
          delivery.deadReason === null ? null : ` · gave up: ${delivery.deadReason}`,
        ),
        delivery.attemptLog.length === 0
          ? h('p', { class: 'hint' }, 'No attempt yet.')
          : h(
              'ol',
              { class: 'timeline', 'aria-label': `Attempts to ${delivery.destinationId}` },
              delivery.attemptLog.map((attempt) =>
                h(
                  'li',
                  null,
                  h(
                    'div',
                    null,
                    h('strong', null, `#${attempt.attemptNumber}`),
                    ' ',
                    time(attempt.startedAt),
                    ' · ',
                    attempt.statusCode === null
                      ? badge('no answer', 'bad')
                      : badge(
                          `HTTP ${attempt.statusCode}`,
                          attempt.statusCode >= 200 && attempt.statusCode < 300 ? 'ok' : 'bad',
                        ),
                    ` · ${attempt.durationMs.toFixed(1)} ms`,
                    attempt.next.kind === 'retry' ? [' · retry at ', time(attempt.next.at)] : null,
                    attempt.next.kind === 'dead' ? ` · dead: ${attempt.next.reason}` : null,
                  ),
                  attempt.error === null
                    ? null
                    : h('div', { class: 'attempt-error' }, attempt.error),
                  attempt.response === null || attempt.response.body === ''
                    ? null
                    : h(
                        'details',
                        null,
                        h('summary', null, 'Answer (first bytes)'),
                        h('pre', { class: 'body' }, attempt.response.body),
                      ),
                ),
              ),
            ),
      ),
    ),
  )
}

function rawBytes(event: EventDetail): Uint8Array<ArrayBuffer> {
  if (event.encoding === 'utf8') return new TextEncoder().encode(event.body)
  const text = atob(event.body)
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i)
  return out
}

function guessExtension(event: EventDetail): string {
  const type = event.headers['content-type'] ?? ''
  if (type.includes('json')) return 'json'
  if (type.includes('xml')) return 'xml'
  return 'txt'
}
