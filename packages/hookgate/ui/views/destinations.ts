/** Destinations: state, circuit, backlog; enable/disable; bulk replay of dead deliveries with progress. */
import { api, type Destination } from '../api.ts'
import { badge, count, empty, h, replace, time, code } from '../dom.ts'

/** Bulk replays running. */
let replaying = 0

interface ReplayBatch {
  readonly matched?: number
  readonly requeued: number
  readonly nextCursor: string | null
}

export async function destinationsView(main: HTMLElement) {
  const notice = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite' })
  const list = h('div', { class: 'cards' })
  const load = async () => {
    const { items } = await api<{ items: Destination[] }>('/api/destinations')
    if (items.length === 0) {
      replace(
        list,
        empty(
          'No destinations.',
          h(
            'p',
            null,
            'Events are stored but not forwarded. Add one under ',
            code('destinations:'),
            ' in the configuration.',
          ),
        ),
      )
      return
    }
    replace(
      list,
      items.map((d) => card(d, notice, () => void load())),
    )
  }
  replace(main, h('h1', null, 'Destinations'), notice, list)
  await load()
  // Fresh figures every 15 s (the delivered counts grow with history), except while a bulk replay draws its
  // progress.
  const timer = setInterval(() => {
    if (replaying === 0) void load().catch(() => undefined)
  }, 15_000)
  return () => clearInterval(timer)
}

function card(d: Destination, notice: HTMLElement, reload: () => void): HTMLElement {
  const enabled = d.state === 'enabled'
  const toggle = h('button', { type: 'button' }, enabled ? `Disable ${d.id}` : `Enable ${d.id}`)
  toggle.addEventListener('click', () => {
    toggle.disabled = true
    void api(`/api/destinations/${encodeURIComponent(d.id)}/${enabled ? 'disable' : 'enable'}`, {
      method: 'POST',
    }).then(
      () => {
        notice.textContent = `${d.id} ${enabled ? 'disabled: deliveries wait until it is enabled' : 'enabled'}.`
        reload()
      },
      (error: unknown) => {
        toggle.disabled = false
        notice.textContent = error instanceof Error ? error.message : String(error)
      },
    )
  })
  const progress = h('progress', {
    max: '1',
    value: '0',
    hidden: true,
    'aria-label': `Replay of dead deliveries to ${d.id}`,
  })
  const progressText = h('span', { class: 'hint' })
  const replayDead = h(
    'button',
    { type: 'button', disabled: d.backlog.dead === 0 },
    `Replay ${count(d.backlog.dead)} dead`,
  )
  replayDead.addEventListener('click', () => {
    replayDead.disabled = true
    void bulkReplay(d.id, progress, progressText).then(() => {
      notice.textContent = `${d.id}: ${progressText.textContent ?? ''}`
      reload()
    })
  })
  const circuit = d.circuit
  return h(
    'article',
    { class: 'card', 'data-destination-id': d.id },
    h(
      'h2',
      null,
      d.id,
      ' ',
      enabled ? badge('enabled', 'ok') : badge('disabled', 'bad'),
      circuit === null
        ? null
        : badge(
            `circuit ${circuit.state.replace('_', '-')}`,
            circuit.state === 'closed' ? 'ok' : 'warn',
          ),
    ),
    h('p', { class: 'mono wrap' }, d.url),
    enabled
      ? null
      : h(
          'p',
          { class: 'hint' },
          'Disabled ',
          time(d.disabledAt),
          d.disabledReason === null ? '' : `: ${d.disabledReason}`,
        ),
    h(
      'dl',
      { class: 'stats' },
      stat('Pending', d.backlog.pending),
      stat('In flight', d.backlog.inFlight),
      h(
        'div',
        null,
        h('dt', null, 'Delivered'),
        h('dd', null, `${count(d.backlog.delivered)}${d.backlog.deliveredCapped ? '+' : ''}`),
      ),
      stat('Dead', d.backlog.dead),
    ),
    h(
      'p',
      { class: 'hint' },
      'Oldest due: ',
      time(d.backlog.oldestDueAt),
      circuit === null || circuit.consecutiveFailures === 0
        ? ''
        : ` · ${circuit.consecutiveFailures} failures in a row`,
      circuit?.openUntil ? [' · paused until ', time(circuit.openUntil)] : null,
    ),
    d.lastFailure === null
      ? null
      : h(
          'p',
          { class: 'attempt-error' },
          'Last failure ',
          time(d.lastFailure.at),
          ': ',
          d.lastFailure.statusCode === null
            ? (d.lastFailure.error ?? 'no answer')
            : `HTTP ${d.lastFailure.statusCode}`,
        ),
    h(
      'p',
      { class: 'hint' },
      `Sources: ${d.sources.join(', ')}${d.eventTypes === null ? '' : ` · types: ${d.eventTypes.join(', ')}`}`,
    ),
    h('div', { class: 'tools' }, toggle, replayDead),
    h('div', { class: 'progress-row' }, progress, progressText),
  )
}

const stat = (label: string, value: number) =>
  h('div', null, h('dt', null, label), h('dd', null, count(value)))

/** Requeues every dead delivery of a destination in batches, showing progress against the first batch's count. */
async function bulkReplay(
  destinationId: string,
  progress: HTMLProgressElement,
  text: HTMLElement,
): Promise<void> {
  progress.hidden = false
  replaying += 1
  let cursor: string | null = null
  let total = 0
  let done = 0
  try {
    do {
      const batch: ReplayBatch = await api<ReplayBatch>('/api/replay', {
        method: 'POST',
        body: { destinationId, status: 'dead', limit: 200, ...(cursor === null ? {} : { cursor }) },
      })
      if (batch.matched !== undefined) total = batch.matched
      done += batch.requeued
      cursor = batch.nextCursor
      progress.max = Math.max(total, 1)
      progress.value = done
      text.textContent = `${count(done)} of ${count(total)} requeued`
    } while (cursor !== null)
    text.textContent = `Done: ${count(done)} dead deliveries requeued.`
  } catch (error) {
    text.textContent = `Stopped after ${count(done)}: ${error instanceof Error ? error.message : String(error)}`
  } finally {
    replaying -= 1
  }
}
