/**
 * DOM helpers. Every text goes through `textContent` (never `innerHTML`): a webhook body, header or event type is
 * untrusted input, and rendering it as markup would hand the sender the operator's session.
 */

type Child = Node | string | number | null | undefined | false | readonly Child[]
type Props = Record<string, string | number | boolean | null | undefined | EventListener>

/**
 * Creates an element: `on*` props become listeners, `true` booleans bare attributes, the rest attributes.
 * @example h('button', { type: 'button', onclick: () => save() }, 'Save')
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue
    if (typeof value === 'function') element.addEventListener(name.slice(2), value)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  append(element, children)
  return element
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(parent, child as readonly Child[])
    else
      parent.appendChild(
        child instanceof Node ? child : document.createTextNode(String(child as string | number)),
      )
  }
}

/** Replaces the children of `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren()
  append(parent, children)
}

const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

/** A time in the viewer's zone, with UTC on hover. */
export function time(iso: string | null | undefined): HTMLElement | string {
  if (iso === null || iso === undefined) return '—'
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return h('time', { datetime: iso, title: `${date.toISOString()} (UTC)` }, local.format(date))
}

export function bytes(count: number): string {
  if (count < 1024) return `${count} B`
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`
  return `${(count / 1024 / 1024).toFixed(1)} MiB`
}

export function count(value: number): string {
  return value.toLocaleString()
}

/** A status word with its colour class (`ok`, `warn`, `bad`, `muted`). */
export function badge(text: string, tone: 'ok' | 'warn' | 'bad' | 'muted' = 'muted'): HTMLElement {
  return h('span', { class: `badge ${tone}` }, text)
}

export const DELIVERY_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'muted'> = {
  delivered: 'ok',
  pending: 'warn',
  in_flight: 'warn',
  dead: 'bad',
}

/** A button that copies `text` to the clipboard and says so. */
export function copyButton(text: () => string, label = 'Copy'): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'small' }, label)
  button.addEventListener('click', () => {
    void navigator.clipboard.writeText(text()).then(
      () => flash(button, 'Copied'),
      () => flash(button, 'Copy failed'),
    )
  })
  return button
}

/** A button that downloads `content` as a file. */
export function downloadButton(name: string, content: () => Blob, label = 'Download'): HTMLElement {
  const button = h('button', { type: 'button', class: 'small' }, label)
  button.addEventListener('click', () => {
    const url = URL.createObjectURL(content())
    const link = h('a', { href: url, download: name })
    document.body.append(link)
    link.click()
    link.remove()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  })
  return button
}

function flash(button: HTMLButtonElement, text: string): void {
  const before = button.textContent
  button.textContent = text
  setTimeout(() => (button.textContent = before), 1500)
}

/** The empty state of a view: what is missing and what to do next. */
export function empty(title: string, ...next: Child[]): HTMLElement {
  return h(
    'div',
    { class: 'empty', role: 'status' },
    h('p', { class: 'empty-title' }, title),
    ...next,
  )
}

export function errorBox(message: string): HTMLElement {
  return h('div', { class: 'error-box', role: 'alert' }, message)
}

/** A `<dl>` of label → value pairs. */
export function facts(rows: readonly (readonly [string, Child])[]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([label, value]) => [h('dt', null, label), h('dd', null, value)]),
  )
}

/** A table with a caption, column headers and rows. */
export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly (readonly Child[])[],
  options: { captionHidden?: boolean } = {},
): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      h('caption', { class: options.captionHidden === true ? 'visually-hidden' : null }, caption),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headers.map((name) => h('th', { scope: 'col' }, name)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((cells) =>
          h(
            'tr',
            null,
            cells.map((cell) => h('td', null, cell)),
          ),
        ),
      ),
    ),
  )
}

/** Name/value pairs (headers, form fields) as a two-column table, both in monospace, values wrapping. */
export function pairsTable(
  caption: string,
  columns: readonly [string, string],
  pairs: readonly (readonly [string, string])[],
): HTMLElement {
  return table(
    caption,
    columns,
    pairs.map(([name, value]) => [
      h('span', { class: 'mono' }, name),
      h('span', { class: 'mono wrap' }, value),
    ]),
    { captionHidden: true },
  )
}

export function code(text: string): HTMLElement {
  return h('code', null, text)
}

/** Navigates to a hash route (views use it for filters, so the URL always says what is shown). */
export function go(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'))
  else location.hash = hash
}
