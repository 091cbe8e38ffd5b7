/** Sources: the URL to give each provider (with a copy button), its provider, last event and handshake. */
import { api, type Source } from '../api.ts'
import { code, copyButton, empty, h, replace, table, time } from '../dom.ts'

export async function sourcesView(main: HTMLElement) {
  const { items } = await api<{ items: Source[] }>('/api/sources')
  const urlOf = (source: Source) => source.url ?? `${location.origin}${source.path}`
  replace(
    main,
    h('h1', null, 'Sources'),
    h(
      'p',
      { class: 'hint' },
      'Give each provider its source’s URL. Without ',
      code('server.publicUrl'),
      ' the URL is shown as this page reaches the gateway; behind a proxy or tunnel, use the public address.',
    ),
    items.length === 0
      ? empty(
          'No sources configured.',
          h('p', null, 'Add one under ', code('sources:'), ' in the configuration.'),
        )
      : table(
          'Configured sources',
          [
            'Source',
            'Provider',
            'URL for the provider',
            'Last event',
            'Handshake',
            'Captures failures',
          ],
          items.map((source) => [
            h('a', { href: `#/events?source=${encodeURIComponent(source.id)}` }, source.id),
            source.provider,
            h(
              'span',
              { class: 'url-cell' },
              h('span', { class: 'mono wrap' }, urlOf(source)),
              copyButton(() => urlOf(source), 'Copy URL'),
            ),
            source.lastEventAt === null ? 'none yet' : time(source.lastEventAt),
            source.handshake === null ? 'none needed' : source.handshake.description,
            source.captureRejected ? 'yes' : 'no',
          ]),
          { captionHidden: true },
        ),
  )
}
