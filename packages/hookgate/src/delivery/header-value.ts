/**
 * @module delivery/header-value
 * The encoding of the `x-hookgate-*` values the forwarder sends. They come from verified payloads (an event
 * type is whatever the provider wrote: `order.✓`, `注文.作成`, `order\ncreated`), and `node:http` refuses a
 * header value outside Latin-1 or with control characters (`ERR_INVALID_CHAR`), so such an event could be
 * stored but never delivered.
 *
 * The rule: the value's UTF-8 bytes, each one outside printable ASCII `!`…`~` (0x21–0x7E), and `%` itself,
 * written as `%XX` (upper-case hex), i.e. the percent-encoding of RFC 8187 §3.2 without its charset prefix.
 * `invoice.paid` is sent as is; `decodeURIComponent(value)` gives the original back in every case (`%` is
 * always encoded, so a value never needs to be guessed at). Space is encoded too, because HTTP trims
 * leading and trailing whitespace from header values.
 */

const PERCENT = 0x25

/**
 * Encodes a value for an HTTP header as described in the module comment.
 * @example encodeHeaderValue('注文.作成') // '%E6%B3%A8%E6%96%87.%E4%BD%9C%E6%88%90'
 * @example encodeHeaderValue('invoice.paid') // 'invoice.paid'
 */
export function encodeHeaderValue(value: string): string {
  if (/^[\x21-\x24\x26-\x7e]*$/.test(value)) return value
  let out = ''
  for (const byte of Buffer.from(value, 'utf8')) {
    out +=
      byte >= 0x21 && byte <= 0x7e && byte !== PERCENT
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}
