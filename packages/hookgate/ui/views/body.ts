/** A stored body shown the way it was meant: pretty JSON, form fields or text, with the exact bytes a click away. */
import { h, pairsTable, replace } from '../dom.ts'

export function bodyBlock(
  body: string,
  encoding: 'utf8' | 'base64',
  contentType: string | undefined,
): HTMLElement {
  const raw = h('pre', { class: 'body', tabindex: '0', 'aria-label': 'Raw body' }, body)
  if (encoding === 'base64')
    return h(
      'div',
      null,
      h(
        'p',
        { class: 'hint' },
        'Not UTF-8 text: shown as base64 (Download gives the exact bytes).',
      ),
      raw,
    )
  const pretty = prettyView(body, contentType)
  if (pretty === undefined) return raw
  const holder = h('div', { class: 'body-view' })
  const prettyButton = h(
    'button',
    { type: 'button', class: 'small', 'aria-pressed': 'true' },
    pretty.label,
  )
  const rawButton = h('button', { type: 'button', class: 'small', 'aria-pressed': 'false' }, 'Raw')
  const show = (which: 'pretty' | 'raw') => {
    prettyButton.setAttribute('aria-pressed', String(which === 'pretty'))
    rawButton.setAttribute('aria-pressed', String(which === 'raw'))
    replace(holder, which === 'pretty' ? pretty.element : raw)
  }
  prettyButton.addEventListener('click', () => show('pretty'))
  rawButton.addEventListener('click', () => show('raw'))
  show('pretty')
  return h(
    'div',
    null,
    h(
      'div',
      { class: 'toggle', role: 'group', 'aria-label': 'Body view' },
      prettyButton,
      rawButton,
    ),
    holder,
  )
}

function prettyView(
  body: string,
  contentType: string | undefined,
): { label: string; element: HTMLElement } | undefined {
  const type = (contentType ?? '').toLowerCase()
  const trimmed = body.trimStart()
  if (type.includes('json') || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const text = JSON.stringify(JSON.parse(body), null, 2)
      return {
        label: 'JSON',
        element: h('pre', { class: 'body', tabindex: '0', 'aria-label': 'Body as JSON' }, text),
      }
    } catch {
      return undefined
    }
  }
  if (type.includes('x-www-form-urlencoded')) {
    const fields = [...new URLSearchParams(body)]
    return {
      label: 'Form',
      element: pairsTable('Form fields', ['Field', 'Value'], fields),
    }
  }
  if (type.includes('xml') && trimmed.startsWith('<')) {
    return {
      label: 'XML',
      element: h(
        'pre',
        { class: 'body', tabindex: '0', 'aria-label': 'Body as XML' },
        indentXml(body),
      ),
    }
  }
  return undefined
}

/** Line breaks and indentation between tags; text nodes untouched. */
function indentXml(xml: string): string {
  let depth = 0
  return xml
    .replace(/>\s*</g, '>\n<')
    .split('\n')
    .map((line) => {
      if (/^<\//.test(line)) depth = Math.max(0, depth - 1)
      const out = '  '.repeat(depth) + line
      if (/^<[^!?/][^>]*[^/]>$/.test(line) && !/<\//.test(line)) depth += 1
      return out
    })
    .join('\n')
}
