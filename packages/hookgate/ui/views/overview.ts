/** Overview: traffic per source over time, rejection reasons, ingest latency, delivery health per destination. */
import { api, type Overview } from '../api.ts'
import { badge, code, count, empty, go, h, replace, table, time } from '../dom.ts'

const WINDOWS = [
  ['1h', 'Last hour'],
  ['24h', 'Last day'],
  ['7d', 'Last week'],
] as const

export async function overviewView(main: HTMLElement, params: URLSearchParams) {
  const window = WINDOWS.some(([w]) => w === params.get('window'))
    ? (params.get('window') as string)
    : '24h'
  const overview = await api<Overview>(`/api/overview?window=${window}`)
  const picker = h(
    'div',
    { class: 'toggle', role: 'group', 'aria-label': 'Time window' },
    WINDOWS.map(([w, label]) =>
      h(
        'button',
        {
          type: 'button',
          class: 'small',
          'aria-pressed': String(w === window),
          onclick: () => go(`#/overview?window=${w}`),
        },
        label,
      ),
    ),
  )
  const total = overview.sources.reduce(
    (sum, s) => sum + s.totals.accepted + s.totals.duplicate + s.totals.rejected,
    0,
  )
  const latency = overview.ingestLatencyMs
  replace(
    main,
    h('div', { class: 'section-head' }, h('h1', null, 'Overview'), picker),
    h(
      'dl',
      { class: 'stats wide' },
      stat('Accepted', sum(overview, 'accepted')),
      stat('Duplicates', sum(overview, 'duplicate')),
      stat('Rejected', sum(overview, 'rejected')),
      h(
        'div',
        null,
        h('dt', null, 'Ingest p50 / p99'),
        h(
          'dd',
          null,
          latency === null || latency.count === 0
            ? '—'
            : `${latency.p50.toFixed(1)} / ${latency.p99.toFixed(1)} ms`,
        ),
      ),
    ),
    total === 0
      ? empty(
          'No traffic in this window.',
          h(
            'p',
            null,
            'No events yet? Send one with ',
            code('hookgate send --config hookgate.yaml --source <id>'),
            ' or give a provider its URL from ',
            h('a', { href: '#/sources' }, 'Sources'),
            '.',
          ),
        )
      : null,
    h(
      'section',
      { 'aria-labelledby': 'traffic-title' },
      h('h2', { id: 'traffic-title' }, 'Traffic by source'),
      h(
        'p',
        { class: 'legend', 'aria-hidden': 'true' },
        h('span', { class: 'swatch accepted' }),
        'accepted ',
        h('span', { class: 'swatch duplicate' }),
        'duplicate ',
        h('span', { class: 'swatch rejected' }),
        'rejected',
      ),
      h(
        'div',
        { class: 'cards' },
        overview.sources.map((source) =>
          h(
            'article',
            { class: 'card' },
            h(
              'h3',
              null,
              h(
                'a',
                { href: `#/events?source=${encodeURIComponent(source.sourceId)}` },
                source.sourceId,
              ),
              ' ',
              h('small', null, source.provider),
            ),
            chart(overview, source),
            h(
              'p',
              { class: 'hint' },
              `${count(source.totals.accepted)} accepted · ${count(source.totals.duplicate)} duplicate · ${count(source.totals.rejected)} rejected`,
            ),
          ),
        ),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'reasons-title' },
      h('h2', { id: 'reasons-title' }, 'Rejection reasons'),
      overview.rejectionReasons.length === 0
        ? h('p', { class: 'hint' }, 'No rejections in this window.')
        : table(
            'Rejection reasons',
            ['Reason', 'Count'],
            overview.rejectionReasons.map((r) => [
              h(
                'a',
                { href: `#/rejections?reason=${encodeURIComponent(r.reason)}`, class: 'mono' },
                r.reason,
              ),
              count(r.count),
            ]),
            { captionHidden: true },
          ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'delivery-title' },
      h('h2', { id: 'delivery-title' }, 'Delivery'),
      overview.destinations.length === 0
        ? h('p', { class: 'hint' }, 'No destinations configured.')
        : table(
            'Delivery by destination',
            [
              'Destination',
              'Success rate',
              'Attempts',
              'Pending',
              'In flight',
              'Dead',
              'Oldest due',
            ],
            overview.destinations.map((d) => [
              h('a', { href: '#/destinations' }, d.id),
              d.successRate === null
                ? '—'
                : badge(
                    `${(d.successRate * 100).toFixed(1)} %`,
                    d.successRate >= 0.99 ? 'ok' : d.successRate >= 0.9 ? 'warn' : 'bad',
                  ),
              count(d.attempts),
              count(d.backlog.pending),
              count(d.backlog.inFlight),
              count(d.backlog.dead),
              time(d.oldestDueAt),
            ]),
            { captionHidden: true },
          ),
    ),
    h(
      'p',
      { class: 'hint' },
      'From ',
      time(overview.from),
      ' to ',
      time(overview.to),
      '. Latency is this gateway process’s, since it started.',
    ),
  )
}

function sum(overview: Overview, kind: 'accepted' | 'duplicate' | 'rejected'): number {
  return overview.sources.reduce((total, s) => total + s.totals[kind], 0)
}

const stat = (label: string, value: number) =>
  h('div', null, h('dt', null, label), h('dd', null, count(value)))

const SVG = 'http://www.w3.org/2000/svg'

/** Stacked bars per bucket (accepted, duplicate, rejected), as SVG built node by node. */
function chart(overview: Overview, source: Overview['sources'][number]): Element {
  const n = overview.buckets.length
  const width = 300
  const height = 80
  const totals = overview.buckets.map(
    (_, i) =>
      (source.series.accepted[i] ?? 0) +
      (source.series.duplicate[i] ?? 0) +
      (source.series.rejected[i] ?? 0),
  )
  const max = Math.max(1, ...totals)
  const svg = document.createElementNS(SVG, 'svg')
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`)
  svg.setAttribute('class', 'chart')
  svg.setAttribute('role', 'img')
  svg.setAttribute(
    'aria-label',
    `${source.sourceId}: ${source.totals.accepted} accepted, ${source.totals.duplicate} duplicate, ${source.totals.rejected} rejected, by ${overview.bucketSeconds / 60}-minute interval`,
  )
  const barWidth = width / Math.max(n, 1)
  overview.buckets.forEach((bucket, i) => {
    let y = height
    for (const kind of ['accepted', 'duplicate', 'rejected'] as const) {
      const value = source.series[kind][i] ?? 0
      if (value === 0) continue
      const barHeight = Math.max(1, (value / max) * (height - 2))
      y -= barHeight
      const rect = document.createElementNS(SVG, 'rect')
      rect.setAttribute('x', String(i * barWidth))
      rect.setAttribute('y', String(y))
      rect.setAttribute('width', String(Math.max(barWidth - 1, 0.5)))
      rect.setAttribute('height', String(barHeight))
      rect.setAttribute('class', kind)
      const title = document.createElementNS(SVG, 'title')
      title.textContent = `${new Date(bucket).toLocaleString()}: ${value} ${kind}`
      rect.append(title)
      svg.append(rect)
    }
  })
  return svg
}
