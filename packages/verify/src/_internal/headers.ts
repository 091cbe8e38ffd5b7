/** @module _internal/headers */
import { fail } from '../errors.ts'
import type { HeadersLike } from '../request.ts'

/**
 * One header's value, looked up case-insensitively. A header sent twice is refused as malformed
 * rather than guessed at (Stripe's SDK does the same): a second copy is how signature smuggling starts.
 * @param name lower-case header name
 */
export function getHeader(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (headers as Headers).get(name) ?? undefined
  }
  const record = headers as Readonly<
    Record<string, string | readonly string[] | number | undefined>
  >
  let value: string | readonly string[] | number | undefined
  for (const key in record) {
    if (key.length !== name.length || (key !== name && key.toLowerCase() !== name)) continue
    const found = record[key]
    if (found === undefined) continue
    // A second spelling of the same name (`x-sig` and `X-Sig`) is the header sent twice.
    if (value !== undefined)
      fail(
        'malformed_signature',
        `The ${name} header was sent more than once; refusing to choose one.`,
      )
    value = found
  }
  if (value === undefined) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  if (value.length === 1) return value[0]
  if (value.length === 0) return undefined
  return fail(
    'malformed_signature',
    `The ${name} header was sent more than once; refusing to choose one.`,
  )
}
