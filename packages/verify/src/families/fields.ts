/** @module families/fields  Where a preset reads the provider's event id and type, declared as data. */
import { getHeader } from '../_internal/headers.ts'
import type { VerifiedContext } from '../define.ts'

/** A header, or a dotted path into the JSON body (`action.id`). In a list, the first one present wins. */
export type FieldSource = { readonly header: string } | { readonly body: string }

export function fieldSources(
  sources: FieldSource | readonly FieldSource[] | undefined,
): readonly FieldSource[] {
  return sources === undefined ? [] : Array.isArray(sources) ? sources : [sources as FieldSource]
}

/** The first non-empty value among `sources`; numbers in the body are given as text. Runs after verification only. */
export function readField(
  context: VerifiedContext,
  sources: readonly FieldSource[],
): string | undefined {
  for (const source of sources) {
    let value: string | undefined
    if ('header' in source) {
      value = getHeader(context.headers, source.header.toLowerCase())
    } else {
      let node: unknown = context.payload()
      for (const key of source.body.split('.')) {
        node =
          typeof node === 'object' && node !== null && Object.hasOwn(node, key)
            ? (node as Record<string, unknown>)[key]
            : undefined
      }
      value = typeof node === 'string' || typeof node === 'number' ? String(node) : undefined
    }
    if (value !== undefined && value !== '') return value
  }
  return undefined
}
